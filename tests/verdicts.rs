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
