//! End-to-end behaviour of the binary: exit codes, the JSON contract, compiler errors,
//! real WSO2 deployment.toml files, and facts round trips.

mod common;
use common::*;

const HARDENED_42: &str = r#"
[server]
hostname = "apim.example.com"

[super_admin]
username = "ops-admin"
password = "$secret{admin_password}"

[database.apim_db]
type = "postgre"
url = "jdbc:postgresql://db.example.com:5432/apim_db"

[database.shared_db]
type = "postgre"
url = "jdbc:postgresql://db.example.com:5432/shared_db"

[identity.auth_framework.endpoint]
app_password = "$secret{app_password}"

[account_recovery.endpoint.auth]
hash = "b5a2c96250612366ea272ffac6d9744aaf4b45aacd96aa7cfcb931ee3b558259"

[secrets]
admin_password = "c2VjcmV0IGNpcGhlcnRleHQ"
app_password = "YW5vdGhlciBjaXBoZXJ0ZXh0"
"#;

#[test]
fn exit_0_when_nothing_fails() {
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", HARDENED_42);
    // db.driver-jar: the PostgreSQL driver must be in repository/components/lib.
    let lib = home.join("repository/components/lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/jars/postgresql-42.7.3.jar"),
        lib.join("postgresql-42.7.3.jar"),
    )
    .unwrap();
    // config.metrics-off: Carbon Metrics switched off in metrics.xml.
    std::fs::write(
        home.join("repository/conf/metrics.xml"),
        "<Metrics xmlns=\"http://wso2.org/projects/carbon/metrics.xml\"><Enabled>false</Enabled></Metrics>\n",
    )
    .unwrap();
    let (code, report) = check_json(&[
        "--product-home",
        home.to_str().unwrap(),
        "--offline",
        "--only",
        "config",
        "--only",
        "db",
        "--only",
        "product",
    ]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["fail"], 0);
    assert_eq!(result(&report, "host.cpu.cores")["status"], "skip");
    assert_eq!(
        result(&report, "host.cpu.cores")["reason"],
        "not selected by --only config, db, product"
    );
}

#[test]
fn exit_1_on_a_failure_and_on_warn_with_fail_on_warn() {
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", "[server]\nhostname = \"localhost\"\n");
    let (code, report) = check_json(&[
        "--product-home",
        home.to_str().unwrap(),
        "--only",
        "config.hostname",
    ]);
    assert_eq!(code, 1);
    assert_eq!(result(&report, "config.hostname")["status"], "fail");

    // A facts file with 3 cores: host.cpu.cores warns; exit 0 by default, 1 with --fail-on warn.
    let facts = dir.path().join("facts.json");
    std::fs::write(
        &facts,
        facts_json(&[
            ("host.cpu.cores", r#"{"type":"int","value":3}"#),
            ("host.cpu.cgroup-limit", r#"{"type":"null"}"#),
        ]),
    )
    .unwrap();
    let args = [
        "--facts",
        facts.to_str().unwrap(),
        "--only",
        "host.cpu.cores",
    ];
    let (code, report) = check_json(&args);
    assert_eq!(
        (code, result(&report, "host.cpu.cores")["status"].as_str()),
        (0, Some("warn"))
    );
    let mut with_warn = args.to_vec();
    with_warn.extend(["--fail-on", "warn"]);
    assert_eq!(check_json(&with_warn).0, 1);
}

fn facts_json(pairs: &[(&str, &str)]) -> String {
    let facts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k:?}: {{\"value\": {v}}}"))
        .collect();
    format!(
        r#"{{"schema_version":1,"collected_at":"2026-11-25T00:00:00Z","hostname":"node1","product_home":null,"offline":true,"facts":{{{}}}}}"#,
        facts.join(",")
    )
}

