//! The fleet rule compiler: `rules/fleet/*.toml` → [`FleetRule`]s, with the node compiler's
//! parsing, `file:line:col` diagnostics and "did you mean" — every problem reported at once.

use super::{
    FileCx, Item, Parsed, RawRule, Source, checked_names, docs, entries, misplaced, sources,
    string_list, string_start, valid_id,
};
use crate::catalogue::{self, FactType, PROFILES};
use crate::diag::Diagnostics;
use crate::fleet::{Check, Compare, FleetRule, Level, Scope, Unset};
use crate::value::Version;
use std::ops::Range;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

const RULE_KEYS: &[&str] = &[
    "id",
    "title",
    "level",
    "check",
    "never_shared",
    "profiles",
    "min_nodes",
    "fix",
    "docs",
    "sources",
    "docs_only",
    "compare",
];
const COMPARE_KEYS: &[&str] = &[
    "label",
    "facts",
    "scope",
    "profiles",
    "min_version",
    "unset",
    "per_node_values",
];
const LEVELS: &[(&str, Level)] = &[("fail", Level::Fail), ("warn", Level::Warn)];
const CHECKS: &[(&str, Check)] = &[
    ("same", Check::Same),
    ("distinct", Check::Distinct),
    ("complete", Check::Complete),
    ("redundant", Check::Redundant),
];
const SCOPES: &[(&str, Scope)] = &[("all", Scope::All), ("profile", Scope::Profile)];
const UNSETS: &[(&str, Unset)] = &[
    ("same", Unset::Same),
    ("distinct", Unset::Distinct),
    ("ignore", Unset::Ignore),
];

/// Compiles fleet rule files, in order.
pub fn compile_fleet(files: &[Source]) -> Result<Vec<FleetRule>, Diagnostics> {
    compile_fleet_onto(Vec::new(), files)
}

/// Compiles fleet rule files after the already compiled `base` (the shipped fleet rules), as if
/// they had been compiled together: an id `base` defines is a duplicate.
pub fn compile_fleet_onto(
    base: Vec<FleetRule>,
    files: &[Source],
) -> Result<Vec<FleetRule>, Diagnostics> {
    let mut rules = base;
    let mut diags = Vec::new();
    for file in files {
        let parsed = Parsed::new(0, file);
        diags.extend(parsed.diags.iter().cloned());
        let mut cx = FileCx {
            file,
            lines: &parsed.lines,
            diags: &mut diags,
        };
        for item in parsed.items() {
            let Item::Rule(table, span) = &item else {
                misplaced(&mut cx, &item);
                continue;
            };
            if let Some((rule, id_at)) = compile_rule(&mut cx, table, span.clone()) {
                match rules.iter().find(|r| r.id == rule.id) {
                    Some(first) => cx.error(
                        id_at,
                        format!(
                            "duplicate fleet rule id `{}` (first defined at {})",
                            rule.id, first.defined_at
                        ),
                    ),
                    None => rules.push(rule),
                }
            }
        }
    }
    match diags.is_empty() {
        true => Ok(rules),
        false => Err(Diagnostics(diags)),
    }
}

/// One `[[rule]]` table; `None` when it has no id. Also returns where its id is written.
fn compile_rule(
    cx: &mut FileCx<'_>,
    table: &DeTable<'_>,
    span: Range<usize>,
) -> Option<(FleetRule, usize)> {
    let mut raw = RawRule::default();
    for (key, kspan, value) in entries(table) {
        if RULE_KEYS.contains(&key) {
            raw.fields.insert(key, (kspan, value));
        } else {
            cx.unknown_key(key, kspan.start, RULE_KEYS, "[[rule]] of a fleet rule");
        }
    }
    let (id, id_at) = rule_id(cx, &raw, span.start)?;
    let title = required(cx, &raw, "title", span.start).map(|(t, _)| t);
    let level = choice(cx, &raw, "level", LEVELS, span.start);
    let check = choice(cx, &raw, "check", CHECKS, span.start);
    let compare = compares(cx, &raw);
    let (profiles, min_nodes) = redundancy(cx, &raw);
    if let Some(check) = check {
        check_shape(cx, &raw, (&id, id_at), check, compare.len());
    }
    let list = |cx: &mut FileCx<'_>, key: &str| match raw.fields.get(key) {
        Some((_, v)) => string_list(cx, v, key)
            .into_iter()
            .map(|(s, _)| s)
            .collect(),
        None => Vec::new(),
    };
    let rule = FleetRule {
        title: title.unwrap_or_default(),
        level: level.unwrap_or(Level::Fail),
        check: check.unwrap_or(Check::Same),
        never_shared: list(cx, "never_shared"),
        profiles,
        min_nodes,
        fix: raw.string(cx, "fix").map(|(s, _)| s),
        docs: docs(cx, &raw),
        sources: sources(cx, &raw),
        docs_only: raw.string(cx, "docs_only").map(|(s, _)| s),
        compare,
        defined_at: {
            let at = cx.at(span.start);
            format!("{}:{}", at.file, at.line)
        },
        id,
    };
    Some((rule, id_at))
}

