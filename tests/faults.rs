//! Fault injection: unreadable files and directories, symlink loops, 1 GiB files, non-UTF-8
//! bytes in every input, blackholed databases and SIGINT. Every run must end within its
//! deadline, print valid JSON (or, for inputs that stop a run, exit 2 with a message naming
//! the file), exit with the contract's code, say why in `error`/`fail` results, and not panic.
//! (A `java` that never returns is in tests/probes.rs.)

mod common;
use common::*;
use serde_json::Value as Json;
use std::net::{TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_preflight");
/// Bytes that are not UTF-8: a Latin-1 `é` and a lone 0xFF.
const NOT_UTF8: &[u8] = b"caf\xe9 \xff";

const TOML: &str = r#"[server]
hostname = "apim.example.com"

[super_admin]
username = "ops"
password = "s3cure-Admin"

[database.apim_db]
type = "postgre"
url = "jdbc:postgresql://127.0.0.1:5432/apim_db"

[database.shared_db]
type = "postgre"
url = "jdbc:postgresql://127.0.0.1:5432/shared_db"
"#;

const SCRIPT: &str = "#!/bin/sh\nJAVA_OPTS=\"-Xms2048m -Xmx2048m\"\nexec java $JAVA_OPTS org.wso2.carbon.bootstrap.Bootstrap\n";

struct Run {
    out: Output,
    took: Duration,
}

impl Run {
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }

    fn no_panic(&self) {
        assert!(
            !self.stderr().contains("panicked"),
            "panic: {}",
            self.stderr()
        );
    }

    /// The JSON report, after checking there was no panic, the run ended in `within` and
    /// the exit code is `code`.
    fn report(&self, code: i32, within: Duration) -> Json {
        self.no_panic();
        assert!(self.took < within, "took {:?}", self.took);
        let report: Json = serde_json::from_slice(&self.out.stdout).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}): {}\nstderr: {}",
                String::from_utf8_lossy(&self.out.stdout),
                self.stderr()
            )
        });
        assert_eq!(self.out.status.code(), Some(code), "{}", self.stderr());
        report
    }

    /// A run that could not start: exit 2, nothing on stdout, a message naming `what`.
    fn cannot_run(&self, what: &str, because: &str) {
        self.no_panic();
        assert_eq!(self.out.status.code(), Some(2), "{}", self.stderr());
        assert!(self.out.stdout.is_empty());
        let err = self.stderr();
        assert!(
            err.contains(what) && err.contains(because),
            "`{what}` / `{because}` not in: {err}"
        );
    }
}

fn run(mut cmd: Command) -> Run {
    let started = Instant::now();
    let out = cmd.output().unwrap();
    Run {
        out,
        took: started.elapsed(),
    }
}

/// preflight, or the command line `argv` that runs it (see `as_nobody`), without the
/// caller's PRODUCT_HOME.
fn command(argv: &[String]) -> Command {
    let mut cmd = match argv.split_first() {
        None => Command::new(BIN),
        Some((first, rest)) => {
            let mut c = Command::new(first);
            c.args(rest);
            c
        }
    };
    cmd.env_remove("PRODUCT_HOME")
        .env_remove("CARBON_HOME")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    cmd
}

/// `check --offline --timeout 2 --format json` of `home`.
fn check(prefix: &[String], home: &Path, extra: &[&str]) -> Run {
    let mut cmd = command(prefix);
    cmd.args(["check", "--offline", "--timeout", "2", "--format", "json"])
        .arg("--product-home")
        .arg(home)
        .args(extra);
    run(cmd)
}

fn expect(report: &Json, id: &str, status: &str, needle: &str) {
    let r = result(report, id);
    assert_eq!(r["status"], status, "{id}: {r:#}");
    let text = format!(
        "{} {}",
        r["reason"].as_str().unwrap_or_default(),
        r["message"].as_str().unwrap_or_default()
    );
    assert!(text.contains(needle), "{id}: `{needle}` not in {r:#}");
}

const QUICK: Duration = Duration::from_secs(3);

