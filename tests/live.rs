//! Live database and LDAP checks against real servers on loopback, started and seeded by
//! `.ci/services.sh`: PostgreSQL with TLS, MariaDB without and with TLS, OpenLDAP over ldap://
//! and ldaps://. Without a server a test says so and is skipped, except under CI, where it fails. Also a loopback listener that accepts and
//! never answers (the deadline holds) and `$secret{}` passwords (skip, with the reason).

mod common;
use common::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

// The throw-away accounts .ci/services.sh creates (loopback only).
const PG_APP: (&str, &str) = ("preflight_app", "preflight-app-pw");
const PG_ADMIN: (&str, &str) = ("preflight_admin", "preflight-admin-pw");
const LDAP_BIND: (&str, &str) = (
    "uid=wso2bind,ou=Users,dc=preflight,dc=test",
    "preflight-bind-pw",
);

fn pg_db(id: &str, db: &str, params: &str, (user, pw): (&str, &str)) -> String {
    format!(
        "[database.{id}]\ntype = \"postgre\"\nurl = \"jdbc:postgresql://127.0.0.1:5432/{db}{params}\"\nusername = \"{user}\"\npassword = \"{pw}\"\n\n"
    )
}

fn maria_db(id: &str, db: &str, port: u16, (user, pw): (&str, &str)) -> String {
    format!(
        "[database.{id}]\ntype = \"mariadb\"\nurl = \"jdbc:mariadb://127.0.0.1:{port}/{db}\"\nusername = \"{user}\"\npassword = \"{pw}\"\n\n"
    )
}

fn ldap_store(name: &str, pw: &str, user_base: &str) -> String {
    format!(
        "[user_store]\ntype = \"read_only_ldap_unique_id\"\nconnection_url = \"ldap://127.0.0.1:3389\"\nconnection_name = \"{name}\"\nconnection_password = \"{pw}\"\nuser_search_base = \"{user_base}\"\ngroup_search_base = \"ou=Groups,dc=preflight,dc=test\"\n"
    )
}

/// `check --format json --only …` on a staged home of `version`.
fn check(
    version: &str,
    toml: &str,
    only: &[&str],
    extra: &[&str],
) -> (i32, serde_json::Value, Duration) {
    check_staged(version, toml, &|_| {}, only, extra)
}

/// [`check`] on a home that `stage` completes (a truststore, a start script).
fn check_staged(
    version: &str,
    toml: &str,
    stage: &dyn Fn(&Path),
    only: &[&str],
    extra: &[&str],
) -> (i32, serde_json::Value, Duration) {
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), version, toml);
    stage(&home);
    let mut args = vec!["--product-home", home.to_str().unwrap(), "--timeout", "4"];
    for id in only {
        args.extend(["--only", id]);
    }
    args.extend(extra);
    let started = Instant::now();
    let (code, r) = check_json(&args);
    (code, r, started.elapsed())
}

fn status<'a>(r: &'a serde_json::Value, id: &str) -> &'a str {
    result(r, id)["status"].as_str().unwrap()
}

fn message(r: &serde_json::Value, id: &str) -> String {
    result(r, id)["message"].as_str().unwrap().to_string()
}

/// Creates the listed tables with DDL written here: a stand-in for "carbon-apimgt's dbscripts
/// were run" (no PostgreSQL apim_db script is in ../shared or a local mirror; the MariaDB test
/// below loads the real MySQL one).
fn pg_create_tables(c: &mut postgres::Client, tables: &[&str]) {
    for t in tables {
        c.batch_execute(&format!("CREATE TABLE {t} (ID INTEGER)"))
            .unwrap();
    }
}

const APIM_CORE_TABLES: &[&str] = &[
    "AM_SUBSCRIBER",
    "AM_APPLICATION",
    "AM_API",
    "AM_SUBSCRIPTION",
    "AM_API_URL_MAPPING",
    "AM_APPLICATION_KEY_MAPPING",
    "AM_POLICY_SUBSCRIPTION",
    "AM_KEY_MANAGER",
    "AM_REVISION",
];

#[test]
fn postgres_right_and_wrong_password_and_tls_on_and_off() {
    if !service(5432, "PostgreSQL") {
        return;
    }
    let only = ["db.login", "db.tls.negotiated"];
    let wrong = pg_db("apim_db", "preflight_empty", "?sslmode=require", PG_APP)
        + &pg_db(
            "shared_db",
            "preflight_empty",
            "",
            (PG_APP.0, "not-the-password"),
        );
    let (code, r, _) = check("4.2.0", &wrong, &only, &[]);
    assert_eq!(code, 1);
    assert_eq!(status(&r, "db.login"), "fail", "{r:#}");
    let m = message(&r, "db.login");
    assert!(m.contains("shared_db postgre 127.0.0.1:5432: password authentication failed for user \"preflight_app\""), "{m}");
    assert!(!m.contains("apim_db"), "{m}");
    assert!(!r.to_string().contains("not-the-password"));

    // TLS on (sslmode=require, and pgjdbc's default prefer) and off (sslmode=disable).
    let right = pg_db("apim_db", "preflight_empty", "?sslmode=require", PG_APP)
        + &pg_db("shared_db", "preflight_empty", "", PG_APP)
        + &pg_db("user", "preflight_empty", "?sslmode=disable", PG_APP);
    let (_, r, _) = check("4.2.0", &right, &only, &[]);
    assert_eq!(status(&r, "db.login"), "pass", "{r:#}");
    assert!(
        message(&r, "db.login").contains("apim_db: postgresql "),
        "{r:#}"
    );
    assert_eq!(status(&r, "db.tls.negotiated"), "warn", "{r:#}");
    let m = message(&r, "db.tls.negotiated");
    assert!(m.starts_with("[user: the session is not encrypted"), "{m}");
    assert!(!m.contains("apim_db") && !m.contains("shared_db"), "{m}");
}

#[test]
fn postgres_empty_database_fails_schema_and_one_with_only_the_core_tables_warns() {
    if !service(5432, "PostgreSQL") {
        return;
    }
    let only = ["db.schema"];
    let empty = pg_db("apim_db", "preflight_empty", "", PG_APP)
        + &pg_db("shared_db", "preflight_empty", "", PG_APP);
    let (code, r, _) = check("4.2.0", &empty, &only, &[]);
    assert_eq!((code, status(&r, "db.schema")), (1, "fail"), "{r:#}");
    let m = message(&r, "db.schema");
    assert!(m.contains("db.apim_db.tables: AM_SUBSCRIBER,"), "{m}");
    assert!(
        m.contains("AM_REVISION; db.shared_db.tables: REG_RESOURCE,"),
        "{m}"
    );

    // The core tables only (DDL written here, in a database of this process's own): the product
    // starts, but the rest of 4.2.0's 191 apim_db tables are missing, and named.
    let db = PgDb::fresh("core");
    pg_create_tables(&mut db.connect(), APIM_CORE_TABLES);
    let loaded = pg_db("apim_db", &db.name, "", PG_APP);
    let (code, r, _) = check("4.2.0", &loaded, &only, &[]);
    assert_eq!((code, status(&r, "db.schema")), (0, "warn"), "{r:#}");
    let m = message(&r, "db.schema");
    assert!(m.contains("AM_GATEWAY_ENVIRONMENT"), "{m}");
    assert!(
        !m.contains("AM_REVISION") && !m.contains("shared_db"),
        "{m}"
    );
}

