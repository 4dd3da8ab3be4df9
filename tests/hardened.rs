//! The hand-written hardened homes `tests/fixtures/homes/apim-<version>-hardened` (4.2.0 on
//! PostgreSQL with JKS keystores, 4.7.0 on MySQL with PKCS#12 keystores) pass every automated
//! rule of the shipped pack: the pack raises nothing on a node that did everything right.
//!
//! Two runs per home:
//! - `check --offline` on this machine: every rule that reads only the home passes; rules that
//!   read the machine ([`MACHINE`]) are left out, since this machine is not a production host.
//! - `facts --offline` on this machine, the machine's facts replaced by those of a suitable host
//!   ([`suitable_host`]), then `check --facts`: every automated rule passes, the machine's too.
//!
//! Git does not keep mode 0600, so each home is copied into a tempdir and its keystores are
//! chmod'ed there. The keystore passwords are `$env{}` placeholders this test sets, and Secure
//! Vault's keystore password is `$PREFLIGHT_KEYSTORE_PASSWORD`: the `[secrets]` values are real
//! ciphertext for the homes' keys (tests/fixtures/homes/README.md).

mod common;
use common::*;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

struct Home {
    dir: &'static str,
    keystore_password: &'static str,
    truststore_password: &'static str,
    /// A JDK this version supports and WSO2 tested: (version, feature).
    jdk: (&'static str, i64),
}

const HOMES: &[Home] = &[
    Home {
        dir: "apim-4.2.0-hardened",
        keystore_password: "Hardened-KS-42",
        truststore_password: "Hardened-TS-42",
        jdk: ("17.0.13+11", 17),
    },
    Home {
        dir: "apim-4.7.0-hardened",
        keystore_password: "Hardened-KS-47",
        truststore_password: "Hardened-TS-47",
        jdk: ("21.0.5+11", 21),
    },
];

/// Rules whose result depends on the machine the test runs on, not on the home. The offline run
/// does not judge them; the facts-file run feeds them a suitable host and expects a pass.
const MACHINE: &[(&str, &str)] = &[
    ("host.cpu.cores", "logical CPUs of this machine"),
    ("host.memory.total", "RAM of this machine"),
    ("host.disk.free", "free space where the tempdir lives"),
    (
        "host.memory.heap-fits",
        "RAM of this machine against the home's 2 GiB heap",
    ),
    (
        "host.swap",
        "swap of this machine (CI runners often have none)",
    ),
    (
        "host.os.supported",
        "this machine's OS (Debian, macOS, … are not on WSO2's list)",
    ),
    ("host.limits.nofile", "open-files limit of the test's shell"),
    ("host.limits.nproc", "process limit of the test's shell"),
    ("host.sysctl.network", "this machine's kernel tuning"),
    (
        "host.user.not-root",
        "the uid running the test, which owns the tempdir copy (root in containers)",
    ),
    ("host.hostname.resolves", "this machine's DNS / /etc/hosts"),
    ("jdk.present", "the JDK installed here, if any"),
    ("jdk.java-home", "JAVA_HOME of the test's environment"),
    (
        "jdk.version.supported",
        "the JDK installed here (4.7 needs 21–25, 4.2 11–17)",
    ),
    (
        "jdk.version.tested",
        "vendor and version of the JDK installed here",
    ),
    ("jdk.gzip-bug", "version of the JDK installed here"),
    (
        "jdk.ibm.csrfguard-prng",
        "applies only when the JDK installed here is IBM's",
    ),
    (
        "jvm.removed-flags",
        "its case is chosen by the feature release of the JDK installed here",
    ),
    (
        "config.hostname.resolves",
        "whether apim.example.com resolves in this machine's DNS",
    ),
    ("ports.free", "ports other processes hold on this machine"),
    ("ops.service", "systemd units installed on this machine"),
    (
        "cluster.solr-not-shared",
        "filesystem of the tempdir (an NFS-mounted /tmp would warn)",
    ),
];

/// Rules that do not apply to these homes; `skip` is their right result in both runs.
fn not_applicable(id: &str, dir: &str) -> Option<&'static str> {
    match id {
        "db.reachable"
        | "userstore.ldap.reachable"
        | "db.login"
        | "db.version.tested"
        | "db.schema"
        | "db.privileges"
        | "db.tls.negotiated"
        | "userstore.ldap.bind"
        | "userstore.ldap.base-dn"
        | "userstore.ldap.server" => Some("network rules are not run --offline"),
        "cluster.tm-heartbeat" => {
            Some("traffic-manager and control-plane only; these are all-in-one")
        }
        "jvm.proxy" => Some("only when the host uses a proxy; the test runs without one"),
        "userstore.ldap.privileged-bind" | "userstore.ldap.tls" => {
            Some("LDAP user stores only; these homes keep users in JDBC")
        }
        "cluster.solr-not-shared" => Some("only where solr/data exists; these homes never ran"),
        "config.encryption-key" if dir.contains("4.2.0") => Some("APIM 4.7 and later only"),
        // Skipped in the facts-file run (a Temurin JDK); the offline run does not judge it.
        "jdk.ibm.csrfguard-prng" => Some("IBM JDKs only"),
        _ => None,
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The home copied into `dir`, keystores at mode 0600 as keystore.permissions wants them.
fn stage(home: &Home, dir: &Path) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let staged = dir.join(home.dir);
    copy_dir(&repo().join("tests/fixtures/homes").join(home.dir), &staged);
    let security = staged.join("repository/resources/security");
    for entry in std::fs::read_dir(&security).unwrap() {
        let path = entry.unwrap().path();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    staged
}

/// preflight with the service's environment: the keystore passwords set, nothing of the test
/// runner's own JVM options or proxy leaking in. An unoptimised build needs about a second for
/// the PKCS#12 MACs (PBKDF2, 10,000 rounds), more on a loaded machine: hence `--timeout 30`.
fn service_env(home: &Home) -> assert_cmd::Command {
    let mut cmd = preflight();
    cmd.env("APIM_KEYSTORE_PASSWORD", home.keystore_password)
        .env("APIM_TRUSTSTORE_PASSWORD", home.truststore_password)
        // Secure Vault's keystore password, as the product reads it from password-persist.
        .env("PREFLIGHT_KEYSTORE_PASSWORD", home.keystore_password);
    for var in [
        "JAVA_OPTS",
        "JVM_MEM_OPTS",
        "http_proxy",
        "https_proxy",
        "HTTP_PROXY",
        "HTTPS_PROXY",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

fn run_json(mut cmd: assert_cmd::Command) -> Value {
    let out = cmd.output().unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

/// Rule id → level (`M` for manual) of the shipped pack.
fn levels() -> BTreeMap<String, String> {
    let out = preflight()
        .args(["rules", "list", "--format", "json"])
        .output()
        .unwrap();
    let listed: Value = serde_json::from_slice(&out.stdout).unwrap();
    listed["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["level"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Every result as it must be: manual rules `manual`, rules that do not apply `skip`, every
/// other rule `pass` (rules in `unjudged` are left out). Returns the problems found.
fn judge(report: &Value, dir: &str, unjudged: &[&str]) -> Vec<String> {
    let levels = levels();
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), levels.len(), "{dir}: a result per rule");
    let mut problems = Vec::new();
    for r in results {
        let id = r["id"].as_str().unwrap();
        if unjudged.contains(&id) {
            continue;
        }
        let want = if levels[id] == "M" {
            "manual"
        } else if not_applicable(id, dir).is_some() {
            "skip"
        } else {
            "pass"
        };
        if r["status"] != want {
            problems.push(format!(
                "{dir}: {id} is {}, expected {want}: {}",
                r["status"], r["message"]
            ));
        }
    }
    problems
}

#[test]
fn hardened_homes_pass_every_rule_that_reads_only_the_home() {
    let tmp = tempfile::tempdir().unwrap();
    let machine: Vec<&str> = MACHINE.iter().map(|(id, _)| *id).collect();
    let mut problems = Vec::new();
    for home in HOMES {
        let staged = stage(home, tmp.path());
        let mut cmd = service_env(home);
        cmd.args(["check", "--offline", "--timeout", "30", "--format", "json"])
            .arg("--product-home")
            .arg(&staged);
        let report = run_json(cmd);
        assert_eq!(report["product"]["profile"], "all-in-one", "{}", home.dir);
        problems.extend(judge(&report, home.dir, &machine));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// What a production host suitable for `home` would report for the machine's facts.
fn suitable_host(home: &Home) -> BTreeMap<&'static str, Value> {
    let gib = 1u64 << 30;
    let int = |v: i64| json!({"type": "int", "value": v});
    let bytes = |v: u64| json!({"type": "bytes", "value": v});
    let s = |v: &str| json!({"type": "str", "value": v});
    let b = |v: bool| json!({"type": "bool", "value": v});
    BTreeMap::from([
        ("host.os.name", s("linux")),
        ("host.cpu.cores", int(4)),
        ("host.memory.total", bytes(8 * gib)),
        ("host.disk.free", bytes(50 * gib)),
        ("host.swap.total", bytes(2 * gib)),
        // A host, not a container: host.swap applies.
        ("host.memory.cgroup-limit", json!({"type": "null"})),
        ("host.os.id", s("ubuntu")),
        (
            "host.os.version",
            json!({"type": "version", "value": "22.04"}),
        ),
        ("host.os.pretty", s("Ubuntu 22.04.4 LTS")),
        ("host.limits.nofile.soft", int(65535)),
        ("host.limits.nofile.hard", int(65535)),
        ("host.limits.nproc.soft", int(20000)),
        ("host.limits.nproc.hard", int(20000)),
        ("host.sysctl.net.ipv4.tcp_fin_timeout", int(30)),
        ("host.sysctl.fs.file-max", int(2097152)),
        ("host.sysctl.net.core.rmem_max", int(67108864)),
        ("host.sysctl.net.core.wmem_max", int(67108864)),
        ("host.sysctl.net.ipv4.ip_local_port_range", s("1024 65535")),
        ("host.user.uid", int(1001)),
        ("host.home.owner.uid", int(1001)),
        ("host.product.uid", int(1001)),
        (
            "host.product.user-source",
            s("User=wso2 of /etc/systemd/system/wso2am.service"),
        ),
        ("host.hostname", s("apim-node-1")),
        ("host.hostname.resolves", b(true)),
        ("host.proxy", json!({"type": "null"})),
        ("host.solr.fs-type", s("ext4")),
        ("host.systemd.unit", s("/etc/systemd/system/wso2am.service")),
        ("jdk.home", s("/usr/lib/jvm/temurin")),
        ("jdk.java-home-env", s("/usr/lib/jvm/temurin")),
        (
            "jdk.version",
            json!({"type": "version", "value": home.jdk.0}),
        ),
        ("jdk.feature", int(home.jdk.1)),
        ("jdk.vendor", s("temurin")),
        ("jdk.is-jdk", b(true)),
        ("config.hostname.resolves", b(true)),
        ("ports.busy", json!({"type": "list", "value": []})),
    ])
}

#[test]
fn hardened_homes_pass_every_automated_rule_on_a_suitable_host() {
    let tmp = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for home in HOMES {
        let staged = stage(home, tmp.path());
        let facts_file = tmp.path().join(format!("{}.facts.json", home.dir));
        let mut cmd = service_env(home);
        cmd.args(["facts", "--offline", "--timeout", "30", "--output"])
            .arg(&facts_file)
            .arg("--product-home")
            .arg(&staged);
        cmd.assert().success();
        let mut facts: Value =
            serde_json::from_str(&std::fs::read_to_string(&facts_file).unwrap()).unwrap();
        for (name, value) in suitable_host(home) {
            facts["facts"][name] = json!({"value": value, "duration_ms": 0});
        }
        std::fs::write(&facts_file, facts.to_string()).unwrap();
        let mut cmd = preflight();
        cmd.args(["check", "--format", "json", "--facts"])
            .arg(&facts_file);
        let report = run_json(cmd);
        problems.extend(judge(&report, home.dir, &[]));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
