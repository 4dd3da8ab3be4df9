//! `preflight fleet`: one report for many nodes. Each node contributes the `report.json` of
//! `preflight check --format json=…` and the `facts.json` of `preflight facts`; the fleet report
//! holds the fleet rules (`rules/fleet/*.toml`, compared across nodes), one summary per node and
//! each rule that fails, errs or warns on some node with the nodes it does so on.

pub mod eval;
pub mod inventory;
pub mod rules;

use crate::facts::Fact;
use crate::report::{self, Report, RuleResult, Status, Summary};
use crate::value::Version;
use anyhow::{Context as _, Result, bail};
use serde::Deserialize;
use serde::de::{DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The file names a node directory holds.
pub const REPORT_FILE: &str = "report.json";
pub const FACTS_FILE: &str = "facts.json";

/// One node of the fleet, as its files describe it.
#[derive(Debug, Clone)]
pub struct Node {
    /// The node directory's name (Ansible's inventory hostname).
    pub name: String,
    /// `product.profile` of its facts, else its report's, else `unknown`.
    pub profile: String,
    pub version: Option<Version>,
    pub product_name: Option<String>,
    /// The facts the fleet rules read (others are not kept).
    pub facts: BTreeMap<String, Fact>,
    /// Whether deployment.toml was read (so an absent `deployment.*` key is unset).
    pub has_config: bool,
    /// The node's report; its `results` hold only the fail, error and warn results (the rest
    /// are counted in `summary`).
    pub report: Option<Report>,
}

impl Node {
    /// A node from its facts and report (either may be missing).
    pub fn new(
        name: &str,
        facts: Option<BTreeMap<String, Fact>>,
        product_home: bool,
        report: Option<Report>,
    ) -> Node {
        let facts = facts.unwrap_or_default();
        let text = |n: &str| {
            facts
                .get(n)
                .and_then(|f| f.get().ok())
                .filter(|v| !matches!(v, crate::value::Value::Null))
                .map(|v| v.to_string())
        };
        let from_report = |f: fn(&report::Product) -> &Option<String>| {
            report
                .as_ref()
                .and_then(|r| r.product.as_ref())
                .and_then(|p| f(p).clone())
        };
        let profile = text("product.profile")
            .or_else(|| from_report(|p| &p.profile))
            .unwrap_or_else(|| "unknown".into());
        let version = text("product.version")
            .or_else(|| from_report(|p| &p.version))
            .and_then(|v| Version::parse(&v));
        let product_name = text("product.name").or_else(|| from_report(|p| &p.name));
        let parse_error = facts
            .get("config.parse-error")
            .is_some_and(|f| matches!(f.get(), Ok(crate::value::Value::Str(_))));
        Node {
            name: name.to_string(),
            profile,
            version,
            product_name,
            has_config: product_home && !parse_error,
            facts,
            report,
        }
    }
}

/// The node directories named on the command line: each PATH is a node directory (it holds
/// `report.json` or `facts.json`) or a directory of node directories (Ansible's fetch layout).
pub fn node_dirs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let is_node = |d: &Path| d.join(REPORT_FILE).is_file() || d.join(FACTS_FILE).is_file();
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            bail!(
                "{}: not a directory; give node directories holding {REPORT_FILE} and {FACTS_FILE}, or their parent",
                p.display()
            );
        }
        if is_node(p) {
            out.push(p.clone());
            continue;
        }
        let mut children: Vec<PathBuf> = std::fs::read_dir(p)
            .with_context(|| format!("cannot read {}", p.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|c| c.is_dir() && is_node(c))
            .collect();
        if children.is_empty() {
            bail!(
                "{}: holds neither {REPORT_FILE}/{FACTS_FILE} nor node directories with them",
                p.display()
            );
        }
        children.sort();
        out.extend(children);
    }
    let mut seen = BTreeSet::new();
    for d in &out {
        let name = node_name(d);
        if !seen.insert(name.clone()) {
            bail!(
                "two node directories are named `{name}` ({}); node names must be unique",
                d.display()
            );
        }
    }
    Ok(out)
}

