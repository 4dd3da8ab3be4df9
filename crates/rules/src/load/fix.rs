//! A rule's fix as data: `[[rule.fix_part]]` (pieces shown where their condition holds) and
//! `[[rule.fix_edit]]` (the edits a person makes), and the fact placeholders of fix texts.

use super::{FileCx, RawRule, compile_cond, entries, string_list, string_start};
use crate::catalogue;
use crate::model::{FixEdit, FixPart, fix_placeholders as placeholders};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

const PART_KEYS: &[&str] = &["when", "text"];
const EDIT_KEYS: &[&str] = &[
    "kind", "key", "value", "flag", "replaces", "file", "mode", "args", "path",
];
const EDIT_KINDS: &[&str] = &[
    "toml-set",
    "jvm-flag",
    "chmod",
    "keytool",
    "xml-set",
    "properties-set",
    "ciphertool",
    "random-hex",
];

/// Facts a fix text names; an unknown one is an error at its offset.
pub(super) fn text_facts(cx: &mut FileCx<'_>, text: &str, offset: usize) -> Vec<String> {
    let mut named = Vec::new();
    for (at, name) in placeholders(text) {
        if name == "fix_parts" {
            continue;
        }
        if catalogue::fact_type(name).is_some() {
            named.push(name.to_string());
        } else {
            cx.error(
                offset + at,
                format!("unknown fact `{{{name}}}` in a fix (`preflight rules facts` lists them)"),
            );
        }
    }
    named
}

fn tables<'a, 'i>(
    cx: &mut FileCx<'_>,
    raw: &'a RawRule<'a, 'i>,
    key: &str,
) -> Vec<(usize, &'a DeTable<'i>)> {
    let Some((_, v)) = raw.fields.get(key) else {
        return Vec::new();
    };
    let DeValue::Array(items) = v.get_ref() else {
        cx.error(
            v.span().start,
            format!("`{key}` must be an array of tables: write [[rule.{key}]]"),
        );
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items.iter() {
        match item.get_ref() {
            DeValue::Table(t) => out.push((item.span().start, t)),
            _ => cx.error(
                item.span().start,
                format!("`{key}` entries are tables: write [[rule.{key}]]"),
            ),
        }
    }
    out
}

fn string(cx: &mut FileCx<'_>, v: &Spanned<DeValue<'_>>, what: &str) -> Option<(String, usize)> {
    match v.get_ref() {
        DeValue::String(s) => Some((s.to_string(), string_start(&cx.file.text, v.span()))),
        _ => {
            cx.error(v.span().start, format!("`{what}` must be a string"));
            None
        }
    }
}

/// `[[rule.fix_part]]` tables, with the facts their texts name.
pub(super) fn parts(cx: &mut FileCx<'_>, raw: &RawRule<'_, '_>) -> (Vec<FixPart>, Vec<String>) {
    let mut out = Vec::new();
    let mut named = Vec::new();
    for (at, t) in tables(cx, raw, "fix_part") {
        let (mut when, mut text) = (None, None);
        for (key, kspan, value) in entries(t) {
            match key {
                "when" => {
                    when = string(cx, value, "fix_part.when")
                        .and_then(|(s, off)| compile_cond(cx, &s, off, None, false))
                }
                "text" => {
                    if let Some((s, off)) = string(cx, value, "fix_part.text") {
                        named.extend(text_facts(cx, &s, off));
                        text = Some(s);
                    }
                }
                _ => cx.unknown_key(key, kspan.start, PART_KEYS, "[[rule.fix_part]]"),
            }
        }
        match (when, text) {
            (Some(when), Some(text)) => out.push(FixPart { when, text }),
            _ => cx.error(at, "a fix_part needs `when` (a condition) and `text`"),
        }
    }
    (out, named)
}

/// `[[rule.fix_edit]]` tables, with the facts their texts name.
pub(super) fn edits(cx: &mut FileCx<'_>, raw: &RawRule<'_, '_>) -> (Vec<FixEdit>, Vec<String>) {
    let mut out = Vec::new();
    let mut named = Vec::new();
    for (at, t) in tables(cx, raw, "fix_edit") {
        let mut f = std::collections::BTreeMap::new();
        for (key, kspan, value) in entries(t) {
            if EDIT_KEYS.contains(&key) {
                f.insert(key, value);
            } else {
                cx.unknown_key(key, kspan.start, EDIT_KEYS, "[[rule.fix_edit]]");
            }
        }
        let mut text = |cx: &mut FileCx<'_>, key: &str| {
            let (s, off) = string(cx, f.get(key)?, &format!("fix_edit.{key}"))?;
            named.extend(text_facts(cx, &s, off));
            Some(s)
        };
        let kind = text(cx, "kind").unwrap_or_default();
        let edit = match kind.as_str() {
            "toml-set" => toml_set(cx, &f, &mut text),
            "jvm-flag" => text(cx, "flag").map(|flag| FixEdit::JvmFlag {
                flag,
                replaces: text(cx, "replaces"),
            }),
            "chmod" => chmod(cx, &f, &mut text),
            "xml-set" | "properties-set" => file_set(cx, &kind, &mut text),
            "ciphertool" => Some(FixEdit::Ciphertool),
            "random-hex" => text(cx, "key").map(|key| FixEdit::RandomHex { key }),
            "keytool" => f.get("args").map(|v| FixEdit::Keytool {
                args: string_list(cx, v, "fix_edit.args")
                    .into_iter()
                    .map(|(s, _)| s)
                    .collect(),
            }),
            other => {
                cx.error(
                    at,
                    format!(
                        "fix_edit kind `{other}` is not one of {}",
                        EDIT_KINDS.join(", ")
                    ),
                );
                continue;
            }
        };
        match edit {
            Some(e) => out.push(e),
            None => cx.error(at, format!("this `{kind}` fix_edit misses a key it needs")),
        }
    }
    (out, named)
}

