//! The shipped pack against the checklist contract and WSO2's shipped defaults.

mod common;
use common::*;
use std::collections::BTreeSet;

/// Every `id` of ../shared/CHECKLIST.md tables except the Fleet section.
fn checklist_ids() -> Option<Vec<String>> {
    let text = checklist()?;
    let mut ids = Vec::new();
    let mut fleet = false;
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("## ") {
            fleet = h.trim_start().starts_with("Fleet");
            continue;
        }
        let Some(cell) = line.strip_prefix('|').and_then(|l| l.split('|').next()) else {
            continue;
        };
        let id = cell.trim();
        if fleet || id == "id" || id.starts_with("---") || id.is_empty() {
            continue;
        }
        ids.push(id.to_string());
    }
    Some(ids)
}

#[test]
fn every_checklist_id_except_fleet_is_a_shipped_rule() {
    let Some(ids) = checklist_ids() else { return };
    assert!(ids.len() > 60, "parsed only {} ids", ids.len());
    let out = preflight()
        .args(["rules", "list", "--format", "json"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shipped: BTreeSet<&str> = listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    let missing: Vec<&String> = ids
        .iter()
        .filter(|i| !shipped.contains(i.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "checklist ids without a rule: {missing:?}"
    );
}

/// A default deployment.toml of WSO2 staged as the PRODUCT_HOME of its version and distribution.
struct Default {
    version: &'static str,
    toml: &'static str,
    product_txt: &'static str,
    script: (&'static str, &'static str),
}

const DEFAULTS: &[Default] = &[
    Default {
        version: "3.2.0",
        toml: "wso2-product-apim/v3.2.0/modules/distribution/product/src/main/conf/deployment.toml",
        product_txt: "wso2am-3.2.0",
        script: (
            "wso2-product-apim/v3.2.0/modules/distribution/product/src/main/startup-scripts/wso2server.sh",
            "wso2server.sh",
        ),
    },
    Default {
        version: "4.0.0",
        toml: "wso2-product-apim/v4.0.0/modules/distribution/product/src/main/conf/deployment.toml",
        product_txt: "wso2am-4.0.0",
        script: (
            "wso2-product-apim/v4.2.0/modules/distribution/product/src/main/startup-scripts/api-manager.sh",
            "api-manager.sh",
        ),
    },
    Default {
        version: "4.2.0",
        toml: "wso2-product-apim/v4.2.0/modules/distribution/product/src/main/conf/deployment.toml",
        product_txt: "wso2am-4.2.0",
        script: (
            "wso2-product-apim/v4.2.0/modules/distribution/product/src/main/startup-scripts/api-manager.sh",
            "api-manager.sh",
        ),
    },
    Default {
        version: "4.3.0",
        toml: "wso2-product-apim/v4.3.0/modules/distribution/product/src/main/conf/deployment.toml",
        product_txt: "wso2am-4.3.0",
        script: (
            "wso2-product-apim/v4.4.0/modules/distribution/product/src/main/startup-scripts/api-manager.sh",
            "api-manager.sh",
        ),
    },
    Default {
        version: "4.4.0",
        toml: "wso2-product-apim/v4.4.0/modules/distribution/product/src/main/conf/deployment.toml",
        product_txt: "wso2am-4.4.0",
        script: (
            "wso2-product-apim/v4.4.0/modules/distribution/product/src/main/startup-scripts/api-manager.sh",
            "api-manager.sh",
        ),
    },
    Default {
        version: "4.6.0",
        toml: "wso2-product-apim/v4.6.0/all-in-one-apim/modules/distribution/product/src/main/conf/deployment.toml",
        product_txt: "wso2am-4.6.0",
        script: (
            "wso2-product-apim/v4.4.0/modules/distribution/product/src/main/startup-scripts/api-manager.sh",
            "api-manager.sh",
        ),
    },
    Default {
        version: "4.7.0",
        toml: "wso2-product-apim/v4.7.0/all-in-one-apim/modules/distribution/product/src/main/conf/deployment.toml",
        product_txt: "wso2am-4.7.0",
        script: (
            "wso2-product-apim/v4.7.0/all-in-one-apim/modules/distribution/product/src/main/startup-scripts/api-manager.sh",
            "api-manager.sh",
        ),
    },
    Default {
        version: "4.7.0",
        toml: "wso2-product-apim/v4.7.0/api-control-plane/modules/distribution/product/src/main/conf/deployment.toml",
        product_txt: "wso2am-acp-4.7.0",
        script: (
            "wso2-product-apim/v4.7.0/api-control-plane/modules/distribution/product/src/main/startup-scripts/api-cp.sh",
            "api-cp.sh",
        ),
    },
    // The 4.7.0 traffic manager ships no deployment.toml of its own in the fixtures: the
    // gateway's stands in (same [server], [super_admin], keystores, no [database.*]).
    Default {
        version: "4.7.0",
        toml: "wso2-product-apim/v4.7.0/gateway/modules/distribution/product/src/main/conf/deployment.toml",
        product_txt: "wso2am-tm-4.7.0",
        script: (
            "wso2-product-apim/v4.7.0/traffic-manager/modules/distribution/product/src/main/startup-scripts/traffic-manager.sh",
            "traffic-manager.sh",
        ),
    },
    Default {
        version: "4.7.0",
        toml: "wso2-product-apim/v4.7.0/gateway/modules/distribution/product/src/main/conf/deployment.toml",
        product_txt: "wso2am-universal-gw-4.7.0",
        script: (
            "wso2-product-apim/v4.7.0/gateway/modules/distribution/product/src/main/startup-scripts/gateway.sh",
            "gateway.sh",
        ),
    },
];

/// WSO2's shipped insecure defaults are caught for every version and distribution.
#[test]
fn shipped_defaults_are_caught_for_every_version() {
    let Some(fx) = wso2_fixtures() else { return };
    let dir = tempfile::tempdir().unwrap();
    for (i, d) in DEFAULTS.iter().enumerate() {
        let text = std::fs::read_to_string(fx.join(d.toml)).unwrap();
        let home = stage_home(&dir.path().join(i.to_string()), d.version, &text);
        std::fs::write(
            home.join("updates/product.txt"),
            format!("{}\n", d.product_txt),
        )
        .unwrap();
        std::fs::copy(fx.join(d.script.0), home.join("bin").join(d.script.1)).unwrap();
        let (_, r) = check_json(&["--product-home", home.to_str().unwrap(), "--offline"]);
        let what = format!("{} {}", d.product_txt, d.toml);
        let expect_bad = |id: &str| {
            let res = result(&r, id);
            assert!(
                res["status"] == "fail" || res["status"] == "warn",
                "{what}: {id} is {}: {}",
                res["status"],
                res["message"]
            );
        };
        for id in [
            "config.admin.default",
            "db.not-h2",
            "keystore.not-default",
            "config.hostname",
            "jvm.hostname-verification",
            "jvm.heap.max",
            "config.passwords.plaintext",
            "tls.https.protocols",
        ] {
            expect_bad(id);
        }
        if d.product_txt != "wso2am-tm-4.7.0" && !d.product_txt.contains("acp") {
            expect_bad("tls.passthru.protocols");
        }
        if d.version == "4.7.0" {
            expect_bad("config.encryption-key");
        }
        shipped_listener_defaults_are_caught(&r, d, &what);
        if d.product_txt == "wso2am-tm-4.7.0" {
            assert_eq!(r["product"]["profile"], "traffic-manager", "{what}");
            // The traffic manager uses apim_db as well as shared_db.
            let msg = result(&r, "db.not-h2")["message"].as_str().unwrap();
            assert!(msg.starts_with("apim_db is"), "{what}: {msg}");
            expect_bad("tls.binary-receiver.protocols");
        }
    }
}

/// The listeners and credentials every version ships weak (default.json, not deployment.toml):
/// WSS 8099 with TLSv1.1, AMQP-SSL 8672 with TLSv1, the binary receiver's CBC-SHA ciphers, no
/// PreferredCiphers on 8243, the broker's JMX on "password", the "dashboard" client password,
/// and CORS for "*" (also where [apim.cors] is absent, as on the 4.7 gateway).
fn shipped_listener_defaults_are_caught(r: &serde_json::Value, d: &Default, what: &str) {
    let bad = |id: &str| {
        let res = result(r, id);
        assert!(
            res["status"] == "fail" || res["status"] == "warn",
            "{what}: {id} is {}: {}",
            res["status"],
            res["message"]
        );
    };
    let tm = d.product_txt == "wso2am-tm-4.7.0";
    let acp = d.product_txt.contains("acp");
    let gateway = d.product_txt.contains("universal-gw");
    bad("config.cors.wildcard");
    if !tm && !acp {
        bad("tls.websocket.protocols");
        bad("tls.passthru.ciphers");
    }
    if !gateway {
        bad("tls.amqp.protocols");
        bad("tls.binary-receiver.ciphers");
        if d.version != "3.2.0" {
            bad("ports.broker-jmx");
        }
    }
    if !tm && !gateway {
        bad("config.client-auth.defaults");
    }
}

/// 3.2 renders no qpid-config.xml: the broker's JMX is judged from the file as shipped.
#[test]
fn broker_jmx_on_3_2_reads_the_shipped_qpid_config() {
    let Some(fx) = wso2_fixtures() else { return };
    let toml = std::fs::read_to_string(fx.join(DEFAULTS[0].toml)).unwrap();
    let qpid = std::fs::read_to_string(fx.join(
        "wso2-carbon-business-messaging/master/features/andes/org.wso2.carbon.andes.server.feature/resources/conf/qpid-config.xml",
    ))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |sub: &str, xml: &str| {
        let home = stage_home(&dir.path().join(sub), "3.2.0", &toml);
        let advanced = home.join("repository/conf/advanced");
        std::fs::create_dir_all(&advanced).unwrap();
        std::fs::write(advanced.join("qpid-config.xml"), xml).unwrap();
        let (_, r) = check_json(&[
            "--product-home",
            home.to_str().unwrap(),
            "--offline",
            "--only",
            "ports.broker-jmx",
        ]);
        result(&r, "ports.broker-jmx").clone()
    };
    let shipped = run("shipped", &qpid);
    assert_eq!(shipped["status"], "warn", "{}", shipped["message"]);
    assert!(
        shipped["message"]
            .as_str()
            .unwrap()
            .contains("qpid-config.xml"),
        "{}",
        shipped["message"]
    );
    let off = qpid.replacen(
        "<management>\n        <enabled>true</enabled>",
        "<management>\n        <enabled>false</enabled>",
        1,
    );
    assert_ne!(off, qpid, "the fixture's <management> block moved");
    let off = run("off", &off);
    assert_eq!(off["status"], "pass", "{}", off["message"]);
}

/// Carbon Metrics is metrics.xml's top-level <Enabled>, shipped true (product-apim v3.2.0 …
/// v4.7.0 `modules/distribution/product/src/main/conf/metrics.xml:22-26`); deployment.toml has
/// no key for it.
#[test]
fn metrics_off_reads_metrics_xml() {
    let Some(fx) = wso2_fixtures() else { return };
    let toml = std::fs::read_to_string(fx.join(DEFAULTS[2].toml)).unwrap();
    // The head of the shipped file (lines 22-32), root namespace included.
    let shipped = r#"<?xml version="1.0" encoding="UTF-8"?>
<Metrics xmlns="http://wso2.org/projects/carbon/metrics.xml">
    <!-- Enable Metrics -->
    <Enabled>true</Enabled>
    <Reporting>
        <JMX>
            <Enabled>true</Enabled>
        </JMX>
    </Reporting>
</Metrics>
"#;
    let dir = tempfile::tempdir().unwrap();
    let run = |sub: &str, xml: Option<&str>| {
        let home = stage_home(&dir.path().join(sub), "4.2.0", &toml);
        if let Some(xml) = xml {
            std::fs::write(home.join("repository/conf/metrics.xml"), xml).unwrap();
        }
        let (_, r) = check_json(&[
            "--product-home",
            home.to_str().unwrap(),
            "--offline",
            "--only",
            "config.metrics-off",
        ]);
        result(&r, "config.metrics-off").clone()
    };
    assert_eq!(run("shipped", Some(shipped))["status"], "warn");
    let off = shipped.replacen("<Enabled>true</Enabled>", "<Enabled>false</Enabled>", 1);
    let res = run("off", Some(&off));
    assert_eq!(res["status"], "pass", "{}", res["message"]);
    // Only the top-level switch counts: the JMX reporter's <Enabled> stays true above.
    let missing = run("missing", None);
    assert_eq!(missing["status"], "error", "{}", missing["message"]);
    assert!(missing["message"].as_str().unwrap().contains("metrics.xml"));
}

/// Gateways use shared_db only: with it on a production RDBMS and no [database.apim_db],
/// db.not-h2 passes; the all-in-one and the traffic manager (apim_db and shared_db) still need
/// apim_db.
#[test]
fn db_not_h2_asks_gateways_for_shared_db_and_traffic_managers_for_both() {
    let Some(fx) = wso2_fixtures() else { return };
    let text = std::fs::read_to_string(
        fx.join("wso2-product-apim/v4.7.0/gateway/modules/distribution/product/src/main/conf/deployment.toml"),
    )
    .unwrap();
    let shared = "\n[database.shared_db]\ntype = \"mysql\"\nurl = \"jdbc:mysql://mysql.example.com:3306/shared_db\"\nusername = \"apim\"\npassword = \"$secret{shared_db_password}\"\n";
    // At the top of the file, where a new table cannot land inside another one.
    let with_shared = format!("{shared}\n{text}");
    let dir = tempfile::tempdir().unwrap();
    for (i, (product_txt, want)) in [
        ("wso2am-tm-4.7.0", "fail"),
        ("wso2am-universal-gw-4.7.0", "pass"),
        ("wso2am-4.7.0", "fail"),
    ]
    .iter()
    .enumerate()
    {
        let home = stage_home(&dir.path().join(i.to_string()), "4.7.0", &with_shared);
        std::fs::write(home.join("updates/product.txt"), format!("{product_txt}\n")).unwrap();
        let (_, r) = check_json(&[
            "--product-home",
            home.to_str().unwrap(),
            "--offline",
            "--only",
            "db.not-h2",
        ]);
        let res = result(&r, "db.not-h2");
        assert_eq!(res["status"], *want, "{product_txt}: {}", res["message"]);
    }
}

#[test]
fn every_shipped_rule_says_where_its_truth_comes_from() {
    let out = preflight()
        .args(["rules", "list", "--format", "json"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = listed["rules"].as_array().unwrap();
    assert!(rules.len() > 60, "listed only {} rules", rules.len());
    let unsourced: Vec<&str> = rules
        .iter()
        .filter(|r| r["sources"].as_array().is_none_or(Vec::is_empty))
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        unsourced.is_empty(),
        "rules without `sources`: {unsourced:?}"
    );
}

/// A source that points at a line of a file: `owner/repo tag path:line` (`wso2/product-apim
/// v4.2.0 modules/…/deployment.toml:154-155`), `owner/repo@ref:path:line`, or a URL with `#Lnn`.
fn cites_a_line(source: &str) -> bool {
    let at_tag = regex_lite::Regex::new(r"^[\w.-]+/[\w.-]+ \S+ [^\s:]+:\d+").unwrap();
    let at_ref = regex_lite::Regex::new(r"^[\w.-]+/[\w.-]+@[^\s:]+:[^\s:]+:\d+").unwrap();
    let url = regex_lite::Regex::new(r"https?://\S+#L\d+").unwrap();
    at_tag.is_match(source) || at_ref.is_match(source) || url.is_match(source)
}

#[test]
fn the_accepted_citation_forms_are_told_apart_from_pages() {
    for good in [
        "wso2/product-apim v4.2.0 modules/distribution/product/src/main/conf/deployment.toml:2",
        "wso2/carbon-kernel v4.8.1 distribution/kernel/carbon-home/repository/resources/conf/default.json:119-137 (keystore)",
        "wso2/carbon-commons@dab2b87e:components/tryit/TryitRequestProcessor.java:36,48-50",
        "https://github.com/wso2/product-apim/blob/v4.2.0/pom.xml#L120",
    ] {
        assert!(cites_a_line(good), "{good}");
    }
    for bad in [
        "https://apim.docs.wso2.com/en/latest/install-and-setup/setup/deployment-best-practices/",
        "wso2/product-apim v4.2.0 modules/distribution/product/src/main/conf/deployment.toml ([apim.cors])",
        "wso2/carbon-apimgt org.wso2.carbon.apimgt.core.default.json: apim.cors.enable = true",
        "https://www.rfc-editor.org/rfc/rfc4511#section-4.2",
    ] {
        assert!(!cites_a_line(bad), "{bad}");
    }
}

/// Every shipped rule cites the WSO2 (or JDK) file and line its key, default or range comes
/// from, unless it says, in `docs_only`, why documents are all there is.
#[test]
fn every_shipped_rule_cites_a_file_and_line_or_says_why_not() {
    let out = preflight()
        .args(["rules", "list", "--format", "json"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rules = listed["rules"].as_array().unwrap();
    assert!(rules.len() > 60, "listed only {} rules", rules.len());
    let uncited: Vec<&str> = rules
        .iter()
        .filter(|r| {
            let sources = r["sources"]
                .as_array()
                .map(Vec::as_slice)
                .unwrap_or_default();
            let cited = sources
                .iter()
                .any(|s| cites_a_line(s.as_str().unwrap_or("")));
            let why = r["docs_only"].as_str().map(str::trim).unwrap_or("");
            !cited && why.is_empty()
        })
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(
        uncited.is_empty(),
        "rules whose sources cite no file:line (owner/repo tag path:line, owner/repo@ref:path:line \
         or a URL with #Lnn) and carry no `docs_only` reason: {uncited:?}"
    );
}

/// The fleet pack is held to the same standard: every fleet rule has sources, and cites a WSO2
/// file and line or says in `docs_only` why documents are all there is; `rules explain` prints
/// that reason.
#[test]
fn every_fleet_rule_cites_a_file_and_line_or_says_why_not() {
    let fleet = preflight::fleet::rules::embedded();
    assert!(fleet.len() >= 8, "only {} fleet rules", fleet.len());
    let unsourced: Vec<&str> = fleet
        .iter()
        .filter(|r| r.sources.is_empty())
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        unsourced.is_empty(),
        "fleet rules without `sources`: {unsourced:?}"
    );
    let uncited: Vec<&str> = fleet
        .iter()
        .filter(|r| {
            let why = r.docs_only.as_deref().map(str::trim).unwrap_or("");
            !r.sources.iter().any(|s| cites_a_line(s)) && why.is_empty()
        })
        .map(|r| r.id.as_str())
        .collect();
    assert!(
        uncited.is_empty(),
        "fleet rules whose sources cite no file:line and carry no `docs_only` reason: {uncited:?}"
    );
    let with_reason = fleet
        .iter()
        .find(|r| r.docs_only.is_some())
        .expect("a fleet rule that rests on documents only");
    let out = preflight()
        .args(["rules", "explain", &with_reason.id])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains(&format!(
            "(documents only: {})",
            with_reason.docs_only.as_deref().unwrap()
        )),
        "{text}"
    );
}

#[test]
fn rules_explain_prints_the_sources() {
    let out = preflight()
        .args(["rules", "explain", "jdk.version.supported"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let at = text.find("\nsources:\n").expect("a sources section");
    assert!(
        text[at..].contains("wso2/product-apim v4.7.0 ")
            && text[at..].contains("api-manager.sh:216"),
        "{text}"
    );
}

/// tls.https.protocols reads both keys that render into the 9443 connector, as Tomcat reads
/// them, on the real 4.2.0 deployment.toml, and says what the JDK in use disables.
#[test]
fn https_protocols_reads_every_mapped_key_and_the_jdks_java_security() {
    let Some(fx) = wso2_fixtures() else { return };
    let toml = std::fs::read_to_string(fx.join(DEFAULTS[2].toml)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // A JDK 17 as far as preflight looks: its release file and java.security.
    let jdk = dir.path().join("jdk-17");
    std::fs::create_dir_all(jdk.join("conf/security")).unwrap();
    std::fs::write(
        jdk.join("release"),
        "JAVA_VERSION=\"17.0.15\"\nIMPLEMENTOR=\"Eclipse Adoptium\"\n",
    )
    .unwrap();
    std::fs::write(
        jdk.join("conf/security/java.security"),
        "jdk.tls.disabledAlgorithms=SSLv3, TLSv1, TLSv1.1, DTLSv1.0, RC4, DES, \\\n    MD5withRSA, DH keySize < 1024, 3DES_EDE_CBC, anon, NULL\n",
    )
    .unwrap();
    let run = |sub: &str, head: &str| {
        let home = stage_home(&dir.path().join(sub), "4.2.0", &format!("{head}\n{toml}"));
        let out = preflight()
            .env("JAVA_HOME", &jdk)
            .args(["check", "--offline", "--format", "json", "--only"])
            .arg("tls.https.protocols")
            .arg("--product-home")
            .arg(&home)
            .output()
            .unwrap();
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        result(&r, "tls.https.protocols").clone()
    };
    let shipped = run("shipped", "");
    assert_eq!(shipped["status"], "fail", "{}", shipped["message"]);
    let msg = shipped["message"].as_str().unwrap();
    assert!(msg.contains("enables [TLSv1, TLSv1.1]"), "{msg}");
    assert!(
        msg.contains("disables [SSLv3, TLSv1, TLSv1.1, DTLSv1.0]"),
        "{msg}"
    );
    assert!(msg.contains("disabled by the JDK's java.security"), "{msg}");
    let mapped = run(
        "mapped",
        "[transport.https.properties]\nprotocols = \"TLSv1.1,TLSv1.2\"\n",
    );
    assert_eq!(mapped["status"], "fail", "{}", mapped["message"]);
    assert!(
        mapped["message"]
            .as_str()
            .unwrap()
            .contains("enables [TLSv1.1]")
    );
    let all = run(
        "all",
        "[transport.https.sslHostConfig.properties]\nprotocols = \"+all\"\n",
    );
    assert_eq!(all["status"], "fail", "{}", all["message"]);
    let good = run(
        "good",
        "[transport.https.sslHostConfig.properties]\nprotocols = \"+TLSv1.2,+TLSv1.3\"\n",
    );
    assert_eq!(good["status"], "pass", "{}", good["message"]);
}
