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

fn assert_clean(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    for s in SECRETS {
        assert!(!text.contains(s), "{what} leaks `{s}`:\n{text}");
    }
}

#[test]
fn planted_secrets_appear_in_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.7.0", &planted_toml());
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
