//! Every shipped rule against fact fixtures: `tests/rules/<category>.toml` holds cases, each a set
//! of facts and the status the rule must give. Every rule needs a passing and a failing case.

use preflight::eval::{self, Selection};
use preflight::facts::{Fact, FactType, Facts, catalogue};
use preflight::rules;
use preflight::value::{Secret, Value, Version, parse_bytes};
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Debug)]
struct Case {
    file: String,
    rule: String,
    expect: String,
    facts: Facts,
    message_contains: Option<String>,
    /// Texts the message, or the fix, must (`*_contains`) or must not (`*_lacks`) hold.
    texts: Vec<(String, bool, String)>,
    line: Option<i64>,
}

fn value(name: &str, v: &toml::Value) -> Fact {
    if let toml::Value::String(s) = v {
        if s == "<null>" {
            return Fact::value(Value::Null);
        }
        if let Some(reason) = s
            .strip_prefix("<unavailable: ")
            .and_then(|r| r.strip_suffix('>'))
        {
            return Fact::unavailable(reason);
        }
        if let Some(reason) = s
            .strip_prefix("<not-applicable: ")
            .and_then(|r| r.strip_suffix('>'))
        {
            return Fact::not_applicable(reason);
        }
    }
    let ty =
        catalogue::fact_type(name).unwrap_or_else(|| panic!("unknown fact `{name}` in a case"));
    let typed = match (ty, v) {
        (FactType::Int, toml::Value::Integer(i)) => Value::Int(*i),
        (FactType::Bytes, toml::Value::String(s)) => {
            Value::Bytes(parse_bytes(s).expect("byte size"))
        }
        (FactType::Bytes, toml::Value::Integer(i)) => Value::Bytes(*i as u64),
        (FactType::Duration, toml::Value::Integer(i)) => Value::Duration(*i as u64),
        (FactType::Version, toml::Value::String(s)) => {
            Value::Version(Version::parse(s).expect("version"))
        }
        (FactType::Secret, toml::Value::String(s)) => Value::Secret(Secret::redact(s)),
        (_, other) => plain(other),
    };
    Fact::value(typed)
}

fn plain(v: &toml::Value) -> Value {
    match v {
        toml::Value::String(s) => Value::Str(s.clone()),
        toml::Value::Integer(i) => Value::Int(*i),
        toml::Value::Float(f) => Value::Float(*f),
        toml::Value::Boolean(b) => Value::Bool(*b),
        toml::Value::Array(a) => Value::List(a.iter().map(plain).collect()),
        other => Value::Str(other.to_string()),
    }
}

fn load_cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/rules");
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for path in files
        .iter()
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
    {
        let doc: toml::Table = toml::from_str(&std::fs::read_to_string(path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for c in doc["case"].as_array().expect("[[case]] entries") {
            let c = c.as_table().unwrap();
            let facts: BTreeMap<String, Fact> = c
                .get("facts")
                .and_then(|f| f.as_table())
                .map(|t| t.iter().map(|(k, v)| (k.clone(), value(k, v))).collect())
                .unwrap_or_default();
            let with_home = c
                .get("product_home")
                .and_then(|v| v.as_bool())
                .unwrap_or(true);
            out.push(Case {
                file: path.file_name().unwrap().to_string_lossy().into_owned(),
                rule: c["rule"].as_str().unwrap().to_string(),
                expect: c["expect"].as_str().unwrap().to_string(),
                facts: Facts {
                    schema_version: 1,
                    collected_at: "2026-11-25T00:00:00Z".into(),
                    hostname: "node1".into(),
                    product_home: with_home.then(|| "/opt/wso2am".into()),
                    offline: c.get("offline").and_then(|v| v.as_bool()).unwrap_or(false),
                    facts,
                },
                message_contains: c
                    .get("message_contains")
                    .and_then(|v| v.as_str())
                    .map(String::from),
                texts: texts(c),
                line: c.get("line").and_then(|v| v.as_integer()),
            });
        }
    }
    out
}

/// `message_lacks`, `fix_contains`, `fix_lacks`: a string or a list of strings each.
fn texts(c: &toml::Table) -> Vec<(String, bool, String)> {
    let mut out = Vec::new();
    for (key, field, wanted) in [
        ("message_lacks", "message", false),
        ("fix_contains", "fix", true),
        ("fix_lacks", "fix", false),
    ] {
        let items = match c.get(key) {
            Some(toml::Value::String(s)) => vec![s.clone()],
            Some(toml::Value::Array(a)) => a
                .iter()
                .filter_map(|v| v.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        };
        out.extend(items.into_iter().map(|s| (field.to_string(), wanted, s)));
    }
    out
}

#[test]
fn every_case_gives_its_expected_status() {
    let set = rules::embedded();
    let mut failures = Vec::new();
    for case in load_cases() {
        let sel = Selection {
            only: vec![case.rule.clone()],
            skip: vec![],
        };
        let results = eval::evaluate(&set, &case.facts, &sel);
        let Some(r) = results.iter().find(|r| r.id == case.rule) else {
            failures.push(format!("{}: no shipped rule `{}`", case.file, case.rule));
            continue;
        };
        let status = r.status.as_str();
        if status != case.expect {
            failures.push(format!(
                "{}: {} gave {status} ({}), expected {}",
                case.file, case.rule, r.message, case.expect
            ));
        }
        if let Some(m) = &case.message_contains
            && !r.message.contains(m.as_str())
        {
            failures.push(format!(
                "{}: {} message `{}` lacks `{m}`",
                case.file, case.rule, r.message
            ));
        }
        for (field, wanted, text) in &case.texts {
            let shown = match field.as_str() {
                "fix" => r.fix.clone().unwrap_or_default(),
                _ => r.message.clone(),
            };
            if shown.contains(text.as_str()) != *wanted {
                let how = if *wanted { "lacks" } else { "holds" };
                failures.push(format!(
                    "{}: {} {field} `{shown}` {how} `{text}`",
                    case.file, case.rule
                ));
            }
        }
        if let Some(line) = case.line
            && r.location.as_ref().map(|l| l.line as i64) != Some(line)
        {
            failures.push(format!(
                "{}: {} location {:?}, expected line {line}",
                case.file, case.rule, r.location
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_shipped_rule_has_a_passing_and_a_failing_case() {
    let set = rules::embedded();
    let cases = load_cases();
    let mut missing = Vec::new();
    for rule in &set.rules {
        let of = |want: &[&str]| {
            cases
                .iter()
                .any(|c| c.rule == rule.id && want.contains(&c.expect.as_str()))
        };
        if rule.manual.is_none() && !of(&["pass"]) {
            missing.push(format!("{}: no case where it passes", rule.id));
        }
        if !of(&["fail", "warn", "manual"]) {
            missing.push(format!("{}: no case where it fails or warns", rule.id));
        }
    }
    assert!(
        missing.is_empty(),
        "add cases under tests/rules/:\n{}",
        missing.join("\n")
    );
}
