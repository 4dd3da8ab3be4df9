//! Pure evaluation of fleet rules over the nodes' facts: no I/O, one result per fleet rule.

use super::Node;
use super::rules::{Check, Compare, FleetRule, Scope, Unset};
use crate::report::{RuleResult, Status};
use crate::value::Value;
use std::collections::BTreeMap;

/// How many node names a message lists before `and N more`.
const NAMES_SHOWN: usize = 5;

/// One result per fleet rule, in rule order.
pub fn evaluate(rules: &[FleetRule], nodes: &[Node]) -> Vec<RuleResult> {
    rules.iter().map(|r| evaluate_rule(r, nodes)).collect()
}

/// What one compare block found.
struct Part {
    status: Status,
    message: String,
    observed: Option<String>,
}

fn evaluate_rule(rule: &FleetRule, nodes: &[Node]) -> RuleResult {
    let parts: Vec<Part> = rule
        .compare
        .iter()
        .map(|c| match rule.check {
            Check::Same => same(rule, c, nodes),
            Check::Distinct => distinct(rule, c, nodes),
        })
        .collect();
    let status = parts
        .iter()
        .map(|p| p.status)
        .max_by_key(|s| severity(*s))
        .unwrap_or(Status::Skip);
    // A skipped block says nothing when another block checked something.
    let shown: Vec<&Part> = parts
        .iter()
        .filter(|p| status == Status::Skip || p.status != Status::Skip)
        .collect();
    let message = shown
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ");
    let observed: Vec<&str> = shown.iter().filter_map(|p| p.observed.as_deref()).collect();
    RuleResult {
        id: rule.id.clone(),
        title: rule.title.clone(),
        category: "fleet".into(),
        status,
        reason: matches!(status, Status::Skip | Status::Error).then(|| message.clone()),
        message,
        observed: (!observed.is_empty()).then(|| observed.join("; ")),
        expected: Some(match rule.check {
            Check::Same => "the same value on every node compared".into(),
            Check::Distinct => {
                "a hostname of its own per node, or one shared by all nodes of a profile".into()
            }
        }),
        fix: rule.fix.clone(),
        docs: rule.docs.clone(),
        location: None,
        waiver: None,
        attestation: None,
        duration_ms: 0,
    }
}

/// Order of statuses when several parts combine: the worst wins.
pub fn severity(s: Status) -> u8 {
    match s {
        Status::Skip => 0,
        Status::Manual => 1,
        Status::Pass => 2,
        Status::Warn => 3,
        Status::Error => 4,
        Status::Fail => 5,
    }
}

/// A node's value for a compare block.
enum Key {
    /// The values, one per fact (`None` where unset).
    Value(Vec<Option<String>>),
    /// The node has its own (unset with `unset = "distinct"`, or a per-node value such as H2).
    Own(String),
    /// Left out (unset with `unset = "ignore"`).
    Ignored,
}

/// The value of one fact on a node: `Ok(None)` when unset, `Err` when it could not be observed.
fn fact_value(node: &Node, name: &str) -> Result<Option<String>, String> {
    match node.facts.get(name) {
        Some(f) => match f.get() {
            Ok(Value::Null) => Ok(None),
            Ok(v) => Ok(Some(v.to_string())),
            Err(reason) => Err(format!("{name}: {reason}")),
        },
        // `preflight facts` writes every deployment.toml key, so an absent one is unset.
        None if name.starts_with("deployment.") && node.has_config => Ok(None),
        None => Err(format!(
            "{name} is not in the facts file (collect it with `preflight facts` of this version)"
        )),
    }
}

fn key(node: &Node, c: &Compare) -> Result<Key, String> {
    let values = c
        .facts
        .iter()
        .map(|f| fact_value(node, f))
        .collect::<Result<Vec<_>, _>>()?;
    if values.iter().all(Option::is_none) {
        return Ok(match c.unset {
            Unset::Same => Key::Value(values),
            Unset::Distinct => Key::Own("not set".into()),
            Unset::Ignore => Key::Ignored,
        });
    }
    if let Some(Some(first)) = values.first()
        && c.per_node_values
            .iter()
            .any(|v| v.eq_ignore_ascii_case(first))
    {
        return Ok(Key::Own(first.clone()));
    }
    Ok(Key::Value(values))
}

fn display(values: &[Option<String>]) -> String {
    let set: Vec<String> = values.iter().flatten().map(|v| short(v)).collect();
    if set.is_empty() {
        "(not set)".into()
    } else {
        set.join(", ")
    }
}

