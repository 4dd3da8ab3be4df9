//! Fix round-trip: a person who follows a fix ends with the rule passing and nothing else worse.
//! Every shipped rule that states its fix as data (`[[rule.fix_edit]]`) must fail on a copy of
//! WSO2's default APIM 4.2.0 home (real deployment.toml, start script, keystore and
//! truststore; the 4.7.0 all-in-one for a rule that applies from 4.7 on); its edits are applied to that copy as a person would (deployment.toml edited,
//! the start script's flag changed, `chmod`, the JDK's real `keytool`), preflight runs again,
//! and the rule must pass while no other rule's status gets worse. A rule that passes on the
//! default home is first broken the way `BROKEN` says. Every run gives the keystore password
//! with `--keystore-password-file`, as the keystore fixes tell an operator to.

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
const LOG4J2: &str =
    "wso2-product-apim/v4.2.0/modules/distribution/product/src/main/conf/log4j2.properties";
/// The elements of wso2/product-apim v4.2.0 modules/distribution/product/src/main/conf/
/// metrics.xml:22-35 that matter here (the fixtures hold no metrics.xml): the top-level
/// `<Enabled>true</Enabled>` and a nested reporter `<Enabled>` an edit must leave alone.
const METRICS_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!--
    This is the main configuration file for metrics
-->
<Metrics xmlns="http://wso2.org/projects/carbon/metrics.xml">
    <!--
        Enable Metrics
    -->
    <Enabled>true</Enabled>
    <Reporting>
        <JMX>
            <Enabled>true</Enabled>
        </JMX>
        <Console>
            <Enabled>false</Enabled>
        </Console>
    </Reporting>
</Metrics>
"#;
/// The 4.7.0 all-in-one, for rules that apply from 4.7 on. 4.7.0 is built on kernel 4.11.18,
/// whose keystore the fixtures do not hold: kernel 4.9.28's default wso2carbon.jks (same alias
/// and password) stands in, with 4.2.0's truststore.
const TOML_47: &str = "wso2-product-apim/v4.7.0/all-in-one-apim/modules/distribution/product/src/main/conf/deployment.toml";
const SCRIPT_47: &str = "wso2-product-apim/v4.7.0/all-in-one-apim/modules/distribution/product/src/main/startup-scripts/api-manager.sh";
const KEYSTORE_47: &str = "wso2-carbon-kernel/v4.9.28/distribution/kernel/carbon-home/repository/resources/security/wso2carbon.jks";
/// The store password of WSO2's default keystores.
const STORE_PASSWORD: &str = "wso2carbon";

/// A default 4.2.0 home as unpacked from the zip (files 0644), with the kernel 4.8.1 keystore
/// 4.2.0 is built on.
fn default_420(fx: &Path, dir: &Path) -> PathBuf {
    default_home(fx, dir, "4.2.0")
}

