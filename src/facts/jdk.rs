//! JDK probe: the JDK the start script would use (JAVA_HOME, else `java` on PATH), its version and vendor.

use super::{Context, Fact};
use crate::io::read_capped;
use crate::value::{Value, Version};
use std::collections::BTreeMap;
use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A release file or `java -version` output is a few KiB at most.
const MAX_OUTPUT: u64 = 64 << 10;

/// What was learnt about the JDK.
#[derive(Debug, Clone)]
pub struct Jdk {
    /// The JDK directory; `Ok(None)` when there is none, `Err` when it cannot be worked out.
    pub home: Result<Option<PathBuf>, String>,
    java_home_env: Option<String>,
    /// Version, vendor and where they were read, once a home is known.
    pub info: Result<Info, String>,
}

#[derive(Debug, Clone)]
pub struct Info {
    pub version: Version,
    pub vendor: String,
    pub source: &'static str,
}

pub fn probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    let jdk = detect(
        std::env::var_os("JAVA_HOME").as_deref(),
        std::env::var_os("PATH").as_deref(),
        ctx.deadline,
    );
    names.iter().map(|n| (n.clone(), fact(&jdk, n))).collect()
}

fn fact(jdk: &Jdk, name: &str) -> Fact {
    match name {
        "jdk.java-home-env" => {
            Fact::value(jdk.java_home_env.clone().map_or(Value::Null, Value::Str))
        }
        "jdk.home" => match &jdk.home {
            Ok(h) => Fact::value(h.as_ref().map_or(Value::Null, |p| path_value(p))),
            Err(e) => Fact::unavailable(e.clone()),
        },
        "jdk.is-jdk" => match &jdk.home {
            Ok(Some(h)) => Fact::value(Value::Bool(h.join("bin/javac").is_file())),
            _ => info_fact(jdk, |_| Value::Null),
        },
        "jdk.version" => info_fact(jdk, |i| Value::Version(i.version.clone())),
        "jdk.feature" => info_fact(jdk, |i| Value::Int(i.version.feature() as i64)),
        "jdk.vendor" => info_fact(jdk, |i| Value::Str(i.vendor.clone())),
        "jdk.source" => info_fact(jdk, |i| Value::Str(i.source.to_string())),
        "jdk.tls.disabled-protocols" => match &jdk.home {
            Ok(Some(h)) => super::java_security::disabled_protocols(h),
            Ok(None) => Fact::unavailable("no JDK found (JAVA_HOME unset and no java on PATH)"),
            Err(e) => Fact::unavailable(e.clone()),
        },
        other => Fact::unavailable(format!("the jdk probe does not know `{other}`")),
    }
}

fn info_fact(jdk: &Jdk, f: impl Fn(&Info) -> Value) -> Fact {
    match &jdk.info {
        Ok(i) => Fact::value(f(i)),
        Err(e) => Fact::unavailable(e.clone()),
    }
}

fn path_value(p: &Path) -> Value {
    Value::Str(p.display().to_string())
}

/// Finds the JDK as the start script would and reads its version and vendor.
pub fn detect(java_home: Option<&OsStr>, path: Option<&OsStr>, deadline: Duration) -> Jdk {
    let java_home_env = java_home
        .filter(|v| !v.is_empty())
        .map(|v| v.to_string_lossy().into_owned());
    let home = locate(java_home, path);
    let info = match &home {
        Ok(Some(h)) => read_info(h, deadline),
        Ok(None) => Err("no JDK found: JAVA_HOME is not set and there is no `java` on PATH".into()),
        Err(e) => Err(format!("the JDK could not be located: {e}")),
    };
    Jdk {
        home,
        java_home_env,
        info,
    }
}

/// `$JAVA_HOME`, else the directory above `bin/java` of the `java` on PATH, symlinks resolved.
fn locate(java_home: Option<&OsStr>, path: Option<&OsStr>) -> Result<Option<PathBuf>, String> {
    if let Some(jh) = java_home.filter(|v| !v.is_empty()) {
        return Ok(Some(PathBuf::from(jh)));
    }
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let Ok(java) = which::which_in("java", path.map(OsString::from), cwd) else {
        return Ok(None);
    };
    let real = std::fs::canonicalize(&java)
        .map_err(|e| format!("cannot resolve {}: {e}", java.display()))?;
    let bin = real.parent().filter(|b| b.ends_with("bin"));
    let Some(home) = bin.and_then(Path::parent) else {
        return Err(format!("{} is not inside a bin/ directory", real.display()));
    };
    // JDK 8 puts the runtime's java under jre/bin; the JDK is the directory above.
    match home.parent() {
        Some(up) if home.ends_with("jre") && up.join("bin/javac").is_file() => {
            Ok(Some(up.to_path_buf()))
        }
        _ => Ok(Some(home.to_path_buf())),
    }
}

