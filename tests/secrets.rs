//! Secrets planted in every secret-bearing place never reach any output: facts, every report
//! format, or standard error.

mod common;
use common::*;

const SECRETS: &[&str] = &[
    "Planted-AdminPw-7f3a9",
    "Planted-DbPw-81c2e",
    "Planted-UrlPw-44d1b",
    "Planted-UserInfo-9a0c",
    "Planted-Vault-5e6f7",
    "Planted-KsPw-2b8d4",
    "Planted-LdapPw-6c1aa",
    "Planted-EncKey-0d9e",
    "Planted-Proxy-3f2c1",
    "Planted-JavaOpts-77aa",
    "Planted-Token-19bd",
];

fn planted_toml() -> String {
    format!(
        r#"[server]
hostname = "apim.example.com"

[super_admin]
username = "ops"
password = "{0}"

[database.apim_db]
type = "mysql"
url = "jdbc:mysql://db.example.com:3306/am?user=am&amp;password={2}&amp;useSSL=true"
username = "am"
password = "{1}"

[database.shared_db]
type = "postgre"
url = "jdbc:postgresql://shared:{3}@db.example.com:5432/shared"
username = "shared"
password = "$secret{{shared_pw}}"

[keystore.tls]
file_name = "custom.jks"
password = "{5}"
key_password = "{5}"
alias = "custom"

[user_store]
type = "read_only_ldap_unique_id"
connection_url = "ldaps://ldap.example.com:636"
connection_name = "uid=apim,ou=system"
connection_password = "{6}"

[encryption]
key = "{7}"

[apim.analytics]
# Planted in the environment instead (comments are never facts): {8} {9}
enable = true
auth_token = "{10}"

[secrets]
shared_pw = "[{4}]"
"#,
        SECRETS[0],
        SECRETS[1],
        SECRETS[2],
        SECRETS[3],
        SECRETS[4],
        SECRETS[5],
        SECRETS[6],
        SECRETS[7],
        SECRETS[8],
        SECRETS[9],
        SECRETS[10]
    )
}

#[track_caller]
fn assert_clean(what: &str, bytes: &[u8]) {
    common::assert_absent(what, bytes, SECRETS);
}

#[test]
fn planted_secrets_appear_in_no_output() {
    let (dir, home) = temp_home("4.7.0", &planted_toml());
    std::fs::write(
        home.join("bin/api-manager.sh"),
        "#!/bin/sh\nif [ -z \"$JVM_MEM_OPTS\" ]; then\n  JVM_MEM_OPTS=\"-Xms256m -Xmx1024m\"\nfi\n$JAVACMD $JVM_MEM_OPTS $JAVA_OPTS -Dcarbon.home=\"$CARBON_HOME\" org.wso2.carbon.bootstrap.Bootstrap\n",
    )
    .unwrap();
    let h = home.to_str().unwrap();
    let env = |cmd: &mut assert_cmd::Command| {
        cmd.env(
            "https_proxy",
            format!("http://proxyuser:{}@proxy.example.com:3128", SECRETS[8]),
        )
        .env(
            "HTTP_PROXY",
            format!("http://proxyuser:{}@proxy.example.com:3128", SECRETS[8]),
        )
        .env(
            "JAVA_OPTS",
            format!("-Xmx2g -Djavax.net.ssl.keyStorePassword={}", SECRETS[9]),
        );
    };
    let mut facts = preflight();
    env(&mut facts);
    let out = facts
        .args(["facts", "--offline", "--product-home", h])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_clean("preflight facts", &out.stdout);
    assert_clean("preflight facts stderr", &out.stderr);
    // The facts were collected: the redaction is not an empty dump.
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        f["facts"]["deployment.super_admin.password"]["value"]["type"],
        "secret"
    );
    let proxy = f["facts"]["host.proxy"]["value"]["value"].as_str().unwrap();
    assert!(proxy.contains("proxy.example.com:3128"), "{proxy}");
    let flags = f["facts"]["jvm.flags"].to_string();
    assert!(
        flags.contains("keyStorePassword"),
        "JAVA_OPTS was read: {flags}"
    );

    let json = dir.path().join("r.json");
    let mut check = preflight();
    env(&mut check);
    let out = check
        .args([
            "check",
            "--offline",
            "--product-home",
            h,
            "--format",
            "table",
        ])
        .arg("--format")
        .arg(format!("json={}", json.display()))
        .output()
        .unwrap();
    assert_clean("table report", &out.stdout);
    assert_clean("check stderr", &out.stderr);
    assert_clean("json report", &std::fs::read(&json).unwrap());
}

