//! `preflight fleet`: three staged nodes (`preflight facts` + `check` on each, as the Ansible
//! role runs them), one with another keystore certificate and another JDK; the fleet report in
//! every format.

mod common;

use common::{preflight, repo};
use std::path::{Path, PathBuf};

/// A staged node: PRODUCT_HOME with a keystore from tests/fixtures/keystores.
fn stage_node(root: &Path, name: &str, keystore: (&str, &str, &str), hostname: &str) -> PathBuf {
    let (file, password, alias) = keystore;
    let toml = format!(
        r#"[server]
hostname = "{hostname}"

[keystore.primary]
file_name = "{file}"
password = "{password}"
alias = "{alias}"
key_password = "{password}"

[database.apim_db]
type = "postgre"
url = "jdbc:postgresql://db.example.com:5432/apim_db"

[database.shared_db]
type = "postgre"
url = "jdbc:postgresql://db.example.com:5432/shared_db"
"#
    );
    let home = common::stage_home(&root.join(name), "4.2.0", &toml);
    let security = home.join("repository/resources/security");
    std::fs::create_dir_all(&security).unwrap();
    std::fs::copy(
        repo().join("tests/fixtures/keystores").join(file),
        security.join(file),
    )
    .unwrap();
    home
}

fn fake_jdk(root: &Path, name: &str, version: &str, implementor: &str) -> PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("release"),
        format!("JAVA_VERSION=\"{version}\"\nIMPLEMENTOR=\"{implementor}\"\n"),
    )
    .unwrap();
    dir
}

/// Runs facts and check for one node into `fleet/<name>/`, as the Ansible role does.
fn collect(fleet: &Path, name: &str, home: &Path, profile: &str, java_home: &Path) {
    let out = fleet.join(name);
    std::fs::create_dir_all(&out).unwrap();
    let common = [
        "--product-home",
        home.to_str().unwrap(),
        "--profile",
        profile,
        "--offline",
        // tls.p12 is PBES2/AES-256: its key derivation is slow in a debug build.
        "--timeout",
        "60",
    ];
    preflight()
        .env("JAVA_HOME", java_home)
        .arg("facts")
        .args(common)
        .args(["--output", out.join("facts.json").to_str().unwrap()])
        .assert()
        .success();
    let code = preflight()
        .env("JAVA_HOME", java_home)
        .arg("check")
        .args(common)
        .args([
            "--format",
            &format!("json={}", out.join("report.json").display()),
        ])
        .output()
        .unwrap()
        .status
        .code();
    assert!(matches!(code, Some(0 | 1)), "check exited {code:?}");
}

/// cp1 and gw1 agree; gw2 has another keystore certificate and another JDK.
fn three_nodes(tmp: &Path) -> PathBuf {
    let jdk17 = fake_jdk(tmp, "jdk17", "17.0.10", "Eclipse Adoptium");
    let jdk21 = fake_jdk(tmp, "jdk21", "21.0.2", "Oracle Corporation");
    let gateway = ("gateway.jks", "Sup3r-Store", "gateway");
    let tls = ("tls.p12", "changeit-2", "tls");
    let fleet = tmp.join("fleet");
    let cp1 = stage_node(tmp, "cp1", gateway, "cp.example.com");
    let gw1 = stage_node(tmp, "gw1", gateway, "gw1.example.com");
    let gw2 = stage_node(tmp, "gw2", tls, "gw2.example.com");
    collect(&fleet, "cp1", &cp1, "control-plane", &jdk17);
    collect(&fleet, "gw1", &gw1, "gateway-worker", &jdk17);
    collect(&fleet, "gw2", &gw2, "gateway-worker", &jdk21);
    fleet
}

fn result<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    common::result(report, id)
}

