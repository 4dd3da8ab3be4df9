//! Verdicts on WSO2's own files, per APIM version and profile: each case stages the real
//! deployment.toml (or template) of that version as a PRODUCT_HOME and runs the binary.

mod common;
use common::*;

/// `(tag, path in product-apim, product.txt, version)`: one node as WSO2 ships it.
struct Node {
    tag: &'static str,
    path: &'static str,
    product_txt: &'static str,
}

const P: &str = "modules/distribution/product/src/main";

fn run(node: &Node, dir: &std::path::Path, ids: &[&str]) -> Option<serde_json::Value> {
    let path = node.path.replace("{P}", P);
    let text = product_apim(node.tag, &path)?;
    let version = node.tag.trim_start_matches('v');
    let home = stage_home(dir, version, &text);
    std::fs::write(
        home.join("updates/product.txt"),
        format!("{}\n", node.product_txt),
    )
    .unwrap();
    let mut args = vec!["--product-home", home.to_str().unwrap(), "--offline"];
    for id in ids {
        args.extend(["--only", id]);
    }
    Some(check_json(&args).1)
}

/// db.not-h2 and userstore.not-h2 per profile, as WSO2's "Databases used by API-M profiles"
/// table says: gateways use no apim_db and shared_db only with tenants (an H2 shared_db is a
/// warning), the traffic manager and control plane use both (H2 fails). The profile comes from
/// the distribution (4.5+) or `[server] server_role` of the profile template (3.2–4.4).
#[test]
fn database_verdicts_per_version_and_profile() {
    let cases: &[(Node, &str, &str, &str)] = &[
        // 3.2 and 4.x profile templates: gateways with shared_db on MySQL, TMs with both.
        (
            node(
                "v3.2.0",
                "{P}/resources/conf/deployment-templates/gateway-worker.toml",
                "wso2am-3.2.0",
            ),
            "gateway-worker",
            "pass",
            "pass",
        ),
        (
            node(
                "v3.2.0",
                "{P}/resources/conf/deployment-templates/traffic-manager.toml",
                "wso2am-3.2.0",
            ),
            "traffic-manager",
            "pass",
            "pass",
        ),
        (
            node(
                "v4.2.0",
                "{P}/resources/conf/deployment-templates/gateway-worker.toml",
                "wso2am-4.2.0",
            ),
            "gateway-worker",
            "pass",
            "pass",
        ),
        (
            node(
                "v4.2.0",
                "{P}/resources/conf/deployment-templates/traffic-manager.toml",
                "wso2am-4.2.0",
            ),
            "traffic-manager",
            "pass",
            "pass",
        ),
        // The 4.2 control-plane template keeps apim_db and shared_db on H2.
        (
            node(
                "v4.2.0",
                "{P}/resources/conf/deployment-templates/control-plane.toml",
                "wso2am-4.2.0",
            ),
            "control-plane",
            "fail",
            "fail",
        ),
        (
            node("v4.2.0", "{P}/conf/deployment.toml", "wso2am-4.2.0"),
            "all-in-one",
            "fail",
            "fail",
        ),
        // 4.5/4.6 universal gateway: [database.shared_db] type = "h2"; 4.7: no [database.*].
        (
            node(
                "v4.5.0",
                "gateway/{P}/conf/deployment.toml",
                "wso2am-universal-gw-4.5.0",
            ),
            "gateway-worker",
            "warn",
            "warn",
        ),
        (
            node(
                "v4.6.0",
                "gateway/{P}/conf/deployment.toml",
                "wso2am-universal-gw-4.6.0",
            ),
            "gateway-worker",
            "warn",
            "warn",
        ),
        (
            node(
                "v4.7.0",
                "gateway/{P}/conf/deployment.toml",
                "wso2am-universal-gw-4.7.0",
            ),
            "gateway-worker",
            "warn",
            "warn",
        ),
        // The 4.5+ traffic manager uses both: H2 (4.5 as shipped, 4.7 by default.json) fails.
        (
            node(
                "v4.5.0",
                "traffic-manager/{P}/conf/deployment.toml",
                "wso2am-tm-4.5.0",
            ),
            "traffic-manager",
            "fail",
            "fail",
        ),
        (
            node(
                "v4.7.0",
                "traffic-manager/{P}/conf/deployment.toml",
                "wso2am-tm-4.7.0",
            ),
            "traffic-manager",
            "fail",
            "fail",
        ),
        (
            node(
                "v4.7.0",
                "api-control-plane/{P}/conf/deployment.toml",
                "wso2am-acp-4.7.0",
            ),
            "control-plane",
            "fail",
            "fail",
        ),
        (
            node(
                "v4.7.0",
                "all-in-one-apim/{P}/conf/deployment.toml",
                "wso2am-4.7.0",
            ),
            "all-in-one",
            "fail",
            "fail",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (n, profile, db, users)) in cases.iter().enumerate() {
        let what = format!("{} {}", n.tag, n.path);
        let Some(r) = run(
            n,
            &dir.path().join(i.to_string()),
            &["db.not-h2", "userstore.not-h2"],
        ) else {
            return;
        };
        assert_eq!(r["product"]["profile"], *profile, "{what}");
        for (id, want) in [("db.not-h2", db), ("userstore.not-h2", users)] {
            let res = result(&r, id);
            assert_eq!(res["status"], *want, "{what}: {id}: {}", res["message"]);
            let msg = res["message"].as_str().unwrap();
            if *profile == "gateway-worker" && *want == "warn" {
                assert!(msg.contains("multi-tenant"), "{what}: {id}: {msg}");
                assert!(!msg.contains("apim_db"), "{what}: {id}: {msg}");
            }
            if *profile == "traffic-manager" && id == "db.not-h2" && *want == "fail" {
                assert!(msg.starts_with("apim_db is"), "{what}: {msg}");
            }
        }
    }
}

fn node(tag: &'static str, path: &'static str, product_txt: &'static str) -> Node {
    Node {
        tag,
        path,
        product_txt,
    }
}

/// A jar holding `class` (as the jars probe finds drivers: by the class inside).
fn driver_jar(home: &std::path::Path, name: &str, class: &str) {
    use std::io::Write;
    let lib = home.join("repository/components/lib");
    std::fs::create_dir_all(&lib).unwrap();
    let mut w = zip::ZipWriter::new(std::fs::File::create(lib.join(name)).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    w.start_file(format!("{}.class", class.replace('.', "/")), opts)
        .unwrap();
    w.write_all(b"\xca\xfe\xba\xbe").unwrap();
    w.finish().unwrap();
}

/// db.tls on WSO2's 4.2.0 deployment.toml with apim_db on each DBMS: the switch (or the driver
/// default) that decides is named, `useSSL=true` with `requireSSL=false` (PREFERRED) and
/// `sslmode=prefer` are named as TLS first rather than "off", `sslmode=allow` and an Oracle
/// address without TCPS are off, and a
/// SQL Server URL without `encrypt=` is judged by the mssql-jdbc jar's version (10.1+: on).
#[test]
fn db_tls_names_what_decides_per_driver() {
    let Some(text) = product_apim("v4.2.0", &format!("{P}/conf/deployment.toml")) else {
        return;
    };
    let h2 = "type = \"h2\"\nurl = \"jdbc:h2:./repository/database/WSO2AM_DB;AUTO_SERVER=TRUE;DB_CLOSE_ON_EXIT=FALSE\"";
    assert!(text.contains(h2), "4.2.0's [database.apim_db] moved");
    const MSSQL: &str = "com.microsoft.sqlserver.jdbc.SQLServerDriver";
    let cases: &[(&str, &str, Option<&str>, &str, &str)] = &[
        // WSO2's own docker-compose URL (docker-apim 4.2.x).
        (
            "mysql",
            "jdbc:mysql://mysql:3306/WSO2AM_DB?autoReconnect=true&amp;allowPublicKeyRetrieval=true&amp;useSSL=false",
            None,
            "warn",
            "apim_db (useSSL=false)",
        ),
        // PREFERRED: named as TLS first, not as "off"; REQUIRED passes.
        (
            "mysql",
            "jdbc:mysql://mysql:3306/WSO2AM_DB?useSSL=true&amp;requireSSL=false",
            None,
            "warn",
            "apim_db (useSSL=true without requireSSL=true: PREFERRED, TLS first)",
        ),
        (
            "mysql",
            "jdbc:mysql://mysql:3306/WSO2AM_DB?useSSL=true&amp;requireSSL=true",
            None,
            "pass",
            "no JDBC URL",
        ),
        (
            "postgre",
            "jdbc:postgresql://pg:5432/am?sslmode=allow",
            None,
            "warn",
            "sslmode=allow, which tries plain text first",
        ),
        (
            "postgre",
            "jdbc:postgresql://pg:5432/am?sslmode=prefer",
            None,
            "warn",
            "apim_db (sslmode=prefer)",
        ),
        (
            "postgre",
            "jdbc:postgresql://pg:5432/am?sslmode=verify-full",
            None,
            "pass",
            "no JDBC URL",
        ),
        (
            "oracle",
            "jdbc:oracle:thin:@ora:1521/ORCLPDB",
            None,
            "warn",
            "no TCPS in the address",
        ),
        (
            "oracle",
            "jdbc:oracle:thin:@tcps://ora:2484/ORCLPDB",
            None,
            "pass",
            "no JDBC URL",
        ),
        (
            "mssql",
            "jdbc:sqlserver://ms:1433;databaseName=am;SendStringParametersAsUnicode=false",
            Some("mssql-jdbc-9.4.1.jre8.jar"),
            "warn",
            "mssql-jdbc-9.4.1.jre8.jar",
        ),
        (
            "mssql",
            "jdbc:sqlserver://ms:1433;databaseName=am;SendStringParametersAsUnicode=false",
            Some("mssql-jdbc-12.8.1.jre11.jar"),
            "pass",
            "no JDBC URL",
        ),
        (
            "mssql",
            "jdbc:sqlserver://ms:1433;databaseName=am;encrypt=true",
            Some("mssql-jdbc-9.4.1.jre8.jar"),
            "pass",
            "no JDBC URL",
        ),
        (
            "mssql",
            "jdbc:sqlserver://ms:1433;databaseName=am;encrypt=optional",
            Some("mssql-jdbc-12.8.1.jre11.jar"),
            "warn",
            "apim_db (encrypt=optional)",
        ),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (kind, url, jar, want, says)) in cases.iter().enumerate() {
        let toml = text.replacen(h2, &format!("type = \"{kind}\"\nurl = \"{url}\""), 1);
        let home = stage_home(&dir.path().join(i.to_string()), "4.2.0", &toml);
        if let Some(jar) = jar {
            driver_jar(&home, jar, MSSQL);
        }
        let (_, r) = check_json(&[
            "--product-home",
            home.to_str().unwrap(),
            "--offline",
            "--only",
            "db.tls",
        ]);
        let res = result(&r, "db.tls");
        let msg = res["message"].as_str().unwrap();
        assert_eq!(res["status"], *want, "{url}: {msg}");
        assert!(msg.contains(says), "{url}: `{msg}` lacks `{says}`");
    }
}