/// carbon-kernel's dbscripts/postgresql.sql at `tag`: the distribution's shared_db script (the
/// product's dbscripts/postgresql.sql). From ../shared/fixtures/wso2 when it holds it, else from
/// the carbon-kernel git mirror (`PREFLIGHT_CARBON_KERNEL_GIT`, default /work/.mirror/…); `None`
/// after [`missing_input`] (a failure under CI) when the mirror is there but lacks it, after
/// [`optional_source_absent`] when there is no mirror.
fn kernel_dbscript(tag: &str) -> Option<String> {
    let path = "distribution/kernel/carbon-home/dbscripts/postgresql.sql";
    let shared = repo().join(format!(
        "../shared/fixtures/wso2/wso2-carbon-kernel/{tag}/{path}"
    ));
    if let Ok(text) = std::fs::read_to_string(&shared) {
        return Some(text);
    }
    let git = std::env::var("PREFLIGHT_CARBON_KERNEL_GIT")
        .unwrap_or_else(|_| "/work/.mirror/wso2+carbon-kernel/repo".into());
    if let Some(text) = git_show(&git, tag, path) {
        return Some(text);
    }
    let what = format!(
        "carbon-kernel {tag} {path} is neither in ../shared/fixtures/wso2 nor in the git mirror {git}"
    );
    if std::path::Path::new(&git).is_dir() {
        missing_input(&what);
    } else {
        optional_source_absent(&what);
    }
    None
}

fn pg_admin() -> postgres::Client {
    postgres::Client::connect(
        &format!(
            "host=127.0.0.1 user={} password={} dbname=postgres",
            PG_ADMIN.0, PG_ADMIN.1
        ),
        postgres::NoTls,
    )
    .unwrap()
}

/// A database of this test process's own on the CI PostgreSQL, owned by the application login,
/// made by the superuser and dropped when the guard goes (also when the test fails): the server
/// keeps databases between runs and is shared by every worktree's parallel test processes.
struct PgDb {
    name: String,
}

impl PgDb {
    fn fresh(what: &str) -> PgDb {
        let name = format!("preflight_{what}_{}", std::process::id());
        let mut admin = pg_admin();
        // One statement each: DROP/CREATE DATABASE cannot run inside one implicit transaction.
        admin
            .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
            .unwrap();
        admin
            .batch_execute(&format!("CREATE DATABASE {name} OWNER {}", PG_APP.0))
            .unwrap();
        PgDb { name }
    }

    fn connect(&self) -> postgres::Client {
        postgres::Client::connect(
            &format!(
                "host=127.0.0.1 user={} password={} dbname={}",
                PG_APP.0, PG_APP.1, self.name
            ),
            postgres::NoTls,
        )
        .unwrap()
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        // Not unwrap: a drop that panics while a failed test unwinds would abort the run.
        if let Ok(mut admin) = postgres::Client::connect(
            &format!(
                "host=127.0.0.1 user={} password={} dbname=postgres",
                PG_ADMIN.0, PG_ADMIN.1
            ),
            postgres::NoTls,
        ) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {}", self.name));
        }
    }
}

#[test]
fn postgres_loaded_with_the_real_kernel_dbscripts_passes_schema_and_one_dropped_table_does_not() {
    if !service(5432, "PostgreSQL") {
        return;
    }
    // APIM 4.2.0 ships carbon-kernel 4.8.1's scripts (product-apim v4.2.0 pom.xml).
    let Some(script) = kernel_dbscript("v4.8.1") else {
        return;
    };
    let db = PgDb::fresh("kernel");
    let mut c = db.connect();
    c.batch_execute(&script).unwrap();
    let only = ["db.schema"];
    let toml = pg_db("shared_db", &db.name, "", PG_APP);
    let (code, r, _) = check("4.2.0", &toml, &only, &[]);
    assert_eq!((code, status(&r, "db.schema")), (0, "pass"), "{r:#}");

    // A table of the script that is not a core one: an unfinished run or migration warns.
    c.batch_execute("DROP TABLE UM_ORG_ROLE_USER").unwrap();
    let (_, r, _) = check("4.2.0", &toml, &only, &[]);
    assert_eq!(status(&r, "db.schema"), "warn", "{r:#}");
    assert!(
        message(&r, "db.schema").contains("UM_ORG_ROLE_USER"),
        "{r:#}"
    );

    // A core table gone: the product cannot start on this database.
    c.batch_execute("DROP TABLE UM_TENANT CASCADE").unwrap();
    let (code, r, _) = check("4.2.0", &toml, &only, &[]);
    assert_eq!((code, status(&r, "db.schema")), (1, "fail"), "{r:#}");
    assert!(message(&r, "db.schema").contains("UM_TENANT"), "{r:#}");
}

/// APIM `version`'s apim_db script, dbscripts/apimgt/mysql.sql, as WSO2's docker-apim ships it at
/// the release's first image tag (the source contrib/dbscripts/tables.py reads), from the git
/// mirror `PREFLIGHT_DOCKER_APIM_GIT` (default /work/.mirror/…): ../shared holds no dbscript.
/// `None` after [`optional_source_absent`] when there is no mirror, after [`missing_input`] (a
/// failure under CI) when the mirror lacks it.
fn apim_mysql_dbscript(version: &str) -> Option<String> {
    let path = "docker-compose/apim-with-analytics/conf/mysql/scripts/mysql_apim.sql";
    let git = std::env::var("PREFLIGHT_DOCKER_APIM_GIT")
        .unwrap_or_else(|_| "/work/.mirror/wso2+docker-apim/repo".into());
    let tag = format!("v{version}.1");
    if let Some(text) = git_show(&git, &tag, path) {
        return Some(text);
    }
    let what = format!("docker-apim {tag} {path} is not in the git mirror {git}");
    if std::path::Path::new(&git).is_dir() {
        missing_input(&what);
    } else {
        optional_source_absent(&what);
    }
    None
}

