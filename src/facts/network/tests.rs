//! Tests of the network probe: JDBC/LDAP URL forms, reachability under a deadline, redaction.
use super::*;
use std::path::Path;

fn home_with(toml: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("repository/conf")).unwrap();
    std::fs::write(dir.path().join("repository/conf/deployment.toml"), toml).unwrap();
    dir
}

fn run(home: &Path, offline: bool, names: &[&str]) -> BTreeMap<String, Fact> {
    let ctx = Context::new(Some(home.to_path_buf()), offline, None);
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    probe(&ctx, &names).into_iter().collect()
}

fn strs(f: &Fact) -> Vec<String> {
    match f.get() {
        Ok(Value::List(l)) => l.iter().map(|v| v.to_string()).collect(),
        other => panic!("not a list: {other:?}"),
    }
}

/// A deployment.toml with a MySQL apim_db on `open_port` (credentials in the URL), a PostgreSQL
/// shared_db and an LDAP user store both on `closed_port`.
fn databases_toml(open_port: u16, closed_port: u16) -> String {
    format!(
        r#"
[database.apim_db]
type = "mysql"
url = "jdbc:mysql://dbuser:S3cretPw@127.0.0.1:{open_port}/am?useSSL=false&amp;password=Leak3d"
username = "root"
password = "S3cretPw"

[database.shared_db]
type = "postgre"
hostname = "127.0.0.1"
port = {closed_port}
name = "shared"
username = "wso2"

[user_store]
type = "read_only_ldap"
connection_url = "ldap://127.0.0.1:{closed_port}"
"#
    )
}

#[test]
fn databases_and_ldap_from_deployment_toml() {
    let open = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let open_port = open.local_addr().unwrap().port();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port();
    drop(closed);
    let toml = databases_toml(open_port, closed_port);
    let dir = home_with(&toml);
    let all = [
        "db.apim_db.type",
        "db.apim_db.endpoint",
        "db.apim_db.url-tls-disabled",
        "db.apim_db.username",
        "db.shared_db.type",
        "db.shared_db.endpoint",
        "db.shared_db.url-tls-disabled",
        "db.shared_db.username",
        "db.endpoints",
        "db.tls-disabled",
        "db.users",
        "db.unreachable",
        "userstore.ldap.url",
        "userstore.ldap.tls",
        "userstore.ldap.unreachable",
    ];
    let started = std::time::Instant::now();
    let f = run(dir.path(), false, &all);
    assert!(started.elapsed() < CONNECT_DEADLINE + Duration::from_millis(500));
    let v = |n: &str| f[n].get().unwrap().to_string();
    assert_eq!(v("db.apim_db.type"), "mysql");
    assert_eq!(v("db.apim_db.endpoint"), format!("127.0.0.1:{open_port}"));
    assert_eq!(f["db.apim_db.endpoint"].location.as_ref().unwrap().line, 4);
    assert_eq!(v("db.apim_db.url-tls-disabled"), "true");
    assert_eq!(v("db.apim_db.username"), "root");
    assert_eq!(v("db.shared_db.type"), "postgre");
    assert_eq!(
        v("db.shared_db.endpoint"),
        format!("127.0.0.1:{closed_port}")
    );
    // No sslmode: pgjdbc's default, prefer, which falls back to plain text.
    assert_eq!(v("db.shared_db.url-tls-disabled"), "true");
    assert_eq!(v("db.shared_db.username"), "wso2");
    assert_eq!(
        strs(&f["db.endpoints"]),
        vec![
            format!("apim_db=127.0.0.1:{open_port}"),
            format!("shared_db=127.0.0.1:{closed_port}")
        ]
    );
    assert_eq!(
        strs(&f["db.tls-disabled"]),
        [
            "apim_db (useSSL=false)",
            "shared_db (no sslmode: pgjdbc's default, prefer; URL built from hostname by the config mapper)"
        ]
    );
    assert_eq!(f["db.tls-disabled"].location.as_ref().unwrap().line, 4);
    assert_eq!(strs(&f["db.users"]), ["apim_db (root)", "shared_db (wso2)"]);
    assert_eq!(f["db.users"].location.as_ref().unwrap().line, 5);
    let down = strs(&f["db.unreachable"]);
    assert_eq!(down.len(), 1, "{down:?}");
    assert!(
        down[0].starts_with(&format!(
            "shared_db 127.0.0.1:{closed_port}: connection refused ("
        )),
        "{}",
        down[0]
    );
    assert_eq!(
        v("userstore.ldap.url"),
        format!("ldap://127.0.0.1:{closed_port}")
    );
    assert_eq!(v("userstore.ldap.tls"), "false");
    assert_eq!(strs(&f["userstore.ldap.unreachable"]).len(), 1);
    let json = serde_json::to_string(&f).unwrap();
    assert!(
        !json.contains("S3cretPw") && !json.contains("Leak3d"),
        "{json}"
    );
}

