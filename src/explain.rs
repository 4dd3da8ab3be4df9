//! Human and JSON views of the rule pack, the fleet rules and the fact catalogue:
//! `rules list|explain|facts`.

use crate::facts::catalogue::{self, CATALOGUE};
use crate::fleet::rules::{Check, Compare, FleetRule, Level, Scope, Unset};
use crate::report::columns::{self, Cell, PADDING};
use crate::rules::{Rule, RuleSet};
use serde_json::json;

fn level(rule: &Rule) -> &'static str {
    if rule.manual.is_some() {
        return "M";
    }
    let fails = rule.fail.is_some() || rule.cases.iter().any(|c| c.fail.is_some());
    let warns = rule.warn.is_some() || rule.cases.iter().any(|c| c.warn.is_some());
    match (fails, warns) {
        (true, true) => "F/W",
        (true, false) => "F",
        _ => "W",
    }
}

fn when_text(w: &crate::rules::model::When) -> String {
    let mut parts = Vec::new();
    if let Some(v) = &w.version {
        parts.push(format!("version {}", v.text));
    }
    if !w.profiles.is_empty() {
        parts.push(format!("profile {}", w.profiles.join("|")));
    }
    if !w.os.is_empty() {
        parts.push(format!("os {}", w.os.join("|")));
    }
    if let Some(c) = &w.condition {
        parts.push(c.text.clone());
    }
    if parts.is_empty() {
        "always".into()
    } else {
        parts.join(", ")
    }
}

/// The pack grouped by category: a table `width` columns wide, or JSON for scripts.
pub(crate) fn list(set: &RuleSet, as_json: bool, width: u16) -> String {
    if as_json {
        let rules: Vec<_> = set
            .rules
            .iter()
            .map(|r| {
                json!({
                    "id": r.id, "title": r.title, "category": r.category, "level": level(r),
                    "facts": r.facts(), "scope": r.scope, "pack": r.pack, "docs": r.docs,
                    "sources": r.sources, "docs_only": r.docs_only,
                })
            })
            .collect();
        let packs: Vec<_> = set
            .packs
            .iter()
            .map(|p| json!({ "name": p.name, "version": p.version }))
            .collect();
        return serde_json::to_string_pretty(&json!({ "packs": packs, "rules": rules }))
            .unwrap_or_default()
            + "\n";
    }
    let mut out = String::new();
    let order = set.category_order();
    let mut titles: Vec<&str> = Vec::new();
    for (_, title) in &order {
        if !titles.contains(&title.as_str()) {
            titles.push(title);
        }
    }
    for title in titles {
        let ids: Vec<&str> = order
            .iter()
            .filter(|(_, t)| t == title)
            .map(|(id, _)| id.as_str())
            .collect();
        let rules: Vec<&Rule> = set
            .rules
            .iter()
            .filter(|r| ids.contains(&r.category.as_str()))
            .collect();
        if rules.is_empty() {
            continue;
        }
        out.push_str(title);
        out.push('\n');
        out.push_str(&rule_table(&rules, width));
        out.push('\n');
    }
    out.push_str(&format!("{} rules\n", set.rules.len()));
    out
}

/// Rules as a borderless table (comfy-table): id and level whole, the title wrapped at word
/// boundaries to what the width leaves.
fn rule_table(rules: &[&Rule], width: u16) -> String {
    use comfy_table::{ColumnConstraint, ContentArrangement, Table, presets};
    let mut table = Table::new();
    table.load_preset(presets::NOTHING);
    for r in rules {
        table.add_row(vec![r.id.as_str(), level(r), r.title.as_str()]);
    }
    let natural = table.to_string();
    let text = if natural
        .lines()
        .any(|l| columns::width(l) > usize::from(width))
    {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(width);
        for i in 0..2 {
            if let Some(c) = table.column_mut(i) {
                c.set_constraint(ColumnConstraint::ContentWidth);
            }
        }
        table.to_string()
    } else {
        natural
    };
    text.lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect()
}