/// A MariaDB database of this test process's own (latin1, as WSO2 asks for apim_db on MySQL),
/// granted to the application login, dropped when the guard goes.
struct MariaDb {
    name: String,
}

fn maria_admin() -> mysql::Conn {
    let opts = mysql::OptsBuilder::new()
        .ip_or_hostname(Some("127.0.0.1"))
        .tcp_port(3306)
        .user(Some(PG_ADMIN.0))
        .pass(Some(PG_ADMIN.1));
    mysql::Conn::new(opts).unwrap()
}

impl MariaDb {
    fn fresh(what: &str) -> MariaDb {
        use mysql::prelude::Queryable;
        let name = format!("preflight_{what}_{}", std::process::id());
        let mut admin = maria_admin();
        admin
            .query_drop(format!(
                "DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name} CHARACTER SET latin1; \
                 GRANT ALL PRIVILEGES ON {name}.* TO '{}'@'127.0.0.1'",
                PG_APP.0
            ))
            .unwrap();
        MariaDb { name }
    }

    /// Runs `sql` (one or more statements) in this database as the application login.
    fn run(&self, sql: &str) {
        use mysql::prelude::Queryable;
        let opts = mysql::OptsBuilder::new()
            .ip_or_hostname(Some("127.0.0.1"))
            .tcp_port(3306)
            .user(Some(PG_APP.0))
            .pass(Some(PG_APP.1))
            .db_name(Some(&self.name));
        mysql::Conn::new(opts).unwrap().query_drop(sql).unwrap();
    }
}

impl Drop for MariaDb {
    fn drop(&mut self) {
        use mysql::prelude::Queryable;
        let opts = mysql::OptsBuilder::new()
            .ip_or_hostname(Some("127.0.0.1"))
            .tcp_port(3306)
            .user(Some(PG_ADMIN.0))
            .pass(Some(PG_ADMIN.1));
        if let Ok(mut admin) = mysql::Conn::new(opts) {
            let _ = admin.query_drop(format!("DROP DATABASE IF EXISTS {}", self.name));
        }
    }
}

#[test]
fn mariadb_loaded_with_the_real_apim_dbscripts_passes_schema_and_dropped_tables_do_not() {
    if !service(3306, "MariaDB") {
        return;
    }
    let Some(script) = apim_mysql_dbscript("4.7.0") else {
        return;
    };
    // The file creates and selects WSO2AM_DB first (`USE WSO2AM_DB;`): run what follows in a
    // database of this process's own instead.
    let body = script
        .split_once("USE WSO2AM_DB;")
        .expect("mysql_apim.sql selects WSO2AM_DB")
        .1;
    let db = MariaDb::fresh("apim");
    db.run(body);
    let only = ["db.schema"];
    let toml = maria_db("apim_db", &db.name, 3306, PG_APP);
    let (code, r, _) = check("4.7.0", &toml, &only, &[]);
    assert_eq!((code, status(&r, "db.schema")), (0, "pass"), "{r:#}");

    // A table 4.7 added is missing: under 4.7.0 an unfinished migration warns and names it;
    // under 4.6.0, whose scripts did not create it, the same database passes.
    db.run("DROP TABLE AM_API_KEY_APPLICATION_MAPPING");
    let (code, r, _) = check("4.7.0", &toml, &only, &[]);
    assert_eq!((code, status(&r, "db.schema")), (0, "warn"), "{r:#}");
    assert!(
        message(&r, "db.schema").ends_with("(db.apim_db.tables: AM_API_KEY_APPLICATION_MAPPING)"),
        "{r:#}"
    );
    let (_, r, _) = check("4.6.0", &toml, &only, &[]);
    assert_eq!(status(&r, "db.schema"), "pass", "{r:#}");

    // A core table gone: the product cannot work on this database.
    db.run("SET FOREIGN_KEY_CHECKS = 0; DROP TABLE AM_SUBSCRIPTION");
    let (code, r, _) = check("4.7.0", &toml, &only, &[]);
    assert_eq!((code, status(&r, "db.schema")), (1, "fail"), "{r:#}");
    assert!(
        message(&r, "db.schema").ends_with("(db.apim_db.tables: AM_SUBSCRIPTION)"),
        "{r:#}"
    );
}

#[test]
fn postgres_superuser_login_warns_and_the_version_is_read_after_login() {
    if !service(5432, "PostgreSQL") {
        return;
    }
    let only = ["db.privileges", "db.version.tested"];
    let admin = pg_db("apim_db", "preflight_empty", "", PG_ADMIN)
        + &pg_db("shared_db", "preflight_empty", "", PG_APP);
    let (_, r, _) = check("4.4.0", &admin, &only, &[]);
    assert_eq!(status(&r, "db.privileges"), "warn", "{r:#}");
    assert_eq!(
        message(&r, "db.privileges"),
        "[apim_db (preflight_admin: rolsuper)]: a server administrator; a leaked or abused connection can read or drop every database on the server"
    );
    let mut c = postgres::Client::connect(
        &format!(
            "host=127.0.0.1 user={} password={} dbname=preflight_empty",
            PG_APP.0, PG_APP.1
        ),
        postgres::NoTls,
    )
    .unwrap();
    let version: String = c.query_one("SHOW server_version", &[]).unwrap().get(0);
    let version: String = version.split(' ').next().unwrap().to_string();
    let major: u32 = version.split('.').next().unwrap().parse().unwrap();
    let m = message(&r, "db.version.tested");
    assert!(m.contains(&format!("apim_db postgresql {version}")), "{m}");
    // APIM 4.4 was tested on PostgreSQL 16.2 and 17; 14 and older are end-of-life.
    let want = match major {
        0..=14 => "fail",
        16 | 17 => "pass",
        _ => "warn",
    };
    assert_eq!(status(&r, "db.version.tested"), want, "{r:#}");

    let app = pg_db("apim_db", "preflight_empty", "", PG_APP)
        + &pg_db("shared_db", "preflight_empty", "", PG_APP);
    let (_, r, _) = check("4.4.0", &app, &["db.privileges"], &[]);
    assert_eq!(status(&r, "db.privileges"), "pass", "{r:#}");
}