/// Reads `release`; only when it is missing runs `bin/java -version` under the deadline.
fn read_info(home: &Path, deadline: Duration) -> Result<Info, String> {
    let release = home.join("release");
    if release.exists() {
        let text = read_capped(&release, MAX_OUTPUT)?;
        return from_release(&text)
            .ok_or_else(|| format!("{} has no JAVA_VERSION that parses", release.display()));
    }
    let java = home.join("bin/java");
    if !java.is_file() {
        return Err(format!(
            "{} has neither a release file nor bin/java",
            home.display()
        ));
    }
    let out = java_version_output(&java, deadline)?;
    from_java_version(&out)
        .ok_or_else(|| format!("`{} -version` printed no version", java.display()))
}

fn parse_release(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().trim_matches('"').to_string()))
        .collect()
}

/// Version and vendor from a release file.
pub fn from_release(text: &str) -> Option<Info> {
    let r = parse_release(text);
    let get = |k: &str| r.get(k).map(String::as_str).unwrap_or("");
    // JAVA_RUNTIME_VERSION carries the build number (`17.0.6+10`) when it agrees with JAVA_VERSION.
    let java_version = Version::parse(get("JAVA_VERSION"));
    let version = Version::parse(get("JAVA_RUNTIME_VERSION"))
        .filter(|v| {
            java_version
                .as_ref()
                .is_none_or(|j| v.parts.starts_with(&j.parts))
        })
        .or(java_version)?;
    let haystack = format!(
        "{} {} {} {}",
        get("IMPLEMENTOR"),
        get("IMPLEMENTOR_VERSION"),
        get("JAVA_RUNTIME_VERSION"),
        get("BUILD_TYPE")
    );
    Some(Info {
        vendor: vendor(&haystack, version.feature()),
        version,
        source: "release file",
    })
}

/// Version and vendor from `java -version` output.
pub fn from_java_version(out: &str) -> Option<Info> {
    let quoted = out
        .lines()
        .find(|l| l.contains("version \""))?
        .split('"')
        .nth(1)?;
    let quoted = Version::parse(quoted)?;
    // "(build 17.0.6+10)" on the runtime line carries the build number.
    let build = out
        .lines()
        .filter_map(|l| l.split("(build ").nth(1))
        .filter_map(|b| b.split([')', ',']).next())
        .filter_map(Version::parse)
        .find(|b| b.text.starts_with(&quoted.text) || b.parts.starts_with(&quoted.parts));
    let version = build.unwrap_or(quoted);
    Some(Info {
        vendor: vendor(out, version.feature()),
        version,
        source: "java -version",
    })
}

/// Normalises what a JDK says about its maker: temurin, oracle, openjdk, corretto, ibm-semeru, ...
pub fn vendor(text: &str, feature: u64) -> String {
    let t = text.to_ascii_lowercase();
    const KNOWN: &[(&str, &str)] = &[
        ("semeru", "ibm-semeru"),
        ("temurin", "temurin"),
        ("adoptium", "temurin"),
        ("adoptopenjdk", "adoptopenjdk"),
        ("corretto", "corretto"),
        ("amazon", "corretto"),
        ("zulu", "zulu"),
        ("azul", "zulu"),
        ("red hat", "redhat"),
        ("red_hat", "redhat"),
        ("microsoft", "microsoft"),
        ("bellsoft", "liberica"),
        ("liberica", "liberica"),
        ("sapmachine", "sapmachine"),
        ("graalvm", "graalvm"),
        ("dragonwell", "dragonwell"),
        ("alibaba", "dragonwell"),
        ("java(tm)", "oracle"),
        ("commercial", "oracle"),
    ];
    if let Some((_, v)) = KNOWN.iter().find(|(k, _)| t.contains(k)) {
        return v.to_string();
    }
    if t.contains("ibm") || t.contains("international business machines") {
        // The classic IBM SDK ended with Java 8; later IBM builds are Semeru.
        return if feature >= 11 { "ibm-semeru" } else { "ibm" }.to_string();
    }
    // Oracle's jdk.java.net builds, distribution packages (Debian, Ubuntu) and plain builds.
    "openjdk".to_string()
}