/// A string key every fleet rule needs, and where its text starts.
fn required(
    cx: &mut FileCx<'_>,
    raw: &RawRule<'_, '_>,
    key: &str,
    rule_start: usize,
) -> Option<(String, usize)> {
    if !raw.fields.contains_key(key) {
        cx.error(
            rule_start,
            format!(
                "this fleet rule has no `{key}`; every fleet rule needs id, title, level and check"
            ),
        );
    }
    raw.string(cx, key)
}

/// The rule's id: dotted lowercase words starting with `fleet.`.
fn rule_id(
    cx: &mut FileCx<'_>,
    raw: &RawRule<'_, '_>,
    rule_start: usize,
) -> Option<(String, usize)> {
    let (id, at) = required(cx, raw, "id", rule_start)?;
    if !id.starts_with("fleet.") {
        cx.error(at, format!("fleet rule id `{id}` must start with `fleet.`"));
    } else if !valid_id(&id) {
        cx.error(
            at,
            format!(
                "fleet rule id `{id}` must be lowercase words separated by dots: fleet.same-jdk"
            ),
        );
    }
    Some((id, at))
}

/// One of a closed set of words (`level`, `check`, `scope`, `unset`); a stranger is an error
/// that offers the closest word.
fn word<T: Copy>(
    cx: &mut FileCx<'_>,
    v: &Spanned<DeValue<'_>>,
    key: &str,
    options: &[(&str, T)],
) -> Option<T> {
    let names = || options.iter().map(|(n, _)| *n);
    let DeValue::String(s) = v.get_ref() else {
        let all = names().collect::<Vec<_>>().join(", ");
        cx.error(v.span().start, format!("`{key}` must be one of: {all}"));
        return None;
    };
    if let Some((_, t)) = options.iter().find(|(n, _)| *n == s.as_ref()) {
        return Some(*t);
    }
    let hint = crate::suggest::did_you_mean_or(s, names(), || {
        format!("; use one of: {}", names().collect::<Vec<_>>().join(", "))
    });
    let at = string_start(&cx.file.text, v.span());
    cx.error(at, format!("unknown {key} `{s}`{hint}"));
    None
}

/// A required word of the rule table.
fn choice<T: Copy>(
    cx: &mut FileCx<'_>,
    raw: &RawRule<'_, '_>,
    key: &str,
    options: &[(&str, T)],
    rule_start: usize,
) -> Option<T> {
    match raw.fields.get(key) {
        Some((_, v)) => word(cx, v, key, options),
        None => {
            required(cx, raw, key, rule_start);
            None
        }
    }
}

/// Which keys a check takes: compare blocks for `same`/`distinct`, `profiles` for `redundant`.
fn check_shape(
    cx: &mut FileCx<'_>,
    raw: &RawRule<'_, '_>,
    (id, id_at): (&str, usize),
    check: Check,
    compares: usize,
) {
    let compares_values = matches!(check, Check::Same | Check::Distinct);
    if compares_values && compares == 0 && !raw.fields.contains_key("compare") {
        cx.error(id_at, format!("fleet rule `{id}` has no [[rule.compare]]"));
    }
    if !compares_values && raw.fields.contains_key("compare") {
        cx.error(
            id_at,
            format!("fleet rule `{id}`: complete and redundant checks take no [[rule.compare]]"),
        );
    }
    let has = |k: &str| raw.fields.contains_key(k);
    if check == Check::Redundant && !has("profiles") {
        cx.error(
            id_at,
            format!("fleet rule `{id}`: a redundant check needs `profiles`"),
        );
    }
    if check != Check::Redundant && (has("profiles") || has("min_nodes")) {
        cx.error(
            id_at,
            format!(
                "fleet rule `{id}`: `profiles` and `min_nodes` belong to a redundant check (per compare block, use [[rule.compare]] profiles)"
            ),
        );
    }
}

/// `profiles` and `min_nodes` (default 2, at least 2) of a redundant check.
fn redundancy(cx: &mut FileCx<'_>, raw: &RawRule<'_, '_>) -> (Vec<String>, usize) {
    let profiles = match raw.fields.get("profiles") {
        Some((_, v)) => checked_names(cx, v, "profiles", PROFILES),
        None => Vec::new(),
    };
    let Some((_, v)) = raw.fields.get("min_nodes") else {
        return (profiles, 2);
    };
    let n = match v.get_ref() {
        DeValue::Integer(i) => usize::from_str_radix(&i.as_str().replace('_', ""), i.radix()).ok(),
        _ => None,
    };
    match n {
        Some(n) if n >= 2 => (profiles, n),
        Some(_) => {
            cx.error(v.span().start, "`min_nodes` must be 2 or more");
            (profiles, 2)
        }
        None => {
            cx.error(
                v.span().start,
                "`min_nodes` must be a whole number, 2 or more",
            );
            (profiles, 2)
        }
    }
}

