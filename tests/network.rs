//! Network probes against real servers on loopback: PostgreSQL and OpenLDAP started by
//! `.ci/services.sh`, and a closed port; every connection under the deadline.

mod common;
use common::*;
use std::time::{Duration, Instant};

fn facts(home: &std::path::Path, extra: &[&str]) -> (serde_json::Value, Duration) {
    let started = Instant::now();
    let home = home.to_str().unwrap();
    let args = [&["--timeout", "2", "--product-home", home][..], extra].concat();
    let stdout = facts_stdout(&args);
    (serde_json::from_slice(&stdout).unwrap(), started.elapsed())
}

fn list(f: &serde_json::Value, name: &str) -> Vec<String> {
    f["facts"][name]["value"]["value"]
        .as_array()
        .unwrap_or_else(|| panic!("{name}: {}", f["facts"][name]))
        .iter()
        .map(|v| v["value"].as_str().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn postgres_and_ldap_on_loopback_answer_and_a_closed_port_does_not() {
    if !service(5432, "PostgreSQL") || !service(3389, "OpenLDAP") {
        return;
    }
    let closed = closed_port();
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        r#"[database.apim_db]
type = "postgre"
url = "jdbc:postgresql://127.0.0.1:5432/apim_db"

[database.shared_db]
type = "postgre"
url = "jdbc:postgresql://127.0.0.1:{closed}/shared_db"

[user_store]
type = "read_only_ldap_unique_id"
connection_url = "ldap://127.0.0.1:3389"
"#
    );
    let home = stage_home(dir.path(), "4.2.0", &toml);
    let (f, took) = facts(&home, &[]);
    assert!(took < Duration::from_secs(4), "took {took:?}");
    let unreachable = list(&f, "db.unreachable");
    assert_eq!(unreachable.len(), 1, "{unreachable:?}");
    assert!(
        unreachable[0].contains(&format!("127.0.0.1:{closed}")),
        "{unreachable:?}"
    );
    assert!(list(&f, "userstore.ldap.unreachable").is_empty());

    let (f, _) = facts(&home, &["--offline"]);
    assert_eq!(
        f["facts"]["db.unreachable"]["unavailable"]["reason"],
        "skipped: --offline"
    );
}

/// `db.reachable` and `userstore.ldap.reachable`, the shipped rules, against the real servers:
/// pass when they answer, fail on a closed port within the deadline, skip under --offline.
#[test]
fn reachability_rules_pass_against_real_servers_and_fail_against_a_closed_port() {
    if !service(5432, "PostgreSQL") || !service(3389, "OpenLDAP") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db = |port: u16| {
        format!(
            "[database.apim_db]\ntype = \"postgre\"\nurl = \"jdbc:postgresql://127.0.0.1:{port}/apim_db\"\n\n[database.shared_db]\ntype = \"postgre\"\nurl = \"jdbc:postgresql://127.0.0.1:{port}/shared_db\"\n\n[user_store]\ntype = \"read_only_ldap_unique_id\"\nconnection_url = \"ldap://127.0.0.1:{}\"\n",
            if port == 5432 { 3389 } else { port }
        )
    };
    let only = [
        "--only",
        "db.reachable",
        "--only",
        "userstore.ldap.reachable",
        "--timeout",
        "2",
    ];
    let up = stage_home(&dir.path().join("up"), "4.2.0", &db(5432));
    let mut args = vec!["--product-home", up.to_str().unwrap()];
    args.extend(only);
    let (code, r) = check_json(&args);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(result(&r, "db.reachable")["status"], "pass");
    assert_eq!(result(&r, "userstore.ldap.reachable")["status"], "pass");

    let closed = closed_port();
    let down = stage_home(&dir.path().join("down"), "4.2.0", &db(closed));
    let mut args = vec!["--product-home", down.to_str().unwrap()];
    args.extend(only);
    let started = Instant::now();
    let (code, r) = check_json(&args);
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code, 1);
    let res = result(&r, "db.reachable");
    assert_eq!(res["status"], "fail", "{res:#}");
    assert!(
        res["message"]
            .as_str()
            .unwrap()
            .contains(&format!("127.0.0.1:{closed}")),
        "{res:#}"
    );
    assert_eq!(result(&r, "userstore.ldap.reachable")["status"], "fail");

    args.push("--offline");
    let (code, r) = check_json(&args);
    assert_eq!(code, 0);
    assert_eq!(result(&r, "db.reachable")["status"], "skip");
    assert_eq!(
        result(&r, "db.reachable")["reason"],
        "not run under --offline"
    );
}
