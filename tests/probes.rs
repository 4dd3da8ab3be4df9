//! Probes against the real machine: the facts must agree with the tools operators trust
//! (nproc, /proc/meminfo, ulimit, java -version), deadlines must hold, ports must be seen.

mod common;
use common::*;
use std::process::Command;
use std::time::{Duration, Instant};

fn facts(args: &[&str]) -> serde_json::Value {
    let out = preflight().arg("facts").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn value<'a>(facts: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    &facts["facts"][name]["value"]["value"]
}

fn sh(cmd: &str) -> String {
    let out = Command::new("sh").args(["-c", cmd]).output().unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

#[test]
fn host_facts_agree_with_nproc_meminfo_and_ulimit() {
    let f = facts(&[]);
    assert_eq!(
        value(&f, "host.cpu.cores").as_i64().unwrap().to_string(),
        sh("nproc")
    );
    let meminfo_kib: u64 = sh("awk '/^MemTotal:/ {print $2}' /proc/meminfo")
        .parse()
        .unwrap();
    let probed = value(&f, "host.memory.total").as_u64().unwrap() as f64;
    let expected = (meminfo_kib * 1024) as f64;
    assert!(
        (probed - expected).abs() / expected < 0.01,
        "{probed} vs {expected}"
    );
    for (fact, flag) in [
        ("host.limits.nofile.soft", "-Sn"),
        ("host.limits.nofile.hard", "-Hn"),
    ] {
        let shell = sh(&format!("ulimit {flag}"));
        let got = value(&f, fact).as_i64().unwrap();
        let want = if shell == "unlimited" {
            i64::MAX
        } else {
            shell.parse().unwrap()
        };
        assert_eq!(got, want, "{fact} vs ulimit {flag}");
    }
}

#[test]
fn jdk_version_matches_java_dash_version() {
    let Ok(which) = which::which("java") else {
        common::missing_input("no java on PATH");
        return;
    };
    let out = Command::new(&which).arg("-version").output().unwrap();
    let text = String::from_utf8_lossy(&out.stderr);
    // `openjdk version "17.0.15" 2025-04-15`
    let quoted = text
        .split('"')
        .nth(1)
        .expect("a quoted version in java -version");
    let f = facts(&[]);
    let probed = value(&f, "jdk.version").as_str().unwrap().to_string();
    assert!(
        probed.starts_with(quoted),
        "jdk.version {probed} vs java -version {quoted}"
    );
    assert!(f["facts"]["jdk.home"]["value"]["value"].is_string());
}

/// A JDK folder under `dir` whose `java` never returns, and no release file.
fn hanging_jdk(dir: &std::path::Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let jdk = dir.join("jdk");
    std::fs::create_dir_all(jdk.join("bin")).unwrap();
    let java = jdk.join("bin/java");
    std::fs::write(&java, "#!/bin/sh\nexec sleep 600\n").unwrap();
    std::fs::set_permissions(&java, std::fs::Permissions::from_mode(0o755)).unwrap();
    jdk
}

/// Deselected rules cost no probing, with the embedded pack alone (whose reads are known from
/// the build) and with a --rules pack: a `java` that never returns is never started for
/// `--only host.cpu.cores`, so the run does not wait out a 30 s deadline.
#[test]
fn deselected_rules_probe_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let jdk = hanging_jdk(dir.path());
    let pack = dir.path().join("site");
    std::fs::create_dir(&pack).unwrap();
    let rule = "[[rule]]\nid = \"site.jdk\"\ntitle = \"t\"\ncategory = \"jdk\"\nfact = \"jdk.version\"\nfail = \"< 11\"\n";
    std::fs::write(pack.join("site.toml"), rule).unwrap();
    let home = stage_home(
        dir.path(),
        "4.2.0",
        "[server]\nhostname = \"a.example.com\"\n",
    );
    for extra in [
        vec![],
        vec!["--rules".to_string(), pack.display().to_string()],
    ] {
        let started = Instant::now();
        let out = preflight()
            .env("JAVA_HOME", &jdk)
            .args([
                "check",
                "--timeout",
                "30",
                "--only",
                "host.cpu.cores",
                "--format",
                "json",
            ])
            .args(&extra)
            .arg("--product-home")
            .arg(&home)
            .output()
            .unwrap();
        let took = started.elapsed();
        assert!(took < Duration::from_secs(15), "{extra:?} took {took:?}");
        let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let jdk = r["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == "jdk.version.supported")
            .unwrap();
        assert_eq!(jdk["status"], "skip", "{extra:?}: {jdk:#}");
    }
}

/// A JDK whose `java` never returns and which has no release file: the run still ends within
/// the deadline and the rules that read the JDK are `error` with "timed out".
#[test]
fn a_java_that_never_returns_costs_one_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let jdk = hanging_jdk(dir.path());
    let java = jdk.join("bin/java");
    // A full JDK (javac present), so only what `java -version` would tell is unknown.
    std::fs::copy(&java, jdk.join("bin/javac")).unwrap();
    let home = stage_home(
        dir.path(),
        "4.2.0",
        "[server]\nhostname = \"apim.example.com\"\n",
    );
    let started = Instant::now();
    let out = preflight()
        .env("JAVA_HOME", &jdk)
        .args([
            "check",
            "--timeout",
            "1",
            "--only",
            "jdk",
            "--format",
            "json",
            "--product-home",
        ])
        .arg(&home)
        .output()
        .unwrap();
    let took = started.elapsed();
    assert!(took < Duration::from_secs(4), "took {took:?}");
    assert_eq!(out.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let jdk_rules: Vec<&serde_json::Value> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|x| x["category"] == "jdk")
        .collect();
    assert!(jdk_rules.len() >= 5, "{jdk_rules:?}");
    for res in jdk_rules {
        if res["id"] == "jdk.java-home" {
            // Reads only $JAVA_HOME, which is set: no `java` needed.
            assert_eq!(res["status"], "pass", "{res:#}");
            continue;
        }
        assert_eq!(res["status"], "error", "{res:#}");
        assert!(
            res["reason"].as_str().unwrap().contains("timed out"),
            "{res:#}"
        );
    }
}