/// A temporary folder others can traverse (tempdir makes 0700 ones), for runs as `nobody`.
fn open_tempdir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o755);
    dir
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A 4.2.0 home with a start script, a keystore and a truststore, log4j2.properties and an
/// empty lib/.
fn full_home(dir: &Path, toml: &str) -> PathBuf {
    let home = stage_home(dir, "4.2.0", toml);
    write(&home.join("bin/api-manager.sh"), SCRIPT.as_bytes());
    write(
        &home.join("repository/resources/security/wso2carbon.jks"),
        b"\xfe\xed\xfe\xed not really a keystore",
    );
    // A truststore is there too, so keystore.readable turns on the keystore under test alone.
    write(
        &home.join("repository/resources/security/client-truststore.jks"),
        b"\xfe\xed\xfe\xed not really a truststore",
    );
    write(
        &home.join("repository/conf/log4j2.properties"),
        b"appender.CARBON_LOGFILE.policies.type = Policies\n",
    );
    std::fs::create_dir_all(home.join("repository/components/lib")).unwrap();
    home
}

#[test]
fn unreadable_files_are_errors_that_say_permission_denied() {
    let Some(nobody) = as_nobody() else { return };
    let dir = open_tempdir();
    let home = full_home(dir.path(), TOML);
    for f in [
        "repository/resources/security/wso2carbon.jks",
        "bin/api-manager.sh",
        "repository/conf/log4j2.properties",
    ] {
        chmod(&home.join(f), 0o000);
    }
    chmod(&home.join("repository/components/lib"), 0o000);
    let r = check(&nobody, &home, &[]).report(1, QUICK);
    expect(&r, "config.parses", "pass", "parses");
    expect(&r, "keystore.readable", "error", "Permission denied");
    expect(&r, "jvm.heap.max", "error", "Permission denied");
    expect(&r, "ops.log-rotation", "error", "Permission denied");
    expect(
        &r,
        "db.driver-jar",
        "error",
        "cannot list repository/components/lib: Permission denied",
    );
}

#[test]
fn unreadable_directories_are_errors_not_a_missing_product() {
    let Some(nobody) = as_nobody() else { return };
    let dir = open_tempdir();
    let home = full_home(dir.path(), TOML);
    for d in ["repository/conf", "bin", "updates"] {
        chmod(&home.join(d), 0o000);
    }
    let r = check(&nobody, &home, &[]).report(1, QUICK);
    expect(&r, "config.parses", "fail", "Permission denied");
    expect(&r, "config.hostname", "error", "Permission denied");
    expect(&r, "product.detected", "error", "Permission denied");

    // The home itself unreadable: every rule on it says so, none passes by default.
    let dir = open_tempdir();
    let home = full_home(dir.path(), TOML);
    chmod(&home, 0o000);
    let r = check(&nobody, &home, &[]).report(1, QUICK);
    expect(&r, "config.parses", "fail", "Permission denied");
    expect(&r, "product.detected", "error", "Permission denied");
    expect(&r, "keystore.readable", "error", "Permission denied");
}

#[test]
fn symlink_loops_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let home = full_home(dir.path(), TOML);
    let conf = home.join("repository/conf/deployment.toml");
    std::fs::remove_file(&conf).unwrap();
    symlink("deployment.toml", &conf).unwrap();
    let r = check(&[], &home, &[]).report(1, QUICK);
    expect(
        &r,
        "config.parses",
        "fail",
        "Too many levels of symbolic links",
    );

    let dir = tempfile::tempdir().unwrap();
    let home = full_home(dir.path(), TOML);
    let ks = home.join("repository/resources/security/wso2carbon.jks");
    std::fs::remove_file(&ks).unwrap();
    symlink("wso2carbon.jks", &ks).unwrap();
    let lib = home.join("repository/components/lib");
    std::fs::remove_dir(&lib).unwrap();
    symlink("lib", &lib).unwrap();
    // dropins/ holds lib/ and itself: a loop one level down.
    let dropins = home.join("repository/components/dropins");
    std::fs::create_dir(&dropins).unwrap();
    symlink("..", dropins.join("up")).unwrap();
    symlink("../lib", dropins.join("lib")).unwrap();
    let r = check(&[], &home, &[]).report(1, QUICK);
    expect(
        &r,
        "keystore.readable",
        "error",
        "Too many levels of symbolic links",
    );
    expect(
        &r,
        "db.driver-jar",
        "error",
        "cannot list repository/components/lib: Too many levels of symbolic links",
    );
}