#[test]
fn absent_databases_are_h2_and_offline_skips() {
    let dir = home_with("[server]\nhostname = \"localhost\"\n");
    let f = run(
        dir.path(),
        true,
        &[
            "db.apim_db.type",
            "db.shared_db.endpoint",
            "db.endpoints",
            "db.unreachable",
            "userstore.ldap.url",
            "userstore.ldap.unreachable",
            "db.nope.type",
            "db.apim_db.colour",
        ],
    );
    assert_eq!(f["db.apim_db.type"].get(), Ok(&Value::Str("h2".into())));
    assert_eq!(f["db.shared_db.endpoint"].get(), Ok(&Value::Null));
    assert_eq!(f["db.endpoints"].get(), Ok(&Value::List(vec![])));
    assert_eq!(f["db.unreachable"].get(), Err(OFFLINE));
    assert_eq!(f["userstore.ldap.url"].get(), Ok(&Value::Null));
    assert_eq!(f["userstore.ldap.unreachable"].get(), Err(OFFLINE));
    assert_eq!(f["db.nope.type"].get(), Ok(&Value::Null));
    assert!(f["db.apim_db.colour"].get().is_err());
}

#[test]
fn properties_form_ldap_and_embedded_h2_url() {
    let toml = r#"
[database.apim_db]
type = "h2"
url = "jdbc:h2:./repository/database/WSO2AM_DB;DB_CLOSE_ON_EXIT=FALSE"

[database.config]
url = "jdbc:oracle:thin:@//ora.example:1521/svc"
username = "SYSTEM"

[database.user]
type = "db2"
url = "jdbc:db2://db2.example:50000/USERDB:sslConnection=false;"
username = "admin"

[user_store.properties]
ConnectionURL = "ldaps://ad.example"
"#;
    let dir = home_with(toml);
    let f = run(
        dir.path(),
        true,
        &[
            "db.apim_db.endpoint",
            "db.config.type",
            "db.config.endpoint",
            "db.config.username",
            "db.shared_db.type",
            "db.tls-disabled",
            "db.users",
            "userstore.ldap.tls",
        ],
    );
    // Every [database.*], not only apim_db and shared_db; Oracle without TCPS is plain TCP.
    assert_eq!(
        strs(&f["db.tls-disabled"]),
        [
            "config (no TCPS in the address: Oracle thin connects over plain TCP)",
            "user (sslConnection=false)"
        ]
    );
    assert_eq!(strs(&f["db.users"]), ["config (SYSTEM)", "user (admin)"]);
    assert_eq!(f["db.apim_db.endpoint"].get(), Ok(&Value::Null));
    assert_eq!(f["db.config.type"].get(), Ok(&Value::Str("oracle".into())));
    assert_eq!(
        f["db.config.endpoint"].get(),
        Ok(&Value::Str("ora.example:1521".into()))
    );
    assert_eq!(
        f["db.config.username"].get(),
        Ok(&Value::Str("SYSTEM".into()))
    );
    assert_eq!(f["db.shared_db.type"].get(), Ok(&Value::Str("h2".into())));
    assert_eq!(f["userstore.ldap.tls"].get(), Ok(&Value::Bool(true)));
}

#[test]
fn hostname_sections_get_the_tls_of_the_url_the_config_mapper_builds() {
    let toml = r#"
[database.apim_db]
type = "mariadb"
hostname = "maria.example"
name = "am"
username = "am"

[database.shared_db]
type = "mssql"
hostname = "mssql.example"
name = "shared"
username = "am"

[database.config]
type = "postgre"
hostname = "pg.example"
name = "reg"
username = "am"
"#;
    let dir = home_with(toml);
    let f = run(
        dir.path(),
        true,
        &["db.tls-disabled", "db.tls-driver-default"],
    );
    assert_eq!(
        strs(&f["db.tls-disabled"]),
        [
            "apim_db (no sslMode or useSsl: MariaDB Connector/J's default is plain text; URL built from hostname by the config mapper)",
            "config (no sslmode: pgjdbc's default, prefer; URL built from hostname by the config mapper)"
        ]
    );
    assert_eq!(
        strs(&f["db.tls-driver-default"]),
        [
            "shared_db (no encrypt=: mssql-jdbc's default decides; URL built from hostname by the config mapper)"
        ]
    );
}