#[test]
fn mariadb_greeting_login_grants_and_no_tls() {
    if !service(3306, "MariaDB") {
        return;
    }
    let only = [
        "db.login",
        "db.version.tested",
        "db.privileges",
        "db.tls.negotiated",
    ];
    let toml = maria_db("apim_db", "preflight_apim", 3306, PG_APP)
        + &maria_db("shared_db", "preflight_empty", 3306, PG_ADMIN);
    let (_, r, _) = check("4.6.0", &toml, &only, &[]);
    assert_eq!(status(&r, "db.login"), "pass", "{r:#}");
    let m = message(&r, "db.version.tested");
    assert!(
        m.contains("apim_db mariadb 10.") || m.contains("apim_db mariadb 11."),
        "{m}"
    );
    // MariaDB is on no APIM tested list: warn, unless this one is end-of-life (fail).
    assert!(
        ["warn", "fail"].contains(&status(&r, "db.version.tested")),
        "{r:#}"
    );
    assert_eq!(status(&r, "db.privileges"), "warn", "{r:#}");
    assert!(
        message(&r, "db.privileges")
            .starts_with("[shared_db (preflight_admin: ALL PRIVILEGES ON *.*)]"),
        "{r:#}"
    );
    // services.sh starts MariaDB without TLS: its greeting does not offer it.
    assert_eq!(status(&r, "db.tls.negotiated"), "warn", "{r:#}");
    assert!(
        message(&r, "db.tls.negotiated").starts_with(
            "[apim_db: the server offers no TLS, shared_db: the server offers no TLS]"
        ),
        "{r:#}"
    );

    let wrong = maria_db("apim_db", "preflight_apim", 3306, (PG_APP.0, "wrong-pw"));
    let (code, r, _) = check("4.6.0", &wrong, &["db.login"], &[]);
    assert_eq!((code, status(&r, "db.login")), (1, "fail"), "{r:#}");
    assert!(
        message(&r, "db.login").contains("Access denied for user 'preflight_app'"),
        "{r:#}"
    );
}

#[test]
fn ldap_bind_ok_and_wrong_missing_base_and_openldap_identified() {
    if !service(3389, "OpenLDAP") {
        return;
    }
    let only = [
        "userstore.ldap.bind",
        "userstore.ldap.base-dn",
        "userstore.ldap.server",
    ];
    let good = ldap_store(LDAP_BIND.0, LDAP_BIND.1, "ou=Users,dc=preflight,dc=test");
    let (code, r, _) = check("4.2.0", &good, &only, &[]);
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(status(&r, "userstore.ldap.bind"), "pass");
    assert_eq!(status(&r, "userstore.ldap.base-dn"), "pass");
    assert_eq!(
        message(&r, "userstore.ldap.server"),
        "the directory is OpenLDAP"
    );

    let wrong = ldap_store(
        LDAP_BIND.0,
        "not-the-password",
        "ou=Users,dc=preflight,dc=test",
    );
    let (code, r, _) = check("4.2.0", &wrong, &only, &[]);
    assert_eq!(code, 1);
    assert_eq!(status(&r, "userstore.ldap.bind"), "fail");
    assert!(
        message(&r, "userstore.ldap.bind").contains("invalidCredentials (49)"),
        "{r:#}"
    );
    assert_eq!(status(&r, "userstore.ldap.base-dn"), "error");

    let missing = ldap_store(LDAP_BIND.0, LDAP_BIND.1, "ou=People,dc=preflight,dc=test");
    let (_, r, _) = check("4.2.0", &missing, &only, &[]);
    assert_eq!(status(&r, "userstore.ldap.base-dn"), "fail");
    assert_eq!(
        message(&r, "userstore.ldap.base-dn"),
        "[user_search_base ou=People,dc=preflight,dc=test: no such object]: users or groups under it cannot be found"
    );
}

#[test]
fn mariadb_with_tls_is_negotiated_only_when_the_jdbc_url_asks_for_it() {
    // The second MariaDB of .ci/services.sh, started with a certificate.
    if !service(3307, "MariaDB (TLS)") {
        return;
    }
    let only = ["db.login", "db.tls.negotiated"];
    // MariaDB Connector/J encrypts only when the URL asks: the server offers TLS, unused.
    let plain = maria_db("apim_db", "preflight_apim", 3307, PG_APP);
    let (_, r, _) = check("4.6.0", &plain, &only, &[]);
    assert_eq!(status(&r, "db.login"), "pass", "{r:#}");
    assert_eq!(status(&r, "db.tls.negotiated"), "warn", "{r:#}");
    assert!(
        message(&r, "db.tls.negotiated").starts_with("[apim_db: the session is not encrypted"),
        "{r:#}"
    );

    // sslMode=trust: encrypted without verification (mariadb_certificate_verified_as_connector_j_would
    // has verify-ca / verify-full); REQUIRED-like for the session.
    for params in ["?sslMode=trust", "?useSSL=true&trustServerCertificate=true"] {
        let asked = plain.replace(
            "3307/preflight_apim",
            &format!("3307/preflight_apim{params}"),
        );
        let (code, r, _) = check("4.6.0", &asked, &only, &[]);
        assert_eq!(status(&r, "db.login"), "pass", "{params}: {r:#}");
        assert_eq!(
            (code, status(&r, "db.tls.negotiated")),
            (0, "warn"),
            "{params}: {r:#}"
        );
        assert!(
            message(&r, "db.tls.negotiated").contains("certificate not verified by the driver"),
            "{params}: {r:#}"
        );
    }
}

#[test]
fn ldaps_bind_ok_and_wrong_search_bases_and_openldap_identified_over_tls() {
    // The second slapd of .ci/services.sh, listening on ldaps:// only.
    if !service(3636, "OpenLDAP (ldaps)") {
        return;
    }
    let only = [
        "userstore.ldap.bind",
        "userstore.ldap.base-dn",
        "userstore.ldap.server",
    ];
    if !ci_cert_and_keytool() {
        return;
    }
    // By the certificate's name, with it in the truststore (ldaps_certificate_verified_as_jndi_would
    // has the refusals).
    let ldaps = |pw: &str, base: &str| {
        ldap_store(LDAP_BIND.0, pw, base).replace("ldap://127.0.0.1:3389", "ldaps://localhost:3636")
    };
    let check = |_: &str, toml: &str, only: &[&str], extra: &[&str]| {
        check_staged("4.2.0", toml, &trusting_ci, only, extra)
    };
    let (code, r, _) = check(
        "4.2.0",
        &ldaps(LDAP_BIND.1, "ou=Users,dc=preflight,dc=test"),
        &only,
        &[],
    );
    for id in only {
        assert_eq!(status(&r, id), "pass", "{id}: {r:#}");
    }
    assert_eq!(code, 0, "{r:#}");
    assert_eq!(
        message(&r, "userstore.ldap.server"),
        "the directory is OpenLDAP"
    );

    let (_, r, _) = check(
        "4.2.0",
        &ldaps(LDAP_BIND.1, "ou=Nobody,dc=preflight,dc=test"),
        &only,
        &[],
    );
    assert_eq!(status(&r, "userstore.ldap.base-dn"), "fail", "{r:#}");
    assert!(
        message(&r, "userstore.ldap.base-dn").contains("ou=Nobody"),
        "{r:#}"
    );

    let (code, r, _) = check(
        "4.2.0",
        &ldaps("wrong-pw", "ou=Users,dc=preflight,dc=test"),
        &only,
        &[],
    );
    assert_eq!(
        (code, status(&r, "userstore.ldap.bind")),
        (1, "fail"),
        "{r:#}"
    );
    assert!(
        message(&r, "userstore.ldap.bind").contains("invalidCredentials (49)"),
        "{r:#}"
    );
}

