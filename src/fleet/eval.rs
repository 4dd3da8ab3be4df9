//! Pure evaluation of fleet rules over the nodes' facts: no I/O, one result per fleet rule.

use super::Node;
use super::rules::{Check, Compare, FleetRule, Scope, Unset, status as level_status};
use crate::report::{RuleResult, Status};
use crate::value::Value;
use std::collections::{BTreeMap, HashSet};

/// How many node names a message lists before `and N more`.
const NAMES_SHOWN: usize = 5;

/// One result per fleet rule, in rule order. `expected` is the `--expect` list: the nodes the
/// inventory names (`None` when not given).
pub fn evaluate(
    rules: &[FleetRule],
    nodes: &[Node],
    expected: Option<&[String]>,
) -> Vec<RuleResult> {
    rules
        .iter()
        .map(|r| evaluate_rule(r, nodes, expected))
        .collect()
}

/// What one compare block found.
struct Part {
    status: Status,
    message: String,
    observed: Option<String>,
}

fn evaluate_rule(rule: &FleetRule, nodes: &[Node], expected: Option<&[String]>) -> RuleResult {
    let parts: Vec<Part> = match rule.check {
        Check::Complete => vec![complete(rule, nodes, expected)],
        Check::Redundant => vec![redundant(rule, nodes)],
        Check::Same | Check::Distinct => rule
            .compare
            .iter()
            .map(|c| match rule.check {
                Check::Distinct => distinct(rule, c, nodes),
                _ => same(rule, c, nodes),
            })
            .collect(),
    };
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
        reason: matches!(status, Status::Skip | Status::Error).then(|| message.clone()),
        observed: (!observed.is_empty()).then(|| observed.join("; ")),
        expected: Some(expected_text(rule)),
        fix: rule.fix.clone(),
        docs: rule.docs.clone(),
        ..RuleResult::new(&rule.id, &rule.title, "fleet", status, message)
    }
}

/// What a rule expects of the fleet, in words.
fn expected_text(rule: &FleetRule) -> String {
    match rule.check {
        Check::Same => "the same value on every node compared".into(),
        Check::Distinct => {
            "a hostname of its own per node, or one shared by all nodes of a profile".into()
        }
        Check::Complete => "a report from every node --expect names, and from no other".into(),
        Check::Redundant => format!(
            "at least {} nodes of each of {} present",
            rule.min_nodes,
            rule.profiles.join(", ")
        ),
    }
}

/// `check = "complete"`: the nodes `--expect` names against the nodes that sent a report.
fn complete(rule: &FleetRule, nodes: &[Node], expected: Option<&[String]>) -> Part {
    let Some(expected) = expected else {
        return Part {
            status: Status::Skip,
            message: "no --expect list of the nodes the inventory names: the fleet is only the nodes found".into(),
            observed: None,
        };
    };
    // Sets: an inventory of a thousand hosts is compared with a thousand nodes.
    let with_report: HashSet<&str> = nodes
        .iter()
        .filter(|n| n.report.is_some())
        .map(|n| n.name.as_str())
        .collect();
    let named: HashSet<&str> = expected.iter().map(String::as_str).collect();
    let reported = |name: &str| with_report.contains(name);
    let missing: Vec<&str> = expected
        .iter()
        .map(String::as_str)
        .filter(|e| !reported(e))
        .collect();
    let unexpected: Vec<&str> = nodes
        .iter()
        .map(|n| n.name.as_str())
        .filter(|n| !named.contains(n))
        .collect();
    let observed = Some(format!(
        "{} of {} expected nodes sent a report",
        expected.len() - missing.len(),
        expected.len()
    ));
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!(
            "no {} from {} (named by --expect)",
            super::REPORT_FILE,
            names(&missing)
        ));
    }
    if !unexpected.is_empty() {
        problems.push(format!(
            "{} sent files but --expect does not name {}",
            names(&unexpected),
            if unexpected.len() == 1 { "it" } else { "them" }
        ));
    }
    if problems.is_empty() {
        Part {
            status: Status::Pass,
            message: format!("all {} expected nodes sent a report", expected.len()),
            observed,
        }
    } else {
        Part {
            status: level_status(rule.level),
            message: problems.join("; "),
            observed,
        }
    }
}

