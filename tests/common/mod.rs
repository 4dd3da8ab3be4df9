//! Shared test helpers: staged PRODUCT_HOMEs, the shared WSO2 fixtures, running the binary.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub use preflight::test_support::missing_input;

/// A source outside the repository and ../shared (a git mirror of a WSO2 repository) is absent.
/// CI is not promised such a mirror, so this skips loudly even under CI; the input named in the
/// message is what a reader needs to run the test. Inputs CI does have use [`missing_input`].
pub fn optional_source_absent(what: &str) {
    let test = std::thread::current()
        .name()
        .unwrap_or("a test")
        .to_string();
    use std::io::Write;
    let _ = writeln!(
        std::io::stderr().lock(),
        "SKIPPED: {test}: {what} (an optional source: set its variable to a mirror to run it)"
    );
}

/// A file of a WSO2 repository at a tag, read from a bare git mirror, or `None`.
pub fn git_show(mirror: &str, tag: &str, path: &str) -> Option<String> {
    let out = std::process::Command::new("git")
        .args(["-C", mirror, "show", &format!("{tag}:{path}")])
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8(out.stdout).unwrap())
}

/// `../shared/fixtures/wso2`, or `None` after [`missing_input`] (a failure under CI).
pub fn wso2_fixtures() -> Option<PathBuf> {
    let dir = repo().join("../shared/fixtures/wso2");
    if dir.is_dir() {
        Some(dir)
    } else {
        missing_input(&format!(
            "{} is absent; tests on real WSO2 files did not run",
            dir.display()
        ));
        None
    }
}

/// `../shared/CHECKLIST.md`, or `None` after [`missing_input`] (a failure under CI).
pub fn checklist() -> Option<String> {
    let path = repo().join("../shared/CHECKLIST.md");
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => {
            missing_input(&format!("{}: {e}", path.display()));
            None
        }
    }
}

/// Stages a PRODUCT_HOME of the given version with the given deployment.toml text.
pub fn stage_home(dir: &Path, version: &str, deployment_toml: &str) -> PathBuf {
    let home = dir.join(format!("wso2am-{version}"));
    std::fs::create_dir_all(home.join("bin")).unwrap();
    std::fs::create_dir_all(home.join("updates")).unwrap();
    std::fs::create_dir_all(home.join("repository/conf")).unwrap();
    std::fs::write(
        home.join("bin/version.txt"),
        format!("WSO2 API Manager v{version}\n"),
    )
    .unwrap();
    std::fs::write(
        home.join("updates/product.txt"),
        format!("wso2am-{version}\n"),
    )
    .unwrap();
    std::fs::write(
        home.join("repository/conf/deployment.toml"),
        deployment_toml,
    )
    .unwrap();
    home
}

/// A PRODUCT_HOME of the given version and deployment.toml staged in a new temporary folder:
/// the folder (keep it alive while the home is used; it also holds units, packs and reports
/// next to the home) and the home.
pub fn temp_home(version: &str, deployment_toml: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), version, deployment_toml);
    (dir, home)
}

/// The binary, with nothing of the caller's environment that would change what it looks at
/// (PRODUCT_HOME, the terminal width, a keystore password, a unit folder override).
pub fn preflight() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("preflight").unwrap();
    cmd.env_remove("PRODUCT_HOME")
        .env_remove("CARBON_HOME")
        .env_remove("COLUMNS")
        .env_remove("PREFLIGHT_KEYSTORE_PASSWORD")
        .env_remove("PREFLIGHT_SYSTEMD_UNIT_DIRS")
        .env("NO_COLOR", "1");
    cmd
}

/// Runs `preflight facts ARGS…`, which must succeed (its standard error is shown when it does
/// not): the facts file it wrote to standard output.
pub fn facts_stdout(args: &[&str]) -> Vec<u8> {
    let out = preflight().arg("facts").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
}

/// Runs a prepared command whose standard output is JSON: the exit code, the parsed JSON, and
/// standard output and error as text (for messages and for leak checks).
pub fn run_json(cmd: &mut assert_cmd::Command) -> (i32, serde_json::Value, String) {
    let out = cmd.output().unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    let json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (out.status.code().unwrap(), json, text)
}

/// Runs `check --format json` and returns the exit code and the parsed report.
pub fn check_json(args: &[&str]) -> (i32, serde_json::Value) {
    let (code, report, _) = run_json(
        preflight()
            .arg("check")
            .args(args)
            .args(["--format", "json"]),
    );
    (code, report)
}

/// `check --offline --format json --product-home HOME ARGS…` with ENV added to the environment:
/// the exit code, the report, and standard output and error as text.
pub fn check_home(
    home: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> (i32, serde_json::Value, String) {
    run_json(
        preflight()
            .args(["check", "--offline", "--format", "json", "--product-home"])
            .arg(home)
            .args(args)
            .envs(env.iter().copied()),
    )
}

/// Fails naming `what` when any of `needles` (secrets, canaries) occurs in `bytes`.
#[track_caller]
pub fn assert_absent(what: &str, bytes: &[u8], needles: &[&str]) {
    let text = String::from_utf8_lossy(bytes);
    for n in needles {
        assert!(!text.contains(n), "{what} leaks `{n}`:\n{text}");
    }
}

pub fn result<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no result for {id}"))
}