#[test]
fn the_fleet_report_catches_another_keystore_and_another_jdk_in_every_format() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = three_nodes(tmp.path());
    let out = tmp.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let file = |f: &str| out.join(f).display().to_string();
    let run = preflight()
        .arg("fleet")
        .arg(&fleet)
        .args(["--format", &format!("table={}", file("fleet.txt"))])
        .args(["--format", &format!("json={}", file("fleet.json"))])
        .args(["--format", &format!("junit={}", file("fleet.xml"))])
        .args(["--format", &format!("sarif={}", file("fleet.sarif"))])
        .args(["--format", &format!("markdown={}", file("fleet.md"))])
        .output()
        .unwrap();
    assert_eq!(
        run.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    // JSON: the report contract, valid against the published schema.
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file("fleet.json")).unwrap()).unwrap();
    let schema: serde_json::Value =
        serde_json::from_str(&preflight::report::Report::json_schema()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&json)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["rulepack"]["name"], "fleet");
    let keystore = result(&json, "fleet.same-keystore");
    assert_eq!(keystore["status"], "fail", "{keystore}");
    let msg = keystore["message"].as_str().unwrap();
    assert!(
        msg.contains("on cp1, gw1") && msg.contains("on gw2"),
        "{msg}"
    );
    let jdk = result(&json, "fleet.same-jdk");
    assert_eq!(jdk["status"], "warn", "{jdk}");
    let msg = jdk["message"].as_str().unwrap();
    assert!(
        msg.contains("among gateway-worker nodes") && msg.contains("21 on gw2"),
        "{msg}"
    );
    for (id, status) in [
        ("fleet.same-product", "pass"),
        ("fleet.same-databases", "pass"),
        ("fleet.unique-hostnames", "pass"),
        ("fleet.same-encryption-key", "skip"),
    ] {
        assert_eq!(result(&json, id)["status"], status, "{}", result(&json, id));
    }
    for node in ["cp1", "gw1", "gw2"] {
        let r = result(&json, &format!("node:{node}"));
        assert_eq!(r["category"], "nodes");
        assert!(r["observed"].as_str().unwrap().contains("passed"), "{r}");
    }
    // A node rule failing everywhere lists the nodes (the staged homes have no JVM settings).
    let aggregated: Vec<&serde_json::Value> = json["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["message"].as_str().unwrap().contains("(3 of 3)"))
        .collect();
    assert!(!aggregated.is_empty(), "no node rule listed with its nodes");
    assert_eq!(
        json["summary"]["total"].as_u64().unwrap() as usize,
        json["results"].as_array().unwrap().len()
    );

    // Table, JUnit, SARIF, Markdown: the same findings.
    let table = std::fs::read_to_string(file("fleet.txt")).unwrap();
    assert!(table.contains("Fleet (across nodes)"), "{table}");
    assert!(
        table
            .lines()
            .any(|l| l.contains("✖ FAIL") && l.contains("fleet.same-keystore")),
        "{table}"
    );
    assert!(table.contains("node:gw2"), "{table}");
    let junit = std::fs::read_to_string(file("fleet.xml")).unwrap();
    let case = junit
        .split("<testcase")
        .find(|c| c.contains("(fleet.same-keystore)"))
        .expect("a testcase for fleet.same-keystore");
    assert!(case.contains("<failure"), "{case}");
    roxmltree::Document::parse(&junit).expect("JUnit is well-formed XML");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(file("fleet.sarif")).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "fleet.same-keystore" && r["level"] == "error"),
        "{results:#?}"
    );
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "fleet.same-jdk" && r["level"] == "warning")
    );
    let md = std::fs::read_to_string(file("fleet.md")).unwrap();
    assert!(md.contains("fleet.same-keystore"), "{md}");
    assert!(
        md.contains("fleet of 3 nodes: 1 control-plane, 2 gateway-worker"),
        "{md}"
    );
}

