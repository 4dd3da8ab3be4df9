//! preflight never writes under PRODUCT_HOME: every file and directory of a staged home has
//! the same content, mode and mtime after `check` (every format) and `facts`; and a run on a
//! home it cannot write to (read-only bind mount, or as `nobody` on a 0555/0444 home) ends
//! normally with the same results.

mod common;
use common::*;
use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use std::os::unix::fs::{MetadataExt, PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_preflight");

/// One entry of a tree: path, type, mode, owner, mtime and content hash or link target.
#[derive(Debug, PartialEq)]
struct Entry {
    path: String,
    mode: u32,
    uid: u32,
    gid: u32,
    mtime: (i64, i64),
    content: String,
}

fn tree(root: &Path) -> Vec<Entry> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<Entry>) {
        let meta = std::fs::symlink_metadata(dir).unwrap();
        out.push(entry(root, dir, &meta));
        if !meta.is_dir() {
            return;
        }
        let mut children: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        children.sort();
        for c in children {
            walk(root, &c, out);
        }
    }
    fn entry(root: &Path, path: &Path, meta: &std::fs::Metadata) -> Entry {
        let content = if meta.file_type().is_symlink() {
            format!("-> {}", std::fs::read_link(path).unwrap().display())
        } else if meta.is_file() {
            Sha256::digest(std::fs::read(path).unwrap())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        } else {
            "dir".into()
        };
        Entry {
            path: path.strip_prefix(root).unwrap().display().to_string(),
            mode: meta.mode(),
            uid: meta.uid(),
            gid: meta.gid(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            content,
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

/// A home with every file a probe reads: deployment.toml with keystores and databases, the
/// start script, XML and properties files, driver jars, keystores, templates and a symlink.
fn rich_home(dir: &Path) -> PathBuf {
    let closed = closed_port();
    let toml = format!(
        r#"[server]
hostname = "apim.example.com"
offset = 3

[super_admin]
username = "ops"
password = "s3cure-Admin"

[database.apim_db]
type = "postgre"
url = "jdbc:postgresql://127.0.0.1:{closed}/apim_db"
username = "apim"
password = "db-pass"

[database.shared_db]
type = "postgre"
url = "jdbc:postgresql://127.0.0.1:{closed}/shared_db"

[user_store]
type = "read_only_ldap_unique_id"
connection_url = "ldap://127.0.0.1:{closed}"

[keystore.primary]
file_name = "gateway.jks"
type = "JKS"
password = "Sup3r-Store"
alias = "gateway"
key_password = "Sup3r-Store"

[keystore.tls]
file_name = "gateway.jks"
type = "JKS"
password = "Sup3r-Store"
alias = "gateway"
key_password = "Sup3r-Store"

[truststore]
file_name = "truststore.jks"
type = "JKS"
password = "trust-me"
"#
    );
    let home = stage_home(dir, "4.2.0", &toml);
    let fixtures = repo().join("tests/fixtures");
    let security = home.join("repository/resources/security");
    std::fs::create_dir_all(&security).unwrap();
    for ks in ["gateway.jks", "truststore.jks"] {
        std::fs::copy(fixtures.join("keystores").join(ks), security.join(ks)).unwrap();
    }
    let lib = home.join("repository/components/lib");
    std::fs::create_dir_all(&lib).unwrap();
    std::fs::copy(
        fixtures.join("jars/postgresql-42.7.3.jar"),
        lib.join("postgresql-42.7.3.jar"),
    )
    .unwrap();
    write(
        &home.join("bin/api-manager.sh"),
        b"#!/bin/sh\nJAVA_OPTS=\"-Xms2048m -Xmx2048m -Dhttpclient.hostnameVerifier=Strict\"\nexec java $JAVA_OPTS Bootstrap\n",
    );
    write(
        &home.join("repository/conf/log4j2.properties"),
        b"appender.CARBON_LOGFILE.policies.type = Policies\nappender.CARBON_LOGFILE.policies.time.type = TimeBasedTriggeringPolicy\n",
    );
    write(
        &home.join("repository/conf/carbon.xml"),
        b"<Server><Ports><Offset>3</Offset></Ports></Server>\n",
    );
    write(
        &home.join("repository/conf/tomcat/catalina-server.xml"),
        b"<Server><Service><Connector port=\"9443\"><SSLHostConfig protocols=\"TLSv1.2\"/></Connector></Service></Server>\n",
    );
    write(
        &home.join("repository/resources/conf/templates/repository/conf/carbon.xml.j2"),
        b"<Server/>\n",
    );
    write(
        &home.join("repository/resources/conf/.metadata/metadata_config.properties"),
        b"a=b\n",
    );
    std::fs::create_dir_all(home.join("solr/data")).unwrap();
    std::fs::create_dir_all(home.join("repository/logs")).unwrap();
    symlink("../repository/conf", home.join("bin/conf")).unwrap();
    home
}

fn run(mut cmd: Command) -> Output {
    cmd.env_remove("PRODUCT_HOME")
        .env_remove("CARBON_HOME")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn report(out: &Output) -> Json {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{:?}: {stderr}",
        out.status
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {stderr}"))
}

/// Every run a person or a pipeline makes: all formats, facts to a file and to stdout.
fn every_run(home: &Path, out_dir: &Path) {
    let mut cmd = Command::new(BIN);
    cmd.args(["check", "--timeout", "2", "--product-home"])
        .arg(home)
        .arg("--format")
        .arg("json")
        .arg("--format")
        .arg(format!("table={}", out_dir.join("r.txt").display()));
    for f in ["junit", "sarif", "markdown"] {
        cmd.arg("--format")
            .arg(format!("{f}={}", out_dir.join(f).display()));
    }
    report(&run(cmd));
    let mut cmd = Command::new(BIN);
    cmd.args(["facts", "--timeout", "2", "--product-home"])
        .arg(home)
        .arg("--output")
        .arg(out_dir.join("facts.json"));
    assert!(run(cmd).status.success());
    let mut cmd = Command::new(BIN);
    cmd.args(["facts", "--offline", "--product-home"]).arg(home);
    assert!(run(cmd).status.success());
    let mut cmd = Command::new(BIN);
    cmd.args(["check", "--offline", "--facts"])
        .arg(out_dir.join("facts.json"))
        .arg("--product-home")
        .arg(home);
    assert!(matches!(run(cmd).status.code(), Some(0 | 1)));
}

#[test]
fn a_full_run_leaves_product_home_byte_for_byte_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let home = rich_home(dir.path());
    // Old enough that a write in the same second would still show.
    std::thread::sleep(Duration::from_millis(20));
    let before = tree(&home);
    assert!(before.len() > 25, "{} entries", before.len());
    let out_dir = tempfile::tempdir().unwrap();
    every_run(&home, out_dir.path());
    assert_eq!(before, tree(&home));
}

/// Statuses by rule id, without the ones that depend on who runs preflight.
fn statuses(report: &Json) -> Vec<(String, String)> {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            !["host.user.not-root", "keystore.permissions"].contains(&r["id"].as_str().unwrap())
        })
        .map(|r| {
            (
                r["id"].as_str().unwrap().to_string(),
                r["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn check_args(cmd: &mut Command, home: &Path) {
    cmd.args([
        "check",
        "--offline",
        "--timeout",
        "2",
        "--format",
        "json",
        // ports.free reads the host's listening sockets at that instant, nothing under
        // PRODUCT_HOME; another process can take a port between the two runs compared here.
        "--skip",
        "ports.free",
        "--product-home",
    ])
    .arg(home);
}

#[test]
fn a_read_only_bind_mount_gives_the_same_results() {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 || which::which("unshare").is_err() {
        common::missing_input("a read-only bind mount needs root and unshare(1)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = rich_home(dir.path());
    let mut cmd = Command::new(BIN);
    check_args(&mut cmd, &home);
    let writable = report(&run(cmd));
    // In a mount namespace of its own (gone with the process): the home bind-mounted onto
    // itself read-only, a write proven to fail, then preflight.
    let script = r#"mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" || exit 97
        if touch "$1/probe" 2>/dev/null; then exit 98; fi
        shift; exec "$@""#;
    let mut cmd = Command::new("unshare");
    cmd.args(["-m", "--propagation", "private", "sh", "-c", script, "sh"])
        .arg(&home)
        .arg(BIN);
    check_args(&mut cmd, &home);
    let out = run(cmd);
    match out.status.code() {
        Some(97) => {
            common::missing_input(&format!(
                "mount --bind/remount,ro is not allowed here: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
            return;
        }
        Some(98) => panic!("the bind mount was writable"),
        _ => {}
    }
    let read_only = report(&out);
    assert_eq!(statuses(&writable), statuses(&read_only));
}

#[test]
fn a_home_nobody_can_write_to_gives_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = rich_home(dir.path());
    let mut cmd = Command::new(BIN);
    check_args(&mut cmd, &home);
    let writable = report(&run(cmd));
    // Directories 0555, files 0444: readable by anyone, writable by no one but root.
    for e in tree(&home) {
        let p = home.join(&e.path);
        let meta = std::fs::symlink_metadata(&p).unwrap();
        if !meta.file_type().is_symlink() {
            let mode = if meta.is_dir() { 0o555 } else { 0o444 };
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
        }
    }
    let before = tree(&home);
    let Some(nobody) = as_nobody() else { return };
    let mut cmd = Command::new(&nobody[0]);
    cmd.args(&nobody[1..]);
    check_args(&mut cmd, &home);
    let out = run(cmd);
    let unwritable = report(&out);
    assert_eq!(statuses(&writable), statuses(&unwritable));
    assert_eq!(before, tree(&home));
    // Let the temporary folder be removed.
    for e in tree(&home) {
        let p = home.join(&e.path);
        if std::fs::symlink_metadata(&p).unwrap().is_dir() {
            std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
    }
}
