//! Fail closed: a rule judges the value the product will use, or gives `error` — never a `pass`
//! on something it did not see. One case per input that used to pass, named after what it proves.

mod common;

use preflight::eval::{self, Selection};
use preflight::facts::{Cause, Fact, Facts};
use preflight::rules::{self, PackSource, Source};
use preflight::value::Value;
use std::collections::BTreeMap;

const MEMORY_RULE: &str = r#"
[[rule]]
id = "my.memory"
title = "Memory"
category = "host"
fact = "host.memory.total"
fail = "< 4GiB"
message = "{observed} of RAM"
fix = "Add memory"
"#;

const PROFILE_RULE: &str = r#"
[[rule]]
id = "my.profiled"
title = "Only on gateways"
category = "host"
fact = "host.cpu.cores"
when = { profile = ["gateway-worker"] }
fail = "< 2"
fix = "Add cores"
"#;

fn compile(text: &str) -> rules::RuleSet {
    let pack = PackSource {
        dir: "t".into(),
        files: vec![Source {
            path: "t/r.toml".into(),
            text: text.into(),
        }],
    };
    rules::compile(&[pack]).unwrap_or_else(|d| panic!("{d}"))
}

fn facts(list: Vec<(&str, Fact)>) -> Facts {
    Facts {
        schema_version: 1,
        collected_at: "2026-11-30T00:00:00Z".into(),
        hostname: "n".into(),
        product_home: Some("/opt/x".into()),
        offline: false,
        facts: list
            .into_iter()
            .map(|(n, f)| (n.to_string(), f))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn status_of(rule: &str, list: Vec<(&str, Fact)>) -> (String, String) {
    let set = compile(rule);
    let r = &eval::evaluate(&set, &facts(list), &Selection::default())[0];
    (r.status.as_str().to_string(), r.message.clone())
}

#[test]
fn a_failed_fact_worded_like_offline_is_still_an_error() {
    // The cause decides, not the sentence: this reason used to turn the rule into a skip.
    let (status, message) = status_of(
        MEMORY_RULE,
        vec![(
            "host.memory.total",
            Fact::unavailable("could not read /proc/meminfo; skipped: --offline"),
        )],
    );
    assert_eq!(status, "error", "{message}");
    assert!(message.contains("/proc/meminfo"), "{message}");
}

#[test]
fn an_offline_fact_skips_whatever_its_reason_says() {
    let (status, message) = status_of(
        MEMORY_RULE,
        vec![("host.memory.total", Fact::offline("no lookup made"))],
    );
    assert_eq!(status, "skip", "{message}");
    assert_eq!(message, "skipped: not run under --offline");
}

#[test]
fn a_not_applicable_fact_skips_with_its_reason() {
    let (status, message) = status_of(
        MEMORY_RULE,
        vec![(
            "host.memory.total",
            Fact::not_applicable("this node runs no such component"),
        )],
    );
    assert_eq!(status, "skip", "{message}");
    assert!(message.contains("no such component"), "{message}");
}

#[test]
fn timed_out_and_not_collected_facts_are_errors() {
    for fact in [
        Fact::timed_out("the host probe did not answer within 10s"),
        Fact::not_collected("the probe did not report this fact"),
    ] {
        let cause = fact.cause();
        let (status, message) = status_of(MEMORY_RULE, vec![("host.memory.total", fact)]);
        assert_eq!(status, "error", "{cause:?}: {message}");
    }
}

#[test]
fn an_unseen_profile_makes_a_profiled_rule_an_error_not_a_skip() {
    let (status, message) = status_of(
        PROFILE_RULE,
        vec![
            (
                "product.profile",
                Fact::unavailable("bin/ could not be read"),
            ),
            ("host.cpu.cores", Fact::value(Value::Int(1))),
        ],
    );
    assert_eq!(status, "error", "{message}");
    assert!(
        message.contains("cannot tell whether it applies"),
        "{message}"
    );
    // Offline is a cause to skip, also when it hides whether the rule applies.
    let (status, _) = status_of(
        PROFILE_RULE,
        vec![
            ("product.profile", Fact::offline("skipped")),
            ("host.cpu.cores", Fact::value(Value::Int(1))),
        ],
    );
    assert_eq!(status, "skip");
}

#[test]
fn a_facts_file_without_causes_still_loads_and_its_unseen_facts_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("old-facts.json");
    std::fs::write(
        &file,
        r#"{"schema_version": 1, "collected_at": "2026-01-01T00:00:00Z", "hostname": "old",
            "product_home": null, "offline": false,
            "facts": {"host.memory.total": {"unavailable": {"reason": "skipped: --offline"}}}}"#,
    )
    .unwrap();
    let (code, report) = common::check_json(&[
        "--facts",
        file.to_str().unwrap(),
        "--only",
        "host.memory.total",
    ]);
    let r = common::result(&report, "host.memory.total");
    assert_eq!(r["status"], "error", "{r}");
    assert_eq!(code, 1);
    assert_eq!(Cause::default(), Cause::Failed);
}