/// One canary per key family and value type the redaction module knows.
const CANARIES: &[&str] = &[
    "Canary-AiToken-a1",
    "Canary-AiKey-b2",
    "Canary-Passphrase-c3",
    "Canary-Pwd-d4",
    "Canary-Passwd-e5",
    "Canary-ApiKey-f6",
    "Canary-AccessKey-g7",
    "Canary-PrivateKey-h8",
    "Canary-Credential-i9",
    "Canary-ListKey-j10",
    "98765432123",
    "Canary-Url1-k11",
    "Canary-DdApiKey-l12",
    "Canary-License-m13",
    "Canary-KeyStorePass-n14",
    "Canary-CatalinaPass-o15",
    "Canary-QpidPass-p16",
    "Canary-Log4jPass-q17",
    "Canary-ApikeyOneWord-r18",
];

fn canary_toml() -> String {
    let c = CANARIES;
    format!(
        r#"[server]
hostname = "apim.example.com"

[database.apim_db]
type = "mysql"
url = "jdbc:mysql://db.example.com:3306/am?user=am&password1={11}&useSSL=true"
username = "am"
password = {10}

[apim.ai]
enable = true
token = "{0}"
key = "{1}"

[custom]
passphrase = "{2}"
pwd = "{3}"
passwd = "{4}"
api_key = "{5}"
access_key = "{6}"
private_key = "{7}"
credentials = "{8}"
secret_key = ["{9}", "{9}"]
apikey = "{12}"
"#,
        c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8], c[9], c[10], c[11], c[18]
    )
}

/// Facts a custom rule pack can read, each holding a canary.
const CANARY_FACTS: &[&str] = &[
    "deployment.apim.ai.token",
    "deployment.apim.ai.key",
    "deployment.custom.passphrase",
    "deployment.custom.pwd",
    "deployment.custom.passwd",
    "deployment.custom.api_key",
    "deployment.custom.access_key",
    "deployment.custom.private_key",
    "deployment.custom.credentials",
    "deployment.custom.secret_key",
    "deployment.custom.apikey",
    "deployment.database.apim_db.password",
    "deployment.database.apim_db.url",
    "jvm.sysprops.dd.api-key",
    "jvm.sysprops.newrelic.config.license_key",
    "jvm.sysprops.key.store.pass",
    "xml.catalina-server./Server/Service/Connector[@port='9443']/@keystorePass",
    "xml.qpid-config./broker/connector/ssl/keyStore/keyStorePassword",
    "properties.log4j2.appender.db.password",
];

/// A pack with one rule per canary fact that always reports, showing what it observed.
fn canary_rules(dir: &std::path::Path) -> std::path::PathBuf {
    let rules = dir.join("canary-rules");
    let mut text = String::new();
    for (i, fact) in CANARY_FACTS.iter().enumerate() {
        text.push_str(&format!(
            "[[rule]]\nid = \"custom.canary{i}\"\ntitle = \"canary {i}\"\ncategory = \"custom\"\nfact = \"{fact}\"\nfail = \"present\"\nmessage = \"saw {{observed}} in {{{fact}}}\"\nfix = \"none\"\n\n",
        ));
    }
    write(&rules.join("canary.toml"), text.as_bytes());
    rules
}

fn canary_home(dir: &std::path::Path) -> std::path::PathBuf {
    let c = CANARIES;
    let home = stage_home(dir, "4.7.0", &canary_toml());
    write(
        &home.join("repository/conf/tomcat/catalina-server.xml"),
        format!(
            "<Server><Service><Connector port=\"9443\" keystorePass=\"{}\"/></Service></Server>",
            c[15]
        )
        .as_bytes(),
    );
    write(
        &home.join("repository/conf/advanced/qpid-config.xml"),
        format!(
            "<broker><connector><ssl><keyStore><keyStorePassword>{}</keyStorePassword></keyStore></ssl></connector></broker>",
            c[16]
        )
        .as_bytes(),
    );
    write(
        &home.join("repository/conf/log4j2.properties"),
        format!("appender.db.password = {}\n", c[17]).as_bytes(),
    );
    write(
        &home.join("bin/api-manager.sh"),
        b"#!/bin/sh\n$JAVACMD $JAVA_OPTS -Dcarbon.home=\"$CARBON_HOME\" org.wso2.carbon.bootstrap.Bootstrap\n",
    );
    home
}

fn canary_env(cmd: &mut assert_cmd::Command) {
    let c = CANARIES;
    cmd.env(
        "JAVA_OPTS",
        format!(
            "-Ddd.api-key={} -Dnewrelic.config.license_key={} -Dkey.store.pass={}",
            c[12], c[13], c[14]
        ),
    );
}

#[track_caller]
fn assert_no_canary(what: &str, bytes: &[u8]) {
    common::assert_absent(what, bytes, CANARIES);
}