/// A FIFO with no writer as deployment.toml would block whoever opens it, and a character
/// device (/dev/zero) never ends: both are refused before opening, as not regular files.
#[test]
fn a_fifo_or_a_device_as_deployment_toml_costs_one_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let home = full_home(dir.path(), TOML);
    let conf = home.join("repository/conf/deployment.toml");
    std::fs::remove_file(&conf).unwrap();
    let c = std::ffi::CString::new(conf.to_str().unwrap()).unwrap();
    // SAFETY: mkfifo with a valid C string.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o644) }, 0);
    let mut cmd = command(&[]);
    cmd.args(["check", "--offline", "--timeout", "1", "--format", "json"])
        .arg("--product-home")
        .arg(&home);
    // Refused before it is opened (opening a FIFO blocks): no deadline is spent at all.
    let r = run(cmd).report(1, QUICK);
    expect(&r, "config.parses", "fail", "not a regular file");
    expect(&r, "config.hostname", "error", "not a regular file");

    std::fs::remove_file(&conf).unwrap();
    symlink("/dev/zero", &conf).unwrap();
    let r = check(&[], &home, &[]).report(1, QUICK);
    expect(&r, "config.parses", "fail", "not a regular file");
}

/// A sparse file of 1 GiB: no disk, but a reader that reads it all takes seconds and 1 GiB.
fn huge(path: &Path) {
    let f = std::fs::File::create(path).unwrap();
    f.set_len(1 << 30).unwrap();
}

#[test]
fn one_gib_files_are_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    // A relative home: the messages name PRODUCT_HOME/… without mangling the rest of the text.
    let home = full_home(dir.path(), TOML);
    huge(&home.join("repository/conf/deployment.toml"));
    let mut cmd = command(&[]);
    cmd.current_dir(dir.path()).args([
        "check",
        "--offline",
        "--timeout",
        "2",
        "--format",
        "json",
        "--product-home",
        "wso2am-4.2.0",
    ]);
    let r = run(cmd).report(1, Duration::from_secs(2));
    expect(
        &r,
        "config.parses",
        "fail",
        "PRODUCT_HOME/repository/conf/deployment.toml is larger than 8 MiB and was not read",
    );
    expect(&r, "config.hostname", "error", "larger than 8 MiB");

    let dir = tempfile::tempdir().unwrap();
    let home = full_home(dir.path(), TOML);
    huge(&home.join("repository/resources/security/wso2carbon.jks"));
    huge(&home.join("bin/api-manager.sh"));
    let r = check(&[], &home, &[]).report(1, Duration::from_secs(2));
    expect(&r, "config.parses", "pass", "parses");
    expect(&r, "keystore.readable", "error", "and was not read");
    expect(&r, "jvm.heap.max", "error", "and was not read");
}

