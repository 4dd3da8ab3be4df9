//! Fix round-trip: a person who follows a fix ends with the rule passing and nothing else worse.
//! Every shipped rule that states its fix as data (`[[rule.fix_edit]]`) must fail on a copy of
//! WSO2's default APIM 4.2.0 home (real deployment.toml, start script, keystore and
//! truststore); its edits are applied to that copy as a person would (deployment.toml edited,
//! the start script's flag changed, `chmod`, the JDK's real `keytool`), preflight runs again,
//! and the rule must pass while no other rule's status gets worse.

mod common;

use common::{check_json, preflight, stage_home, wso2_fixtures};
use preflight::rules::{self, model::FixEdit};
use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

const SCRIPT: &str =
    "wso2-product-apim/v4.2.0/modules/distribution/product/src/main/startup-scripts/api-manager.sh";
const TOML: &str =
    "wso2-product-apim/v4.2.0/modules/distribution/product/src/main/conf/deployment.toml";
const KEYSTORE: &str = "wso2-carbon-kernel/v4.8.1/distribution/kernel/carbon-home/repository/resources/security/wso2carbon.jks";
const TRUSTSTORE: &str = "wso2-product-apim/v4.2.0/modules/distribution/product/src/main/resources/client-truststore.jks";

/// A default 4.2.0 home as unpacked from the zip (files 0644), with the kernel 4.8.1 keystore
/// 4.2.0 is built on.
fn default_420(fx: &Path, dir: &Path) -> PathBuf {
    let text = std::fs::read_to_string(fx.join(TOML)).unwrap();
    let home = stage_home(dir, "4.2.0", &text);
    std::fs::copy(fx.join(SCRIPT), home.join("bin/api-manager.sh")).unwrap();
    let sec = home.join("repository/resources/security");
    std::fs::create_dir_all(&sec).unwrap();
    for (from, to) in [
        (KEYSTORE, "wso2carbon.jks"),
        (TRUSTSTORE, "client-truststore.jks"),
    ] {
        std::fs::copy(fx.join(from), sec.join(to)).unwrap();
        std::fs::set_permissions(sec.join(to), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    home
}

/// Every rule's status, by id, on this home run as `profile`.
fn statuses(home: &Path, profile: &str) -> BTreeMap<String, (String, String)> {
    let home = home.to_str().unwrap();
    let (_, r) = check_json(&["--product-home", home, "--offline", "--profile", profile]);
    r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| {
            let s = |k: &str| x[k].as_str().unwrap_or_default().to_string();
            (s("id"), (s("status"), s("message")))
        })
        .collect()
}

/// Rules that read what changes while the test runs (free disk space, ports other processes
/// open), which no fix of PRODUCT_HOME touches.
const VARIES: &[&str] = &["host.disk.free", "ports.free"];

/// How bad a status is: pass, skip and manual 0, warn 1, fail and error 2.
fn badness(status: &str) -> u8 {
    match status {
        "warn" => 1,
        "fail" | "error" => 2,
        _ => 0,
    }
}

/// The facts of this home, as the fix texts name them.
fn facts(home: &Path) -> serde_json::Value {
    let out = preflight()
        .args([
            "facts",
            "--offline",
            "--product-home",
            home.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()["facts"].clone()
}

/// Fills `{fact.name}` in an edit's text from the facts; a fact that is not known fails the test.
fn fill(text: &str, facts: &serde_json::Value) -> String {
    let mut out = text.to_string();
    for (_, name) in rules::model::fix_placeholders(text) {
        let v = &facts[name]["value"]["value"];
        let v = v
            .as_str()
            .unwrap_or_else(|| panic!("fix names {name}, which is not known here: {v}"));
        out = out.replace(&format!("{{{name}}}"), v);
    }
    out
}

/// The segments of a dotted key, quoted segments kept whole: `a.'b.c'` → [a, b.c].
fn key_path(key: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    for c in key.chars() {
        match c {
            '\'' | '"' => quoted = !quoted,
            '.' if !quoted => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out
}

fn toml_set(home: &Path, key: &str, value: &str) {
    let path = home.join("repository/conf/deployment.toml");
    let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let path_of = key_path(key);
    let (last, tables) = path_of.split_last().unwrap();
    let mut table = doc.as_table_mut();
    for seg in tables {
        let item = table.entry(seg).or_insert_with(toml_edit::table);
        table = item
            .as_table_mut()
            .unwrap_or_else(|| panic!("{key}: {seg} is not a table"));
    }
    let value: toml_edit::Value = value.parse().unwrap_or_else(|e| panic!("{value}: {e}"));
    table.insert(last, toml_edit::Item::Value(value));
    std::fs::write(&path, doc.to_string()).unwrap();
}

/// Replaces each flag that starts with `replaces` by `flag`; without one, adds `flag` on its
/// own line after the line that starts the java command.
fn jvm_flag(script: &Path, flag: &str, replaces: Option<&str>) {
    let text = std::fs::read_to_string(script).unwrap();
    let is_end = |c: char| c.is_whitespace() || c == '"' || c == '\'';
    if let Some(prefix) = replaces.filter(|p| text.contains(&format!(" {p}"))) {
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(at) = rest.find(&format!(" {prefix}")) {
            out.push_str(&rest[..=at]);
            let token = &rest[at + 1..];
            let end = token.find(is_end).unwrap_or(token.len());
            out.push_str(flag);
            rest = &token[end..];
        }
        out.push_str(rest);
        std::fs::write(script, out).unwrap();
        return;
    }
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let at = lines
        .iter()
        .position(|l| l.trim_start().starts_with("$JAVACMD") && l.trim_end().ends_with('\\'))
        .expect("a java command line in the start script");
    lines.insert(at + 1, format!("    {flag} \\"));
    std::fs::write(script, lines.join("\n") + "\n").unwrap();
}

/// The store password at keytool's prompt: this home's stores are WSO2's, under `wso2carbon`.
fn keytool(home: &Path, args: &[String]) {
    let keytool = which::which("keytool").expect("the JDK's keytool on PATH");
    let out = std::process::Command::new(keytool)
        .args(args)
        .current_dir(home)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child.stdin.take().unwrap().write_all(b"wso2carbon\n")?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "keytool {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn apply(home: &Path, edit: &FixEdit, facts: &serde_json::Value) {
    match edit {
        FixEdit::TomlSet { key, value } => toml_set(home, &fill(key, facts), value),
        FixEdit::JvmFlag { flag, replaces } => {
            let script = fill("{jvm.script}", facts);
            jvm_flag(&home.join(script), &fill(flag, facts), replaces.as_deref());
        }
        FixEdit::Chmod { file, mode } => {
            let perms = std::fs::Permissions::from_mode(*mode);
            std::fs::set_permissions(home.join(fill(file, facts)), perms).unwrap();
        }
        FixEdit::Keytool { args } => {
            let args: Vec<String> = args.iter().map(|a| fill(a, facts)).collect();
            keytool(home, &args);
        }
    }
}

#[test]
fn every_fix_as_data_makes_its_rule_pass_and_nothing_worse() {
    let Some(fx) = wso2_fixtures() else { return };
    let set = rules::embedded();
    let fixable: Vec<_> = set
        .rules
        .iter()
        .filter(|r| !r.fix_edits.is_empty())
        .collect();
    assert!(
        fixable.len() >= 8,
        "only {} rules state their fix as data",
        fixable.len()
    );
    let dir = tempfile::tempdir().unwrap();
    let mut before_of = BTreeMap::new();
    let mut failures = Vec::new();
    for (i, rule) in fixable.iter().enumerate() {
        // The all-in-one, or the first profile a profile-bound rule applies to.
        let profiles = &rule.when.profiles;
        let profile = match profiles.first() {
            Some(p) if !profiles.iter().any(|p| p == "all-in-one") => p.as_str(),
            _ => "all-in-one",
        };
        let before = before_of
            .entry(profile)
            .or_insert_with(|| statuses(&default_420(&fx, &dir.path().join(profile)), profile));
        let (status, message) = &before[&rule.id];
        if badness(status) == 0 {
            failures.push(format!(
                "{}: {status} on the default 4.2.0 home, so its fix cannot be tried: {message}",
                rule.id
            ));
            continue;
        }
        let home = default_420(&fx, &dir.path().join(i.to_string()));
        let facts = facts(&home);
        for edit in &rule.fix_edits {
            apply(&home, edit, &facts);
        }
        let after = statuses(&home, profile);
        let (status, message) = &after[&rule.id];
        if status != "pass" {
            failures.push(format!("{}: {status} after its fix: {message}", rule.id));
        }
        for (id, (was, _)) in before
            .iter()
            .filter(|(id, _)| !VARIES.contains(&id.as_str()))
        {
            let (now, why) = &after[id];
            if badness(now) > badness(was) {
                failures.push(format!("{}'s fix made {id} {was} → {now}: {why}", rule.id));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