/// Runs `java -version` and returns what it printed (stderr then stdout), killing it and its
/// process group when it does not finish within `deadline`.
fn java_version_output(java: &Path, deadline: Duration) -> Result<String, String> {
    use std::os::unix::process::CommandExt;
    use wait_timeout::ChildExt;
    let started = Instant::now();
    let mut cmd = Command::new(java);
    cmd.arg("-version")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let parent = std::process::id();
    // SAFETY: between fork and exec the closure only calls async-signal-safe prctl, getppid
    // and _exit, and allocates nothing.
    unsafe {
        cmd.pre_exec(move || {
            // Should preflight die before it has put the child's group on the interrupt list
            // (a signal right after fork), the kernel kills the child with it.
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if libc::getppid() as u32 != parent {
                libc::_exit(1);
            }
            Ok(())
        });
    }
    let mut child =
        spawn(&mut cmd).map_err(|e| format!("cannot run {} -version: {e}", java.display()))?;
    // The child leads its own group (above); an interrupted preflight kills that group.
    let _tracked = crate::interrupt::track(child.id() as i32);
    let stderr = drain(child.stderr.take());
    let stdout = drain(child.stdout.take());
    let status = child.wait_timeout(deadline).map_err(|e| e.to_string())?;
    let Some(status) = status else {
        kill_group(&mut child);
        return Err(format!(
            "timed out: `{} -version` did not finish within {}ms",
            java.display(),
            deadline.as_millis()
        ));
    };
    let left = deadline.saturating_sub(started.elapsed()) + Duration::from_millis(100);
    let err = stderr.recv_timeout(left).unwrap_or_default();
    let out = stdout.recv_timeout(left).unwrap_or_default();
    if !status.success() && err.is_empty() && out.is_empty() {
        return Err(format!("`{} -version` failed: {status}", java.display()));
    }
    Ok(format!("{err}{out}"))
}

/// Spawns, retrying briefly while the executable is still open for writing elsewhere (ETXTBSY).
fn spawn(cmd: &mut Command) -> std::io::Result<std::process::Child> {
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy && tries < 5 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Reads a pipe in a thread (bounded), so a grandchild holding it open cannot block us.
fn drain(pipe: Option<impl Read + Send + 'static>) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    if let Some(pipe) = pipe {
        // Without a thread (a pids limit) the pipe is not read: reading it here could block
        // past the deadline. The output then counts as missing, and the probe says so.
        let _ = std::thread::Builder::new().spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.take(MAX_OUTPUT).read_to_end(&mut bytes);
            let _ = tx.send(String::from_utf8_lossy(&bytes).into_owned());
        });
    }
    rx
}

