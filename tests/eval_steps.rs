//! Judging rules in steps, as `check` does while probe families answer one by one, gives the
//! results of one evaluation over every fact.

mod common;
use common::*;
use preflight::eval::{self, Partial, Selection};
use preflight::facts::{Facts, lookup};
use std::collections::BTreeSet;

/// The facts of the example 4.2.0 home, as `preflight facts` collects them.
fn example_facts() -> Facts {
    let home = repo().join("examples/wso2am-4.2.0");
    let out = facts_stdout(&["--product-home", home.to_str().unwrap(), "--offline"]);
    serde_json::from_slice(&out).unwrap()
}

#[test]
fn rules_judged_as_families_answer_match_one_evaluation() {
    let all = example_facts();
    let rules = preflight::rules::embedded();
    let selection = Selection::default();
    let once = serde_json::to_value(eval::evaluate(&rules, &all, &selection)).unwrap();
    let family = |name: &str| lookup(name).map(|s| s.family.name().to_string());
    let families: BTreeSet<String> = all.facts.keys().filter_map(|n| family(n)).collect();
    assert!(families.len() > 5, "{families:?}");
    // The families answer in order, and each step sees only the facts of those that answered.
    let mut partial = Partial::new(&rules, preflight::rules::reads(&rules, true));
    let mut seen = all.clone();
    seen.facts.clear();
    for answered in &families {
        let theirs = all
            .facts
            .iter()
            .filter(|(n, _)| family(n).as_ref() == Some(answered));
        seen.facts
            .extend(theirs.map(|(n, f)| (n.clone(), f.clone())));
        partial.judge_ready(&rules, &seen, &selection, &|n| seen.facts.contains_key(n));
    }
    let stepped = serde_json::to_value(partial.finish(&rules, &all, &selection)).unwrap();
    assert_eq!(stepped, once);
}

/// The embedded pack's reads come from the build's table (sparing the decoding of every
/// condition): that table must say what the rules themselves list, rule by rule.
#[test]
fn the_builds_table_of_reads_is_what_the_rules_list() {
    let rules = preflight::rules::embedded();
    let table = preflight::rules::reads(&rules, true);
    let listed: Vec<Vec<String>> = rules.rules.iter().map(|r| r.facts()).collect();
    assert_eq!(table.len(), rules.rules.len());
    assert_eq!(table, listed);
    assert!(table.iter().any(|r| r.len() > 3), "{table:?}");
}
