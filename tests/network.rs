//! Network probes against real servers on loopback: PostgreSQL and OpenLDAP started by
//! `.ci/services.sh`, and a closed port; every connection under the deadline.

mod common;
use common::*;
use std::time::{Duration, Instant};

fn facts(home: &std::path::Path, extra: &[&str]) -> (serde_json::Value, Duration) {
    let started = Instant::now();
    let out = preflight()
        .args(["facts", "--timeout", "2", "--product-home"])
        .arg(home)
        .args(extra)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        serde_json::from_slice(&out.stdout).unwrap(),
        started.elapsed(),
    )
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
