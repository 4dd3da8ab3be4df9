//! `.properties` text read as `java.util.Properties` reads it, shared by the files probe and the
//! JDK's `java.security`.

use std::collections::BTreeMap;

/// One key of a `.properties` file: its value and the byte offset where the key starts.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub value: String,
    pub offset: usize,
}

/// Parses `.properties` text as `java.util.Properties` does: `key = value`, `key: value`,
/// `key value`, `#`/`!` comments, backslash continuations and escapes. A later key wins.
pub fn parse_properties(text: &str) -> BTreeMap<String, Property> {
    let mut out = BTreeMap::new();
    for (offset, line) in logical_lines(text) {
        let (key, value) = split_property(&line);
        if !key.is_empty() {
            out.insert(key, Property { value, offset });
        }
    }
    out
}

/// Joins continuation lines; skips blank and comment lines. Yields (offset of the first
/// non-blank byte, logical line with escapes still in place).
fn logical_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    let mut offset = 0;
    for raw in text.split_inclusive('\n') {
        let line_start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start_matches([' ', '\t', '\x0c']);
        let start = line_start + (line.len() - trimmed.len());
        let (acc_start, mut acc) = match pending.take() {
            Some(p) => p,
            None if trimmed.is_empty() || trimmed.starts_with(['#', '!']) => continue,
            None => (start, String::new()),
        };
        let continues = trimmed.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1;
        if continues {
            acc.push_str(&trimmed[..trimmed.len() - 1]);
            pending = Some((acc_start, acc));
        } else {
            acc.push_str(trimmed);
            out.push((acc_start, acc));
        }
    }
    out.extend(pending);
    out
}

fn split_property(line: &str) -> (String, String) {
    let mut chars = line.char_indices().peekable();
    let mut key_end = line.len();
    let mut escaped = false;
    for (i, c) in chars.by_ref() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if matches!(c, '=' | ':' | ' ' | '\t' | '\x0c') {
            key_end = i;
            break;
        }
    }
    let key = &line[..key_end];
    let mut rest = line[key_end..].trim_start_matches([' ', '\t', '\x0c']);
    if let Some(r) = rest.strip_prefix(['=', ':']) {
        rest = r.trim_start_matches([' ', '\t', '\x0c']);
    }
    (unescape(key), unescape(rest))
}

fn unescape(s: &str) -> String {
    if !s.contains('\\') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => out.push_str(&format!("\\u{hex}")),
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}