#[test]
fn non_utf8_bytes_in_product_files_are_errors_that_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let home = full_home(dir.path(), TOML);
    let mut toml = TOML.as_bytes().to_vec();
    toml.extend_from_slice(b"# ");
    toml.extend_from_slice(NOT_UTF8);
    write(&home.join("repository/conf/deployment.toml"), &toml);
    let r = check(&[], &home, &[]).report(1, QUICK);
    expect(&r, "config.parses", "fail", "is not UTF-8 text");
    expect(&r, "config.hostname", "error", "is not UTF-8 text");

    let dir = tempfile::tempdir().unwrap();
    let home = full_home(dir.path(), TOML);
    let mut script = SCRIPT.as_bytes().to_vec();
    script.extend_from_slice(b"# ");
    script.extend_from_slice(NOT_UTF8);
    write(&home.join("bin/api-manager.sh"), &script);
    let mut props = b"appender.CARBON_LOGFILE.policies.type = Policies\n# ".to_vec();
    props.extend_from_slice(NOT_UTF8);
    write(&home.join("repository/conf/log4j2.properties"), &props);
    let mut xml = b"<Server><!-- ".to_vec();
    xml.extend_from_slice(NOT_UTF8);
    xml.extend_from_slice(b" --><Ports><Offset>0</Offset></Ports></Server>\n");
    write(&home.join("repository/conf/carbon.xml"), &xml);
    let pack = dir.path().join("pack");
    write(
        &pack.join("xml.toml"),
        b"[[rule]]\nid = \"test.xml\"\ntitle = \"carbon.xml port offset\"\ncategory = \"config\"\nfact = \"xml.carbon./Server/Ports/Offset\"\nfail = \"!= 0\"\n",
    );
    let r = check(&[], &home, &["--rules", pack.to_str().unwrap()]).report(1, QUICK);
    expect(&r, "config.parses", "pass", "parses");
    expect(
        &r,
        "jvm.heap.max",
        "error",
        "bin/api-manager.sh is not UTF-8 text",
    );
    // java.util.Properties reads ISO-8859-1, so a Latin-1 byte there is no fault.
    expect(&r, "ops.log-rotation", "warn", "");
    // XML without an encoding declaration is UTF-8: the byte is an error.
    expect(&r, "test.xml", "error", "carbon.xml is not UTF-8 text");
    // carbon.xml as WSO2 ships it declares ISO-8859-1: the same byte is text.
    let mut xml = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n<Server><!-- ".to_vec();
    xml.extend_from_slice(NOT_UTF8);
    xml.extend_from_slice(b" --><Ports><Offset>0</Offset></Ports></Server>\n");
    write(&home.join("repository/conf/carbon.xml"), &xml);
    let r = check(
        &[],
        &home,
        &["--rules", pack.to_str().unwrap(), "--only", "test.xml"],
    );
    expect(&r.report(0, QUICK), "test.xml", "pass", "");

    // Both version records unreadable: the product is not known, which is not "not a product".
    let dir = tempfile::tempdir().unwrap();
    let home = full_home(dir.path(), TOML);
    write(&home.join("bin/version.txt"), NOT_UTF8);
    write(&home.join("updates/product.txt"), NOT_UTF8);
    let r = check(&[], &home, &[]).report(1, QUICK);
    expect(
        &r,
        "product.detected",
        "error",
        "PRODUCT_HOME/bin/version.txt is not UTF-8 text",
    );
}

#[test]
fn a_non_utf8_jdk_release_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let home = full_home(dir.path(), TOML);
    let jdk = dir.path().join("jdk");
    let mut release = b"JAVA_VERSION=\"17.0.6\"\nIMPLEMENTOR=\"".to_vec();
    release.extend_from_slice(NOT_UTF8);
    release.extend_from_slice(b"\"\n");
    write(&jdk.join("release"), &release);
    write(&jdk.join("bin/java"), b"#!/bin/sh\nexit 1\n");
    let mut cmd = command(&[]);
    cmd.env("JAVA_HOME", &jdk)
        .args(["check", "--offline", "--format", "json", "--only", "jdk"])
        .arg("--product-home")
        .arg(&home);
    let r = run(cmd).report(1, QUICK);
    expect(
        &r,
        "jdk.version.supported",
        "error",
        "release is not UTF-8 text",
    );
}

#[test]
fn non_utf8_facts_rules_waivers_and_baseline_stop_the_run_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad");
    write(&bad, NOT_UTF8);
    for flag in ["--facts", "--waivers", "--baseline"] {
        let mut cmd = command(&[]);
        cmd.args(["check", "--format", "json", flag]).arg(&bad);
        run(cmd).cannot_run(bad.to_str().unwrap(), "is not UTF-8 text");
    }
    let pack = dir.path().join("pack");
    write(&pack.join("rules.toml"), NOT_UTF8);
    let mut cmd = command(&[]);
    cmd.args(["check", "--format", "json", "--rules"])
        .arg(&pack);
    run(cmd).cannot_run("rules.toml", "is not UTF-8 text");
    let mut cmd = command(&[]);
    cmd.args(["rules", "validate"]).arg(&pack);
    run(cmd).cannot_run("rules.toml", "is not UTF-8 text");
    // `diff` reads two reports.
    let mut cmd = command(&[]);
    cmd.arg("diff").arg(&bad).arg(&bad);
    run(cmd).cannot_run(bad.to_str().unwrap(), "is not UTF-8 text");
}

