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
/// the distribution (4.5+) or `[server] server_role` of the profile template (3.2–4.4). Every
/// version 3.2.0–4.7.0 is staged: 3.2.0 and 4.0.0–4.4.0 templates and defaults, 4.5+ distributions.
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
        (
            node(
                "v4.0.0",
                "{P}/resources/conf/deployment-templates/gateway-worker.toml",
                "wso2am-4.0.0",
            ),
            "gateway-worker",
            "pass",
            "pass",
        ),
        (
            node(
                "v4.0.0",
                "{P}/resources/conf/deployment-templates/traffic-manager.toml",
                "wso2am-4.0.0",
            ),
            "traffic-manager",
            "pass",
            "pass",
        ),
        (
            node("v4.0.0", "{P}/conf/deployment.toml", "wso2am-4.0.0"),
            "all-in-one",
            "fail",
            "fail",
        ),
        (
            node(
                "v4.1.0",
                "{P}/resources/conf/deployment-templates/gateway-worker.toml",
                "wso2am-4.1.0",
            ),
            "gateway-worker",
            "pass",
            "pass",
        ),
        (
            node(
                "v4.1.0",
                "{P}/resources/conf/deployment-templates/traffic-manager.toml",
                "wso2am-4.1.0",
            ),
            "traffic-manager",
            "pass",
            "pass",
        ),
        (
            node("v4.1.0", "{P}/conf/deployment.toml", "wso2am-4.1.0"),
            "all-in-one",
            "fail",
            "fail",
        ),
        (
            node(
                "v4.3.0",
                "{P}/resources/conf/deployment-templates/gateway-worker.toml",
                "wso2am-4.3.0",
            ),
            "gateway-worker",
            "pass",
            "pass",
        ),
        (
            node(
                "v4.3.0",
                "{P}/resources/conf/deployment-templates/traffic-manager.toml",
                "wso2am-4.3.0",
            ),
            "traffic-manager",
            "pass",
            "pass",
        ),
        (
            node("v4.3.0", "{P}/conf/deployment.toml", "wso2am-4.3.0"),
            "all-in-one",
            "fail",
            "fail",
        ),
        (
            node(
                "v4.4.0",
                "{P}/resources/conf/deployment-templates/gateway-worker.toml",
                "wso2am-4.4.0",
            ),
            "gateway-worker",
            "pass",
            "pass",
        ),
        (
            node(
                "v4.4.0",
                "{P}/resources/conf/deployment-templates/traffic-manager.toml",
                "wso2am-4.4.0",
            ),
            "traffic-manager",
            "pass",
            "pass",
        ),
        (
            node("v4.4.0", "{P}/conf/deployment.toml", "wso2am-4.4.0"),
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
            continue;
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
        // No switch: pgjdbc's and Connector/J's defaults try TLS first and fall back.
        (
            "postgre",
            "jdbc:postgresql://pg:5432/am",
            None,
            "warn",
            "apim_db (no sslmode: pgjdbc's default, prefer)",
        ),
        (
            "mysql",
            "jdbc:mysql://mysql:3306/am",
            None,
            "warn",
            "apim_db (no sslMode or useSSL: Connector/J's default, PREFERRED)",
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

/// Runs the JDK's keytool in `dir`; `None` after [`missing_input`] when there is none.
fn keytool(dir: &std::path::Path, args: &[&str]) -> Option<()> {
    let Ok(keytool) = which::which("keytool") else {
        missing_input(
            "no keytool on PATH; keystore.not-default was not checked on re-keyed stores",
        );
        return None;
    };
    let out = std::process::Command::new(keytool)
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "keytool {args:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(())
}

/// keystore.not-default on WSO2's shipped wso2carbon.jks (kernel 4.8.1) and 4.2.0's
/// deployment.toml: the shipped key under another file name, password and alias is still caught
/// by its certificate (CN=localhost, OU=WSO2); a keystore of one's own as `[keystore.primary]`
/// with no `[keystore.tls]` passes, since every kernel since 4.6.0 defaults `keystore.tls.*` to
/// `$ref{keystore.primary.*}`.
#[test]
fn keystore_not_default_on_the_shipped_keystore_renamed_and_on_an_own_primary() {
    let Some(fx) = wso2_fixtures() else { return };
    let Some(text) = product_apim("v4.2.0", &format!("{P}/conf/deployment.toml")) else {
        return;
    };
    let shipped_tls = "[keystore.tls]\nfile_name =  \"wso2carbon.jks\"\ntype =  \"JKS\"\npassword =  \"wso2carbon\"\nalias =  \"wso2carbon\"\nkey_password =  \"wso2carbon\"\n";
    assert!(text.contains(shipped_tls), "4.2.0's [keystore.tls] moved");
    let primary = |file: &str, alias: &str| {
        format!(
            "[keystore.primary]\nfile_name = \"{file}\"\ntype = \"JKS\"\npassword = \"Own-KS-pass-1\"\nalias = \"{alias}\"\nkey_password = \"Own-KS-pass-1\"\n"
        )
    };
    let dir = tempfile::tempdir().unwrap();
    let run = |sub: &str, block: &str, prepare: &dyn Fn(&std::path::Path) -> Option<()>| {
        let home = stage_home(
            &dir.path().join(sub),
            "4.2.0",
            &text.replacen(shipped_tls, block, 1),
        );
        let security = home.join("repository/resources/security");
        std::fs::create_dir_all(&security).unwrap();
        prepare(&security)?;
        let (_, r) = check_json(&[
            "--product-home",
            home.to_str().unwrap(),
            "--offline",
            "--only",
            "keystore.not-default",
        ]);
        Some(result(&r, "keystore.not-default").clone())
    };
    // WSO2's key, re-keyed: company.jks, another password, alias `company`.
    let renamed = run("renamed", &primary("company.jks", "company"), &|sec| {
        std::fs::copy(
            fx.join("wso2-carbon-kernel/v4.8.1/distribution/kernel/carbon-home/repository/resources/security/wso2carbon.jks"),
            sec.join("company.jks"),
        )
        .unwrap();
        let ks = ["-keystore", "company.jks"];
        keytool(
            sec,
            &[
                &[
                    "-storepasswd",
                    "-storepass",
                    "wso2carbon",
                    "-new",
                    "Own-KS-pass-1",
                ][..],
                &ks,
            ]
            .concat(),
        )?;
        keytool(
            sec,
            &[
                &[
                    "-keypasswd",
                    "-alias",
                    "wso2carbon",
                    "-keypass",
                    "wso2carbon",
                    "-new",
                    "Own-KS-pass-1",
                    "-storepass",
                    "Own-KS-pass-1",
                ][..],
                &ks,
            ]
            .concat(),
        )?;
        keytool(
            sec,
            &[
                &[
                    "-changealias",
                    "-alias",
                    "wso2carbon",
                    "-destalias",
                    "company",
                    "-keypass",
                    "Own-KS-pass-1",
                    "-storepass",
                    "Own-KS-pass-1",
                ][..],
                &ks,
            ]
            .concat(),
        )
    });
    let Some(renamed) = renamed else { return };
    let msg = renamed["message"].as_str().unwrap();
    assert_eq!(renamed["status"], "fail", "{msg}");
    assert!(msg.contains("CN=localhost, OU=WSO2"), "{msg}");
    // A key of one's own as [keystore.primary]; [keystore.tls] absent follows it.
    let own = run("own", &primary("own.jks", "own"), &|sec| {
        keytool(
            sec,
            &[
                "-genkeypair",
                "-alias",
                "own",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-dname",
                "CN=apim.example.com",
                "-validity",
                "365",
                "-keystore",
                "own.jks",
                "-storetype",
                "JKS",
                "-storepass",
                "Own-KS-pass-1",
                "-keypass",
                "Own-KS-pass-1",
            ],
        )
    });
    let Some(own) = own else { return };
    let msg = own["message"].as_str().unwrap();
    assert_eq!(own["status"], "pass", "{msg}");
    assert!(msg.contains("CN=apim.example.com"), "{msg}");
}

/// Stages `text` plus `extra` (appended after a newline) and returns the one rule's result.
fn judge_with(
    dir: &std::path::Path,
    node: (&str, &str),
    text: &str,
    extra: &str,
    id: &str,
) -> serde_json::Value {
    let home = stage_home(dir, node.0, &format!("{text}\n{extra}"));
    std::fs::write(home.join("updates/product.txt"), format!("{}\n", node.1)).unwrap();
    let (_, r) = check_json(&[
        "--product-home",
        home.to_str().unwrap(),
        "--offline",
        "--only",
        id,
    ]);
    result(&r, id).clone()
}

/// config.script-java-access on the shipped 4.5.0, 4.6.0 and 4.7.0 files: 4.6+ limit class
/// access by default (default.json), so only the native-object limit is missing (warn, saying
/// so), and setting it passes; 4.5 has neither limit, and the native one alone still warns.
#[test]
fn script_java_access_on_the_shipped_4_5_to_4_7_files() {
    let native_on =
        "[synapse_properties]\n'limit_java_native_object_access_in_scripts.enable' = true\n";
    let class_off = "[synapse_properties]\n'limit_java_class_access_in_scripts.enable' = false\n'limit_java_native_object_access_in_scripts.enable' = true\n";
    let nodes = [
        ("v4.6.0", "all-in-one-apim", "wso2am-4.6.0", true),
        ("v4.7.0", "all-in-one-apim", "wso2am-4.7.0", true),
        ("v4.7.0", "gateway", "wso2am-universal-gw-4.7.0", true),
        ("v4.5.0", "all-in-one-apim", "wso2am-4.5.0", false),
    ];
    let dir = tempfile::tempdir().unwrap();
    for (i, (tag, dist, product_txt, limits_classes)) in nodes.iter().enumerate() {
        let Some(text) = product_apim(tag, &format!("{dist}/{P}/conf/deployment.toml")) else {
            continue;
        };
        assert!(
            !text.contains("[synapse_properties]"),
            "{tag} {dist} sets synapse_properties"
        );
        let version = &tag[1..];
        let judge = |sub: &str, extra: &str| {
            let d = dir.path().join(format!("{i}-{sub}"));
            judge_with(
                &d,
                (version, product_txt),
                &text,
                extra,
                "config.script-java-access",
            )
        };
        let what = format!("{tag} {dist}");
        let shipped = judge("shipped", "");
        let msg = shipped["message"].as_str().unwrap();
        assert_eq!(shipped["status"], "warn", "{what}: {msg}");
        if *limits_classes {
            assert!(msg.contains("absent means true on 4.6+"), "{what}: {msg}");
        }
        let native = judge("native", native_on);
        let want = if *limits_classes { "pass" } else { "warn" };
        assert_eq!(native["status"], want, "{what}: {}", native["message"]);
        let off = judge("off", class_off);
        assert_eq!(off["status"], "warn", "{what}: {}", off["message"]);
    }
}

/// config.hsts on the shipped 3.2.0 and 4.0.0 files with WSO2's documented HSTS filter added:
/// 3.2's kernel (4.6.0) web.xml template has no [[tomcat.filter]] loop, so the block renders
/// nothing there (warn, saying so); on 4.0 (kernel 4.6.2) it is rendered (pass).
#[test]
fn hsts_filter_renders_on_4_0_but_not_on_3_2() {
    let hsts = "[[tomcat.filter]]\nname = \"HttpHeaderSecurityFilter\"\nclass = \"org.apache.catalina.filters.HttpHeaderSecurityFilter\"\n[tomcat.filter.init_params]\nhstsEnabled = \"true\"\nhstsMaxAgeSeconds = \"15768000\"\n\n[[tomcat.filter_mapping]]\nname = \"HttpHeaderSecurityFilter\"\nurl_pattern = \"/*\"\n";
    let dir = tempfile::tempdir().unwrap();
    for (tag, want) in [("v3.2.0", "warn"), ("v4.0.0", "pass")] {
        let Some(text) = product_apim(tag, &format!("{P}/conf/deployment.toml")) else {
            return;
        };
        let version = &tag[1..];
        let product_txt = format!("wso2am-{version}");
        let with = judge_with(
            &dir.path().join(tag),
            (version, &product_txt),
            &text,
            hsts,
            "config.hsts",
        );
        let msg = with["message"].as_str().unwrap();
        assert_eq!(with["status"], want, "{tag}: {msg}");
        if want == "warn" {
            assert!(msg.contains("no [[tomcat.filter]] loop"), "{tag}: {msg}");
        }
        let without = judge_with(
            &dir.path().join(format!("{tag}-shipped")),
            (version, &product_txt),
            &text,
            "",
            "config.hsts",
        );
        assert_eq!(without["status"], "warn", "{tag}: {}", without["message"]);
    }
}