// ---- §1: the value the product will use -------------------------------------------------------

/// Runs `check --only RULE` on a staged 4.2.0 home with this deployment.toml and environment.
fn judge_home(toml: &str, env: &[(&str, &str)], rule: &str) -> serde_json::Value {
    let (_dir, home) = common::temp_home("4.2.0", toml);
    judge_staged(&home, env, rule)
}

fn judge_staged(home: &std::path::Path, env: &[(&str, &str)], rule: &str) -> serde_json::Value {
    let (_, report, _) = common::check_home(home, &["--only", rule], env);
    common::result(&report, rule).clone()
}

#[track_caller]
fn assert_status(r: &serde_json::Value, want: &str) {
    assert_eq!(r["status"], want, "{r:#}");
}

#[test]
fn hostname_from_env_naming_localhost_fails() {
    let toml = "[server]\nhostname = \"$env{PF_TEST_HN}\"\n";
    let r = judge_home(toml, &[("PF_TEST_HN", "localhost")], "config.hostname");
    assert_status(&r, "fail");
    assert!(r["message"].as_str().unwrap().contains("localhost"), "{r}");
    let r = judge_home(
        toml,
        &[("PF_TEST_HN", "apim.example.com")],
        "config.hostname",
    );
    assert_status(&r, "pass");
}

#[test]
fn hostname_in_any_loopback_spelling_fails() {
    for h in [
        "LOCALHOST",
        "localhost.",
        "127.0.1.1",
        "127.1",
        "[::1]",
        "0:0:0:0:0:0:0:1",
        "ip6-localhost",
        "0.0.0.0",
    ] {
        let r = judge_home(
            &format!("[server]\nhostname = \"{h}\"\n"),
            &[],
            "config.hostname",
        );
        assert_status(&r, "fail");
    }
}

#[test]
fn hostname_unset_env_or_sys_placeholder_is_an_error_not_a_pass() {
    let r = judge_home(
        "[server]\nhostname = \"$env{PF_TEST_UNSET_HN}\"\n",
        &[],
        "config.hostname",
    );
    assert_status(&r, "error");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("$env{PF_TEST_UNSET_HN}"),
        "{r}"
    );
    let r = judge_home(
        "[server]\nhostname = \"$sys{host}\"\n",
        &[],
        "config.hostname",
    );
    assert_status(&r, "error");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("only known when the product starts"),
        "{r}"
    );
}

const HTTPS_PROTOCOLS: &str = "[transport.https.sslHostConfig.properties]\nprotocols = ";

#[test]
fn protocols_from_env_with_tlsv1_fail() {
    let toml = format!("{HTTPS_PROTOCOLS}\"$env{{PF_TEST_PROTO}}\"\n");
    let r = judge_home(
        &toml,
        &[("PF_TEST_PROTO", "+TLSv1,+TLSv1.2")],
        "tls.https.protocols",
    );
    assert_status(&r, "fail");
    let r = judge_home(
        &toml,
        &[("PF_TEST_PROTO", "+TLSv1.2,+TLSv1.3")],
        "tls.https.protocols",
    );
    assert_status(&r, "pass");
}