/// Long values (fingerprints, digests, URLs) cut to what tells them apart in a message.
fn short(v: &str) -> String {
    if v.chars().count() > 48 {
        let head: String = v.chars().take(47).collect();
        format!("{head}…")
    } else {
        v.to_string()
    }
}

/// `a, b, c, d, e and 3 more`.
pub fn names(list: &[&str]) -> String {
    let shown = list.iter().take(NAMES_SHOWN).copied().collect::<Vec<_>>();
    let more = list.len().saturating_sub(NAMES_SHOWN);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

fn plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// The nodes a compare block looks at, grouped by profile when its scope says so.
fn groups<'n>(c: &Compare, nodes: &'n [Node]) -> (BTreeMap<String, Vec<&'n Node>>, usize) {
    let mut out: BTreeMap<String, Vec<&Node>> = BTreeMap::new();
    let mut excluded = 0;
    for n in nodes {
        let profile_ok = c.profiles.is_empty() || c.profiles.contains(&n.profile);
        let version_ok = match (&c.min_version, &n.version) {
            (Some(min), Some(v)) => v >= min,
            _ => true,
        };
        if !(profile_ok && version_ok) {
            excluded += 1;
            continue;
        }
        let group = match c.scope {
            Scope::All => String::new(),
            Scope::Profile => n.profile.clone(),
        };
        out.entry(group).or_default().push(n);
    }
    (out, excluded)
}

fn scope_text(c: &Compare) -> String {
    let mut s = Vec::new();
    if !c.profiles.is_empty() {
        s.push(c.profiles.join("/"));
    }
    if let Some(v) = &c.min_version {
        s.push(format!("APIM {v} or later"));
    }
    if s.is_empty() {
        String::new()
    } else {
        format!(" ({})", s.join(", "))
    }
}

fn skipped(c: &Compare, excluded: usize) -> Part {
    Part {
        status: Status::Skip,
        message: format!(
            "{}: no node to compare{} ({} left out)",
            c.label,
            scope_text(c),
            plural(excluded, "node")
        ),
        observed: None,
    }
}

/// `could not compare on a, b: reason; on c: other reason` (nodes grouped by reason).
fn unknown_text(unknown: &[(&str, String)]) -> String {
    let mut by_reason: Vec<(&str, Vec<&str>)> = Vec::new();
    for (n, why) in unknown {
        match by_reason.iter_mut().find(|(w, _)| w == why) {
            Some((_, ns)) => ns.push(n),
            None => by_reason.push((why, vec![n])),
        }
    }
    let shown: Vec<String> = by_reason
        .iter()
        .take(3)
        .map(|(why, ns)| format!("on {}: {why}", names(ns)))
        .collect();
    let more = by_reason.len().saturating_sub(3);
    format!(
        "could not compare {}{}",
        shown.join("; "),
        if more > 0 {
            format!("; and for {more} more reasons")
        } else {
            String::new()
        }
    )
}

/// `check = "same"`: every node of a group has the same value.
fn same(rule: &FleetRule, c: &Compare, nodes: &[Node]) -> Part {
    let (groups, excluded) = groups(c, nodes);
    if groups.is_empty() {
        return skipped(c, excluded);
    }
    let what = c.label.as_str();
    let mut differing = Vec::new();
    let mut agreeing = Vec::new();
    let mut unknown: Vec<(&str, String)> = Vec::new();
    let mut observed = Vec::new();
    for (group, members) in &groups {
        // Distinct values in order of first appearance, each with its nodes.
        let mut classes: Vec<(String, Vec<&str>)> = Vec::new();
        let mut index: BTreeMap<Vec<Option<String>>, usize> = BTreeMap::new();
        for n in members {
            match key(n, c) {
                Err(why) => unknown.push((&n.name, why)),
                Ok(Key::Ignored) => {}
                Ok(Key::Own(what)) => {
                    classes.push((format!("{what} (per node)"), vec![n.name.as_str()]));
                }
                Ok(Key::Value(v)) => match index.get(&v) {
                    Some(&i) => classes[i].1.push(&n.name),
                    None => {
                        index.insert(v.clone(), classes.len());
                        classes.push((display(&v), vec![n.name.as_str()]));
                    }
                },
            }
        }
        let label = if group.is_empty() {
            "nodes".to_string()
        } else {
            format!("{group} nodes")
        };
        let counted: usize = classes.iter().map(|(_, n)| n.len()).sum();
        if classes.len() > 1 {
            // Own values are listed one by one; merge them into one entry for the message.
            let mut listed: Vec<(String, Vec<&str>)> = Vec::new();
            for (v, ns) in &classes {
                match listed.iter_mut().find(|(l, _)| l == v) {
                    Some((_, all)) => all.extend(ns.iter().copied()),
                    None => listed.push((v.clone(), ns.clone())),
                }
            }
            let parts: Vec<String> = listed
                .iter()
                .map(|(v, ns)| format!("{v} on {}", names(ns)))
                .collect();
            differing.push(format!(
                "{what} differs among {label}: {}",
                parts.join("; ")
            ));
            observed.extend(listed.iter().map(|(v, ns)| format!("{v} ×{}", ns.len())));
        } else if let Some((v, _)) = classes.first() {
            let n = if counted == 1 {
                format!("only 1 of the {label}")
            } else {
                format!("all {counted} {label}")
            };
            agreeing.push(format!("{n}: {v}"));
            observed.push(v.clone());
        }
    }
    let status = if !differing.is_empty() {
        rule.level
    } else if !unknown.is_empty() {
        Status::Error
    } else {
        Status::Pass
    };
    let mut message = if !differing.is_empty() {
        differing.join("; ")
    } else if !agreeing.is_empty() {
        format!("{what}{} agrees: {}", scope_text(c), agreeing.join("; "))
    } else {
        format!("{what}{}", scope_text(c))
    };
    if !unknown.is_empty() {
        message.push_str(&format!(": {}", unknown_text(&unknown)));
    }
    Part {
        status,
        message,
        observed: Some(observed.join(", ")),
    }
}