#[test]
fn exit_2_on_bad_arguments_and_bad_inputs() {
    preflight()
        .args(["check", "--format", "yaml"])
        .assert()
        .code(2);
    preflight()
        .args(["check", "--fail-on", "sometimes"])
        .assert()
        .code(2);
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("facts.json");
    std::fs::write(&bad, "{\n  \"schema_version\": 1,\n  oops\n}").unwrap();
    let out = preflight()
        .args(["check", "--facts", bad.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("facts.json:3:3"), "{err}");
    preflight()
        .args(["check", "--facts", "/nonexistent/facts.json"])
        .assert()
        .code(2);
}

#[test]
fn json_report_follows_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", HARDENED_42);
    let (_, r) = check_json(&["--product-home", home.to_str().unwrap()]);
    assert_eq!(r["schema_version"], 1);
    assert_eq!(r["tool"]["name"], "preflight");
    assert!(r["tool"]["version"].is_string());
    assert_eq!(r["rulepack"]["name"], "wso2-apim");
    let started = r["run"]["started_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(started).is_ok() && started.ends_with('Z'),
        "{started}"
    );
    assert!(r["run"]["duration_ms"].is_u64());
    assert!(r["run"]["hostname"].is_string());
    assert_eq!(r["run"]["product_home"], home.to_str().unwrap());
    assert_eq!(r["product"]["name"], "WSO2 API Manager");
    assert_eq!(r["product"]["version"], "4.2.0");
    assert_eq!(r["product"]["profile"], "all-in-one");
    let listed = preflight()
        .args(["rules", "list", "--format", "json"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let results = r["results"].as_array().unwrap();
    assert_eq!(
        r["summary"]["total"].as_u64().unwrap() as usize,
        results.len()
    );
    assert_eq!(results.len(), listed["rules"].as_array().unwrap().len());
    let mut counted = 0;
    for s in ["pass", "warn", "fail", "error", "skip", "manual"] {
        counted += r["summary"][s].as_u64().unwrap();
    }
    assert_eq!(counted as usize, results.len());
    assert_eq!(r["summary"]["waived"], 0);
    for res in results {
        for key in [
            "id",
            "title",
            "category",
            "status",
            "message",
            "observed",
            "expected",
            "fix",
            "docs",
            "location",
            "waiver",
            "duration_ms",
        ] {
            assert!(res.get(key).is_some(), "result {} lacks `{key}`", res["id"]);
        }
        assert!(
            ["pass", "warn", "fail", "error", "skip", "manual"]
                .contains(&res["status"].as_str().unwrap())
        );
    }
}

#[test]
fn no_product_home_skips_product_rules_and_runs_host_rules() {
    let (_, r) = check_json(&[]);
    assert_eq!(r["product"], serde_json::Value::Null);
    assert_eq!(result(&r, "config.hostname")["status"], "skip");
    assert!(
        result(&r, "config.hostname")["reason"]
            .as_str()
            .unwrap()
            .contains("no PRODUCT_HOME")
    );
    assert_ne!(result(&r, "host.memory.total")["status"], "skip");
    for id in [
        "db.reachable",
        "userstore.ldap.reachable",
        "keystore.readable",
        "jvm.heap.max",
    ] {
        assert_eq!(result(&r, id)["status"], "skip", "{id}");
    }
    // The user check still runs: without a home only the current user is judged.
    assert_ne!(result(&r, "host.user.not-root")["status"], "error");
}

/// Issue 2: the shipped 4.2.0 deployment.toml fails hostname, admin and H2 at their lines.
#[test]
fn real_420_deployment_toml_fails_at_the_offending_lines_and_passes_when_fixed() {
    let Some(text) = real_420_deployment_toml() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", &text);
    let (code, r) = check_json(&["--product-home", home.to_str().unwrap(), "--offline"]);
    assert_eq!(code, 1);
    let expect = [
        (
            "config.hostname",
            line_of(&text, "hostname = \"localhost\""),
        ),
        (
            "config.admin.default",
            line_of(&text, "username = \"admin\""),
        ),
        ("db.not-h2", line_of(&text, "type = \"h2\"")),
    ];
    for (id, line) in expect {
        let res = result(&r, id);
        assert_eq!(res["status"], "fail", "{res:#}");
        assert_eq!(res["location"]["file"], "repository/conf/deployment.toml");
        assert_eq!(res["location"]["line"], line, "{id}");
    }

    let fixed = text
        .replace(
            "hostname = \"localhost\"",
            "hostname = \"apim.example.com\"",
        )
        .replace(
            "username = \"admin\"\npassword = \"admin\"",
            "username = \"ops\"\npassword = \"$secret{admin_password}\"",
        )
        .replace("type = \"h2\"", "type = \"postgre\"")
        .replace("jdbc:h2:", "jdbc:postgresql://db:5432/");
    assert_ne!(fixed, text);
    let home2 = stage_home(&dir.path().join("fixed"), "4.2.0", &fixed);
    let (_, r) = check_json(&["--product-home", home2.to_str().unwrap(), "--offline"]);
    for (id, _) in expect {
        assert_eq!(result(&r, id)["status"], "pass", "{:#}", result(&r, id));
    }
}

#[test]
fn malformed_deployment_toml_fails_config_parses_and_every_rule_still_reports() {
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(
        dir.path(),
        "4.2.0",
        "[server]\nhostname = \"apim.example.com\"\n\n[super_admin\nusername = \"x\"\n",
    );
    let (code, r) = check_json(&["--product-home", home.to_str().unwrap()]);
    assert_eq!(code, 1);
    let parses = result(&r, "config.parses");
    assert_eq!(parses["status"], "fail");
    assert_eq!(parses["location"]["line"], 4);
    assert!(parses["message"].as_str().unwrap().contains("invalid TOML"));
    let hostname = result(&r, "config.hostname");
    assert_eq!(hostname["status"], "error");
    assert!(
        hostname["reason"].as_str().unwrap().contains("line 4"),
        "{hostname:#}"
    );
    assert_eq!(result(&r, "product.detected")["status"], "pass");
    assert_eq!(
        r["summary"]["total"].as_u64().unwrap() as usize,
        r["results"].as_array().unwrap().len()
    );
}

#[test]
fn three_mistakes_in_a_rule_file_give_three_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("mypack");
    std::fs::create_dir(&pack).unwrap();
    let file = pack.join("broken.toml");
    std::fs::write(
        &file,
        r#"[[rule]]
id = "my.memory"
title = "Memory"
category = "host"
fact = "host.memory.totl"
fail = "< 4GiB"

[[rule]]
id = "my.version"
title = "Version"
category = "product"
fact = "product.version"
fail = "< 4GiB"

[[rule]]
id = "my.hostname"
title = "Hostname"
category = "config"
fact = "deployment.server.hostname"
fial = "== 'localhost'"
warn = "matches '(['"
"#,
    )
    .unwrap();
    let out = preflight()
        .args(["rules", "validate", pack.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let f = file.display().to_string();
    assert!(
        err.contains(&format!(
            "{f}:5:9: unknown fact `host.memory.totl`; did you mean `host.memory.total`?"
        )),
        "{err}"
    );
    assert!(
        !err.contains(":6:9:"),
        "no follow-on error for the condition of an unknown fact: {err}"
    );
    assert!(
        err.contains(&format!(
            "{f}:13:11: type mismatch: `4GiB` is not a version"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{f}:20:1: unknown key `fial` in [[rule]]; did you mean `fail`?"
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "{f}:21:17: bad regex: found unclosed character class"
        )),
        "{err}"
    );
    // The same compiler runs for `check --rules`.
    preflight()
        .args(["check", "--rules", pack.to_str().unwrap()])
        .assert()
        .code(2);
}

#[test]
fn duplicate_ids_need_an_explicit_override() {
    let dir = tempfile::tempdir().unwrap();
    let pack = dir.path().join("site");
    std::fs::create_dir(&pack).unwrap();
    let rule = "[[rule]]\nid = \"host.cpu.cores\"\ntitle = \"Site CPU policy\"\ncategory = \"host\"\nfact = \"host.cpu.cores\"\nfail = \"< 8\"\n";
    std::fs::write(pack.join("cpu.toml"), rule).unwrap();
    let out = preflight()
        .args(["check", "--rules", pack.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains(
        "duplicate rule id `host.cpu.cores` (first defined at rules/wso2-apim/host.toml:"
    ));
    std::fs::write(pack.join("cpu.toml"), format!("{rule}override = true\n")).unwrap();
    let facts = dir.path().join("f.json");
    std::fs::write(
        &facts,
        facts_json(&[
            ("host.cpu.cores", r#"{"type":"int","value":4}"#),
            ("host.cpu.cgroup-limit", r#"{"type":"null"}"#),
        ]),
    )
    .unwrap();
    let (code, r) = check_json(&[
        "--rules",
        pack.to_str().unwrap(),
        "--facts",
        facts.to_str().unwrap(),
        "--only",
        "host.cpu.cores",
    ]);
    assert_eq!(
        (code, result(&r, "host.cpu.cores")["title"].as_str()),
        (1, Some("Site CPU policy"))
    );
}

#[test]
fn facts_dump_then_check_gives_the_live_results() {
    let Some(text) = real_420_deployment_toml() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", &text);
    let h = home.to_str().unwrap();
    let facts = dir.path().join("f.json");
    preflight()
        .args([
            "facts",
            "--product-home",
            h,
            "--output",
            facts.to_str().unwrap(),
        ])
        .assert()
        .success();
    let (live_code, live) = check_json(&["--product-home", h]);
    let (file_code, from_file) = check_json(&["--facts", facts.to_str().unwrap()]);
    assert_eq!(live_code, file_code);
    let key = |r: &serde_json::Value| -> Vec<(String, String, String, String)> {
        r["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| {
                // Free disk space moves between two runs while other tests write files.
                let volatile = x["id"] == "host.disk.free";
                let observed = if volatile {
                    String::new()
                } else {
                    x["observed"].to_string()
                };
                (
                    x["id"].to_string(),
                    x["status"].to_string(),
                    observed,
                    x["location"].to_string(),
                )
            })
            .collect()
    };
    assert_eq!(key(&live), key(&from_file));
}

#[test]
fn reports_are_never_written_inside_product_home() {
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", HARDENED_42);
    let target = home.join("report.json");
    let out = preflight()
        .args([
            "check",
            "--product-home",
            home.to_str().unwrap(),
            "--format",
        ])
        .arg(format!("json={}", target.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("never writes there"));
    assert!(!target.exists());
}

#[test]
fn several_formats_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", HARDENED_42);
    let json = dir.path().join("r.json");
    let out = preflight()
        .args([
            "check",
            "--product-home",
            home.to_str().unwrap(),
            "--format",
            "table",
            "--format",
        ])
        .arg(format!("json={}", json.display()))
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("Product configuration (deployment.toml)"),
        "{table}"
    );
    // The summary, then the verdict, close the table.
    let lines: Vec<&str> = table.lines().collect();
    let summary = lines.iter().rposition(|l| l.contains(" passed, ")).unwrap();
    assert!(lines[summary + 1].starts_with("Go-live: "), "{table}");
    assert!(!table.contains("\u{1b}["), "no colour when not a terminal");
    let r: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).unwrap()).unwrap();
    assert_eq!(r["schema_version"], 1);
}

#[test]
fn table_shows_the_fix_under_failures_and_the_summary_line() {
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", "[server]\nhostname = \"localhost\"\n");
    let out = preflight()
        .args([
            "check",
            "--product-home",
            home.to_str().unwrap(),
            "--only",
            "config",
        ])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("✖ FAIL"), "{text}");
    assert!(text.contains("fix: Set `hostname"), "{text}");
    assert!(
        text.contains("at repository/conf/deployment.toml:2:12"),
        "{text}"
    );
    let summary = text.lines().find(|l| l.contains(" passed, ")).unwrap();
    assert!(summary.ends_with("skipped, 0 manual"), "{summary}");
    assert!(text.contains("Blocking: config.hostname"), "{text}");
}

#[test]
fn explain_shows_facts_and_fix() {
    let out = preflight()
        .args(["rules", "explain", "host.memory.total"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("host.memory.total (byte size)"), "{text}");
    assert!(text.contains("fix: Give the host"), "{text}");
    let out = preflight()
        .args(["rules", "explain", "host.memory.totl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `host.memory.total`"));
}

#[test]
fn help_has_examples() {
    let out = preflight().args(["check", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("Examples:"));
}

/// Inputs named on the command line may be pipes: `check --facts <(ssh node preflight facts)`.
#[test]
fn facts_can_come_from_a_pipe() {
    let facts = facts_json(&[
        ("host.cpu.cores", r#"{"type":"int","value":1}"#),
        ("host.cpu.cgroup-limit", r#"{"type":"null"}"#),
    ]);
    let out = preflight()
        .args([
            "check",
            "--facts",
            "/dev/stdin",
            "--only",
            "host.cpu.cores",
            "--format",
            "json",
        ])
        .write_stdin(facts)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result(&r, "host.cpu.cores")["status"], "fail");
}