#[test]
fn protocols_from_a_ref_to_a_table_holding_tlsv1_fail() {
    let toml = format!(
        "{HTTPS_PROTOCOLS}\"$ref{{my.tls.protocols}}\"\n[my.tls]\nprotocols = \"TLSv1,TLSv1.2\"\n"
    );
    let r = judge_home(&toml, &[], "tls.https.protocols");
    assert_status(&r, "fail");
}

#[test]
fn cors_allow_origins_from_env_with_a_wildcard_warns() {
    let toml = "[apim.cors]\nenable = true\nallow_origins = \"$env{PF_TEST_CORS}\"\n";
    let r = judge_home(toml, &[("PF_TEST_CORS", "*")], "config.cors.wildcard");
    assert_status(&r, "warn");
    let toml = "[apim.cors]\nenable = true\nallow_origins = [\"$env{PF_TEST_CORS}\"]\n";
    let r = judge_home(toml, &[("PF_TEST_CORS", "*")], "config.cors.wildcard");
    assert_status(&r, "warn");
}

#[test]
fn admin_password_from_env_that_is_admin_fails() {
    let toml = "[super_admin]\nusername = \"admin\"\npassword = \"$env{PF_TEST_ADMPW}\"\n";
    let r = judge_home(toml, &[("PF_TEST_ADMPW", "admin")], "config.admin.default");
    assert_status(&r, "fail");
    let r = judge_home(
        toml,
        &[("PF_TEST_ADMPW", "Xq7-unique")],
        "config.admin.default",
    );
    assert_status(&r, "pass");
}

#[test]
fn admin_password_from_a_ref_to_a_table_holding_admin_fails() {
    let toml =
        "[super_admin]\nusername = \"admin\"\npassword = \"$ref{ops.pw}\"\n[ops]\npw = \"admin\"\n";
    let r = judge_home(toml, &[], "config.admin.default");
    assert_status(&r, "fail");
}

#[test]
fn admin_user_name_is_compared_case_insensitively() {
    let toml = "[super_admin]\nusername = \"Admin\"\npassword = \"admin\"\n";
    let r = judge_home(toml, &[], "config.admin.default");
    assert_status(&r, "fail");
}

#[test]
fn jdbc_url_from_env_with_use_ssl_false_is_flagged() {
    let toml = "[database.apim_db]\ntype = \"mysql\"\nurl = \"$env{PF_TEST_DBURL}\"\nusername = \"am\"\npassword = \"x\"\n";
    for url in [
        "jdbc:mysql://db:3306/am?useSSL=false",
        "jdbc:mysql://db:3306/am?useSSL=no",
        "jdbc:mysql://db:3306/am?useSSL=0",
        "jdbc:postgresql://db/am?sslmode=prefer",
    ] {
        let r = judge_home(toml, &[("PF_TEST_DBURL", url)], "db.tls");
        assert_status(&r, "warn");
    }
}

#[test]
fn the_shipped_keystore_ref_without_keystore_primary_resolves_against_the_kernel_defaults() {
    let toml = "[server]\nhostname = \"apim.example.com\"\n[keystore.tls]\nfile_name = \"$ref{keystore.primary.file_name}\"\n";
    let r = judge_home(toml, &[], "config.placeholders");
    assert_status(&r, "pass");
}

// ---- §1: an unreadable or unparseable deployment.toml never means "defaults" ------------------

const DEPLOYMENT_READERS: &[&str] = &[
    "keystore.not-default",
    "ports.privileged",
    "config.hostname",
];