/// `check = "distinct"`: no two nodes share a value, unless the nodes sharing it are all the
/// nodes of one (known) profile — one load-balancer name on purpose — and the value is not one
/// of `never_shared`.
fn distinct(rule: &FleetRule, c: &Compare, nodes: &[Node]) -> Part {
    let (groups, excluded) = groups(c, nodes);
    if groups.is_empty() {
        return skipped(c, excluded);
    }
    let what = c.label.as_str();
    let members: Vec<&Node> = groups.values().flatten().copied().collect();
    let mut per_profile: BTreeMap<&str, usize> = BTreeMap::new();
    for n in &members {
        *per_profile.entry(n.profile.as_str()).or_default() += 1;
    }
    let mut by_value: Vec<(String, Vec<&Node>)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let mut unknown: Vec<(&str, String)> = Vec::new();
    let mut set = 0;
    for n in &members {
        match key(n, c) {
            Err(why) => unknown.push((&n.name, why)),
            Ok(Key::Ignored) | Ok(Key::Own(_)) => {}
            Ok(Key::Value(v)) => {
                set += 1;
                let shown = display(&v);
                match index.get(&shown) {
                    Some(&i) => by_value[i].1.push(n),
                    None => {
                        index.insert(shown.clone(), by_value.len());
                        by_value.push((shown, vec![n]));
                    }
                }
            }
        }
    }
    let mut clashes = Vec::new();
    let mut on_purpose = Vec::new();
    for (value, ns) in by_value.iter().filter(|(_, ns)| ns.len() > 1) {
        let list: Vec<&str> = ns.iter().map(|n| n.name.as_str()).collect();
        let profile = ns[0].profile.as_str();
        let one_profile = ns.iter().all(|n| n.profile == profile);
        if rule
            .never_shared
            .iter()
            .any(|v| v.eq_ignore_ascii_case(value))
        {
            clashes.push(format!(
                "{value} is set on {} (never a name nodes can share)",
                names(&list)
            ));
        } else if one_profile && profile != "unknown" && per_profile[profile] == ns.len() {
            on_purpose.push(format!(
                "{value} is shared by all {} {profile} nodes (one load-balancer name)",
                ns.len()
            ));
        } else {
            clashes.push(format!(
                "{value} is shared by {}, which are not all the nodes of one profile",
                names(&list)
            ));
        }
    }
    let status = if !clashes.is_empty() {
        rule.level
    } else if !unknown.is_empty() {
        Status::Error
    } else {
        Status::Pass
    };
    let mut message = if clashes.is_empty() {
        let mut m = format!(
            "{} set {}: {} distinct",
            plural(set, "node"),
            what,
            plural(by_value.len(), "value")
        );
        if !on_purpose.is_empty() {
            m.push_str(&format!("; {}", on_purpose.join("; ")));
        }
        m
    } else {
        clashes.join("; ")
    };
    if !unknown.is_empty() {
        message.push_str(&format!("; {}", unknown_text(&unknown)));
    }
    Part {
        status,
        message,
        observed: Some(format!("{} distinct", plural(by_value.len(), "value"))),
    }
}