/// A default home of `version` (4.2.0, or the 4.7.0 all-in-one) as unpacked from the zip.
fn default_home(fx: &Path, dir: &Path, version: &str) -> PathBuf {
    let (toml, script, keystore) = match version {
        "4.7.0" => (TOML_47, SCRIPT_47, KEYSTORE_47),
        _ => (TOML, SCRIPT, KEYSTORE),
    };
    let text = std::fs::read_to_string(fx.join(toml)).unwrap();
    let home = stage_home(dir, version, &text);
    std::fs::copy(fx.join(script), home.join("bin/api-manager.sh")).unwrap();
    let sec = home.join("repository/resources/security");
    std::fs::create_dir_all(&sec).unwrap();
    for (from, to) in [
        (keystore, "wso2carbon.jks"),
        (TRUSTSTORE, "client-truststore.jks"),
    ] {
        std::fs::copy(fx.join(from), sec.join(to)).unwrap();
        std::fs::set_permissions(sec.join(to), std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    std::fs::copy(
        fx.join(LOG4J2),
        home.join("repository/conf/log4j2.properties"),
    )
    .unwrap();
    std::fs::write(home.join("repository/conf/metrics.xml"), METRICS_XML).unwrap();
    home
}

/// Edits a home so that a rule fails on it.
type Breaker = fn(&Path);

/// Rules that pass on the default home, and how they are broken first, as they are in the
/// field.
const BROKEN: &[(&str, Breaker)] = &[
    ("config.secrets.encrypted", plain_secrets),
    ("ops.log-rotation", no_rollover),
    ("jvm.tls.ephemeral-dh", legacy_dh),
];

/// `-Djdk.tls.ephemeralDHKeySize=legacy` on the java command line: 768-bit DHE keys even on
/// JDK 11+, whose default (flag unset) is 2048 bits.
fn legacy_dh(home: &Path) {
    jvm_flag(
        &home.join("bin/api-manager.sh"),
        "-Djdk.tls.ephemeralDHKeySize=legacy",
        None,
    );
}

/// `[secrets]` written in the "[plain text]" form the docs show, never encrypted.
fn plain_secrets(home: &Path) {
    let path = home.join("repository/conf/deployment.toml");
    let mut toml = std::fs::read_to_string(&path).unwrap();
    toml.push_str("\n\n[secrets]\nadmin_password = \"[Adm1n-Secret]\"\n");
    std::fs::write(&path, toml).unwrap();
}

/// CARBON_LOGFILE without its triggering policies (4.2.0's log4j2.properties:21-26 removed).
fn no_rollover(home: &Path) {
    let path = home.join("repository/conf/log4j2.properties");
    let text = std::fs::read_to_string(&path).unwrap();
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.starts_with("appender.CARBON_LOGFILE.policies"))
        .collect();
    std::fs::write(&path, kept.join("\n") + "\n").unwrap();
}

/// Breaks the home for the rule, where `BROKEN` says how.
fn break_for(home: &Path, id: &str) {
    if let Some((_, broke)) = BROKEN.iter().find(|(r, _)| *r == id) {
        broke(home);
    }
}

/// Every rule's status, by id, on this home run as `profile`.
fn statuses(home: &Path, profile: &str) -> BTreeMap<String, (String, String)> {
    let pw = home.parent().unwrap().join("keystore-password");
    std::fs::write(&pw, STORE_PASSWORD).unwrap();
    let pw = pw.to_str().unwrap();
    let home = home.to_str().unwrap();
    let (_, r) = check_json(&[
        "--product-home",
        home,
        "--offline",
        "--profile",
        profile,
        "--keystore-password-file",
        pw,
    ]);
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

/// Sets `key` in deployment.toml. A numeric segment indexes an array of tables
/// (`apim.gateway.environment.0.http_endpoint`); an array of inline tables is written as
/// `[[key]]` tables, as a person writes them.
fn toml_set(home: &Path, key: &str, value: &str) {
    let path = home.join("repository/conf/deployment.toml");
    let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let value: toml_edit::Value = value.parse().unwrap_or_else(|e| panic!("{value}: {e}"));
    set_in(doc.as_table_mut(), &key_path(key), as_item(value), key);
    // [secrets] stays the last table, as config.secrets.last and the fix texts ask.
    if let Some(t) = doc
        .get_mut("secrets")
        .and_then(toml_edit::Item::as_table_mut)
    {
        t.set_position(Some(isize::MAX));
    }
    std::fs::write(&path, doc.to_string()).unwrap();
}

/// A position after every table of the file, for a table a person adds: at the end (toml_edit
/// would otherwise place it among the parsed tables, before a later dotted table).
fn at_the_end() -> isize {
    static NEXT: std::sync::atomic::AtomicIsize = std::sync::atomic::AtomicIsize::new(1 << 40);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

fn set_in(table: &mut toml_edit::Table, segs: &[String], value: toml_edit::Item, key: &str) {
    let (first, rest) = segs.split_first().unwrap();
    if rest.is_empty() {
        table.insert(first, value);
        return;
    }
    let item = table.entry(first).or_insert_with(|| {
        let mut t = toml_edit::Table::new();
        t.set_position(Some(at_the_end()));
        toml_edit::Item::Table(t)
    });
    if let Some(tables) = item.as_array_of_tables_mut() {
        let (index, rest) = rest.split_first().unwrap();
        let i: usize = index
            .parse()
            .unwrap_or_else(|_| panic!("{key}: {first} is an array of tables, indexed by number"));
        let t = tables
            .get_mut(i)
            .unwrap_or_else(|| panic!("{key}: no {first} number {i}"));
        return set_in(t, rest, value, key);
    }
    let t = item
        .as_table_mut()
        .unwrap_or_else(|| panic!("{key}: {first} is not a table"));
    set_in(t, rest, value, key);
}

/// An array of inline tables becomes `[[…]]` tables; any other value stays as it is.
fn as_item(value: toml_edit::Value) -> toml_edit::Item {
    match value {
        toml_edit::Value::Array(a) if !a.is_empty() && a.iter().all(|v| v.is_inline_table()) => {
            let mut tables = toml_edit::ArrayOfTables::new();
            for v in a {
                if let toml_edit::Value::InlineTable(t) = v {
                    tables.push(t.into_table());
                }
            }
            toml_edit::Item::ArrayOfTables(tables)
        }
        v => toml_edit::Item::Value(v),
    }
}

/// Sets the text of the element at `path` (local names from the root, `/Metrics/Enabled`).
fn xml_set(file: &Path, path: &str, value: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let range = {
        let doc = roxmltree::Document::parse(&text).unwrap();
        let mut node = doc.root();
        for name in path.trim_start_matches('/').split('/') {
            node = node
                .children()
                .find(|n| n.is_element() && n.tag_name().name() == name)
                .unwrap_or_else(|| panic!("{}: no element {path}", file.display()));
        }
        match node.first_child().filter(|c| c.is_text()) {
            Some(t) => t.range(),
            None => panic!("{}: {path} holds no text", file.display()),
        }
    };
    let out = format!("{}{value}{}", &text[..range.start], &text[range.end..]);
    std::fs::write(file, out).unwrap();
}

/// Sets `key = value` in a Java properties file: the key's line is replaced, or added.
fn properties_set(file: &Path, key: &str, value: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    let is_key = |l: &str| {
        l.trim_start()
            .strip_prefix(key)
            .is_some_and(|r| r.trim_start().starts_with(['=', ':']))
    };
    let line = format!("{key} = {value}");
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    match lines.iter().position(|l| is_key(l)) {
        Some(at) => lines[at] = line,
        None => lines.push(line),
    }
    std::fs::write(file, lines.join("\n") + "\n").unwrap();
}

/// `./bin/ciphertool.sh -Dconfigure` as the product runs it: each `[secrets]` value in
/// `"[plain text]"` form becomes the base64 of `Cipher.getInstance("RSA")` (PKCS#1 v1.5)
/// under the certificate of the primary keystore (wso2/cipher-tool v1.1.20, the version 4.2.0
/// ships: KeyStoreUtil.java:58-62 without -Dorg.wso2.CipherTransformation). The encryption is
/// openssl's, not preflight's.
fn ciphertool(home: &Path) {
    let path = home.join("repository/conf/deployment.toml");
    let mut doc: toml_edit::DocumentMut = std::fs::read_to_string(&path).unwrap().parse().unwrap();
    let secrets = doc["secrets"]
        .as_table_mut()
        .expect("ciphertool: deployment.toml has no [secrets]");
    let pem = run_tool(
        home,
        "keytool",
        &[
            "-exportcert",
            "-rfc",
            "-alias",
            "wso2carbon",
            "-keystore",
            "repository/resources/security/wso2carbon.jks",
            "-storepass",
            STORE_PASSWORD,
        ],
        None,
    );
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("cert.pem");
    std::fs::write(&cert, pem).unwrap();
    let cert = cert.to_str().unwrap();
    let pubkey = dir.path().join("pub.pem");
    std::fs::write(
        &pubkey,
        run_tool(
            home,
            "openssl",
            &["x509", "-in", cert, "-pubkey", "-noout"],
            None,
        ),
    )
    .unwrap();
    let pubkey = pubkey.to_str().unwrap();
    for (_, v) in secrets.iter_mut() {
        let Some(plain) = v
            .as_str()
            .and_then(|s| s.strip_prefix('[')?.strip_suffix(']'))
            .map(str::to_string)
        else {
            continue;
        };
        let args = [
            "pkeyutl",
            "-encrypt",
            "-pubin",
            "-inkey",
            pubkey,
            "-pkeyopt",
            "rsa_padding_mode:pkcs1",
        ];
        let ct = run_tool(home, "openssl", &args, Some(plain.as_bytes()));
        use base64::Engine;
        *v = toml_edit::value(base64::engine::general_purpose::STANDARD.encode(ct));
    }
    std::fs::write(&path, doc.to_string()).unwrap();
}

/// Runs a tool from PRODUCT_HOME, feeding `stdin`; its stdout, or the test fails.
fn run_tool(home: &Path, tool: &str, args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    let path = which::which(tool).unwrap_or_else(|_| panic!("{tool} on PATH"));
    let out = std::process::Command::new(path)
        .args(args)
        .current_dir(home)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .and_then(|mut child| {
            use std::io::Write;
            child
                .stdin
                .take()
                .unwrap()
                .write_all(stdin.unwrap_or_default())?;
            child.wait_with_output()
        })
        .unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
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
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let password = format!("{STORE_PASSWORD}\n");
    run_tool(home, "keytool", &args, Some(password.as_bytes()));
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
        FixEdit::XmlSet { file, path, value } => {
            xml_set(&home.join(fill(file, facts)), path, &fill(value, facts))
        }
        FixEdit::PropertiesSet { file, key, value } => {
            properties_set(&home.join(fill(file, facts)), key, &fill(value, facts))
        }
        FixEdit::Ciphertool => ciphertool(home),
        FixEdit::RandomHex { key } => {
            let hex = run_tool(home, "openssl", &["rand", "-hex", "32"], None);
            let hex = String::from_utf8(hex).unwrap();
            toml_set(home, &fill(key, facts), &format!("\"[{}]\"", hex.trim()));
        }
    }
}

/// The home a rule is tried on: 4.2.0, or the 4.7.0 all-in-one for a rule that applies only
/// from a later version on (`when = { version = ">= 4.7" }`, as `config.encryption-key`).
fn home_version(rule: &rules::model::Rule) -> &'static str {
    let from = rule
        .when
        .version
        .as_ref()
        .and_then(|c| c.text.trim().strip_prefix(">="))
        .map(|v| {
            let mut parts = v.trim().split('.').map(|p| p.parse::<u32>().unwrap_or(0));
            (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
        });
    match from {
        Some(v) if v > (4, 2) => "4.7.0",
        _ => "4.2.0",
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
        let broken = BROKEN.iter().any(|(r, _)| *r == rule.id);
        let version = home_version(rule);
        let before = before_of
            .entry((version, profile, broken.then_some(&rule.id)))
            .or_insert_with(|| {
                let at = dir.path().join(format!("{version}-{profile}-{i}"));
                let home = default_home(&fx, &at, version);
                break_for(&home, &rule.id);
                statuses(&home, profile)
            });
        let (status, message) = &before[&rule.id];
        if badness(status) == 0 {
            failures.push(format!(
                "{}: {status} on the default {version} home, so its fix cannot be tried: {message}",
                rule.id
            ));
            continue;
        }
        let home = default_home(&fx, &dir.path().join(i.to_string()), version);
        break_for(&home, &rule.id);
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

/// Once the keystore passwords are `$secret{}` aliases (config.passwords.plaintext's fix), a
/// run without the keystore password cannot open the keystores: each keystore rule that then
/// errors says, in its fix, how to give preflight the password.
#[test]
fn keystore_rules_that_need_the_password_say_how_to_give_it() {
    let Some(fx) = wso2_fixtures() else { return };
    let set = rules::embedded();
    let plaintext = set
        .rules
        .iter()
        .find(|r| r.id == "config.passwords.plaintext")
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let home = default_420(&fx, dir.path());
    let facts = facts(&home);
    for edit in &plaintext.fix_edits {
        apply(&home, edit, &facts);
    }
    let (_, r) = check_json(&[
        "--product-home",
        home.to_str().unwrap(),
        "--offline",
        "--only",
        "keystore",
    ]);
    let errors: Vec<&serde_json::Value> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["status"] == "error")
        .collect();
    assert!(
        errors.iter().any(|x| x["id"] == "keystore.readable"),
        "keystore.readable should error without the password: {r}"
    );
    for x in errors {
        let fix = x["fix"].as_str().unwrap_or_default();
        assert!(
            fix.contains("--keystore-password-file"),
            "{} errors ({}) but its fix does not say how to give the password: {fix}",
            x["id"],
            x["message"]
        );
    }
}
