//! `preflight fleet`: one report for many nodes. Each node contributes the `report.json` of
//! `preflight check --format json=…` and the `facts.json` of `preflight facts`; the fleet report
//! holds the fleet rules (`rules/fleet/*.toml`, compared across nodes), one summary per node and
//! each rule that fails, errs or warns on some node with the nodes it does so on.

pub mod eval;
pub mod inventory;
mod read;
pub mod rules;

pub use read::{node_dirs, read_nodes};

use crate::facts::Fact;
use crate::report::{self, Report, RuleResult, Status, Summary};
use crate::value::Version;
use std::collections::{BTreeMap, BTreeSet, HashMap};
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