/// The `[[rule.compare]]` blocks.
fn compares(cx: &mut FileCx<'_>, raw: &RawRule<'_, '_>) -> Vec<Compare> {
    let Some((_, v)) = raw.fields.get("compare") else {
        return Vec::new();
    };
    let DeValue::Array(items) = v.get_ref() else {
        let msg = "`compare` must be an array of tables: write [[rule.compare]]";
        cx.error(v.span().start, msg);
        return Vec::new();
    };
    let mut out = Vec::new();
    for item in items.iter() {
        match item.get_ref() {
            DeValue::Table(t) => out.extend(compare(cx, t, item.span().start)),
            _ => cx.error(
                item.span().start,
                "`compare` entries are tables: write [[rule.compare]]",
            ),
        }
    }
    out
}

/// One compare block; `None` when it names no facts or no scope.
fn compare(cx: &mut FileCx<'_>, t: &DeTable<'_>, start: usize) -> Option<Compare> {
    let mut c = Compare {
        label: String::new(),
        facts: Vec::new(),
        scope: Scope::All,
        profiles: Vec::new(),
        min_version: None,
        unset: Unset::Same,
        per_node_values: Vec::new(),
    };
    let (mut has_facts, mut has_scope) = (false, false);
    for (key, kspan, v) in entries(t) {
        match key {
            "label" => c.label = text(cx, v, "label").unwrap_or_default(),
            "facts" => (has_facts, c.facts) = (true, facts(cx, v)),
            "scope" => (has_scope, c.scope) = (true, word(cx, v, key, SCOPES).unwrap_or(c.scope)),
            "profiles" => c.profiles = checked_names(cx, v, "profiles", PROFILES),
            "min_version" => c.min_version = version(cx, v),
            "unset" => c.unset = word(cx, v, key, UNSETS).unwrap_or_default(),
            "per_node_values" => c.per_node_values = plain_list(cx, v, key),
            _ => cx.unknown_key(key, kspan.start, COMPARE_KEYS, "[[rule.compare]]"),
        }
    }
    if !has_facts || !has_scope {
        let missing = if has_facts { "scope" } else { "facts" };
        cx.error(
            start,
            format!(
                "this compare block has no `{missing}`; every compare block needs facts and scope"
            ),
        );
        return None;
    }
    if matches!(t.get("facts").map(|v| v.get_ref()), Some(DeValue::Array(a)) if a.is_empty()) {
        cx.error(start, "this compare block lists no facts");
    }
    if c.label.is_empty() {
        c.label = c.facts.join(" + ");
    }
    Some(c)
}

fn text(cx: &mut FileCx<'_>, v: &Spanned<DeValue<'_>>, key: &str) -> Option<String> {
    match v.get_ref() {
        DeValue::String(s) => Some(s.to_string()),
        _ => {
            cx.error(v.span().start, format!("`{key}` must be a string"));
            None
        }
    }
}

fn plain_list(cx: &mut FileCx<'_>, v: &Spanned<DeValue<'_>>, key: &str) -> Vec<String> {
    string_list(cx, v, key)
        .into_iter()
        .map(|(s, _)| s)
        .collect()
}

/// The facts of a compare block: known to the catalogue, and no secret (those are compared by
/// their salted `.digest` fact).
fn facts(cx: &mut FileCx<'_>, v: &Spanned<DeValue<'_>>) -> Vec<String> {
    let mut out = Vec::new();
    for (name, at) in string_list(cx, v, "facts") {
        match catalogue::fact_type(&name) {
            None => {
                let hint = catalogue::did_you_mean(&name);
                cx.error(
                    at,
                    format!("unknown fact `{name}`{hint} (`preflight rules facts` lists them)"),
                );
            }
            Some(FactType::Secret) => cx.error(
                at,
                format!("`{name}` is a secret: fleet rules compare secrets only by salted digest (a `.digest` fact)"),
            ),
            Some(_) => out.push(name),
        }
    }
    out
}

fn version(cx: &mut FileCx<'_>, v: &Spanned<DeValue<'_>>) -> Option<Version> {
    let s = text(cx, v, "min_version")?;
    let parsed = Version::parse(&s);
    if parsed.is_none() {
        let at = string_start(&cx.file.text, v.span());
        cx.error(at, format!("`{s}` is not a version (write 4.7.0)"));
    }
    parsed
}

#[cfg(test)]
mod tests {
    use super::*;