/// A loopback port that accepts no connection and refuses none: a listener whose accept
/// queue (backlog 0) is already full, so the kernel drops every new SYN, as a firewall that
/// drops packets would. The returned sockets must be kept alive.
fn blackhole() -> (TcpListener, Vec<TcpStream>, u16) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    // SAFETY: listen on a socket we own; calling it again on a listening socket only lowers
    // its backlog.
    assert_eq!(unsafe { libc::listen(listener.as_raw_fd(), 0) }, 0);
    let addr = listener.local_addr().unwrap();
    let mut held = Vec::new();
    while let Ok(s) = TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
        held.push(s);
        assert!(held.len() < 16, "the accept queue never filled");
    }
    (listener, held, addr.port())
}

#[test]
fn five_blackholed_databases_cost_one_deadline() {
    let holes: Vec<_> = (0..5).map(|_| blackhole()).collect();
    let mut toml = String::from("[server]\nhostname = \"apim.example.com\"\n");
    for (i, (_, _, port)) in holes.iter().enumerate() {
        let id = match i {
            0 => "apim_db".to_string(),
            1 => "shared_db".to_string(),
            n => format!("extra_db{n}"),
        };
        toml.push_str(&format!(
            "\n[database.{id}]\ntype = \"postgre\"\nurl = \"jdbc:postgresql://127.0.0.1:{port}/{id}\"\n"
        ));
    }
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", &toml);
    let mut cmd = command(&[]);
    cmd.args([
        "check",
        "--timeout",
        "2",
        "--only",
        "db.reachable",
        "--format",
        "json",
    ])
    .arg("--product-home")
    .arg(&home);
    let run = run(cmd);
    // One deadline (2 s) and the probe's slack, not five.
    let r = run.report(1, Duration::from_secs(4));
    eprintln!("5 blackholed endpoints, --timeout 2: {:?}", run.took);
    assert!(run.took >= Duration::from_millis(1900), "{:?}", run.took);
    let res = result(&r, "db.reachable");
    assert_eq!(res["status"], "fail", "{res:#}");
    let message = res["message"].as_str().unwrap();
    for (_, _, port) in &holes {
        assert!(
            message.contains(&format!("127.0.0.1:{port}: timed out"))
                || message.contains(&format!("127.0.0.1:{port}: no answer")),
            "{port} not reported: {message}"
        );
    }
}

/// `java` that never returns, as a wrapper script would: it starts a process of its own (in
/// its process group, without the parent-death signal, which a fork clears) and waits. It
/// writes that process's pid, then its own, to `java.pid` as "grandchild own".
fn hanging_jdk(dir: &Path) -> (PathBuf, PathBuf) {
    let jdk = dir.join("jdk");
    let pidfile = dir.join("java.pid");
    write(
        &jdk.join("bin/java"),
        format!(
            "#!/bin/sh
sleep 600 </dev/null >/dev/null 2>&1 &
echo \"$! $$\" > {p}.part
mv {p}.part {p}
wait
",
            p = pidfile.display()
        )
        .as_bytes(),
    );
    chmod(&jdk.join("bin/java"), 0o755);
    (jdk, pidfile)
}

/// Waits until every thread of `pid` sleeps (state `S`) twice in a row: preflight is then
/// waiting on its `java -version`, past the point where it tracks the child's group.
fn wait_until_settled(pid: u32, within: Duration) {
    let started = Instant::now();
    let all_sleeping = || {
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return false;
        };
        tasks.flatten().all(|t| {
            std::fs::read_to_string(t.path().join("stat")).is_ok_and(|s| {
                s.rsplit(')')
                    .next()
                    .unwrap_or("")
                    .trim_start()
                    .starts_with('S')
            })
        })
    };
    let mut in_a_row = 0;
    while in_a_row < 2 {
        in_a_row = if all_sleeping() { in_a_row + 1 } else { 0 };
        assert!(started.elapsed() < within, "preflight never settled");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn alive(pid: i32) -> bool {
    // A killed child of a dead parent may linger as a zombie until init reaps it.
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        !s.rsplit(')')
            .next()
            .unwrap_or("")
            .trim_start()
            .starts_with('Z')
    })
}

