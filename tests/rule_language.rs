//! `[[rule.case]]`: version/profile-dependent thresholds as data.

use preflight::eval::{self, Selection};
use preflight::facts::{Fact, Facts};
use preflight::rules::{self, PackSource, Source};
use preflight::value::{Value, Version};
use std::collections::BTreeMap;

const PACK: &str = r#"
[[rule]]
id = "my.jdk"
title = "JDK range of this product version"
category = "jdk"
fact = "jdk.feature"
message = "JDK {observed}; this version runs on {expected}"
fix = "Install a supported JDK"

[[rule.case]]
when = { version = ">= 4.7" }
fail = "< 21 or > 25"
expected = "JDK 21 to 25"

[[rule.case]]
when = { version = ">= 4.2", profile = ["gateway-worker"] }
fail = "< 11 or > 17"
warn = "< 17"
message = "gateway on JDK {observed}"

[[rule.case]]
when = { version = ">= 4.2" }
fail = "< 11 or > 17"
"#;

fn compile(text: &str) -> Result<rules::RuleSet, String> {
    let pack = PackSource {
        dir: "t".into(),
        files: vec![Source {
            path: "t/r.toml".into(),
            text: text.into(),
        }],
    };
    rules::compile(&[pack]).map_err(|d| d.to_string())
}

fn run(set: &rules::RuleSet, version: &str, profile: &str, jdk: i64) -> (String, String) {
    let mut facts = BTreeMap::new();
    facts.insert(
        "product.version".to_string(),
        Fact::value(Value::Version(Version::parse(version).unwrap())),
    );
    facts.insert(
        "product.profile".to_string(),
        Fact::value(Value::Str(profile.into())),
    );
    facts.insert("jdk.feature".to_string(), Fact::value(Value::Int(jdk)));
    let facts = Facts {
        schema_version: 1,
        collected_at: "2026-11-25T00:00:00Z".into(),
        hostname: "n".into(),
        product_home: Some("/opt/x".into()),
        offline: false,
        facts,
    };
    let r = &eval::evaluate(set, &facts, &Selection::default())[0];
    (r.status.as_str().to_string(), r.message.clone())
}

#[test]
fn the_first_case_whose_when_holds_decides() {
    let set = compile(PACK).unwrap();
    assert_eq!(run(&set, "4.7.0", "all-in-one", 17).0, "fail");
    assert_eq!(
        run(&set, "4.7.0", "all-in-one", 17).1,
        "JDK 17; this version runs on JDK 21 to 25"
    );
    assert_eq!(run(&set, "4.7.0", "all-in-one", 21).0, "pass");
    assert_eq!(run(&set, "4.2.0", "all-in-one", 17).0, "pass");
    assert_eq!(run(&set, "4.2.0", "all-in-one", 21).0, "fail");
    let (status, message) = run(&set, "4.2.0", "gateway-worker", 11);
    assert_eq!(
        (status.as_str(), message.as_str()),
        ("warn", "gateway on JDK 11")
    );
}

#[test]
fn no_matching_case_and_no_own_conditions_is_skip() {
    let set = compile(PACK).unwrap();
    let (status, message) = run(&set, "3.2.0", "all-in-one", 8);
    assert_eq!(status, "skip", "{message}");
    assert!(
        message.contains("no case of this rule applies"),
        "{message}"
    );
}

#[test]
fn the_rule_own_conditions_are_the_fallback() {
    let set = compile(&format!("{PACK}\n").replace(
        "fix = \"Install a supported JDK\"",
        "fix = \"Install a supported JDK\"\nfail = \"< 8\"",
    ))
    .unwrap();
    assert_eq!(run(&set, "3.2.0", "all-in-one", 7).0, "fail");
    assert_eq!(run(&set, "3.2.0", "all-in-one", 8).0, "pass");
}

#[test]
fn case_mistakes_are_located_errors() {
    let bad = r#"
[[rule]]
id = "my.jdk"
title = "t"
category = "jdk"
fact = "jdk.feature"

[[rule.case]]
when = { version = ">= 4.7" }
fial = "< 21"

[[rule.case]]
when = { version = ">= 4.2" }
fail = "< 11"
warn = "< 9"
"#;
    let err = compile(bad).unwrap_err();
    assert!(
        err.contains("unknown key `fial` in [[rule.case]]; did you mean `fail`?"),
        "{err}"
    );
    assert!(err.contains("this case never judges"), "{err}");
    assert!(err.contains("unreachable condition"), "{err}");
}

#[test]
fn sources_are_kept_in_order_and_an_empty_one_is_a_located_error() {
    let good = r#"
[[rule]]
id = "my.jdk"
title = "t"
category = "jdk"
fact = "jdk.feature"
fail = "< 11"
sources = ["wso2/product-apim v4.2.0 api-manager.sh:238", "https://openjdk.org/jeps/411"]
"#;
    let set = compile(good).unwrap();
    assert_eq!(
        set.rules[0].sources,
        [
            "wso2/product-apim v4.2.0 api-manager.sh:238",
            "https://openjdk.org/jeps/411"
        ]
    );
    let err = compile(&good.replace("\"https://openjdk.org/jeps/411\"", "\" \"")).unwrap_err();
    assert!(err.contains("t/r.toml:8:"), "{err}");
    assert!(
        err.contains("`sources` entries are one non-empty line each"),
        "{err}"
    );
}