fn kill_group(child: &mut std::process::Child) {
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill only sends a signal; the group is the one we created for this child.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn fake_jdk(
        release: Option<&str>,
        java_script: Option<&str>,
        javac: bool,
    ) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("bin")).unwrap();
        if let Some(r) = release {
            std::fs::write(dir.path().join("release"), r).unwrap();
        }
        if let Some(s) = java_script {
            let java = dir.path().join("bin/java");
            std::fs::write(&java, s).unwrap();
            std::fs::set_permissions(&java, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        if javac {
            std::fs::write(dir.path().join("bin/javac"), "").unwrap();
        }
        dir
    }

    fn facts(jdk: &Jdk) -> BTreeMap<&'static str, Result<Value, String>> {
        [
            "jdk.home",
            "jdk.java-home-env",
            "jdk.version",
            "jdk.feature",
            "jdk.vendor",
            "jdk.is-jdk",
            "jdk.source",
        ]
        .into_iter()
        .map(|n| (n, fact(jdk, n).get().cloned().map_err(str::to_string)))
        .collect()
    }

    #[test]
    fn release_file_of_temurin() {
        let dir = fake_jdk(
            Some(
                "IMPLEMENTOR=\"Eclipse Adoptium\"\nIMPLEMENTOR_VERSION=\"Temurin-17.0.6+10\"\nJAVA_RUNTIME_VERSION=\"17.0.6+10\"\nJAVA_VERSION=\"17.0.6\"\n",
            ),
            None,
            true,
        );
        let jdk = detect(Some(dir.path().as_os_str()), None, Duration::from_secs(2));
        let f = facts(&jdk);
        assert_eq!(
            f["jdk.version"],
            Ok(Value::Version(Version::parse("17.0.6+10").unwrap()))
        );
        assert_eq!(f["jdk.feature"], Ok(Value::Int(17)));
        assert_eq!(f["jdk.vendor"], Ok(Value::Str("temurin".into())));
        assert_eq!(f["jdk.is-jdk"], Ok(Value::Bool(true)));
        assert_eq!(f["jdk.source"], Ok(Value::Str("release file".into())));
        let home = dir.path().display().to_string();
        assert_eq!(f["jdk.java-home-env"], Ok(Value::Str(home.clone())));
        assert_eq!(f["jdk.home"], Ok(Value::Str(home)));
    }

    #[test]
    fn java_version_when_no_release_file() {
        let script = "#!/bin/sh\necho 'java version \"1.8.0_151\"' >&2\necho 'Java(TM) SE Runtime Environment (build 1.8.0_151-b12)' >&2\n";
        let dir = fake_jdk(None, Some(script), false);
        let jdk = detect(Some(dir.path().as_os_str()), None, Duration::from_secs(5));
        let f = facts(&jdk);
        let v = Version::parse("1.8.0_151-b12").unwrap();
        assert_eq!(f["jdk.version"], Ok(Value::Version(v)));
        assert_eq!(f["jdk.feature"], Ok(Value::Int(8)));
        assert_eq!(f["jdk.vendor"], Ok(Value::Str("oracle".into())));
        assert_eq!(f["jdk.is-jdk"], Ok(Value::Bool(false)));
        assert_eq!(f["jdk.source"], Ok(Value::Str("java -version".into())));
    }

    #[test]
    fn a_hanging_java_times_out() {
        let dir = fake_jdk(None, Some("#!/bin/sh\nsleep 30\n"), true);
        let started = Instant::now();
        let jdk = detect(
            Some(dir.path().as_os_str()),
            None,
            Duration::from_millis(300),
        );
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "{:?}",
            started.elapsed()
        );
        let reason = fact(&jdk, "jdk.version").get().unwrap_err().to_string();
        assert!(reason.contains("timed out"), "{reason}");
        assert!(fact(&jdk, "jdk.home").get().is_ok());
    }

    #[test]
    fn java_on_path_through_symlinks() {
        let dir = fake_jdk(
            Some("JAVA_VERSION=\"21.0.2\"\nIMPLEMENTOR=\"Amazon.com Inc.\"\n"),
            Some("#!/bin/sh\n"),
            true,
        );
        let links = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(dir.path().join("bin/java"), links.path().join("java")).unwrap();
        let jdk = detect(None, Some(links.path().as_os_str()), Duration::from_secs(2));
        let f = facts(&jdk);
        let real = std::fs::canonicalize(dir.path()).unwrap();
        assert_eq!(f["jdk.home"], Ok(Value::Str(real.display().to_string())));
        assert_eq!(f["jdk.java-home-env"], Ok(Value::Null));
        assert_eq!(f["jdk.vendor"], Ok(Value::Str("corretto".into())));
        assert_eq!(f["jdk.feature"], Ok(Value::Int(21)));
    }

    #[test]
    fn no_jdk_at_all() {
        let empty = tempfile::tempdir().unwrap();
        let jdk = detect(None, Some(empty.path().as_os_str()), Duration::from_secs(1));
        let f = facts(&jdk);
        assert_eq!(f["jdk.home"], Ok(Value::Null));
        assert_eq!(f["jdk.java-home-env"], Ok(Value::Null));
        assert!(
            f["jdk.version"]
                .as_ref()
                .unwrap_err()
                .contains("no JDK found")
        );
        assert!(f["jdk.is-jdk"].is_err());
    }

    #[test]
    fn symlink_loop_is_unavailable() {
        let links = tempfile::tempdir().unwrap();
        let (a, b) = (links.path().join("java"), links.path().join("other"));
        std::os::unix::fs::symlink(&b, &a).unwrap();
        std::os::unix::fs::symlink(&a, &b).unwrap();
        let jdk = detect(None, Some(links.path().as_os_str()), Duration::from_secs(1));
        // which may skip the broken link (Null) or report it; never a panic, never a value.
        match fact(&jdk, "jdk.home").get() {
            Ok(Value::Null) | Err(_) => {}
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn vendors_normalise() {
        assert_eq!(vendor("Debian 17.0.15+6-Debian-1deb12u1", 17), "openjdk");
        assert_eq!(vendor("Oracle Corporation", 21), "openjdk");
        assert_eq!(
            vendor("Oracle Corporation  21.0.2+13-LTS-58 commercial", 21),
            "oracle"
        );
        assert_eq!(vendor("IBM Corporation", 17), "ibm-semeru");
        assert_eq!(vendor("IBM Corporation", 8), "ibm");
        assert_eq!(vendor("IBM Semeru Runtime Open Edition", 11), "ibm-semeru");
        assert_eq!(vendor("Azul Systems, Inc. Zulu17.40+19-CA", 17), "zulu");
        assert_eq!(vendor("Red Hat, Inc.", 11), "redhat");
        assert_eq!(vendor("Microsoft", 17), "microsoft");
    }

    #[test]
    fn this_hosts_jdk_if_any() {
        let jdk = detect(
            std::env::var_os("JAVA_HOME").as_deref(),
            std::env::var_os("PATH").as_deref(),
            Duration::from_secs(5),
        );
        eprintln!("{:?}", facts(&jdk));
    }
}
