//! The fleet rules: the shipped ones (`rules/fleet/*.toml`, compiled and checked by the build
//! script) and those of `--rules` folders, compiled at run time by the same compiler
//! (crates/rules `load::compile_fleet`), with the same `file:line:col` diagnostics.

pub use preflight_rules::fleet::{Check, Compare, FleetRule, Level, Scope, Unset};

use crate::report::Status;
use crate::rules::Diagnostics;
use preflight_rules::load::compile_fleet_onto;
use std::path::PathBuf;

/// The fleet rules shipped in the binary, as the build script compiled them.
pub fn embedded() -> Vec<FleetRule> {
    let json = include_str!(concat!(env!("OUT_DIR"), "/embedded_fleet.json"));
    serde_json::from_str(json).expect("the build script wrote the compiled fleet rules")
}

/// The shipped fleet rules and those of each folder in `extra` (`*.toml`, sorted by name),
/// compiled onto them: an id defined twice is an error.
pub fn load(extra: &[PathBuf]) -> Result<Vec<FleetRule>, Diagnostics> {
    if extra.is_empty() {
        return Ok(embedded());
    }
    let (packs, diags) = crate::rules::read_packs(extra);
    if !diags.is_empty() {
        return Err(Diagnostics(diags));
    }
    let files: Vec<_> = packs.into_iter().flat_map(|p| p.files).collect();
    compile_fleet_onto(embedded(), &files)
}

/// The status a violated rule yields.
pub fn status(level: Level) -> Status {
    match level {
        Level::Fail => Status::Fail,
        Level::Warn => Status::Warn,
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
        assert!(
            embedded()[0]
                .defined_at
                .starts_with("rules/fleet/fleet.toml:")
        );
    }
}