#[track_caller]
fn assert_every_reader_errors(home: &std::path::Path) {
    let parses = judge_staged(home, &[], "config.parses");
    assert_ne!(parses["status"], "pass", "{parses:#}");
    for rule in DEPLOYMENT_READERS {
        let r = judge_staged(home, &[], rule);
        assert_status(&r, "error");
        let msg = r["message"].as_str().unwrap();
        assert!(
            msg.contains("deployment.toml could not be read"),
            "{rule}: {msg}"
        );
    }
}

#[test]
fn a_duplicate_key_makes_every_deployment_rule_an_error() {
    let (_dir, home) = common::temp_home(
        "4.2.0",
        "[server]\nhostname = \"apim.example.com\"\nhostname = \"apim.example.com\"\n",
    );
    assert_every_reader_errors(&home);
}

#[test]
fn a_utf16_deployment_toml_makes_every_deployment_rule_an_error() {
    let (_dir, home) = common::temp_home("4.2.0", "");
    let mut bytes = vec![0xFF, 0xFE];
    for u in "[server]\nhostname = \"apim.example.com\"\n".encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    std::fs::write(home.join("repository/conf/deployment.toml"), bytes).unwrap();
    assert_every_reader_errors(&home);
}

#[test]
fn an_unreadable_deployment_toml_makes_every_deployment_rule_an_error() {
    let (_dir, home) = common::temp_home("4.2.0", "");
    // A folder where the file should be cannot be read by anyone, root included.
    let file = home.join("repository/conf/deployment.toml");
    std::fs::remove_file(&file).unwrap();
    std::fs::create_dir(&file).unwrap();
    assert_every_reader_errors(&home);
}

// ---- §1: the user the product runs as -----------------------------------------------------------

#[test]
fn preflight_under_sudo_does_not_fail_a_home_owned_by_a_service_user() {
    let (_dir, home) = common::temp_home("4.2.0", "[server]\nhostname = \"a.example\"\n");
    // SAFETY: geteuid has no preconditions.
    let root = unsafe { libc::geteuid() } == 0;
    if root {
        std::os::unix::fs::chown(&home, Some(1000), Some(1000)).unwrap();
    }
    let r = judge_staged(&home, &[], "host.user.not-root");
    let msg = r["message"].as_str().unwrap();
    assert!(msg.contains("owner of PRODUCT_HOME"), "{msg}");
    if root {
        // preflight itself is root here; the product, run by the home's owner, is not.
        assert_status(&r, "pass");
        std::os::unix::fs::chown(&home, Some(0), Some(0)).unwrap();
        let r = judge_staged(&home, &[], "host.user.not-root");
        assert_status(&r, "fail");
    }
}

// ---- found by the metamorphic test (tests/fail_closed_metamorphic.rs) ---------------------------

#[test]
fn an_empty_deployment_toml_makes_every_deployment_rule_an_error() {
    let (_dir, home) = common::temp_home("4.2.0", "# nothing\n\n");
    assert_every_reader_errors(&home);
}

#[test]
fn a_database_type_only_known_at_start_is_an_error_not_a_pass() {
    let toml = "[database.apim_db]\ntype = \"$sys{db.type}\"\nurl = \"jdbc:mysql://db/am\"\n";
    let r = judge_home(toml, &[], "db.driver-jar");
    assert_status(&r, "error");
}

#[test]
fn a_gateway_url_only_known_at_start_is_an_error_not_a_pass() {
    let toml =
        "[[apim.gateway.environment]]\nname = \"Default\"\nhttp_endpoint = \"$sys{gw.url}\"\n";
    let r = judge_home(toml, &[], "config.localhost-urls");
    assert_status(&r, "error");
    let toml = "[[apim.gateway.environment]]\nname = \"Default\"\nhttp_endpoint = \"http://$env{PF_TEST_GW}:8280\"\n";
    let r = judge_home(
        toml,
        &[("PF_TEST_GW", "127.0.1.1")],
        "config.localhost-urls",
    );
    assert_status(&r, "warn");
}

// ---- §1: everything that can't be looked at is `error` ------------------------------------------

