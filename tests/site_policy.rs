//! Product policy is rule data: a site that copies a shipped rule into its own `--rules` pack,
//! marks it `override = true` and edits the list or threshold gets a different verdict on the
//! same node, without Rust.

mod common;
use common::*;
use std::path::Path;

/// The `[[rule]]` block of `id` in the shipped topic file, as a site would copy it.
fn shipped_rule(topic: &str, id: &str) -> String {
    let text = std::fs::read_to_string(repo().join("rules/wso2-apim").join(topic)).unwrap();
    let start = text
        .find(&format!("[[rule]]\nid = \"{id}\""))
        .unwrap_or_else(|| panic!("no rule {id} in {topic}"));
    let rest = &text[start + 1..];
    let end = rest
        .find("\n[[rule]]\n")
        .map_or(text.len(), |e| start + 1 + e);
    text[start..end].to_string()
}

/// A site pack in `dir` holding `rule` (a shipped rule edited), marked as overriding it.
fn site_pack(dir: &Path, rule: &str) -> String {
    let pack = dir.join("site");
    std::fs::create_dir_all(&pack).unwrap();
    let rule = rule.replacen("\n", "\noverride = true\n", 1);
    std::fs::write(pack.join("site.toml"), rule).unwrap();
    pack.to_str().unwrap().to_string()
}

#[test]
fn a_site_list_of_database_administrators_changes_the_verdict() {
    let toml = "[server]\nhostname = \"apim.example.com\"\n\n[database.apim_db]\ntype = \"mysql\"\nurl = \"jdbc:mysql://db.example:3306/apim_db?useSSL=true&requireSSL=true\"\nusername = \"dbadmin\"\n";
    let (dir, home) = temp_home("4.2.0", toml);
    let only = ["--only", "db.privileged-user", "--fail-on", "warn"];
    let (code, shipped, _) = check_home(&home, &only, &[]);
    let r = result(&shipped, "db.privileged-user");
    assert_eq!((code, r["status"].as_str()), (0, Some("pass")), "{r}");

    // This site's DBAs log in as `dbadmin`: it adds the name to the rule's list.
    let rule = shipped_rule("db.toml", "db.privileged-user");
    let edited = rule.replace("|admin)", "|admin|dbadmin)");
    assert_ne!(
        rule, edited,
        "the shipped rule no longer holds its list as `|admin)`"
    );
    let pack = site_pack(dir.path(), &edited);
    let (code, site, text) = check_home(
        &home,
        &[&["--rules", pack.as_str()], &only[..]].concat(),
        &[],
    );
    let r = result(&site, "db.privileged-user");
    assert_eq!((code, r["status"].as_str()), (1, Some("warn")), "{text}");
    assert!(
        r["message"].as_str().unwrap().contains("apim_db (dbadmin)"),
        "{r}"
    );
}

/// A facts file (`preflight facts` output) holding `pairs`, taken on a node with a PRODUCT_HOME.
fn facts_file(dir: &Path, pairs: &[(&str, &str)]) -> String {
    let facts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k:?}: {{\"value\": {v}}}"))
        .collect();
    let json = format!(
        r#"{{"schema_version":1,"collected_at":"2026-11-25T00:00:00Z","hostname":"node1","product_home":"/opt/wso2am-4.2.0","offline":true,"facts":{{{}}}}}"#,
        facts.join(",")
    );
    let path = dir.join("facts.json");
    std::fs::write(&path, json).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_site_heap_headroom_threshold_changes_the_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let gib = 1u64 << 30;
    let facts = facts_file(
        dir.path(),
        &[
            (
                "host.memory.total",
                &format!(r#"{{"type":"bytes","value":{}}}"#, 4 * gib),
            ),
            (
                "jvm.heap.max",
                &format!(r#"{{"type":"bytes","value":{}}}"#, 2 * gib),
            ),
            ("host.memory.cgroup-limit", r#"{"type":"null"}"#),
        ],
    );
    let only = ["--facts", facts.as_str(), "--only", "host.memory.heap-fits"];
    let (code, shipped) = check_json(&only);
    let r = result(&shipped, "host.memory.heap-fits");
    assert_eq!((code, r["status"].as_str()), (0, Some("pass")), "{r}");

    // This site keeps 3 GiB beside the heap (agents, page cache for logs): its own threshold.
    let rule = shipped_rule("host.toml", "host.memory.heap-fits");
    let edited = rule.replacen("fail = \"< 1600MiB\"", "fail = \"< 3GiB\"", 1);
    assert_ne!(
        rule, edited,
        "the shipped threshold is no longer `< 1600MiB`"
    );
    let pack = site_pack(dir.path(), &edited);
    let (code, site) = check_json(&[&["--rules", pack.as_str()], &only[..]].concat());
    let r = result(&site, "host.memory.heap-fits");
    assert_eq!((code, r["status"].as_str()), (1, Some("fail")), "{r}");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .starts_with("2 GiB of RAM is left"),
        "{r}"
    );
}