/// Every canary, in every key family and value type, is absent from `facts` (stdout and
/// `--output`), every report format on stdout and in `--format X=FILE`, `diff`, `--baseline`,
/// `fleet` and standard error, although a custom rule reads and shows each of them.
#[test]
fn every_canary_in_every_key_family_is_absent_from_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let home = canary_home(dir.path());
    let rules = canary_rules(dir.path());
    let (h, r) = (home.to_str().unwrap(), rules.to_str().unwrap());
    let d = |name: &str| dir.path().join(name);

    let facts_file = d("facts.json");
    let mut facts = preflight();
    canary_env(&mut facts);
    let out = facts
        .args(["facts", "--offline", "--product-home", h, "--rules", r])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_no_canary("facts", &out.stdout);
    assert_no_canary("facts stderr", &out.stderr);
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for fact in CANARY_FACTS {
        // Each was collected, as a secret (or a list of secrets): the test cannot pass by
        // collecting nothing.
        let v = &parsed["facts"][fact]["value"];
        if fact.ends_with(".url") {
            let url = v["value"].as_str().unwrap_or_default();
            assert!(url.contains("password1=<redacted>&useSSL"), "{url}");
            continue;
        }
        let secret = |v: &serde_json::Value| v["type"] == "secret";
        assert!(
            secret(v)
                || v["value"]
                    .as_array()
                    .is_some_and(|l| !l.is_empty() && l.iter().all(secret)),
            "{fact}: {}",
            parsed["facts"][fact]
        );
    }
    let mut facts = preflight();
    canary_env(&mut facts);
    facts
        .args([
            "facts",
            "--offline",
            "--product-home",
            h,
            "--rules",
            r,
            "--output",
        ])
        .arg(&facts_file)
        .assert()
        .success();
    assert_no_canary("facts --output", &std::fs::read(&facts_file).unwrap());

    let formats = ["json", "junit", "sarif", "markdown", "html"];
    for format in ["table", "json", "junit", "sarif", "markdown"] {
        let mut check = preflight();
        canary_env(&mut check);
        let out = check
            .args([
                "check",
                "--offline",
                "--product-home",
                h,
                "--rules",
                r,
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(1),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_no_canary(format, &out.stdout);
        assert_no_canary(&format!("{format} stderr"), &out.stderr);
    }
    let mut check = preflight();
    canary_env(&mut check);
    check.args(["check", "--offline", "--product-home", h, "--rules", r]);
    for format in formats {
        check
            .arg("--format")
            .arg(format!("{format}={}", d(&format!("r.{format}")).display()));
    }
    let out = check.output().unwrap();
    assert_no_canary("check stderr", &out.stderr);
    for format in formats {
        assert_no_canary(
            &format!("--format {format}=FILE"),
            &std::fs::read(d(&format!("r.{format}"))).unwrap(),
        );
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(d("r.json")).unwrap()).unwrap();
    let shown = result(&report, "custom.canary0");
    assert_eq!(shown["status"], "fail", "the canary rules ran: {shown}");
    assert_eq!(shown["observed"], "<redacted>", "{shown}");

    // A second report from the facts file, then diff and --baseline between the two.
    let out = preflight()
        .args(["check", "--rules", r, "--format", "json", "--facts"])
        .arg(&facts_file)
        .output()
        .unwrap();
    assert_no_canary("check --facts", &out.stdout);
    std::fs::write(d("r2.json"), &out.stdout).unwrap();
    for format in ["table", "json", "markdown"] {
        let out = preflight()
            .args([
                "diff",
                d("r.json").to_str().unwrap(),
                d("r2.json").to_str().unwrap(),
                "--format",
                format,
            ])
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "diff {format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_no_canary(&format!("diff {format}"), &out.stdout);
        assert_no_canary("diff stderr", &out.stderr);
    }
    let mut baseline = preflight();
    canary_env(&mut baseline);
    let out = baseline
        .args([
            "check",
            "--offline",
            "--product-home",
            h,
            "--rules",
            r,
            "--format",
            "markdown",
            "--baseline",
        ])
        .arg(d("r.json"))
        .output()
        .unwrap();
    assert_no_canary("--baseline", &out.stdout);
    assert_no_canary("--baseline stderr", &out.stderr);

    // fleet: two nodes with this node's report and facts.
    for node in ["n1", "n2"] {
        let nd = d("fleet").join(node);
        std::fs::create_dir_all(&nd).unwrap();
        std::fs::copy(d("r.json"), nd.join("report.json")).unwrap();
        std::fs::copy(&facts_file, nd.join("facts.json")).unwrap();
    }
    for format in ["table", "json", "junit", "sarif", "markdown"] {
        let out = preflight()
            .args(["fleet", d("fleet").to_str().unwrap(), "--format", format])
            .output()
            .unwrap();
        assert!(
            out.status.code().is_some_and(|c| c < 2),
            "fleet {format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_no_canary(&format!("fleet {format}"), &out.stdout);
        assert_no_canary("fleet stderr", &out.stderr);
    }
}