#[test]
fn more_jars_than_the_cap_is_an_error_not_found_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let toml = "[database.apim_db]\ntype = \"mysql\"\nurl = \"jdbc:mysql://db/am\"\n";
    let home = common::stage_home(dir.path(), "4.2.0", toml);
    let lib = home.join("repository/components/lib");
    std::fs::create_dir_all(&lib).unwrap();
    for i in 0..5001 {
        std::fs::write(lib.join(format!("j{i:05}.jar")), b"").unwrap();
    }
    let r = judge_staged(&home, &[], "db.driver-jar");
    assert_status(&r, "error");
    let msg = r["message"].as_str().unwrap();
    assert!(
        msg.contains("more than 5000 jars") && msg.contains("not all were looked at"),
        "{msg}"
    );
}

#[test]
fn an_unreadable_metadata_folder_makes_generated_files_edited_an_error() {
    let (_dir, home) = common::temp_home("4.2.0", "[server]\nhostname = \"a.example\"\n");
    // A file where the folder should be cannot be listed, by root either.
    common::write(&home.join("repository/resources/conf/.metadata"), b"");
    let r = judge_staged(&home, &[], "config.generated-files-edited");
    assert_status(&r, "error");
}

#[test]
fn solr_data_on_a_dangling_link_or_a_loop_is_an_error() {
    let (_dir, home) = common::temp_home("4.2.0", "[server]\nhostname = \"a.example\"\n");
    std::os::unix::fs::symlink("/nonexistent/nfs/solr", home.join("solr")).unwrap();
    let r = judge_staged(&home, &[], "cluster.solr-not-shared");
    assert_status(&r, "error");
    std::fs::remove_file(home.join("solr")).unwrap();
    std::os::unix::fs::symlink(home.join("solr"), home.join("solr")).unwrap();
    let r = judge_staged(&home, &[], "cluster.solr-not-shared");
    assert_status(&r, "error");
}

#[test]
fn a_start_script_that_sources_a_file_is_followed_or_an_error() {
    let (_dir, home) = common::temp_home("4.2.0", "[server]\nhostname = \"a.example\"\n");
    let script = |sourced: &str| {
        format!(
            "#!/bin/sh\n{sourced}\n\"$JAVACMD\" -Xms256m -Xmx4g $JAVA_OPTS org.wso2.carbon.bootstrap.Bootstrap\n"
        )
    };
    let rule = "jvm.heap.max";
    common::write(&home.join("bin/api-manager.sh"), script("").as_bytes());
    assert_status(&judge_staged(&home, &[], rule), "pass");
    // Followed: a setenv.sh under PRODUCT_HOME that lowers the heap is judged.
    common::write(&home.join("bin/setenv.sh"), b"JAVA_OPTS=\"-Xmx256m\"\n");
    common::write(
        &home.join("bin/api-manager.sh"),
        script(". setenv.sh").as_bytes(),
    );
    assert_status(&judge_staged(&home, &[], rule), "fail");
    // Not followable: error, never the flags of the script alone.
    common::write(
        &home.join("bin/api-manager.sh"),
        script("source /etc/wso2/env.sh").as_bytes(),
    );
    let r = judge_staged(&home, &[], rule);
    assert_status(&r, "error");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("cannot be followed"),
        "{r}"
    );
}