#[test]
fn node_directories_are_named_or_found_under_a_parent() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = three_nodes(tmp.path());
    // Listing the node directories one by one gives the same fleet as their parent.
    let out = preflight()
        .arg("fleet")
        .args(["cp1", "gw1"].map(|n| fleet.join(n)))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result(&json, "fleet.same-keystore")["status"], "pass");
    assert_eq!(result(&json, "fleet.same-jdk")["status"], "pass");
    // Not a node directory: exit 2 with the path.
    let bad = preflight()
        .args(["fleet", tmp.path().join("jdk17").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("jdk17: holds neither"));
    // --rules adds fleet rules; a bad one is reported as file:line:col, exit 2.
    let extra = tmp.path().join("fleet-rules");
    std::fs::create_dir_all(&extra).unwrap();
    std::fs::write(
        extra.join("os.toml"),
        "[[rule]]\nid = \"fleet.same-os\"\ntitle = \"Same OS\"\nlevel = \"warn\"\ncheck = \"same\"\n\n[[rule.compare]]\nfacts = [\"host.os.id\"]\nscope = \"all\"\n",
    )
    .unwrap();
    let out = preflight()
        .arg("fleet")
        .arg(&fleet)
        .args(["--rules", extra.to_str().unwrap(), "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result(&json, "fleet.same-os")["status"], "pass");
    std::fs::write(
        extra.join("bad.toml"),
        "[[rule]]\nid = \"fleet.x\"\nlevel = \"fail\"\n",
    )
    .unwrap();
    let bad = preflight()
        .arg("fleet")
        .arg(&fleet)
        .args(["--rules", extra.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(
        err.contains("bad.toml:1:1:") && err.contains("title"),
        "{err}"
    );
    // A broken facts file: exit 2 with file:line:col.
    std::fs::write(
        fleet.join("gw1/facts.json"),
        "{\"schema_version\": 1,\n  \"facts\": [",
    )
    .unwrap();
    let broken = preflight().arg("fleet").arg(&fleet).output().unwrap();
    assert_eq!(broken.status.code(), Some(2));
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(err.contains("gw1/facts.json:2:"), "{err}");
}

#[test]
fn the_encryption_key_is_compared_by_salted_digest_and_never_shipped() {
    let tmp = tempfile::tempdir().unwrap();
    let key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let home = common::stage_home(
        tmp.path(),
        "4.7.0",
        &format!("[server]\nhostname = \"a.example\"\n\n[encryption]\nkey = \"{key}\"\n"),
    );
    let digest = |salt: Option<&str>| {
        let mut cmd = preflight();
        cmd.env_remove("PREFLIGHT_FLEET_SALT");
        if let Some(s) = salt {
            cmd.env("PREFLIGHT_FLEET_SALT", s);
        }
        let out = cmd
            .args([
                "facts",
                "--offline",
                "--product-home",
                home.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(!text.contains(key), "the key reached the facts file");
        let facts: serde_json::Value = serde_json::from_str(&text).unwrap();
        let mut fact = facts["facts"]["config.encryption-key.digest"].clone();
        fact["duration_ms"] = 0.into();
        fact
    };
    let a = digest(Some("fleet-salt-1"));
    assert_eq!(a, digest(Some("fleet-salt-1")));
    assert_ne!(a, digest(Some("fleet-salt-2")));
    assert!(
        a["value"]["value"]
            .as_str()
            .unwrap()
            .starts_with("hmac-sha256:"),
        "{a}"
    );
    let none = digest(None);
    assert!(
        none["unavailable"]["reason"]
            .as_str()
            .unwrap()
            .contains("PREFLIGHT_FLEET_SALT is not set"),
        "{none}"
    );
}

/// A node of `profile` from a bare 4.2.0 home (no keystore: quick), into `fleet/<name>/`.
fn light_node(tmp: &Path, fleet: &Path, name: &str, profile: &str) {
    let home = common::stage_home(
        &tmp.join("homes").join(name),
        "4.2.0",
        &format!("[server]\nhostname = \"{name}.example.com\"\n"),
    );
    let jdk = fake_jdk(tmp, "jdk17", "17.0.10", "Eclipse Adoptium");
    collect(fleet, name, &home, profile, &jdk);
}

fn fleet_json(fleet: &Path, args: &[&str]) -> (i32, serde_json::Value) {
    let out = preflight()
        .arg("fleet")
        .arg(fleet)
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}", String::from_utf8_lossy(&out.stderr));
    });
    (out.status.code().unwrap(), json)
}

#[test]
fn a_node_the_inventory_names_that_sent_nothing_fails_the_fleet() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = tmp.path().join("fleet");
    light_node(tmp.path(), &fleet, "cp1", "control-plane");
    light_node(tmp.path(), &fleet, "gw1", "gateway-worker");

    let (code, json) = fleet_json(&fleet, &["--expect", "cp1,gw1", "--expect", "gw2"]);
    assert_eq!(code, 1);
    let complete = result(&json, "fleet.complete");
    assert_eq!(complete["status"], "fail", "{complete}");
    assert!(
        complete["message"]
            .as_str()
            .unwrap()
            .contains("no report.json from gw2 (named by --expect)"),
        "{complete}"
    );
    assert_eq!(complete["observed"], "2 of 3 expected nodes sent a report");
    // The same from the Ansible inventory the play ran on, INI or YAML (localhost, the
    // controller, is not a node).
    let ini = tmp.path().join("inventory.ini");
    std::fs::write(
        &ini,
        "localhost ansible_connection=local\n[control_plane]\ncp1\n[gateways]\ngw[1:2] ansible_user=wso2\n[gateways:vars]\nx=1\n",
    )
    .unwrap();
    let yaml = tmp.path().join("inventory.yml");
    std::fs::write(
        &yaml,
        "all:\n  children:\n    cp:\n      hosts:\n        cp1:\n    gw:\n      hosts:\n        gw[1:2]:\n",
    )
    .unwrap();
    for inventory in [&ini, &yaml] {
        let (code, json) = fleet_json(&fleet, &["--expect", inventory.to_str().unwrap()]);
        assert_eq!(code, 1, "{}", inventory.display());
        let complete = result(&json, "fleet.complete");
        assert_eq!(complete["status"], "fail", "{complete}");
        assert_eq!(complete["observed"], "2 of 3 expected nodes sent a report");
        assert!(
            complete["message"]
                .as_str()
                .unwrap()
                .contains("no report.json from gw2"),
            "{complete}"
        );
    }
    // A missing inventory file is a mistake on the command line, not an expected node.
    let out = preflight()
        .arg("fleet")
        .arg(&fleet)
        .args(["--expect", "inventory/prod.ini"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no such inventory file"),
        "{out:?}"
    );
    // One node per serving profile: a warning naming each.
    let redundancy = result(&json, "fleet.redundancy");
    assert_eq!(redundancy["status"], "warn", "{redundancy}");
    let msg = redundancy["message"].as_str().unwrap();
    assert!(
        msg.contains("control-plane runs only on cp1")
            && msg.contains("gateway-worker runs only on gw1"),
        "{msg}"
    );

    // gw2 reports: the fleet is complete, and only the control plane lacks a second node.
    light_node(tmp.path(), &fleet, "gw2", "gateway-worker");
    let (_, json) = fleet_json(&fleet, &["--expect", "cp1,gw1,gw2"]);
    let complete = result(&json, "fleet.complete");
    assert_eq!(complete["status"], "pass", "{complete}");
    assert_eq!(complete["message"], "all 3 expected nodes sent a report");
    let msg = result(&json, "fleet.redundancy")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(msg.contains("control-plane runs only on cp1"), "{msg}");
    assert!(!msg.contains("gateway-worker runs"), "{msg}");

    // Nodes the inventory does not name fail too: stale folders would skew the comparisons.
    let (code, json) = fleet_json(&fleet, &["--expect", "cp1"]);
    assert_eq!(code, 1);
    let complete = result(&json, "fleet.complete");
    assert_eq!(complete["status"], "fail");
    assert!(
        complete["message"]
            .as_str()
            .unwrap()
            .contains("gw1, gw2 sent files but --expect does not name them"),
        "{complete}"
    );

    // Without --expect the fleet is what was found: skipped, saying why.
    let (_, json) = fleet_json(&fleet, &[]);
    let complete = result(&json, "fleet.complete");
    assert_eq!(complete["status"], "skip");
    assert!(
        complete["reason"]
            .as_str()
            .unwrap()
            .contains("no --expect list"),
        "{complete}"
    );
}

#[test]
fn two_nodes_of_every_serving_profile_pass_redundancy() {
    let tmp = tempfile::tempdir().unwrap();
    let fleet = tmp.path().join("fleet");
    for (name, profile) in [("aio1", "all-in-one"), ("aio2", "all-in-one")] {
        light_node(tmp.path(), &fleet, name, profile);
    }
    let (_, json) = fleet_json(&fleet, &["--expect", "aio1,aio2"]);
    let redundancy = result(&json, "fleet.redundancy");
    assert_eq!(redundancy["status"], "pass", "{redundancy}");
    assert_eq!(redundancy["observed"], "all-in-one: 2");
    assert_eq!(result(&json, "fleet.complete")["status"], "pass");
}

#[test]
fn rules_explain_prints_a_fleet_rule_with_its_sources() {
    let out = preflight()
        .args(["rules", "explain", "fleet.same-keystore"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with("fleet.same-keystore — All nodes use the same primary keystore"),
        "{text}"
    );
    assert!(
        text.contains("defined at: rules/fleet/fleet.toml:"),
        "{text}"
    );
    assert!(
        text.contains("compares primary keystore certificate (SHA-256): all nodes together"),
        "{text}"
    );
    assert!(text.contains("  keystore.primary.cert.sha256 ("), "{text}");
    let sources = text.split("\nsources:\n").nth(1).unwrap_or_default();
    assert!(
        sources.contains("wso2/carbon-kernel v4.11.18 distribution/kernel/carbon-home/repository/resources/conf/default.json:130-133"),
        "{text}"
    );
    // A misspelt fleet id is offered like a node rule's.
    let bad = preflight()
        .args(["rules", "explain", "fleet.redundency"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("did you mean `fleet.redundancy`?"),
        "{bad:?}"
    );
}
