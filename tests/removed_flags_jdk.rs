//! jvm.removed-flags against real JDKs: every flag of the rule's table is given to `java <flag>
//! -version` of each JDK on this machine (`java` on PATH and /usr/lib/jvm/*), and the JDK must
//! refuse (exit non-zero) exactly the flags the table fails for its feature version, and accept
//! with a warning every flag the table warns on. Without any java: SKIPPED, a failure under CI.

mod common;

use preflight::eval::{self, Selection};
use preflight::facts::{Fact, Facts};
use preflight::rules;
use preflight::value::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every flag the table names, with a value where the JVM needs one, and one it keeps (-Xmx).
const FLAGS: &[&str] = &[
    "-XX:MaxPermSize=256m",
    "-XX:PermSize=128m",
    "-XX:+UseConcMarkSweepGC",
    "-XX:+CMSClassUnloadingEnabled",
    "-XX:+UseCMSInitiatingOccupancyOnly",
    "-XX:CMSInitiatingOccupancyFraction=75",
    "-XX:+UseParNewGC",
    "-XX:+CMSIncrementalMode",
    "-XX:+AggressiveOpts",
    "-XX:+PrintGCDateStamps",
    "-XX:+PrintGCTimeStamps",
    "-XX:+UseGCLogFileRotation",
    "-XX:NumberOfGCLogFiles=5",
    "-XX:GCLogFileSize=10M",
    "-XX:+PrintTenuringDistribution",
    "-XX:+PrintGCApplicationStoppedTime",
    "-XX:+UseBiasedLocking",
    "-Djava.endorsed.dirs=/nonexistent",
    "-Djava.ext.dirs=/nonexistent",
    "-Xincgc",
    "-Xmx64m",
];

/// Distinct java binaries: `java` on PATH and every /usr/lib/jvm/*/bin/java, by real path.
fn javas() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = Vec::new();
    let on_path: Vec<PathBuf> = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).map(|d| d.join("java")).collect())
        .unwrap_or_default();
    let in_jvm = std::fs::read_dir("/usr/lib/jvm")
        .map(|d| d.flatten().map(|e| e.path().join("bin/java")).collect())
        .unwrap_or_else(|_| Vec::new());
    for candidate in on_path.into_iter().take(64).chain(in_jvm) {
        if let Ok(real) = std::fs::canonicalize(&candidate)
            && real.is_file()
            && !found.contains(&real)
        {
            found.push(real);
        }
    }
    found
}

/// The feature version `java -version` reports (`"1.8.0_392"` is 8, `"17.0.15"` is 17).
fn feature(java: &Path) -> Option<i64> {
    let out = Command::new(java).arg("-version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let quoted = text.split('"').nth(1)?;
    let mut parts = quoted.split(['.', '-', '+', '_']);
    let first: i64 = parts.next()?.parse().ok()?;
    match first {
        1 => parts.next()?.parse().ok(),
        n => Some(n),
    }
}

/// What the JDK does with `flag`: refuses it (exit non-zero), or accepts it, and whether it
/// printed a warning.
fn start(java: &Path, flag: &str) -> (bool, bool, String) {
    let out = Command::new(java)
        .args([flag, "-version"])
        .output()
        .expect("java starts");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let warned = stderr.to_ascii_lowercase().contains("warning");
    (!out.status.success(), warned, stderr)
}

/// The rule's status for `flag` on JDK `feature`.
fn judged(feature: i64, flag: &str) -> String {
    let facts = Facts {
        schema_version: 1,
        collected_at: "2026-11-30T00:00:00Z".into(),
        hostname: "node1".into(),
        product_home: Some("/opt/wso2am".into()),
        offline: true,
        facts: BTreeMap::from([
            ("jdk.feature".to_string(), Fact::value(Value::Int(feature))),
            (
                "jvm.flags".to_string(),
                Fact::value(Value::List(vec![Value::Str(flag.to_string())])),
            ),
        ]),
    };
    let sel = Selection {
        only: vec!["jvm.removed-flags".into()],
        skip: vec![],
    };
    let results = eval::evaluate(&rules::embedded(), &facts, &sel);
    let r = results
        .iter()
        .find(|r| r.id == "jvm.removed-flags")
        .expect("jvm.removed-flags is shipped");
    r.status.as_str().to_string()
}

#[test]
fn the_jdk_refuses_exactly_what_the_table_fails() {
    let javas: Vec<(PathBuf, i64)> = javas()
        .into_iter()
        .filter_map(|j| feature(&j).map(|f| (j, f)))
        .collect();
    if javas.is_empty() {
        common::missing_input(
            "no java on PATH or in /usr/lib/jvm; jvm.removed-flags was not checked against a JDK",
        );
        return;
    }
    let mut wrong = Vec::new();
    for (java, feature) in &javas {
        for flag in FLAGS {
            let (refused, warned, stderr) = start(java, flag);
            let status = judged(*feature, flag);
            let first = stderr.lines().next().unwrap_or("");
            let what = format!("JDK {feature} ({}) {flag}", java.display());
            match status.as_str() {
                "fail" if !refused => {
                    wrong.push(format!("{what}: table fails, JDK accepts: {first}"))
                }
                "warn" | "pass" if refused => {
                    wrong.push(format!("{what}: table says {status}, JDK refuses: {first}"))
                }
                "warn" if !warned => {
                    wrong.push(format!("{what}: table warns, JDK accepts silently"))
                }
                "fail" | "warn" | "pass" => {}
                other => wrong.push(format!("{what}: rule gave {other}")),
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The control flag and at least one refusal were seen on every JDK (the test can fail).
    for (java, feature) in &javas {
        assert!(!start(java, "-Xmx64m").0, "JDK {feature} refuses -Xmx64m");
        if *feature >= 9 {
            assert!(start(java, "-XX:+PrintGCDateStamps").0, "JDK {feature}");
        }
    }
}