#[test]
fn a_hostname_with_a_newline_control_character_or_space_fails_not_passes() {
    // Carbon uses the text untrimmed: `localhost\n…` is no host, whatever each line says.
    for (h, what) in [
        (r"localhost\napim.example.com", "a newline"),
        (r"apim.example.com\nlocalhost", "a newline"),
        (r"apim.example.com\r", "a carriage return"),
        (r"apim.example.com\u001b[32m", "a control character"),
        (r"\tapim.example.com", "a tab"),
        ("apim.example.com ", "white space"),
        ("apim example.com", "white space"),
        ("apim.example.com/admin", "`/`"),
    ] {
        let r = judge_home(
            &format!("[server]\nhostname = \"{h}\"\n"),
            &[],
            "config.hostname",
        );
        assert_status(&r, "fail");
        let msg = r["message"].as_str().unwrap();
        assert!(
            msg.contains(&format!("not a host name: it contains {what}")),
            "{h}: {msg}"
        );
        assert_eq!(r["location"]["line"], 2, "{r}");
    }
    // The same newline through $env{} is judged as the product resolves it.
    let r = judge_home(
        "[server]\nhostname = \"$env{PF_TEST_HN}\"\n",
        &[("PF_TEST_HN", "apim.example.com\nlocalhost")],
        "config.hostname",
    );
    assert_status(&r, "fail");
    // A host name with IDN letters, digits, `-` and `_` still passes.
    let r = judge_home(
        "[server]\nhostname = \"apim-1_a.exämple.com\"\n",
        &[],
        "config.hostname",
    );
    assert_status(&r, "pass");
}

/// Elements nested `depth` deep, one per line after the first, around `inner`.
fn nested_xml(root: &str, depth: usize, inner: &str) -> String {
    let mut s = format!("<?xml version=\"1.0\"?>\n<{root}>\n");
    s.push_str(&"<x>\n".repeat(depth));
    s.push_str(inner);
    s.push_str(&"</x>".repeat(depth));
    s.push_str(&format!("</{root}>\n"));
    s
}

#[test]
fn deeply_nested_xml_is_a_located_error_not_a_crash_or_a_pass() {
    let (_dir, home) = common::temp_home("4.2.0", "[server]\nhostname = \"a.example\"\n");
    let metrics = home.join("repository/conf/metrics.xml");
    // 100,000 levels: parsed without recursion, refused at the first level past the limit.
    let deep = nested_xml("Metrics", 100_000, "<Enabled>false</Enabled>");
    common::write(&metrics, deep.as_bytes());
    let r = judge_staged(&home, &[], "config.metrics-off");
    assert_status(&r, "error");
    let msg = r["message"].as_str().unwrap();
    // <Metrics> is depth 1 on line 2; the <x> at depth 257 is on line 2 + 256.
    assert!(
        msg.contains("repository/conf/metrics.xml:258:1: elements nested deeper than 256"),
        "{msg}"
    );
    // Within the limit the same file is read and judged.
    let shallow =
        nested_xml("Metrics", 10, "").replace("</Metrics>", "<Enabled>false</Enabled></Metrics>");
    common::write(&metrics, shallow.as_bytes());
    assert_status(&judge_staged(&home, &[], "config.metrics-off"), "pass");
}

const LDAP_STORE: &str = "[user_store]\ntype = \"read_write_ldap_unique_id\"\nconnection_name = \"uid=wso2,ou=system\"\nconnection_password = \"x\"\nbase_dn = \"dc=example\"\n";

#[test]
fn user_store_urls_are_judged_as_resolved_and_one_only_known_at_start_is_an_error() {
    // `ldaps://` as written, but the host only known at start: not a TLS pass.
    let toml = format!("{LDAP_STORE}connection_url = \"ldaps://$sys{{ldap.host}}:636\"\n");
    let r = judge_home(&toml, &[], "userstore.ldap.tls");
    assert_status(&r, "error");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("only known when the product starts"),
        "{r}"
    );
    // From the environment the product starts with: judged on the value it holds.
    let toml = format!("{LDAP_STORE}connection_url = \"$env{{PF_TEST_LDAP_URL}}\"\n");
    let env = [("PF_TEST_LDAP_URL", "ldap://localhost:10389")];
    assert_status(
        &judge_home(&toml, &env, "userstore.no-embedded-ldap"),
        "fail",
    );
    assert_status(&judge_home(&toml, &env, "userstore.ldap.tls"), "warn");
    let env = [("PF_TEST_LDAP_URL", "ldaps://ldap.example.com:636")];
    assert_status(&judge_home(&toml, &env, "userstore.ldap.tls"), "pass");
    assert_status(
        &judge_home(&toml, &env, "userstore.no-embedded-ldap"),
        "pass",
    );
    // Unset: an error naming the variable, for both rules.
    for rule in ["userstore.ldap.tls", "userstore.no-embedded-ldap"] {
        let r = judge_home(&toml, &[], rule);
        assert_status(&r, "error");
        assert!(
            r["message"].as_str().unwrap().contains("PF_TEST_LDAP_URL"),
            "{r}"
        );
    }
    // $ref{} to another table, in the properties form of the key.
    let toml = format!(
        "{LDAP_STORE}\n[user_store.properties]\nConnectionURL = \"$ref{{ldap.url}}\"\n\n[ldap]\nurl = \"ldap://127.0.0.1:10389\"\n"
    );
    assert_status(
        &judge_home(&toml, &[], "userstore.no-embedded-ldap"),
        "fail",
    );
}