/// One rule in full: what, why, facts read, conditions, fix, docs.
pub(crate) fn explain(r: &Rule) -> String {
    let mut out = format!(
        "{} — {}\ncategory: {}   level: {}   scope: {:?}\n",
        r.id,
        r.title,
        r.category,
        level(r),
        r.scope
    );
    out.push_str(&format!("defined at: {} (pack {})\n", r.defined_at, r.pack));
    if let Some(why) = &r.rationale {
        out.push_str(&format!("\nwhy: {why}\n"));
    }
    reads(&mut out, r.facts().iter().map(String::as_str));
    if let Some(c) = &r.when.version {
        out.push_str(&format!("\napplies to versions: {}\n", c.text));
    }
    if !r.when.profiles.is_empty() {
        out.push_str(&format!(
            "applies to profiles: {}\n",
            r.when.profiles.join(", ")
        ));
    }
    if !r.cases.is_empty() {
        out.push_str("\ncases (the first whose `when` holds decides):\n");
        for c in &r.cases {
            out.push_str(&format!("  when {}:\n", when_text(&c.when)));
            if let Some(f) = &c.fail {
                out.push_str(&format!("    fails when: {}\n", f.text));
            }
            if let Some(w) = &c.warn {
                out.push_str(&format!("    warns when: {}\n", w.text));
            }
        }
    }
    if let Some(c) = &r.fail {
        out.push_str(&format!("\nfails when: {}\n", c.text));
    }
    if let Some(c) = &r.warn {
        out.push_str(&format!("warns when: {}\n", c.text));
    }
    if let Some(m) = &r.manual {
        out.push_str(&format!("\nconfirm by hand: {m}\n"));
    }
    if let Some(fix) = &r.fix {
        out.push_str(&format!("\nfix: {fix}\n"));
    }
    for p in &r.fix_parts {
        out.push_str(&format!(
            "  {{fix_parts}} holds {} when {}\n",
            p.text, p.when.text
        ));
    }
    for e in &r.fix_edits {
        out.push_str(&format!("  as an edit: {}\n", edit_text(e)));
    }
    for d in &r.docs {
        out.push_str(&format!("docs: {d}\n"));
    }
    if !r.sources.is_empty() {
        out.push_str("\nsources:\n");
        for s in &r.sources {
            out.push_str(&format!("  {s}\n"));
        }
    }
    if let Some(why) = &r.docs_only {
        out.push_str(&format!("  (documents only: {why})\n"));
    }
    out
}

/// `reads:` and each fact with its type and description.
fn reads<'a>(out: &mut String, facts: impl Iterator<Item = &'a str>) {
    out.push_str("\nreads:\n");
    for f in facts {
        let spec = catalogue::lookup(f);
        let (ty, desc) = spec.map_or(("?", ""), |s| {
            (
                catalogue::fact_type(f).map_or("?", |t| t.name()),
                s.description,
            )
        });
        out.push_str(&format!("  {f} ({ty}): {desc}\n"));
    }
}

