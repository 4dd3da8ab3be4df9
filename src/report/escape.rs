//! How text from the host is shown on a terminal or in Markdown: control characters (newline,
//! ESC, BEL, ...) and bidirectional overrides escaped, so a configuration value can neither
//! forge a `✔ pass` line nor recolour or retitle the terminal.

use std::borrow::Cow;

/// `s` with every control character written as an escape: `\n`, `\r`, `\t`, `\e` for ESC and
/// `\u{…}` for the rest (C0, DEL, C1, and the bidi controls that reorder a line on screen).
pub fn controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{1b}' => out.push_str("\\e"),
            c if needs_escape(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::controls;

    #[test]
    fn control_characters_are_escaped_and_plain_text_is_kept() {
        assert_eq!(controls("wso2.example.com"), "wso2.example.com");
        assert_eq!(controls("ünïcødé ✔"), "ünïcødé ✔");
        assert_eq!(
            controls("a\n ✔ pass    x\u{1b}[32m\u{7}\r\t\u{202e}"),
            "a\\n ✔ pass    x\\e[32m\\u{7}\\r\\t\\u{202e}"
        );
        assert_eq!(controls("\u{9b}31m\u{7f}"), "\\u{9b}31m\\u{7f}");
    }
}