/// 1-based line of the first line of `text` containing `needle`.
pub fn line_of(text: &str, needle: &str) -> u64 {
    text.lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("`{needle}` not found")) as u64
        + 1
}

/// Whether a test server listens on 127.0.0.1:port. Without it the test is skipped with a
/// message, except under CI (`CI` set), where `.ci/services.sh` must have started it.
pub fn service(port: u16, name: &str) -> bool {
    let up = std::net::TcpStream::connect_timeout(
        &([127, 0, 0, 1], port).into(),
        std::time::Duration::from_secs(1),
    )
    .is_ok();
    if !up {
        missing_input(&format!(
            "{name} is not listening on 127.0.0.1:{port}; .ci/services.sh starts it"
        ));
    }
    up
}

/// A loopback port nothing listens on (bound, then released).
pub fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind(("127.0.0.1", 0)).unwrap();
    l.local_addr().unwrap().port()
}

/// The command line that runs preflight (its last element) as a user without root's power to
/// read and write anything: preflight itself when not root, through `setpriv` (or `runuser`)
/// as `nobody` when root. `None`, with a message saying the test is skipped, when neither tool
/// exists. When `nobody` cannot reach the built binary, a copy in a world-readable temporary
/// folder is used. Files `nobody` must read need a world-traversable folder too.
pub fn as_nobody() -> Option<Vec<String>> {
    let bin = env!("CARGO_BIN_EXE_preflight").to_string();
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some(vec![bin]);
    }
    let prefix: Vec<String> = if which::which("setpriv").is_ok() {
        [
            "setpriv",
            "--reuid=65534",
            "--regid=65534",
            "--clear-groups",
        ]
        .map(String::from)
        .to_vec()
    } else if which::which("runuser").is_ok() {
        ["runuser", "-u", "nobody", "--"].map(String::from).to_vec()
    } else {
        missing_input("running as root without setpriv or runuser; cannot run as nobody");
        return None;
    };
    let runs = |bin: &str| {
        std::process::Command::new(&prefix[0])
            .args(&prefix[1..])
            .args(["test", "-x", bin])
            .status()
            .is_ok_and(|s| s.success())
    };
    let bin = if runs(&bin) {
        bin
    } else {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("preflight-nobody-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        let copy = dir.join("preflight");
        if !copy.exists() {
            let part = dir.join(format!("preflight.{:?}", std::thread::current().id()));
            std::fs::copy(&bin, &part).unwrap();
            std::fs::set_permissions(&part, std::fs::Permissions::from_mode(0o755)).unwrap();
            std::fs::rename(&part, &copy).unwrap();
        }
        let copy = copy.display().to_string();
        assert!(runs(&copy), "nobody cannot run {copy}");
        copy
    };
    Some(prefix.into_iter().chain([bin]).collect())
}

/// Writes a file, creating its folders.
pub fn write(path: &Path, bytes: &[u8]) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// WSO2's shipped APIM 4.2.0 deployment.toml, or `None` (with a SKIPPED message) without fixtures.
pub fn real_420_deployment_toml() -> Option<String> {
    let fx = wso2_fixtures()?;
    let path = fx.join(
        "wso2-product-apim/v4.2.0/modules/distribution/product/src/main/conf/deployment.toml",
    );
    Some(std::fs::read_to_string(path).unwrap())
}

/// A file of wso2/product-apim at a tag: from ../shared/fixtures/wso2 when held there, else from
/// the git mirror (`$PREFLIGHT_PRODUCT_APIM_MIRROR`, default
/// /work/.mirror/wso2+product-apim/repo). `None` when neither has it: after [`missing_input`] for
/// the tags ../shared holds (a failure under CI), after [`optional_source_absent`] for others.
pub fn product_apim(tag: &str, path: &str) -> Option<String> {
    let shared = repo().join("../shared/fixtures/wso2/wso2-product-apim");
    if let Ok(text) = std::fs::read_to_string(shared.join(tag).join(path)) {
        return Some(text);
    }
    let mirror = std::env::var("PREFLIGHT_PRODUCT_APIM_MIRROR")
        .unwrap_or_else(|_| "/work/.mirror/wso2+product-apim/repo".to_string());
    if let Some(text) = git_show(&mirror, tag, path) {
        return Some(text);
    }
    let what = format!(
        "product-apim {tag}:{path} is neither in {} nor in {mirror}",
        shared.display()
    );
    if std::path::Path::new(&mirror).is_dir() || !shared.is_dir() {
        missing_input(&what);
    } else {
        optional_source_absent(&what);
    }
    None
}