/// `check = "redundant"`: each listed profile present in the fleet has `min_nodes` nodes.
fn redundant(rule: &FleetRule, nodes: &[Node]) -> Part {
    let mut by_profile: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for n in nodes {
        if rule.profiles.contains(&n.profile) {
            by_profile.entry(&n.profile).or_default().push(&n.name);
        }
    }
    if by_profile.is_empty() {
        return Part {
            status: Status::Skip,
            message: format!("no node of {}", rule.profiles.join(", ")),
            observed: None,
        };
    }
    let observed = Some(
        by_profile
            .iter()
            .map(|(p, ns)| format!("{p}: {}", ns.len()))
            .collect::<Vec<_>>()
            .join(", "),
    );
    let short: Vec<String> = by_profile
        .iter()
        .filter(|(_, ns)| ns.len() < rule.min_nodes)
        .map(|(p, ns)| format!("{p} runs only on {}", names(ns)))
        .collect();
    if short.is_empty() {
        Part {
            status: Status::Pass,
            message: format!(
                "every profile has at least {} nodes ({})",
                rule.min_nodes,
                observed.as_deref().unwrap_or_default()
            ),
            observed,
        }
    } else {
        Part {
            status: level_status(rule.level),
            message: format!(
                "{}: one node down stops it (at least {} wanted)",
                short.join("; "),
                rule.min_nodes
            ),
            observed,
        }
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
    if node.facts.is_empty() {
        return Err(format!("no {} for this node", super::FACTS_FILE));
    }
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

/// Distinct values of one group's members in order of first appearance, each with its nodes;
/// a node that has its own value is a class of its own. Nodes that cannot be compared are
/// added to `unknown`.
fn classes<'n>(
    c: &Compare,
    members: &[&'n Node],
    unknown: &mut Vec<(&'n str, String)>,
) -> Vec<(String, Vec<&'n str>)> {
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
    classes
}

/// What one group of a `same` block found.
enum GroupVerdict {
    Differs {
        message: String,
        observed: Vec<String>,
    },
    Agrees {
        message: String,
        value: String,
    },
    Empty,
}

fn group_verdict(what: &str, group: &str, classes: &[(String, Vec<&str>)]) -> GroupVerdict {
    let label = if group.is_empty() {
        "nodes".to_string()
    } else {
        format!("{group} nodes")
    };
    if classes.len() > 1 {
        // Own values are listed one by one; merge them into one entry for the message.
        let mut listed: Vec<(String, Vec<&str>)> = Vec::new();
        for (v, ns) in classes {
            match listed.iter_mut().find(|(l, _)| l == v) {
                Some((_, all)) => all.extend(ns.iter().copied()),
                None => listed.push((v.clone(), ns.clone())),
            }
        }
        let parts: Vec<String> = listed
            .iter()
            .map(|(v, ns)| format!("{v} on {}", names(ns)))
            .collect();
        return GroupVerdict::Differs {
            message: format!("{what} differs among {label}: {}", parts.join("; ")),
            observed: listed
                .iter()
                .map(|(v, ns)| format!("{v} ×{}", ns.len()))
                .collect(),
        };
    }
    let Some((v, _)) = classes.first() else {
        return GroupVerdict::Empty;
    };
    let counted: usize = classes.iter().map(|(_, n)| n.len()).sum();
    let n = if counted == 1 {
        format!("only 1 of the {label}")
    } else {
        format!("all {counted} {label}")
    };
    GroupVerdict::Agrees {
        message: format!("{n}: {v}"),
        value: v.clone(),
    }
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
        let classes = classes(c, members, &mut unknown);
        match group_verdict(what, group, &classes) {
            GroupVerdict::Differs {
                message,
                observed: o,
            } => {
                differing.push(message);
                observed.extend(o);
            }
            GroupVerdict::Agrees { message, value } => {
                agreeing.push(message);
                observed.push(value);
            }
            GroupVerdict::Empty => {}
        }
    }
    let status = verdict(rule, !differing.is_empty(), !unknown.is_empty());
    let (mut message, sep) = if !differing.is_empty() {
        (differing.join("; "), "; ")
    } else if !agreeing.is_empty() {
        let m = format!("{what}{} agrees: {}", scope_text(c), agreeing.join("; "));
        (m, "; ")
    } else {
        (format!("{what}{}", scope_text(c)), ": ")
    };
    if !unknown.is_empty() {
        message.push_str(&format!("{sep}{}", unknown_text(&unknown)));
    }
    Part {
        status,
        message,
        observed: Some(observed.join(", ")),
    }
}

/// The rule's level when it is violated; else `error` when some node could not be compared.
fn verdict(rule: &FleetRule, violated: bool, unknown: bool) -> Status {
    if violated {
        level_status(rule.level)
    } else if unknown {
        Status::Error
    } else {
        Status::Pass
    }
}

/// The nodes of a `distinct` block by shown value, in order of first appearance; nodes without
/// a value (or with their own) are left out, those that cannot be compared go to `unknown`.
fn by_value<'n>(
    c: &Compare,
    members: &[&'n Node],
    unknown: &mut Vec<(&'n str, String)>,
) -> Vec<(String, Vec<&'n Node>)> {
    let mut by_value: Vec<(String, Vec<&Node>)> = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    for n in members {
        match key(n, c) {
            Err(why) => unknown.push((&n.name, why)),
            Ok(Key::Ignored) | Ok(Key::Own(_)) => {}
            Ok(Key::Value(v)) => {
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
    by_value
}

/// Each value several nodes share: a clash, or (all nodes of one known profile, and not a
/// `never_shared` value) one load-balancer name on purpose. Returns (clashes, on purpose).
fn shared_values(
    rule: &FleetRule,
    by_value: &[(String, Vec<&Node>)],
    per_profile: &BTreeMap<&str, usize>,
) -> (Vec<String>, Vec<String>) {
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
    (clashes, on_purpose)
}

/// `check = "distinct"`: no two nodes share a value, unless the nodes sharing it are all the
/// nodes of one (known) profile — one load-balancer name on purpose — and the value is not one
/// of `never_shared`.
fn distinct(rule: &FleetRule, c: &Compare, nodes: &[Node]) -> Part {
    let (groups, excluded) = groups(c, nodes);
    if groups.is_empty() {
        return skipped(c, excluded);
    }
    let members: Vec<&Node> = groups.values().flatten().copied().collect();
    let mut per_profile: BTreeMap<&str, usize> = BTreeMap::new();
    for n in &members {
        *per_profile.entry(n.profile.as_str()).or_default() += 1;
    }
    let mut unknown: Vec<(&str, String)> = Vec::new();
    let by_value = by_value(c, &members, &mut unknown);
    let set: usize = by_value.iter().map(|(_, ns)| ns.len()).sum();
    let (clashes, on_purpose) = shared_values(rule, &by_value, &per_profile);
    let status = verdict(rule, !clashes.is_empty(), !unknown.is_empty());
    let mut message = if clashes.is_empty() {
        let mut m = format!(
            "{} set {}: {} distinct",
            plural(set, "node"),
            c.label,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::Fact;
    use crate::fleet::rules::embedded;

    fn node(name: &str, profile: &str, version: &str, facts: &[(&str, &str)]) -> Node {
        let mut map = BTreeMap::new();
        map.insert(
            "product.profile".into(),
            Fact::value(Value::Str(profile.into())),
        );
        map.insert(
            "product.version".into(),
            Fact::value(Value::Str(version.into())),
        );
        for (k, v) in facts {
            let fact = match *v {
                "-" => Fact::value(Value::Null),
                v if v.starts_with('!') => Fact::unavailable(&v[1..]),
                v => Fact::value(Value::Str(v.into())),
            };
            map.insert(k.to_string(), fact);
        }
        Node::new(name, Some(map), true, None)
    }

    fn status(id: &str, nodes: &[Node]) -> (Status, String) {
        let rules: Vec<FleetRule> = embedded().into_iter().filter(|r| r.id == id).collect();
        let r = evaluate(&rules, nodes, None).remove(0);
        (r.status, r.message)
    }

    #[test]
    fn same_product_passes_and_fails() {
        let a = node("a", "control-plane", "4.2.0", &[]);
        let b = node("b", "gateway-worker", "4.2.0", &[]);
        let c = node("c", "gateway-worker", "4.3.0", &[]);
        assert_eq!(
            status("fleet.same-product", &[a.clone(), b.clone()]).0,
            Status::Pass
        );
        let (s, m) = status("fleet.same-product", &[a, b, c]);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("4.2.0 on a, b; 4.3.0 on c"), "{m}");
    }

    #[test]
    fn same_jdk_is_per_profile_and_warns() {
        let jdk = |n: &str, p: &str, vendor: &str, f: &str| {
            node(n, p, "4.2.0", &[("jdk.vendor", vendor), ("jdk.feature", f)])
        };
        let cp = jdk("cp1", "control-plane", "Oracle Corporation", "11");
        let gw1 = jdk("gw1", "gateway-worker", "Eclipse Adoptium", "17");
        let gw2 = jdk("gw2", "gateway-worker", "Eclipse Adoptium", "17");
        let (s, m) = status("fleet.same-jdk", &[cp.clone(), gw1.clone(), gw2.clone()]);
        assert_eq!(s, Status::Pass, "{m}");
        let gw3 = jdk("gw3", "gateway-worker", "Eclipse Adoptium", "21");
        let (s, m) = status("fleet.same-jdk", &[cp, gw1, gw2, gw3]);
        assert_eq!(s, Status::Warn);
        assert!(m.contains("among gateway-worker nodes"), "{m}");
        assert!(m.contains("Eclipse Adoptium, 21 on gw3"), "{m}");
    }

    #[test]
    fn same_keystore_fails_on_another_certificate_and_errs_when_unknown() {
        let ks = |n: &str, fp: &str| {
            node(
                n,
                "gateway-worker",
                "4.2.0",
                &[("keystore.primary.cert.sha256", fp)],
            )
        };
        let (s, _) = status("fleet.same-keystore", &[ks("a", "AA:01"), ks("b", "AA:01")]);
        assert_eq!(s, Status::Pass);
        let (s, m) = status("fleet.same-keystore", &[ks("a", "AA:01"), ks("b", "BB:02")]);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("BB:02 on b"), "{m}");
        let (s, m) = status(
            "fleet.same-keystore",
            &[ks("a", "AA:01"), ks("b", "!wrong keystore password")],
        );
        assert_eq!(s, Status::Error);
        assert!(
            m.contains("on b: keystore.primary.cert.sha256: wrong keystore password"),
            "{m}"
        );
    }

    #[test]
    fn same_encryption_key_applies_from_4_7_and_an_unset_key_is_per_node() {
        let k = |n: &str, v: &str, d: &str| {
            node(
                n,
                "control-plane",
                v,
                &[("config.encryption-key.digest", d)],
            )
        };
        let (s, m) = status(
            "fleet.same-encryption-key",
            &[k("a", "4.2.0", "-"), k("b", "4.2.0", "-")],
        );
        assert_eq!(s, Status::Skip, "{m}");
        let same = [
            k("a", "4.7.0", "hmac-sha256:01"),
            k("b", "4.7.0", "hmac-sha256:01"),
        ];
        assert_eq!(status("fleet.same-encryption-key", &same).0, Status::Pass);
        let other = [
            k("a", "4.7.0", "hmac-sha256:01"),
            k("b", "4.7.0", "hmac-sha256:02"),
        ];
        assert_eq!(status("fleet.same-encryption-key", &other).0, Status::Fail);
        let unset = [k("a", "4.7.0", "-"), k("b", "4.7.0", "-")];
        let (s, m) = status("fleet.same-encryption-key", &unset);
        assert_eq!(s, Status::Fail, "{m}");
        assert!(m.contains("not set (per node) on a, b"), "{m}");
        let no_salt = [
            k("a", "4.7.0", "!PREFLIGHT_FLEET_SALT is not set"),
            k("b", "4.7.0", "!PREFLIGHT_FLEET_SALT is not set"),
        ];
        assert_eq!(
            status("fleet.same-encryption-key", &no_salt).0,
            Status::Error
        );
    }

    #[test]
    fn same_databases_fails_on_h2_and_other_servers_and_skips_apim_db_on_gateways() {
        let db = |n: &str, p: &str, shared: &str, apim: &str| {
            node(
                n,
                p,
                "4.2.0",
                &[
                    ("db.shared_db.type", "postgre"),
                    ("deployment.database.shared_db.url", shared),
                    ("db.apim_db.type", "postgre"),
                    ("deployment.database.apim_db.url", apim),
                ],
            )
        };
        let s1 = "jdbc:postgresql://db:5432/shared";
        let a1 = "jdbc:postgresql://db:5432/apim";
        let cp1 = db("cp1", "control-plane", s1, a1);
        let cp2 = db("cp2", "control-plane", s1, a1);
        let gw = db(
            "gw1",
            "gateway-worker",
            s1,
            "jdbc:postgresql://other:5432/apim",
        );
        let (s, m) = status(
            "fleet.same-databases",
            &[cp1.clone(), cp2.clone(), gw.clone()],
        );
        assert_eq!(s, Status::Pass, "{m}");
        let gw2 = db(
            "gw2",
            "gateway-worker",
            "jdbc:postgresql://other:5432/shared",
            a1,
        );
        let (s, m) = status("fleet.same-databases", &[cp1.clone(), gw2]);
        assert_eq!(s, Status::Fail);
        assert!(m.starts_with("shared_db differs among nodes"), "{m}");
        let h2 = node(
            "cp3",
            "control-plane",
            "4.2.0",
            &[("db.shared_db.type", "h2"), ("db.apim_db.type", "h2")],
        );
        let (s, m) = status("fleet.same-databases", &[cp1, h2]);
        assert_eq!(s, Status::Fail);
        assert!(m.contains("h2 (per node) on cp3"), "{m}");
    }

    #[test]
    fn unique_hostnames_allow_one_load_balancer_name_per_profile() {
        let h = |n: &str, p: &str, host: &str| {
            node(n, p, "4.2.0", &[("deployment.server.hostname", host)])
        };
        let own = [
            h("cp1", "control-plane", "cp1.example"),
            h("gw1", "gateway-worker", "gw1.example"),
        ];
        assert_eq!(status("fleet.unique-hostnames", &own).0, Status::Pass);
        let lb = [
            h("cp1", "control-plane", "cp.example"),
            h("cp2", "control-plane", "cp.example"),
            h("gw1", "gateway-worker", "gw.example"),
            h("gw2", "gateway-worker", "gw.example"),
        ];
        let (s, m) = status("fleet.unique-hostnames", &lb);
        assert_eq!(s, Status::Pass, "{m}");
        assert!(m.contains("shared by all 2 gateway-worker nodes"), "{m}");
        let part = [
            h("gw1", "gateway-worker", "gw.example"),
            h("gw2", "gateway-worker", "gw.example"),
            h("gw3", "gateway-worker", "gw3.example"),
        ];
        assert_eq!(status("fleet.unique-hostnames", &part).0, Status::Warn);
        let across = [
            h("cp1", "control-plane", "apim.example"),
            h("gw1", "gateway-worker", "apim.example"),
        ];
        let (s, m) = status("fleet.unique-hostnames", &across);
        assert_eq!(s, Status::Warn);
        assert!(m.contains("not all the nodes of one profile"), "{m}");
        let local = [
            h("gw1", "gateway-worker", "localhost"),
            h("gw2", "gateway-worker", "localhost"),
        ];
        let (s, m) = status("fleet.unique-hostnames", &local);
        assert_eq!(s, Status::Warn);
        assert!(m.contains("never a name nodes can share"), "{m}");
    }
}