    fn compile(text: &str) -> Result<Vec<FleetRule>, Diagnostics> {
        compile_fleet(&[Source {
            path: "f.toml".into(),
            text: text.into(),
        }])
    }

    #[test]
    fn complete_and_redundant_checks_are_checked_for_their_own_keys() {
        let text = r#"
[[rule]]
id = "fleet.r"
title = "t"
level = "warn"
check = "redundant"
profiles = ["gateway"]
min_nodes = 1

[[rule]]
id = "fleet.c"
title = "t"
level = "fail"
check = "complete"
profiles = ["gateway-worker"]

[[rule.compare]]
facts = ["jdk.vendor"]
scope = "all"
"#;
        let all = compile(text).unwrap_err().to_string();
        for want in [
            "f.toml:7:14: unknown value `gateway` in `profiles`",
            "f.toml:8:13: `min_nodes` must be 2 or more",
            "f.toml:11:7: fleet rule `fleet.c`: complete and redundant checks take no [[rule.compare]]",
            "f.toml:11:7: fleet rule `fleet.c`: `profiles` and `min_nodes` belong to a redundant check",
        ] {
            assert!(all.contains(want), "missing {want:?} in\n{all}");
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_place_and_a_likely_fix() {
        let text = r#"
[[rule]]
id = "same-x"
title = "t"
level = "fatal"
check = "sme"
levle = "warn"

[[rule.compare]]
facts = ["jdk.vendr", "deployment.super_admin.password"]
scope = "all"
profiles = ["gateway"]
min_version = "four"
unset = "ignored"
"#;
        let all = compile(text).unwrap_err().to_string();
        for want in [
            "f.toml:3:7: fleet rule id `same-x` must start with `fleet.`",
            "f.toml:5:10: unknown level `fatal`; did you mean `fail`?",
            "f.toml:6:10: unknown check `sme`; did you mean `same`?",
            "f.toml:7:1: unknown key `levle` in [[rule]] of a fleet rule; did you mean `level`?",
            "f.toml:10:11: unknown fact `jdk.vendr`; did you mean `jdk.vendor`?",
            "is a secret: fleet rules compare secrets only by salted digest",
            "f.toml:12:14: unknown value `gateway` in `profiles`",
            "f.toml:13:16: `four` is not a version",
            "f.toml:14:10: unknown unset `ignored`; did you mean `ignore`?",
        ] {
            assert!(all.contains(want), "missing {want:?} in\n{all}");
        }
        let bad = compile("[[rule]]\nid = 1\n").unwrap_err().to_string();
        assert!(
            bad.starts_with("f.toml:2:6: `id` must be a string"),
            "{bad}"
        );
        let no_title = compile("[[rule]]\nid = \"fleet.x\"\nlevel = \"fail\"\n");
        let no_title = no_title.unwrap_err().to_string();
        assert!(
            no_title.starts_with("f.toml:1:1: this fleet rule has no `title`"),
            "{no_title}"
        );
    }

    #[test]
    fn an_id_defined_before_is_a_duplicate_naming_the_first() {
        let rule =
            "[[rule]]\nid = \"fleet.a\"\ntitle = \"t\"\nlevel = \"warn\"\ncheck = \"complete\"\n";
        let base = compile(rule).unwrap();
        assert_eq!(base[0].defined_at, "f.toml:1");
        let again = Source {
            path: "g.toml".into(),
            text: rule.into(),
        };
        let e = compile_fleet_onto(base, &[again]).unwrap_err().to_string();
        assert!(
            e.starts_with(
                "g.toml:2:7: duplicate fleet rule id `fleet.a` (first defined at f.toml:1)"
            ),
            "{e}"
        );
    }

    #[test]
    fn a_rule_compiles_to_its_model() {
        let text = r#"
[[rule]]
id = "fleet.same-db"
title = "Same database"
level = "warn"
check = "same"
sources = ["https://example.org/doc"]

[[rule.compare]]
facts = ["db.shared_db.type", "deployment.database.shared_db.url"]
scope = "profile"
profiles = ["control-plane"]
min_version = "4.7.0"
unset = "distinct"
per_node_values = ["h2"]
"#;
        let r = compile(text).unwrap().remove(0);
        assert_eq!(
            (r.level, r.check, r.min_nodes),
            (Level::Warn, Check::Same, 2)
        );
        let c = &r.compare[0];
        assert_eq!(
            c.label,
            "db.shared_db.type + deployment.database.shared_db.url"
        );
        assert_eq!((c.scope, c.unset), (Scope::Profile, Unset::Distinct));
        assert_eq!(
            c.min_version.as_ref().map(|v| v.text.as_str()),
            Some("4.7.0")
        );
        assert_eq!(
            (c.profiles.as_slice(), c.per_node_values.as_slice()),
            (&["control-plane".to_string()][..], &["h2".to_string()][..])
        );
        assert_eq!(r.facts().count(), 2);
    }
}