fn node_name(dir: &Path) -> String {
    dir.canonicalize()
        .ok()
        .as_deref()
        .unwrap_or(dir)
        .file_name()
        .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into())
}

/// Reads the nodes, in parallel; only the facts in `wanted` (and `product.*`) are kept.
pub fn read_nodes(dirs: &[PathBuf], wanted: &BTreeSet<String>) -> Result<Vec<Node>> {
    // Twice the CPUs: reading the files waits on the kernel as much as parsing uses a CPU.
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get() * 2)
        .clamp(1, 32);
    let chunk = dirs.len().div_ceil(threads).max(1);
    let results: Vec<Result<Vec<Node>>> = std::thread::scope(|s| {
        let read = move |part: &'_ [PathBuf]| part.iter().map(|d| read_node(d, wanted)).collect();
        // A chunk whose thread the host refuses (a pids limit) is read on this thread.
        let handles: Vec<_> = dirs
            .chunks(chunk)
            .map(|part| {
                std::thread::Builder::new()
                    .spawn_scoped(s, move || read(part))
                    .map_err(|_| part)
            })
            .collect();
        handles
            .into_iter()
            .map(|h| match h {
                Ok(h) => h.join().expect("a node reader does not panic"),
                Err(part) => read(part),
            })
            .collect()
    });
    let mut nodes = Vec::with_capacity(dirs.len());
    for r in results {
        nodes.extend(r?);
    }
    Ok(nodes)
}

fn read_node(dir: &Path, wanted: &BTreeSet<String>) -> Result<Node> {
    let name = node_name(dir);
    let report_file = dir.join(REPORT_FILE);
    let report = report_file
        .is_file()
        .then(|| read_findings(&report_file))
        .transpose()?;
    let facts_file = dir.join(FACTS_FILE);
    let facts = if facts_file.is_file() {
        Some(read_facts(&facts_file, wanted)?)
    } else {
        None
    };
    let home = facts.as_ref().is_some_and(|f| f.product_home.is_some());
    Ok(Node::new(&name, facts.map(|f| f.facts), home, report))
}

/// A node's report, keeping only the fail, error and warn results (the rest are counted in its
/// `summary`).
fn read_findings(file: &Path) -> Result<Report> {
    let text = read_file(file)?;
    let mut report: Report =
        serde_json::from_str(&text).map_err(|e| report::not_a_report(file, e))?;
    report::check_schema_version(file, report.schema_version)?;
    report
        .results
        .retain(|r| matches!(r.status, Status::Fail | Status::Error | Status::Warn));
    Ok(report)
}

/// A node file, whole, at most 64 MiB.
fn read_file(file: &Path) -> Result<String> {
    crate::io::read_input(file, 64 << 20).map_err(anyhow::Error::msg)
}

/// A facts file with only the wanted facts kept: 1,000 nodes' files parse in well under a second.
#[derive(Deserialize)]
struct PartialFacts {
    schema_version: u32,
    product_home: Option<String>,
    #[serde(skip)]
    facts: BTreeMap<String, Fact>,
}

fn read_facts(file: &Path, wanted: &BTreeSet<String>) -> Result<PartialFacts> {
    let text = read_file(file)?;
    let mut de = serde_json::Deserializer::from_str(&text);
    let parsed = FactsSeed { wanted }
        .deserialize(&mut de)
        .and_then(|f| de.end().map(|_| f))
        .map_err(|e| crate::facts::not_a_facts_file(file, e))?;
    crate::facts::check_facts_schema(file, parsed.schema_version)?;
    crate::facts::check_fact_types(file, &parsed.facts)?;
    Ok(parsed)
}

struct FactsSeed<'w> {
    wanted: &'w BTreeSet<String>,
}