/// A unit in a staged unit folder that starts `home`, with `Environment=` and an
/// `EnvironmentFile=`.
fn stage_unit(dir: &std::path::Path, home: &std::path::Path, env: &str, env_file: &str) {
    let units = dir.join("units");
    let file = dir.join("wso2am.env");
    common::write(&file, env_file.as_bytes());
    let unit = format!(
        "[Unit]\nDescription=WSO2 API Manager\n\n[Service]\nUser=wso2\nEnvironment={env}\nEnvironmentFile={}\nExecStart={}/bin/api-manager.sh\n\n[Install]\nWantedBy=multi-user.target\n",
        file.display(),
        home.display()
    );
    common::write(&units.join("wso2am.service"), unit.as_bytes());
}

#[test]
fn placeholders_resolve_from_the_systemd_unit_that_starts_the_product() {
    let dir = tempfile::tempdir().unwrap();
    let toml = format!(
        "[server]\nhostname = \"$env{{PF_UNIT_HN}}\"\n\n{HTTPS_PROTOCOLS}\"$env{{PF_UNIT_PROTO}}\"\n"
    );
    let home = common::stage_home(dir.path(), "4.2.0", &toml);
    let units = dir.path().join("units");
    let units_env = ("PREFLIGHT_SYSTEMD_UNIT_DIRS", units.to_str().unwrap());
    // No unit: the variables are unset where the product starts, so nothing can be judged.
    let none = [("PREFLIGHT_SYSTEMD_UNIT_DIRS", dir.path().to_str().unwrap())];
    assert_status(&judge_staged(&home, &none, "config.hostname"), "error");
    // The unit's Environment= wins over this shell's value, as systemd starts the product.
    stage_unit(
        dir.path(),
        &home,
        "\"PF_UNIT_HN=localhost\"",
        "PF_UNIT_PROTO=+TLSv1,+TLSv1.2\n",
    );
    let shell = ("PF_UNIT_HN", "apim.example.com");
    let r = judge_staged(&home, &[units_env, shell], "config.hostname");
    assert_status(&r, "fail");
    assert!(r["message"].as_str().unwrap().contains("localhost"), "{r}");
    // EnvironmentFile= feeds $env{} too.
    assert_status(
        &judge_staged(&home, &[units_env], "tls.https.protocols"),
        "fail",
    );
    // Good values in the unit pass.
    stage_unit(
        dir.path(),
        &home,
        "PF_UNIT_HN=apim.example.com",
        "PF_UNIT_PROTO=+TLSv1.2,+TLSv1.3\n",
    );
    assert_status(
        &judge_staged(&home, &[units_env], "config.hostname"),
        "pass",
    );
    assert_status(
        &judge_staged(&home, &[units_env], "tls.https.protocols"),
        "pass",
    );
    // A unit whose EnvironmentFile= cannot be read: the value is not known, never a pass.
    std::fs::remove_file(dir.path().join("wso2am.env")).unwrap();
    let r = judge_staged(&home, &[units_env], "tls.https.protocols");
    assert_status(&r, "error");
}