/// Sends SIGINT to a running preflight and waits for it to end.
fn interrupt(
    child: &mut std::process::Child,
    within: Duration,
) -> (std::process::ExitStatus, Duration) {
    signal(child, libc::SIGINT, within)
}

/// Sends `sig` to a running preflight and waits for it to end.
fn signal(
    child: &mut std::process::Child,
    sig: libc::c_int,
    within: Duration,
) -> (std::process::ExitStatus, Duration) {
    // SAFETY: kill only sends a signal to our own child.
    assert_eq!(unsafe { libc::kill(child.id() as i32, sig) }, 0);
    let sent = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return (status, sent.elapsed());
        }
        if sent.elapsed() > within {
            let _ = child.kill();
            panic!("preflight did not end within {within:?} of signal {sig}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Exit status of an interrupted run: preflight dies *by* SIGINT (a shell shows 130), after
/// killing the `java -version` it started. Not 0/1/2: those codes describe finished runs,
/// and a partial report could pass for a finished one. Dying by the signal is also what lets
/// a calling shell loop or `make` stop instead of carrying on with the next host.
#[test]
fn sigint_while_java_hangs_ends_the_run_and_the_java() {
    signal_while_java_hangs(libc::SIGINT);
}

/// A closed terminal or SSH session (SIGHUP) and a service manager's stop (SIGTERM) end the
/// run and its `java -version` as Ctrl-C does.
#[test]
fn sighup_and_sigterm_while_java_hangs_end_the_run_and_the_java() {
    signal_while_java_hangs(libc::SIGHUP);
    signal_while_java_hangs(libc::SIGTERM);
}

fn signal_while_java_hangs(sig: libc::c_int) {
    let dir = tempfile::tempdir().unwrap();
    let (jdk, pidfile) = hanging_jdk(dir.path());
    let mut child = command(&[])
        .env("JAVA_HOME", &jdk)
        .args(["check", "--offline", "--timeout", "60", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Readiness, not a fixed sleep: java has started its own process, and preflight waits on it.
    let started = Instant::now();
    let pids: Vec<i32> = loop {
        if let Ok(s) = std::fs::read_to_string(&pidfile) {
            break s.split_whitespace().map(|p| p.parse().unwrap()).collect();
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "java never ran"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    wait_until_settled(child.id(), Duration::from_secs(30));
    let (status, took) = signal(&mut child, sig, Duration::from_secs(10));
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(status.signal(), Some(sig), "{status:?} {stderr}");
    assert!(out.stdout.is_empty(), "a partial report was printed");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    // The whole process group ends, not only the direct child: without the handler, the
    // parent-death signal would end `java` alone and leave what it started running.
    let gone = Instant::now();
    for pid in pids {
        while alive(pid) {
            if gone.elapsed() > Duration::from_secs(5) {
                // SAFETY: kill only ends the stray sleep this test's script started.
                unsafe { libc::kill(pid, libc::SIGKILL) };
                panic!("process {pid} of java's group outlived the run ended by signal {sig}");
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

#[test]
fn sigint_while_a_database_is_blackholed_ends_the_run() {
    let (_l, _held, port) = blackhole();
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(
        dir.path(),
        "4.2.0",
        &format!(
            "[database.apim_db]\ntype = \"postgre\"\nurl = \"jdbc:postgresql://127.0.0.1:{port}/a\"\n"
        ),
    );
    let mut child = command(&[])
        .args(["check", "--timeout", "60", "--only", "db.reachable"])
        .arg("--product-home")
        .arg(&home)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(500));
    assert!(child.try_wait().unwrap().is_none(), "ended before SIGINT");
    let (status, took) = interrupt(&mut child, Duration::from_secs(2));
    let out = child.wait_with_output().unwrap();
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
    assert_eq!(status.signal(), Some(libc::SIGINT), "{status:?}");
    assert!(took < Duration::from_secs(1), "took {took:?}");
}