/// One fleet rule in full: what it compares across nodes, among which nodes, the facts it
/// reads, its fix, docs and sources.
pub(crate) fn explain_fleet(r: &FleetRule) -> String {
    let level = match r.level {
        Level::Fail => "F",
        Level::Warn => "W",
    };
    let check = match r.check {
        Check::Same => "the same value on every node compared",
        Check::Distinct => "no value shared by nodes (except all nodes of one profile)",
        Check::Complete => "a report from every node --expect names, and from no other",
        Check::Redundant => "enough nodes of each serving profile",
    };
    let mut out = format!(
        "{} — {}\ncategory: fleet   level: {level}   across nodes: {check}\n",
        r.id, r.title
    );
    out.push_str(&format!("defined at: {}\n", r.defined_at));
    if r.check == Check::Redundant {
        out.push_str(&format!(
            "\nat least {} nodes of each of: {}\n",
            r.min_nodes,
            r.profiles.join(", ")
        ));
    }
    if !r.never_shared.is_empty() {
        out.push_str(&format!("never shared: {}\n", r.never_shared.join(", ")));
    }
    for c in &r.compare {
        out.push_str(&format!("\ncompares {}: {}\n", c.label, compare_text(c)));
    }
    if r.compare.iter().any(|c| !c.facts.is_empty()) {
        reads(&mut out, r.facts());
    }
    if let Some(fix) = &r.fix {
        out.push_str(&format!("\nfix: {fix}\n"));
    }
    for d in &r.docs {
        out.push_str(&format!("docs: {d}\n"));
    }
    out.push_str("\nsources:\n");
    for s in &r.sources {
        out.push_str(&format!("  {s}\n"));
    }
    if let Some(why) = &r.docs_only {
        out.push_str(&format!("  (documents only: {why})\n"));
    }
    out
}

/// Among which nodes a compare block compares, in words.
fn compare_text(c: &Compare) -> String {
    let mut parts = vec![match c.scope {
        Scope::All => "all nodes together".to_string(),
        Scope::Profile => "the nodes of each profile apart".to_string(),
    }];
    if !c.profiles.is_empty() {
        parts.push(format!("only {}", c.profiles.join(", ")));
    }
    if let Some(v) = &c.min_version {
        parts.push(format!("APIM {v} or later"));
    }
    parts.push(match c.unset {
        Unset::Same => "unset counts as a value".to_string(),
        Unset::Distinct => "a node without it has its own".to_string(),
        Unset::Ignore => "nodes without it are left out".to_string(),
    });
    if !c.per_node_values.is_empty() {
        parts.push(format!("{} is per node", c.per_node_values.join(", ")));
    }
    parts.join("; ")
}

/// The fact catalogue as a table.
pub(crate) fn catalogue() -> String {
    let width = |f: fn(&catalogue::FactSpec) -> &str| {
        CATALOGUE.iter().map(|s| f(s).len()).max().unwrap_or(0) + PADDING
    };
    let widths = [
        width(|s| s.name),
        width(|s| s.ty.name()),
        width(|s| s.family.name()),
        usize::MAX,
    ];
    let mut out = String::new();
    let mut line = |texts: [&str; 4]| {
        let cells: Vec<Cell> = texts
            .iter()
            .zip(widths)
            .map(|(t, w)| Cell::new(t, w))
            .collect();
        columns::row(&mut out, &cells);
    };
    line(["fact", "type", "probe", "description"]);
    for s in CATALOGUE {
        line([s.name, s.ty.name(), s.family.name(), s.description]);
    }
    out.push('\n');
    out
}

/// One fix edit as a person would read it.
fn edit_text(e: &crate::rules::model::FixEdit) -> String {
    use crate::rules::model::FixEdit;
    match e {
        FixEdit::TomlSet { key, value } => format!("set {key} = {value} in deployment.toml"),
        FixEdit::JvmFlag { flag, replaces } => match replaces {
            Some(r) => format!("{flag} in place of {r}… in the start script"),
            None => format!("add {flag} to the start script's java command"),
        },
        FixEdit::Chmod { file, mode } => format!("chmod {mode:o} {file}"),
        FixEdit::Keytool { args } => format!("keytool {}", args.join(" ")),
        FixEdit::XmlSet { file, path, value } => format!("set {path} to {value} in {file}"),
        FixEdit::PropertiesSet { file, key, value } => format!("set {key} = {value} in {file}"),
        FixEdit::Ciphertool => "run ./bin/ciphertool.sh -Dconfigure".to_string(),
        FixEdit::RandomHex { key } => {
            format!("set {key} = \"[<the output of openssl rand -hex 32>]\" in deployment.toml")
        }
    }
}