impl<'de> DeserializeSeed<'de> for FactsSeed<'_> {
    type Value = PartialFacts;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<PartialFacts, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FactsSeed<'_> {
    type Value = PartialFacts;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a preflight facts object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PartialFacts, A::Error> {
        let mut out = PartialFacts {
            schema_version: 0,
            product_home: None,
            facts: BTreeMap::new(),
        };
        let mut saw_facts = false;
        while let Some(Key(key)) = map.next_key::<Key>()? {
            match key.as_ref() {
                "schema_version" => out.schema_version = map.next_value()?,
                "product_home" => out.product_home = map.next_value()?,
                "facts" => {
                    saw_facts = true;
                    out.facts = map.next_value_seed(FactMapSeed {
                        wanted: self.wanted,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !saw_facts {
            return Err(serde::de::Error::missing_field("facts"));
        }
        Ok(out)
    }
}

struct FactMapSeed<'w> {
    wanted: &'w BTreeSet<String>,
}

impl<'de> DeserializeSeed<'de> for FactMapSeed<'_> {
    type Value = BTreeMap<String, Fact>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FactMapSeed<'_> {
    type Value = BTreeMap<String, Fact>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of fact names to facts")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(Key(key)) = map.next_key::<Key>()? {
            if self.wanted.contains(key.as_ref())
                || key.starts_with("product.")
                || key == "config.parse-error"
            {
                let fact: Fact = map.next_value()?;
                out.insert(key.into_owned(), fact);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// A map key, borrowed from the text when it has no escapes (most fact names are skipped).
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a fact name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

/// The facts the fleet rules read.
pub fn wanted(rules: &[rules::FleetRule]) -> BTreeSet<String> {
    rules
        .iter()
        .flat_map(|r| r.facts().map(String::from))
        .collect()
}

/// The fleet report: fleet rules, then one summary per node, then each rule that fails, errs or
/// warns on some node, with the nodes.
pub fn report(
    rules: &[rules::FleetRule],
    nodes: &[Node],
    expected: Option<&[String]>,
    categories: Vec<(String, String)>,
    hostname: String,
    started_at: String,
    took: Duration,
) -> Report {
    let mut results = eval::evaluate(rules, nodes, expected);
    results.extend(nodes.iter().map(node_summary));
    results.extend(node_rules(nodes));
    let mut cats = vec![
        ("fleet".to_string(), "Fleet (across nodes)".to_string()),
        ("nodes".to_string(), "Nodes".to_string()),
    ];
    cats.extend(categories);
    let distinct = |f: &dyn Fn(&Node) -> Option<String>| {
        let set: BTreeSet<String> = nodes.iter().filter_map(f).collect();
        (!set.is_empty()).then(|| set.into_iter().collect::<Vec<_>>().join(" / "))
    };
    let mut profiles: BTreeMap<&str, usize> = BTreeMap::new();
    for n in nodes {
        *profiles.entry(n.profile.as_str()).or_default() += 1;
    }
    let profiles = profiles
        .iter()
        .map(|(p, n)| format!("{n} {p}"))
        .collect::<Vec<_>>()
        .join(", ");
    Report {
        schema_version: report::SCHEMA_VERSION,
        tool: report::Tool {
            name: "preflight".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        rulepack: report::RulePack {
            name: "fleet".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        run: report::Run {
            started_at,
            duration_ms: took.as_millis() as u64,
            hostname,
            product_home: None,
        },
        product: Some(report::Product {
            name: distinct(&|n| n.product_name.clone()),
            version: distinct(&|n| n.version.as_ref().map(|v| v.to_string())),
            profile: Some(format!(
                "fleet of {}: {profiles}",
                eval_plural(nodes.len(), "node")
            )),
        }),
        summary: Summary::of(&results),
        results,
        categories: cats,
    }
}

fn eval_plural(n: usize, one: &str) -> String {
    format!("{n} {one}{}", if n == 1 { "" } else { "s" })
}

/// One result per node: its worst counted status and its summary line.
fn node_summary(n: &Node) -> RuleResult {
    let (status, message, observed) = match &n.report {
        None => (
            Status::Error,
            format!("{}: no {REPORT_FILE} for this node", n.profile),
            None,
        ),
        Some(r) => {
            let worst = r
                .results
                .iter()
                .filter(|x| x.waiver.is_none())
                .map(|x| x.status)
                .filter(|s| matches!(s, Status::Fail | Status::Error | Status::Warn))
                .max_by_key(|s| eval::severity(*s))
                .unwrap_or(Status::Pass);
            let product = r.product.as_ref().map_or_else(
                || "no PRODUCT_HOME".to_string(),
                |p| {
                    format!(
                        "{} {}",
                        p.name.as_deref().unwrap_or("unknown product"),
                        p.version.as_deref().unwrap_or("")
                    )
                    .trim()
                    .to_string()
                },
            );
            (
                worst,
                format!(
                    "{} · {product} · host {}: {}",
                    n.profile,
                    r.run.hostname,
                    r.summary.line()
                ),
                Some(r.summary.line()),
            )
        }
    };
    let id = format!("node:{}", n.name);
    let title = format!("Node {}", n.name);
    RuleResult {
        reason: (status == Status::Error).then(|| message.clone()),
        observed,
        expected: Some("no fail and no error".into()),
        duration_ms: n.report.as_ref().map_or(0, |r| r.run.duration_ms),
        ..RuleResult::new(id, title, "nodes", status, message)
    }
}

/// One node rule's results across the nodes: its first result, the nodes by status (worst
/// last), the nodes that waived it and a few observed values.
struct Agg<'a> {
    first: &'a RuleResult,
    by_status: BTreeMap<u8, (Status, Vec<&'a str>)>,
    waived: Vec<&'a str>,
    observed: Vec<String>,
}

/// Each rule that fails, errs or warns on at least one node, with those nodes, in the order the
/// rules first appear.
fn node_rules(nodes: &[Node]) -> Vec<RuleResult> {
    let mut order: Vec<Agg> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for n in nodes {
        let Some(r) = &n.report else { continue };
        for x in r
            .results
            .iter()
            .filter(|x| matches!(x.status, Status::Fail | Status::Error | Status::Warn))
        {
            let i = *index.entry(x.id.as_str()).or_insert_with(|| {
                order.push(Agg {
                    first: x,
                    by_status: BTreeMap::new(),
                    waived: Vec::new(),
                    observed: Vec::new(),
                });
                order.len() - 1
            });
            order[i].add(&n.name, x);
        }
    }
    order.into_iter().map(|a| a.result(nodes.len())).collect()
}

impl<'a> Agg<'a> {
    fn add(&mut self, node: &'a str, x: &'a RuleResult) {
        if x.waiver.is_some() {
            self.waived.push(node);
            return;
        }
        self.by_status
            .entry(eval::severity(x.status))
            .or_insert((x.status, Vec::new()))
            .1
            .push(node);
        if self.observed.len() < 3
            && let Some(o) = &x.observed
        {
            self.observed.push(format!("{node}: {o}"));
        }
    }

    /// The fleet's row for this rule: its worst status, and on which nodes each status is.
    fn result(self, total: usize) -> RuleResult {
        let worst = self.by_status.values().next_back().map(|(s, _)| *s);
        let mut parts: Vec<String> = self
            .by_status
            .values()
            .rev()
            .map(|(s, ns)| {
                let verb = match s {
                    Status::Fail => "fails",
                    Status::Error => "could not be checked",
                    _ => "warns",
                };
                format!("{verb} on {} ({} of {total})", eval::names(ns), ns.len())
            })
            .collect();
        if !self.waived.is_empty() {
            parts.push(format!("waived on {}", eval::names(&self.waived)));
        }
        let first = self.first;
        let status = worst.unwrap_or(first.status);
        let message = format!("{}; e.g. {}", parts.join("; "), first.message);
        RuleResult {
            reason: (status == Status::Error).then(|| {
                first
                    .reason
                    .clone()
                    .unwrap_or_else(|| first.message.clone())
            }),
            observed: (!self.observed.is_empty()).then(|| self.observed.join("; ")),
            expected: first.expected.clone(),
            fix: first.fix.clone(),
            docs: first.docs.clone(),
            location: first.location.clone(),
            // Waived on every node that has it: the waiver keeps it from failing the fleet.
            waiver: worst.is_none().then(|| first.waiver.clone()).flatten(),
            ..RuleResult::new(&first.id, &first.title, &first.category, status, message)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn result(id: &str, status: Status, waived: bool) -> RuleResult {
        let message = format!("{id} is {}", status.as_str());
        RuleResult {
            observed: Some("2 CPUs".into()),
            fix: Some("fix it".into()),
            waiver: waived.then(|| report::Waiver {
                reason: "accepted".into(),
                owner: None,
                ticket: None,
                expires: None,
                approved_by: None,
            }),
            ..RuleResult::new(id, format!("title of {id}"), "host", status, message)
        }
    }

    fn node(name: &str, results: Vec<RuleResult>) -> Node {
        let report = Report {
            schema_version: 1,
            tool: report::Tool {
                name: "preflight".into(),
                version: "0".into(),
            },
            rulepack: report::RulePack {
                name: "p".into(),
                version: "0".into(),
            },
            run: report::Run {
                started_at: "2025-01-01T00:00:00Z".into(),
                duration_ms: 1,
                hostname: name.into(),
                product_home: None,
            },
            product: None,
            summary: Summary::of(&results),
            results,
            categories: Vec::new(),
        };
        Node::new(name, None, false, Some(report))
    }

    #[test]
    fn failing_node_rules_list_their_nodes_and_waivers() {
        let nodes = [
            node(
                "a",
                vec![
                    result("host.cpu.cores", Status::Warn, false),
                    result("host.swap", Status::Fail, true),
                ],
            ),
            node(
                "b",
                vec![
                    result("host.cpu.cores", Status::Fail, false),
                    result("host.swap", Status::Fail, true),
                ],
            ),
            node("c", vec![result("host.cpu.cores", Status::Pass, false)]),
        ];
        let rules = node_rules(&nodes);
        assert_eq!(rules.len(), 2);
        let cpu = &rules[0];
        assert_eq!(
            (cpu.id.as_str(), cpu.status),
            ("host.cpu.cores", Status::Fail)
        );
        assert!(
            cpu.message
                .starts_with("fails on b (1 of 3); warns on a (1 of 3); e.g."),
            "{}",
            cpu.message
        );
        assert_eq!(cpu.observed.as_deref(), Some("a: 2 CPUs; b: 2 CPUs"));
        // Waived on every node: still listed, and the waiver keeps it from failing the fleet.
        let swap = &rules[1];
        assert!(swap.waiver.is_some() && !swap.counts(false), "{swap:?}");
        assert!(
            swap.message.starts_with("waived on a, b"),
            "{}",
            swap.message
        );

        let summaries: Vec<RuleResult> = nodes.iter().map(node_summary).collect();
        let status: Vec<Status> = summaries.iter().map(|r| r.status).collect();
        assert_eq!(status, [Status::Warn, Status::Fail, Status::Pass]);
        let lone = Node::new("d", None, false, None);
        let r = node_summary(&lone);
        assert_eq!(r.status, Status::Error);
        assert!(r.message.contains("no report.json"), "{}", r.message);
        let ks = eval::evaluate(&rules::embedded(), std::slice::from_ref(&lone), None);
        assert!(
            ks.iter()
                .filter(|r| r.status == Status::Error)
                .all(|r| r.message.contains("no facts.json for this node")),
            "{ks:#?}"
        );
    }
}
