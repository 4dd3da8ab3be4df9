//! The compiled fleet rule model (`rules/fleet/*.toml`): comparisons of one fact tuple across
//! the nodes of a fleet, which `load::compile_fleet` builds and `preflight fleet` evaluates.

use crate::value::Version;
use serde::{Deserialize, Serialize};

/// What a fleet rule asks of the values it compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// All nodes together.
    All,
    /// The nodes of each profile apart.
    Profile,
}

/// How a node counts whose facts are all unset (`(not set)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
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

/// What a violation of a fleet rule yields.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    Fail,
    Warn,
}

/// One compiled fleet rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FleetRule {
    pub id: String,
    pub title: String,
    pub level: Level,
    pub check: Check,
    /// `check = "distinct"`: values no two nodes may share (`localhost`).
    pub never_shared: Vec<String>,
    /// `check = "redundant"`: the profiles that need `min_nodes` nodes each.
    pub profiles: Vec<String>,
    pub min_nodes: usize,
    pub fix: Option<String>,
    pub docs: Vec<String>,
    /// Where the rule's truth comes from, as for node rules.
    pub sources: Vec<String>,
    /// Why documents are all there is (no WSO2 file and line states it), as for node rules.
    #[serde(default)]
    pub docs_only: Option<String>,
    pub compare: Vec<Compare>,
    /// `file:line` of its `[[rule]]`.
    pub defined_at: String,
}

/// One `[[rule.compare]]` block: which facts are compared among which nodes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Compare {
    /// What the block compares, in messages (`shared_db`); the facts' names joined otherwise.
    pub label: String,
    pub facts: Vec<String>,
    pub scope: Scope,
    /// Only nodes of these profiles (all when empty).
    pub profiles: Vec<String>,
    /// Only nodes of this product version or later.
    pub min_version: Option<Version>,
    pub unset: Unset,
    /// Values of the first fact that mean each node has its own (`h2`).
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
