//! Fail closed: a rule judges the value the product will use, or gives `error` — never a `pass`
//! on something it did not see. One case per input that used to pass, named after what it proves.

mod common;

use preflight::eval::{self, Selection};
use preflight::facts::{Cause, Fact, Facts};
use preflight::rules::{self, PackSource, Source};
use preflight::value::Value;
use std::collections::BTreeMap;

const MEMORY_RULE: &str = r#"
[[rule]]
id = "my.memory"
title = "Memory"
category = "host"
fact = "host.memory.total"
fail = "< 4GiB"
message = "{observed} of RAM"
fix = "Add memory"
"#;

const PROFILE_RULE: &str = r#"
[[rule]]
id = "my.profiled"
title = "Only on gateways"
category = "host"
fact = "host.cpu.cores"
when = { profile = ["gateway-worker"] }
fail = "< 2"
fix = "Add cores"
"#;

fn compile(text: &str) -> rules::RuleSet {
    let pack = PackSource {
        dir: "t".into(),
        files: vec![Source {
            path: "t/r.toml".into(),
            text: text.into(),
        }],
    };
    rules::compile(&[pack]).unwrap_or_else(|d| panic!("{d}"))
}

fn facts(list: Vec<(&str, Fact)>) -> Facts {
    Facts {
        schema_version: 1,
        collected_at: "2026-11-30T00:00:00Z".into(),
        hostname: "n".into(),
        product_home: Some("/opt/x".into()),
        offline: false,
        facts: list
            .into_iter()
            .map(|(n, f)| (n.to_string(), f))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn status_of(rule: &str, list: Vec<(&str, Fact)>) -> (String, String) {
    let set = compile(rule);
    let r = &eval::evaluate(&set, &facts(list), &Selection::default())[0];
    (r.status.as_str().to_string(), r.message.clone())
}

#[test]
fn a_failed_fact_worded_like_offline_is_still_an_error() {
    // The cause decides, not the sentence: this reason used to turn the rule into a skip.
    let (status, message) = status_of(
        MEMORY_RULE,
        vec![(
            "host.memory.total",
            Fact::unavailable("could not read /proc/meminfo; skipped: --offline"),
        )],
    );
    assert_eq!(status, "error", "{message}");
    assert!(message.contains("/proc/meminfo"), "{message}");
}

#[test]
fn an_offline_fact_skips_whatever_its_reason_says() {
    let (status, message) = status_of(
        MEMORY_RULE,
        vec![("host.memory.total", Fact::offline("no lookup made"))],
    );
    assert_eq!(status, "skip", "{message}");
    assert_eq!(message, "skipped: not run under --offline");
}

#[test]
fn a_not_applicable_fact_skips_with_its_reason() {
    let (status, message) = status_of(
        MEMORY_RULE,
        vec![(
            "host.memory.total",
            Fact::not_applicable("this node runs no such component"),
        )],
    );
    assert_eq!(status, "skip", "{message}");
    assert!(message.contains("no such component"), "{message}");
}

#[test]
fn timed_out_and_not_collected_facts_are_errors() {
    for fact in [
        Fact::timed_out("the host probe did not answer within 10s"),
        Fact::not_collected("the probe did not report this fact"),
    ] {
        let cause = fact.cause();
        let (status, message) = status_of(MEMORY_RULE, vec![("host.memory.total", fact)]);
        assert_eq!(status, "error", "{cause:?}: {message}");
    }
}

#[test]
fn an_unseen_profile_makes_a_profiled_rule_an_error_not_a_skip() {
    let (status, message) = status_of(
        PROFILE_RULE,
        vec![
            (
                "product.profile",
                Fact::unavailable("bin/ could not be read"),
            ),
            ("host.cpu.cores", Fact::value(Value::Int(1))),
        ],
    );
    assert_eq!(status, "error", "{message}");
    assert!(
        message.contains("cannot tell whether it applies"),
        "{message}"
    );
    // Offline is a cause to skip, also when it hides whether the rule applies.
    let (status, _) = status_of(
        PROFILE_RULE,
        vec![
            ("product.profile", Fact::offline("skipped")),
            ("host.cpu.cores", Fact::value(Value::Int(1))),
        ],
    );
    assert_eq!(status, "skip");
}

#[test]
fn a_facts_file_without_causes_still_loads_and_its_unseen_facts_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old-facts.json");
    std::fs::write(
        &file,
        r#"{"schema_version": 1, "collected_at": "2026-01-01T00:00:00Z", "hostname": "old",
            "product_home": null, "offline": false,
            "facts": {"host.memory.total": {"unavailable": {"reason": "skipped: --offline"}}}}"#,
    )
    .unwrap();
    let (code, report) = common::check_json(&[
        "--facts",
        file.to_str().unwrap(),
        "--only",
        "host.memory.total",
    ]);
    let r = common::result(&report, "host.memory.total");
    assert_eq!(r["status"], "error", "{r}");
    assert_eq!(code, 1);
    assert_eq!(Cause::default(), Cause::Failed);
}