#[test]
fn a_port_held_by_a_listener_is_busy_with_its_holder_and_free_once_released() {
    let offset = 20000 + (std::process::id() % 5000) as u16;
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(
        dir.path(),
        "4.2.0",
        &format!("[server]\nhostname = \"apim.example.com\"\noffset = {offset}\n"),
    );
    let h = home.to_str().unwrap();
    let port = 9443 + offset;
    let listener = std::net::TcpListener::bind(("0.0.0.0", port)).unwrap();
    let f = facts(&["--product-home", h]);
    let busy = f["facts"]["ports.busy"]["value"]["value"]
        .as_array()
        .unwrap();
    let line = busy
        .iter()
        .filter_map(|b| b["value"].as_str())
        .find(|b| b.starts_with(&format!("{port} ")))
        .unwrap_or_else(|| panic!("{port} not reported busy: {busy:?}"));
    assert!(
        line.contains(&format!("pid {}", std::process::id())),
        "{line}"
    );
    drop(listener);
    let f = facts(&["--product-home", h]);
    let busy = f["facts"]["ports.busy"]["value"]["value"]
        .as_array()
        .unwrap();
    assert!(
        !busy.iter().any(|b| b["value"]
            .as_str()
            .unwrap_or("")
            .starts_with(&format!("{port} "))),
        "{busy:?}"
    );
}

/// The shipped default keystores are recognised as default, opened with the default password
/// and dated right, by reading the files: no JVM (a `java` that would leave a mark) is started.
#[test]
fn real_default_keystores_are_recognised_without_a_jvm() {
    let Some(fx) = wso2_fixtures() else { return };
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "4.2.0",
            "wso2-carbon-kernel/v4.8.1/distribution/kernel/carbon-home/repository/resources/security/wso2carbon.jks",
            "jks",
            "2025-05-27",
        ),
        (
            "4.5.0",
            "wso2-carbon-kernel/v4.9.28/distribution/kernel/carbon-home/repository/resources/security/wso2carbon.jks",
            "pkcs12",
            "2027-05-19",
        ),
    ];
    // A `java` that leaves a mark if anything runs it.
    let jdk = dir.path().join("jdk");
    std::fs::create_dir_all(jdk.join("bin")).unwrap();
    let mark = dir.path().join("java-was-run");
    std::fs::write(
        jdk.join("bin/java"),
        format!("#!/bin/sh\ntouch {}\n", mark.display()),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(jdk.join("bin/java"), std::fs::Permissions::from_mode(0o755)).unwrap();
    for (version, keystore, format, not_after) in cases {
        let home = stage_home(
            &dir.path().join(version),
            version,
            "[server]\nhostname = \"apim.example.com\"\n",
        );
        let security = home.join("repository/resources/security");
        std::fs::create_dir_all(&security).unwrap();
        std::fs::copy(fx.join(keystore), security.join("wso2carbon.jks")).unwrap();
        let out = preflight()
            .env("JAVA_HOME", &jdk)
            .env("PATH", "/usr/bin:/bin")
            .args(["facts", "--offline", "--product-home"])
            .arg(&home)
            .output()
            .unwrap();
        let f: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let v = |name: &str| f["facts"][name]["value"]["value"].clone();
        assert_eq!(v("keystore.primary.format"), format, "{version}");
        assert_eq!(v("keystore.primary.opens"), true, "{version}");
        assert!(
            v("keystore.primary.cert.not-after")
                .as_str()
                .unwrap()
                .starts_with(not_after),
            "{version}: {}",
            v("keystore.primary.cert.not-after")
        );
        assert!(
            v("keystore.primary.cert.subject")
                .as_str()
                .unwrap()
                .contains("CN=localhost"),
            "{version}"
        );
    }
    // `facts` asks for every fact, the JDK ones included: those come from a release file or
    // `java -version`. Only the keystore facts must not need a JVM, so check with jdk facts
    // out of the way: a check of the keystore rules alone runs nothing.
    std::fs::remove_file(&mark).ok();
    let home = dir.path().join("4.2.0").join("wso2am-4.2.0");
    let out = preflight()
        .env("JAVA_HOME", &jdk)
        .args([
            "check",
            "--offline",
            "--only",
            "keystore",
            "--format",
            "json",
            "--product-home",
        ])
        .arg(&home)
        .output()
        .unwrap();
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(result(&r, "keystore.not-default")["status"], "fail");
    assert_eq!(
        result(&r, "keystore.cert-expiry")["status"],
        "fail",
        "expired 2025-05-27"
    );
    assert!(!mark.exists(), "a JVM was started to read a keystore");
}