/// A server that accepts and never answers costs one deadline, not a hang.
#[test]
fn a_server_that_accepts_and_never_answers_costs_at_most_the_deadline() {
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let toml = maria_db("apim_db", "am", port, PG_APP)
        + &format!(
            "[database.shared_db]\ntype = \"postgre\"\nurl = \"jdbc:postgresql://127.0.0.1:{port}/shared\"\nusername = \"u\"\npassword = \"p\"\n\n"
        )
        + &format!(
            "[user_store]\ntype = \"read_only_ldap\"\nconnection_url = \"ldap://127.0.0.1:{port}\"\nconnection_name = \"cn=x\"\nconnection_password = \"y\"\nbase_dn = \"dc=x\"\n"
        );
    let only = ["db.login", "userstore.ldap.bind"];
    let (code, r, took) = check("4.2.0", &toml, &only, &[]);
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert_eq!(code, 1, "{r:#}");
    for id in only {
        assert!(["fail", "error"].contains(&status(&r, id)), "{id}: {r:#}");
    }
    drop(silent);
}

/// A server that trickles its greeting a byte at a time meets the run's deadline on its own
/// connection: each read is bounded by the time left, not by a timeout set once. Before, every
/// read got its byte in time, the greeting (announced as 65,535 bytes) never ended, and the
/// whole network probe timed out, taking every other peer's facts with it.
#[test]
fn a_server_that_trickles_its_greeting_is_cut_off_at_the_deadline() {
    let trickler = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = trickler.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for conn in trickler.incoming() {
            let Ok(mut conn) = conn else { return };
            std::thread::spawn(move || {
                use std::io::Write;
                let _ = conn.write_all(&[0xff, 0xff, 0x00, 0x00, 0x0a]);
                while conn.write_all(b"5").is_ok() {
                    std::thread::sleep(Duration::from_millis(100));
                }
            });
        }
    });
    let toml = maria_db("apim_db", "am", port, PG_APP);
    let (code, r, took) = check("4.2.0", &toml, &["db.login"], &[]);
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert_eq!(code, 1, "{r:#}");
    let row = result(&r, "db.login").to_string();
    assert!(!row.contains("did not answer within"), "{r:#}");
    assert!(
        row.contains("greeting cut short: no answer within the run's network deadline"),
        "{r:#}"
    );
}

#[test]
fn secret_passwords_skip_with_the_reason_and_plain_aliases_are_used() {
    if !service(5432, "PostgreSQL") || !service(3389, "OpenLDAP") {
        return;
    }
    let toml = format!(
        "{}{}[secrets]\napim_pw = \"[{}]\"\nshared_pw = \"bXVzdCBiZSBkZWNyeXB0ZWQgd2l0aCB0aGUga2V5c3RvcmU=\"\nldap_pw = \"bXVzdCBiZSBkZWNyeXB0ZWQ=\"\n\n{}",
        pg_db(
            "apim_db",
            "preflight_empty",
            "",
            (PG_APP.0, "$secret{apim_pw}")
        ),
        pg_db(
            "shared_db",
            "preflight_empty",
            "",
            (PG_APP.0, "$secret{shared_pw}")
        ),
        PG_APP.1,
        ldap_store(
            LDAP_BIND.0,
            "$secret{ldap_pw}",
            "ou=Users,dc=preflight,dc=test"
        ),
    );
    let (_, r, _) = check("4.2.0", &toml, &["db.login", "userstore.ldap.bind"], &[]);
    assert_eq!(status(&r, "db.login"), "skip", "{r:#}");
    let reason = result(&r, "db.login")["reason"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        reason.ends_with("shared_db: password is $secret{shared_pw}: supply the keystore password (--keystore-password-file FILE or $PREFLIGHT_KEYSTORE_PASSWORD) to decrypt it"),
        "{reason}"
    );
    assert_eq!(status(&r, "userstore.ldap.bind"), "skip", "{r:#}");
    assert!(
        message(&r, "userstore.ldap.bind").contains("$secret{ldap_pw}"),
        "{r:#}"
    );
}

#[test]
fn offline_skips_every_live_check_and_facts_replay_gives_the_same_verdicts() {
    if !service(5432, "PostgreSQL") || !service(3389, "OpenLDAP") {
        return;
    }
    let only = [
        "db.login",
        "db.version.tested",
        "db.schema",
        "db.privileges",
        "db.tls.negotiated",
        "userstore.ldap.bind",
        "userstore.ldap.base-dn",
        "userstore.ldap.server",
    ];
    let toml = pg_db("apim_db", "preflight_empty", "?sslmode=require", PG_APP)
        + &pg_db("shared_db", "preflight_empty", "", PG_ADMIN)
        + &ldap_store(LDAP_BIND.0, LDAP_BIND.1, "ou=Users,dc=preflight,dc=test");
    let (code, r, _) = check("4.2.0", &toml, &only, &["--offline"]);
    assert_eq!(code, 0, "{r:#}");
    for id in only {
        assert_eq!(status(&r, id), "skip", "{id}");
        assert_eq!(result(&r, id)["reason"], "not run under --offline", "{id}");
    }

    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", &toml);
    let stdout = facts_stdout(&["--timeout", "4", "--product-home", home.to_str().unwrap()]);
    let text = String::from_utf8(stdout).unwrap();
    for secret in [PG_APP.1, PG_ADMIN.1, LDAP_BIND.1] {
        assert!(!text.contains(secret), "a password is in the facts file");
    }
    let facts = dir.path().join("facts.json");
    std::fs::write(&facts, &text).unwrap();
    let mut args = vec!["--product-home", home.to_str().unwrap(), "--timeout", "4"];
    for id in only {
        args.extend(["--only", id]);
    }
    let (_, live) = check_json(&args);
    args.extend(["--facts", facts.to_str().unwrap()]);
    let (_, replayed) = check_json(&args);
    for id in only {
        assert_eq!(status(&live, id), status(&replayed, id), "{id}");
        assert_eq!(message(&live, id), message(&replayed, id), "{id}");
    }
    assert_eq!(status(&live, "db.privileges"), "warn");
    assert_eq!(status(&live, "userstore.ldap.server"), "pass");
}