type Fields<'a, 'i> = std::collections::BTreeMap<&'a str, &'a Spanned<DeValue<'i>>>;

fn toml_set(
    cx: &mut FileCx<'_>,
    f: &Fields<'_, '_>,
    text: &mut dyn FnMut(&mut FileCx<'_>, &str) -> Option<String>,
) -> Option<FixEdit> {
    let key = text(cx, "key")?;
    let v = f.get("value")?;
    // The value as written in the rule file: a string, number, boolean or array.
    let value = cx.file.text.get(v.span())?.to_string();
    Some(FixEdit::TomlSet { key, value })
}

/// `xml-set` (file, path, value) and `properties-set` (file, key, value).
fn file_set(
    cx: &mut FileCx<'_>,
    kind: &str,
    text: &mut dyn FnMut(&mut FileCx<'_>, &str) -> Option<String>,
) -> Option<FixEdit> {
    let file = text(cx, "file")?;
    let value = text(cx, "value")?;
    Some(match kind {
        "xml-set" => FixEdit::XmlSet {
            file,
            path: text(cx, "path")?,
            value,
        },
        _ => FixEdit::PropertiesSet {
            file,
            key: text(cx, "key")?,
            value,
        },
    })
}

fn chmod(
    cx: &mut FileCx<'_>,
    f: &Fields<'_, '_>,
    text: &mut dyn FnMut(&mut FileCx<'_>, &str) -> Option<String>,
) -> Option<FixEdit> {
    let file = text(cx, "file")?;
    let (mode, off) = string(cx, f.get("mode")?, "fix_edit.mode")?;
    match u32::from_str_radix(&mode, 8) {
        Ok(mode) if mode <= 0o7777 => Some(FixEdit::Chmod { file, mode }),
        _ => {
            cx.error(
                off,
                format!("`mode` is an octal file mode like \"600\"; `{mode}` is not"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::model::fix_placeholders as placeholders;

    #[test]
    fn fix_placeholders_are_fact_names_only() {
        let t = "set `password = \"$secret{admin_password}\"` in {jvm.script|bin/api-manager.sh}, pattern {%c} {…} {fix_parts}";
        let names: Vec<&str> = placeholders(t).into_iter().map(|(_, n)| n).collect();
        assert_eq!(names, ["jvm.script", "fix_parts"]);
    }
}
