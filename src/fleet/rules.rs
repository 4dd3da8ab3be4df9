//! Fleet rules (`rules/fleet/*.toml`): comparisons of one fact tuple across nodes, as data.
//! Compiled like node rules: every problem is reported at once as `file:line:col`.

use crate::facts::{FactType, catalogue, line_col};
use crate::report::Status;
use crate::rules::{Diagnostic, Diagnostics};
use crate::value::Version;
use serde::Deserialize;
use toml::Spanned;

/// What a fleet rule asks of the values it compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// Every node of a group has the same value.
    Same,
    /// No two nodes share a value, unless every node of one profile shares it on purpose.
    Distinct,
    /// Every node `--expect` names sent a report, and no other node did (no compare blocks).
    Complete,
    /// Each of `profiles` present in the fleet has at least `min_nodes` nodes (no compare blocks).
    Redundant,
}

/// Which nodes are compared with each other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// All nodes together.
    All,
    /// The nodes of each profile apart.
    Profile,
}

/// How a node counts whose facts are all unset (`(not set)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unset {
    /// Unset is a value like any other.
    #[default]
    Same,
    /// Unset means the node has its own (embedded H2, a generated key): it equals no other node.
    Distinct,
    /// Nodes without a value are left out.
    Ignore,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    #[serde(default)]
    rule: Vec<RuleToml>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleToml {
    id: Spanned<String>,
    title: String,
    level: Spanned<String>,
    check: Check,
    #[serde(default)]
    never_shared: Vec<String>,
    /// `check = "redundant"`: the profiles that need several nodes.
    #[serde(default)]
    profiles: Vec<Spanned<String>>,
    /// `check = "redundant"`: how many nodes each of them needs (default 2).
    min_nodes: Option<Spanned<usize>>,
    fix: Option<String>,
    #[serde(default)]
    docs: Vec<String>,
    /// Where the rule's truth comes from, as for node rules.
    #[serde(default)]
    sources: Vec<String>,
    #[serde(default)]
    compare: Vec<CompareToml>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct CompareToml {
    /// What the block compares, in messages (`shared_db`); the facts' names otherwise.
    label: Option<String>,
    facts: Vec<Spanned<String>>,
    scope: Scope,
    #[serde(default)]
    profiles: Vec<Spanned<String>>,
    min_version: Option<Spanned<String>>,
    #[serde(default)]
    unset: Unset,
    /// Values of the first fact that mean each node has its own (`h2`).
    #[serde(default)]
    per_node_values: Vec<String>,
}

/// One compiled fleet rule.
#[derive(Debug, Clone)]
pub struct FleetRule {
    pub id: String,
    pub title: String,
    /// What a violation yields: `fail` or `warn`.
    pub level: Status,
    pub check: Check,
    pub never_shared: Vec<String>,
    /// `check = "redundant"`: the profiles that need `min_nodes` nodes each.
    pub profiles: Vec<String>,
    pub min_nodes: usize,
    pub fix: Option<String>,
    pub docs: Vec<String>,
    pub sources: Vec<String>,
    pub compare: Vec<Compare>,
}

#[derive(Debug, Clone)]
pub struct Compare {
    pub label: String,
    pub facts: Vec<String>,
    pub scope: Scope,
    pub profiles: Vec<String>,
    pub min_version: Option<Version>,
    pub unset: Unset,
    pub per_node_values: Vec<String>,
}

impl FleetRule {
    /// Every fact this rule reads.
    pub fn facts(&self) -> impl Iterator<Item = &str> {
        self.compare
            .iter()
            .flat_map(|c| c.facts.iter().map(String::as_str))
    }
}

/// The fleet rules shipped in the binary (`rules/fleet/*.toml`).
pub fn embedded() -> Vec<FleetRule> {
    let files: Vec<(String, String)> = crate::rules::embedded_files("fleet")
        .map(|(path, text)| (path, text.to_string()))
        .collect();
    compile(&files).expect("the shipped fleet rules compile (tested)")
}

/// Compiles fleet rule files given as (path, text).
pub fn compile(files: &[(String, String)]) -> Result<Vec<FleetRule>, Diagnostics> {
    let mut diags = Vec::new();
    let mut out: Vec<(FleetRule, String)> = Vec::new();
    for (path, text) in files {
        let at = |offset: usize| {
            let (line, column) = line_col(text, offset);
            (path.clone(), line, column)
        };
        let mut err = |offset: usize, message: String| {
            let (file, line, column) = at(offset);
            diags.push(Diagnostic {
                file,
                line,
                column,
                message,
            });
        };
        let parsed: FileToml = match toml::from_str(text) {
            Ok(p) => p,
            Err(e) => {
                let offset = e.span().map_or(0, |s| s.start);
                err(offset, e.message().trim().to_string());
                continue;
            }
        };
        for r in parsed.rule {
            let id_at = r.id.span().start;
            let id = r.id.into_inner();
            if !id.starts_with("fleet.") {
                err(
                    id_at,
                    format!("fleet rule id `{id}` must start with `fleet.`"),
                );
            }
            if let Some((_, first)) = out.iter().find(|(o, _)| o.id == id) {
                err(
                    id_at,
                    format!("duplicate fleet rule id `{id}` (first defined in {first})"),
                );
            }
            let level = match r.level.get_ref().as_str() {
                "fail" => Status::Fail,
                "warn" => Status::Warn,
                other => {
                    err(
                        r.level.span().start,
                        format!("level `{other}` is not `fail` or `warn`"),
                    );
                    Status::Fail
                }
            };
            let compares = matches!(r.check, Check::Same | Check::Distinct);
            if compares && r.compare.is_empty() {
                err(id_at, format!("fleet rule `{id}` has no [[rule.compare]]"));
            }
            if !compares && !r.compare.is_empty() {
                err(
                    id_at,
                    format!(
                        "fleet rule `{id}`: complete and redundant checks take no [[rule.compare]]"
                    ),
                );
            }
            if r.check == Check::Redundant && r.profiles.is_empty() {
                err(
                    id_at,
                    format!("fleet rule `{id}`: a redundant check needs `profiles`"),
                );
            }
            if r.check != Check::Redundant && (!r.profiles.is_empty() || r.min_nodes.is_some()) {
                err(
                    id_at,
                    format!(
                        "fleet rule `{id}`: `profiles` and `min_nodes` belong to a redundant check (per compare block, use [[rule.compare]] profiles)"
                    ),
                );
            }
            check_profiles(&r.profiles, &mut err);
            let min_nodes = r.min_nodes.as_ref().map_or(2, |m| *m.get_ref());
            if let Some(m) = &r.min_nodes
                && *m.get_ref() < 2
            {
                err(m.span().start, "`min_nodes` must be 2 or more".into());
            }
            let mut compare = Vec::new();
            for c in r.compare {
                if c.facts.is_empty() {
                    err(id_at, format!("a compare block of `{id}` lists no facts"));
                }
                for f in &c.facts {
                    match catalogue::fact_type(f.get_ref()) {
                        None => {
                            let hint = catalogue::suggest(f.get_ref())
                                .map(|s| format!("; did you mean `{s}`?"))
                                .unwrap_or_default();
                            err(
                                f.span().start,
                                format!("unknown fact `{}`{hint}", f.get_ref()),
                            );
                        }
                        Some(FactType::Secret) => err(
                            f.span().start,
                            format!(
                                "`{}` is a secret: fleet rules compare secrets only by salted digest (a `.digest` fact)",
                                f.get_ref()
                            ),
                        ),
                        Some(_) => {}
                    }
                }
                check_profiles(&c.profiles, &mut err);
                let min_version = c.min_version.as_ref().and_then(|v| {
                    let parsed = Version::parse(v.get_ref());
                    if parsed.is_none() {
                        err(
                            v.span().start,
                            format!("`{}` is not a version", v.get_ref()),
                        );
                    }
                    parsed
                });
                let label = c.label.clone().unwrap_or_else(|| {
                    c.facts
                        .iter()
                        .map(|f| f.get_ref().as_str())
                        .collect::<Vec<_>>()
                        .join(" + ")
                });
                compare.push(Compare {
                    label,
                    facts: c.facts.into_iter().map(Spanned::into_inner).collect(),
                    scope: c.scope,
                    profiles: c.profiles.into_iter().map(Spanned::into_inner).collect(),
                    min_version,
                    unset: c.unset,
                    per_node_values: c.per_node_values,
                });
            }
            let (file, line, _) = at(id_at);
            out.push((
                FleetRule {
                    id,
                    title: r.title,
                    level,
                    check: r.check,
                    never_shared: r.never_shared,
                    profiles: r.profiles.into_iter().map(Spanned::into_inner).collect(),
                    min_nodes,
                    fix: r.fix,
                    docs: r.docs,
                    sources: r.sources,
                    compare,
                },
                format!("{file}:{line}"),
            ));
        }
    }
    if diags.is_empty() {
        Ok(out.into_iter().map(|(r, _)| r).collect())
    } else {
        Err(Diagnostics(diags))
    }
}

/// Reports each profile that `--profile` does not know.
fn check_profiles(profiles: &[Spanned<String>], err: &mut impl FnMut(usize, String)) {
    for p in profiles {
        if !crate::facts::product::PROFILES.contains(&p.get_ref().as_str()) {
            err(
                p.span().start,
                format!(
                    "unknown profile `{}`; use one of {}",
                    p.get_ref(),
                    crate::facts::product::PROFILES.join(", ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_fleet_rule_says_where_its_truth_comes_from() {
        let unsourced: Vec<String> = embedded()
            .into_iter()
            .filter(|r| r.sources.is_empty())
            .map(|r| r.id)
            .collect();
        assert!(
            unsourced.is_empty(),
            "fleet rules without sources: {unsourced:?}"
        );
    }

    #[test]
    fn the_shipped_fleet_rules_are_the_checklist_rows() {
        let ids: Vec<String> = embedded().into_iter().map(|r| r.id).collect();
        assert_eq!(
            ids,
            [
                "fleet.same-product",
                "fleet.same-jdk",
                "fleet.same-keystore",
                "fleet.same-encryption-key",
                "fleet.same-databases",
                "fleet.unique-hostnames",
                "fleet.complete",
                "fleet.redundancy"
            ]
        );
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
        let all = compile(&[("f.toml".into(), text.into())])
            .unwrap_err()
            .to_string();
        for want in [
            "f.toml:7:13: unknown profile `gateway`",
            "f.toml:8:13: `min_nodes` must be 2 or more",
            "f.toml:11:6: fleet rule `fleet.c`: complete and redundant checks take no [[rule.compare]]",
            "f.toml:11:6: fleet rule `fleet.c`: `profiles` and `min_nodes` belong to a redundant check",
        ] {
            assert!(all.contains(want), "missing {want:?} in\n{all}");
        }
    }

    #[test]
    fn every_problem_is_reported_with_its_place() {
        let text = r#"
[[rule]]
id = "same-x"
title = "t"
level = "fatal"
check = "same"

[[rule.compare]]
facts = ["jdk.vendr", "deployment.super_admin.password"]
scope = "all"
profiles = ["gateway"]
min_version = "four"
"#;
        let e = compile(&[("f.toml".into(), text.into())]).unwrap_err();
        let all = e.to_string();
        for want in [
            "f.toml:3:6: fleet rule id `same-x` must start with `fleet.`",
            "f.toml:5:9: level `fatal`",
            "f.toml:9:10: unknown fact `jdk.vendr`; did you mean `jdk.vendor`?",
            "is a secret: fleet rules compare secrets only by salted digest",
            "f.toml:11:13: unknown profile `gateway`",
            "f.toml:12:15: `four` is not a version",
        ] {
            assert!(all.contains(want), "missing {want:?} in\n{all}");
        }
        let bad = compile(&[("g.toml".into(), "[[rule]]\nid = 1\n".into())]).unwrap_err();
        assert!(bad.to_string().starts_with("g.toml:2:"), "{bad}");
    }
}