// --- Certificates verified as the product's clients would -----------------------------------

/// The CI servers' test certificate (.ci/services.sh): self-signed, `CN=localhost`, no
/// subjectAltName. By `localhost` its name matches; by `127.0.0.1` it does not (the JDK, pgJDBC
/// and MariaDB Connector/J want an iPAddress subjectAltName for an IP).
const CI_CERT: &str = "/var/lib/preflight-services/pg-tls/server.crt";
const TRUSTSTORE: &str = "repository/resources/security/client-truststore.jks";

/// Whether the CI certificate and the JDK's keytool are here; skipped (a failure under CI)
/// otherwise.
fn ci_cert_and_keytool() -> bool {
    let cert = Path::new(CI_CERT).is_file();
    let keytool = Command::new("keytool")
        .arg("-help")
        .output()
        .is_ok_and(|o| o.status.success());
    if !cert || !keytool {
        missing_input(&format!(
            "{CI_CERT} (made by .ci/services.sh) or the JDK's keytool is missing"
        ));
    }
    cert && keytool
}

fn keytool(args: &[&str]) {
    let out = Command::new("keytool").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "keytool {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The home's client-truststore.jks, made by keytool (JKS, WSO2's password wso2carbon): the CI
/// certificate imported, or only a certificate of its own.
fn truststore(home: &Path, with_ci_cert: bool) {
    let store = home.join(TRUSTSTORE);
    std::fs::create_dir_all(store.parent().unwrap()).unwrap();
    let store = store.to_str().unwrap();
    let common = [
        "-keystore",
        store,
        "-storetype",
        "JKS",
        "-storepass",
        "wso2carbon",
    ];
    if with_ci_cert {
        keytool(
            &[
                &["-importcert", "-noprompt", "-alias", "ci", "-file", CI_CERT],
                &common[..],
            ]
            .concat(),
        );
    } else {
        keytool(
            &[
                &[
                    "-genkeypair",
                    "-alias",
                    "other",
                    "-keyalg",
                    "RSA",
                    "-keysize",
                    "2048",
                    "-dname",
                    "CN=other.example",
                    "-validity",
                    "30",
                    "-keypass",
                    "wso2carbon",
                ],
                &common[..],
            ]
            .concat(),
        );
    }
}

fn trusting_ci(home: &Path) {
    truststore(home, true);
}

fn trusting_other(home: &Path) {
    truststore(home, false);
}

#[test]
fn postgres_certificate_verified_as_pgjdbc_would() {
    if !service(5432, "PostgreSQL") || !ci_cert_and_keytool() {
        return;
    }
    let only = ["db.login", "db.tls.negotiated"];
    let db = |host: &str, params: &str| {
        pg_db("apim_db", "preflight_empty", params, PG_APP).replace("127.0.0.1", host)
    };
    let root = format!("&sslrootcert={CI_CERT}");
    // verify-full by the certificate's name, against sslrootcert: the driver trusts it.
    let (code, r, _) = check(
        "4.2.0",
        &db("localhost", &format!("?sslmode=verify-full{root}")),
        &only,
        &[],
    );
    assert_eq!(
        (code, status(&r, "db.tls.negotiated")),
        (0, "pass"),
        "{r:#}"
    );
    // By IP: pgJDBC's host name check refuses it; so would the login. Located at the URL.
    let (code, r, _) = check(
        "4.2.0",
        &db("127.0.0.1", &format!("?sslmode=verify-full{root}")),
        &only,
        &[],
    );
    assert_eq!(
        (code, status(&r, "db.tls.negotiated")),
        (1, "fail"),
        "{r:#}"
    );
    let m = message(&r, "db.tls.negotiated");
    assert!(
        m.contains("apim_db: name mismatch: the server's certificate CN=localhost has no iPAddress subjectAltName 127.0.0.1"),
        "{m}"
    );
    assert!(
        m.contains("name mismatch: the server's certificate CN=localhost has no iPAddress subjectAltName 127.0.0.1"),
        "{m}"
    );
    assert!(m.contains("(sslmode=verify-full)"), "{m}");
    let at = &result(&r, "db.tls.negotiated")["location"];
    assert_eq!(
        (at["file"].as_str(), at["line"].as_i64()),
        (Some("repository/conf/deployment.toml"), Some(3)),
        "{r:#}"
    );
    assert_eq!(status(&r, "db.login"), "fail", "{r:#}");
    // verify-ca does not check the name.
    let (code, r, _) = check(
        "4.2.0",
        &db("127.0.0.1", &format!("?sslmode=verify-ca{root}")),
        &only,
        &[],
    );
    assert_eq!(
        (code, status(&r, "db.tls.negotiated")),
        (0, "pass"),
        "{r:#}"
    );

    // DefaultJavaSSLFactory: the JVM's truststore, [truststore] of deployment.toml.
    let java = db(
        "localhost",
        "?sslmode=verify-full&sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory",
    );
    let (code, r, _) = check_staged("4.2.0", &java, &trusting_ci, &only, &[]);
    assert_eq!(
        (code, status(&r, "db.tls.negotiated")),
        (0, "pass"),
        "{r:#}"
    );
    let (code, r, _) = check_staged("4.2.0", &java, &trusting_other, &only, &[]);
    assert_eq!(
        (code, status(&r, "db.tls.negotiated")),
        (1, "fail"),
        "{r:#}"
    );
    let m = message(&r, "db.tls.negotiated");
    assert!(m.contains("is not trusted: unknown CA"), "{m}");
    assert!(m.contains(TRUSTSTORE), "{m}");
    // No truststore at all: an error naming it, never a pass.
    let (_, r, _) = check("4.2.0", &java, &only, &[]);
    assert_eq!(status(&r, "db.tls.negotiated"), "error", "{r:#}");
    assert!(
        result(&r, "db.tls.negotiated")["reason"]
            .as_str()
            .unwrap()
            .contains(TRUSTSTORE),
        "{r:#}"
    );

    // sslmode=require: encrypted, the certificate not checked by the driver: a warning.
    let (code, r, _) = check("4.2.0", &db("127.0.0.1", "?sslmode=require"), &only, &[]);
    assert_eq!(
        (code, status(&r, "db.tls.negotiated")),
        (0, "warn"),
        "{r:#}"
    );
    assert_eq!(
        message(&r, "db.tls.negotiated"),
        "[apim_db: certificate not verified by the driver (sslmode=require)]: the session is encrypted, but a man in the middle is not detected"
    );
}

#[test]
fn mariadb_certificate_verified_as_connector_j_would() {
    if !service(3307, "MariaDB (TLS)") || !ci_cert_and_keytool() {
        return;
    }
    let only = ["db.login", "db.tls.negotiated"];
    let db = |host: &str, params: &str| {
        maria_db("apim_db", &format!("preflight_apim{params}"), 3307, PG_APP)
            .replace("127.0.0.1", host)
    };
    let judge = |toml: &str, stage: &dyn Fn(&Path)| {
        let (code, r, _) = check_staged("4.6.0", toml, stage, &only, &[]);
        let m = result(&r, "db.tls.negotiated")["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (code, status(&r, "db.tls.negotiated").to_string(), m, r)
    };
    // verify-full (and the legacy useSSL=true, which MariaDB Connector/J 3 reads as verify-full)
    // by the certificate's name, the CI certificate in the truststore: trusted.
    for params in ["?sslMode=verify-full", "?useSSL=true"] {
        let (code, st, _, r) = judge(&db("localhost", params), &trusting_ci);
        assert_eq!((code, st.as_str()), (0, "pass"), "{params}: {r:#}");
        assert_eq!(status(&r, "db.login"), "pass", "{params}: {r:#}");
    }
    let (code, st, m, r) = judge(&db("localhost", "?sslMode=verify-full"), &trusting_other);
    assert_eq!((code, st.as_str()), (1, "fail"), "{r:#}");
    assert!(
        m.contains("is not trusted: unknown CA") && m.contains(TRUSTSTORE),
        "{m}"
    );
    let (_, st, m, r) = judge(&db("127.0.0.1", "?sslMode=verify-full"), &trusting_ci);
    assert_eq!(st, "fail", "{r:#}");
    assert!(
        m.contains("name mismatch: the server's certificate CN=localhost has no iPAddress subjectAltName 127.0.0.1"),
        "{m}"
    );
    let (code, st, _, r) = judge(&db("127.0.0.1", "?sslMode=verify-ca"), &trusting_ci);
    assert_eq!((code, st.as_str()), (0, "pass"), "{r:#}");
    // sslMode=trust: encrypted, nothing verified.
    let (_, st, m, r) = judge(&db("127.0.0.1", "?sslMode=trust"), &|_| {});
    assert_eq!(st, "warn", "{r:#}");
    assert!(
        m.contains("certificate not verified by the driver (sslMode=trust)"),
        "{m}"
    );
}

/// A start script that launches the JVM with `flags`, as api-manager.sh does.
fn start_script(flags: &'static str) -> impl Fn(&Path) {
    move |home: &Path| {
        trusting_ci(home);
        write(
            &home.join("bin/api-manager.sh"),
            format!("#!/bin/sh\n\"$JAVACMD\" -Xms256m -Xmx2g {flags} $JAVA_OPTS org.wso2.carbon.bootstrap.Bootstrap\n").as_bytes(),
        );
    }
}

#[test]
fn ldaps_certificate_verified_as_jndi_would() {
    if !service(3636, "OpenLDAP (ldaps)") || !ci_cert_and_keytool() {
        return;
    }
    let only = ["userstore.ldap.bind"];
    let ldaps = |host: &str| {
        ldap_store(LDAP_BIND.0, LDAP_BIND.1, "ou=Users,dc=preflight,dc=test")
            .replace("ldap://127.0.0.1:3389", &format!("ldaps://{host}:3636"))
    };
    let (code, r, _) = check_staged("4.2.0", &ldaps("localhost"), &trusting_ci, &only, &[]);
    assert_eq!(
        (code, status(&r, "userstore.ldap.bind")),
        (0, "pass"),
        "{r:#}"
    );
    let (code, r, _) = check_staged("4.2.0", &ldaps("localhost"), &trusting_other, &only, &[]);
    assert_eq!(
        (code, status(&r, "userstore.ldap.bind")),
        (1, "fail"),
        "{r:#}"
    );
    let m = message(&r, "userstore.ldap.bind");
    assert!(
        m.contains("is not trusted: unknown CA") && m.contains(TRUSTSTORE),
        "{m}"
    );
    let (_, r, _) = check("4.2.0", &ldaps("localhost"), &only, &[]);
    assert_eq!(status(&r, "userstore.ldap.bind"), "error", "{r:#}");

    // By IP: JNDI's endpoint identification (JDK 8u181+) refuses the CN=localhost certificate…
    let (code, r, _) = check_staged("4.2.0", &ldaps("127.0.0.1"), &start_script(""), &only, &[]);
    assert_eq!(
        (code, status(&r, "userstore.ldap.bind")),
        (1, "fail"),
        "{r:#}"
    );
    let m = message(&r, "userstore.ldap.bind");
    assert!(
        m.starts_with("[name mismatch: the server's certificate CN=localhost has no iPAddress subjectAltName 127.0.0.1"),
        "{m}"
    );
    // …unless the JVM turns it off.
    let off = start_script("-Dcom.sun.jndi.ldap.object.disableEndpointIdentification=true");
    let (code, r, _) = check_staged("4.2.0", &ldaps("127.0.0.1"), &off, &only, &[]);
    assert_eq!(
        (code, status(&r, "userstore.ldap.bind")),
        (0, "pass"),
        "{r:#}"
    );
}

#[test]
fn certificate_verdicts_replay_from_a_facts_file() {
    if !service(5432, "PostgreSQL") || !service(3636, "OpenLDAP (ldaps)") || !ci_cert_and_keytool()
    {
        return;
    }
    let only = ["db.tls.negotiated", "userstore.ldap.bind"];
    let toml = pg_db(
        "apim_db",
        "preflight_empty",
        &format!("?sslmode=verify-full&sslrootcert={CI_CERT}"),
        PG_APP,
    ) + &pg_db("shared_db", "preflight_empty", "?sslmode=require", PG_APP)
        + &ldap_store(LDAP_BIND.0, LDAP_BIND.1, "ou=Users,dc=preflight,dc=test")
            .replace("ldap://127.0.0.1:3389", "ldaps://localhost:3636");
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", &toml);
    trusting_other(&home);
    let (live, replayed) = live_and_replayed(&home, &only);
    assert_eq!(status(&live, "db.tls.negotiated"), "fail", "{live:#}");
    assert_eq!(status(&live, "userstore.ldap.bind"), "fail", "{live:#}");
    for id in only {
        assert_eq!(status(&live, id), status(&replayed, id), "{id}");
        assert_eq!(message(&live, id), message(&replayed, id), "{id}");
    }
}

/// `check` on the node, and `facts` on the node then `check --facts` elsewhere.
fn live_and_replayed(home: &Path, only: &[&str]) -> (serde_json::Value, serde_json::Value) {
    let out = preflight()
        .args(["facts", "--timeout", "4", "--product-home"])
        .arg(home)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let facts = home.parent().unwrap().join("facts.json");
    std::fs::write(&facts, &out.stdout).unwrap();
    let mut args = vec!["--product-home", home.to_str().unwrap(), "--timeout", "4"];
    for id in only {
        args.extend(["--only", id]);
    }
    let (_, live) = check_json(&args);
    args.extend(["--facts", facts.to_str().unwrap()]);
    let (_, replayed) = check_json(&args);
    (live, replayed)
}

// --- README's live excerpt ---------------------------------------------------------------------

/// The line of README.md that introduces the live excerpt (the ```text block after it).
const README_EXCERPT: &str = "A real run: `contrib/readme/live-excerpt.sh`";

/// What differs from one CI host to another: the host name in the header and the PostgreSQL
/// server's patch release (Debian's package of the day). Everything else must match.
fn host_neutral(text: &str) -> String {
    let host = regex_lite::Regex::new(r"(?m)^host \S+$").unwrap();
    let pg = regex_lite::Regex::new(r"postgresql \d+\.\d+").unwrap();
    let text = host.replace_all(text, "host <host>");
    pg.replace_all(&text, "postgresql <version>").into_owned()
}

/// README.md's live excerpt: the text between the ```text line after [`README_EXCERPT`] and
/// the closing ```, as a byte range.
fn readme_excerpt(readme: &str) -> std::ops::Range<usize> {
    let intro = readme
        .find(README_EXCERPT)
        .expect("README names the live excerpt");
    let start = intro + readme[intro..].find("```text\n").expect("a ```text block") + 8;
    let end = start + readme[start..].find("```\n").expect("the block closes");
    start..end
}

#[test]
fn readme_live_excerpt_is_what_the_ci_servers_give() {
    if !service(5432, "PostgreSQL") || !service(3389, "OpenLDAP") {
        return;
    }
    if kernel_dbscript("v4.8.1").is_none() {
        return;
    }
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        missing_input("contrib/readme/live-excerpt.sh makes its databases as root (su postgres)");
        return;
    }
    let out = Command::new("bash")
        .arg(repo().join("contrib/readme/live-excerpt.sh"))
        .arg(assert_cmd::cargo::cargo_bin("preflight"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let fresh = String::from_utf8(out.stdout).unwrap();
    let path = repo().join("README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let range = readme_excerpt(&readme);
    let pasted = &readme[range.clone()];
    if host_neutral(pasted) == host_neutral(&fresh) {
        return;
    }
    if std::env::var_os("PREFLIGHT_BLESS").is_some_and(|v| !v.is_empty() && v != "0") {
        let mut updated = readme.clone();
        updated.replace_range(range, &fresh);
        std::fs::write(&path, updated).unwrap();
        return;
    }
    let (old, new) = (host_neutral(pasted), host_neutral(&fresh));
    let diff = similar::TextDiff::from_lines(&old, &new)
        .unified_diff()
        .header("README.md", "contrib/readme/live-excerpt.sh")
        .to_string();
    panic!(
        "README.md's live excerpt differs from what contrib/readme/live-excerpt.sh prints against the CI servers:\n{diff}\nIf the change is intended, run `PREFLIGHT_BLESS=1 cargo test --test live readme_live_excerpt` and review the diff."
    );
}

#[test]
fn mysql_connector_j_settings_verified_against_the_truststore_or_its_own_keystore() {
    // MySQL Connector/J's settings (type = "mysql") against the MariaDB TLS server: the
    // handshake is the same protocol.
    if !service(3307, "MariaDB (TLS)") || !ci_cert_and_keytool() {
        return;
    }
    let only = ["db.tls.negotiated"];
    let db = |host: &str, params: &str| {
        format!(
            "[database.apim_db]\ntype = \"mysql\"\nurl = \"jdbc:mysql://{host}:3307/preflight_apim{params}\"\nusername = \"{}\"\npassword = \"{}\"\n",
            PG_APP.0, PG_APP.1
        )
    };
    let judge = |toml: &str, stage: &dyn Fn(&Path)| {
        let (code, r, _) = check_staged("4.6.0", toml, stage, &only, &[]);
        let m = result(&r, "db.tls.negotiated")["message"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        (code, status(&r, "db.tls.negotiated").to_string(), m, r)
    };
    let (code, st, _, r) = judge(&db("localhost", "?sslMode=VERIFY_IDENTITY"), &trusting_ci);
    assert_eq!((code, st.as_str()), (0, "pass"), "{r:#}");
    let (_, st, m, r) = judge(&db("localhost", "?sslMode=VERIFY_CA"), &trusting_other);
    assert_eq!(st, "fail", "{r:#}");
    assert!(
        m.contains("unknown CA") && m.contains("(sslMode=VERIFY_CA)"),
        "{m}"
    );
    // The legacy pair useSSL + verifyServerCertificate is VERIFY_CA: no name check by IP.
    let legacy = db("127.0.0.1", "?useSSL=true&verifyServerCertificate=true");
    let (code, st, _, r) = judge(&legacy, &trusting_ci);
    assert_eq!((code, st.as_str()), (0, "pass"), "{r:#}");
    // REQUIRED: encrypted, not verified.
    let (_, st, m, r) = judge(&db("127.0.0.1", "?sslMode=REQUIRED"), &|_| {});
    assert_eq!(st, "warn", "{r:#}");
    assert!(
        m.contains("certificate not verified by the driver (sslMode=REQUIRED)"),
        "{m}"
    );

    // trustCertificateKeyStoreUrl: the URL's own keystore, not the [truststore].
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("db-trust.jks");
    let own_str = own.to_str().unwrap();
    keytool(&[
        "-importcert",
        "-noprompt",
        "-alias",
        "ci",
        "-file",
        CI_CERT,
        "-keystore",
        own_str,
        "-storetype",
        "JKS",
        "-storepass",
        "db-trust-pw",
    ]);
    let url = |pw: &str| {
        db(
            "localhost",
            &format!(
                "?sslMode=VERIFY_IDENTITY&trustCertificateKeyStoreUrl=file:{own_str}&trustCertificateKeyStorePassword={pw}"
            ),
        )
    };
    let (code, st, _, r) = judge(&url("db-trust-pw"), &trusting_other);
    assert_eq!((code, st.as_str()), (0, "pass"), "{r:#}");
    let (_, st, _, r) = judge(&url("wrong-pw"), &trusting_ci);
    assert_eq!(st, "error", "{r:#}");
    let reason = result(&r, "db.tls.negotiated")["reason"]
        .as_str()
        .unwrap_or_default();
    assert!(
        reason.contains("does not open with trustCertificateKeyStorePassword"),
        "{reason}"
    );
    assert!(!r.to_string().contains("db-trust-pw") && !r.to_string().contains("wrong-pw"));
}
