//! Bad input gets a clear error (exit 2 with what is wrong and where), never a green run, never
//! a crash (exit 101 panic, 134 abort) and never an unbounded wait or allocation.

mod common;
use common::*;
use std::path::Path;
use std::time::{Duration, Instant};

const RULE: &str = r#"[[rule]]
id = "custom.cores"
title = "Cores"
category = "custom"
fact = "host.cpu.cores"
fail = "< 1"
message = "{observed} cores"
fix = "more"
"#;

/// Runs preflight with `args`; returns the exit code, stdout and stderr.
fn run(args: &[&str]) -> (i32, String, String) {
    let out = preflight()
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A facts file holding these (name, value JSON) pairs.
fn facts_json(pairs: &[(&str, &str)]) -> String {
    let facts: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{k:?}: {{\"value\": {v}}}"))
        .collect();
    format!(
        r#"{{"schema_version":1,"collected_at":"2026-11-25T00:00:00Z","hostname":"node1","product_home":null,"offline":true,"facts":{{{}}}}}"#,
        facts.join(",")
    )
}

fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

fn rule_with(fail: &str) -> String {
    RULE.replace("fail = \"< 1\"", &format!("fail = \"{fail}\""))
}

#[test]
fn a_selector_that_matches_no_rule_is_exit_2_with_did_you_mean() {
    for (flag, sel, hint) in [
        ("--only", "hots", "did you mean `host`?"),
        ("--skip", "host.swp", "did you mean `host.swap`?"),
        (
            "--only",
            "config.hostnme",
            "did you mean `config.hostname`?",
        ),
    ] {
        let (code, stdout, stderr) = run(&["check", "--offline", flag, sel, "--format", "json"]);
        assert_eq!(code, 2, "{flag} {sel}: {stderr}");
        assert!(
            stdout.is_empty(),
            "no report for a run that did not happen: {stdout}"
        );
        assert!(
            stderr.contains(&format!("{flag} {sel} matches no rule id")),
            "{stderr}"
        );
        assert!(stderr.contains(hint), "{stderr}");
    }
    // Every accepted spelling still works: a rule id, a category, an id prefix.
    for sel in ["host.swap", "host", "config.secrets"] {
        let (code, _, stderr) = run(&["check", "--offline", "--only", sel, "--format", "json"]);
        assert_ne!(code, 2, "--only {sel}: {stderr}");
    }
}

#[test]
fn unselected_rules_are_not_printed_in_the_table_but_stay_in_json_as_skip() {
    let (_, table, _) = run(&[
        "check",
        "--offline",
        "--only",
        "host.swap",
        "--format",
        "table",
    ]);
    assert!(table.contains("host.swap"), "{table}");
    assert!(!table.contains("host.cpu.cores"), "{table}");
    assert!(!table.contains("not selected"), "{table}");
    assert!(
        !table.contains("JDK and JVM"),
        "no heading over an empty group: {table}"
    );
    let (code, report) = check_json(&["--offline", "--skip", "host.swap"]);
    assert_ne!(code, 2);
    let r = result(&report, "host.swap");
    assert_eq!(r["status"], "skip");
    assert!(
        r["reason"].as_str().unwrap().starts_with("not selected"),
        "{r}"
    );
}

#[test]
fn a_facts_file_with_a_wrongly_typed_fact_is_exit_2_naming_fact_and_type() {
    let dir = tempfile::tempdir().unwrap();
    for (fact, value, expected) in [
        (
            "host.memory.total",
            r#"{"type":"str","value":"lots"}"#,
            "byte size",
        ),
        (
            "host.cpu.cores",
            r#"{"type":"bool","value":true}"#,
            "integer",
        ),
    ] {
        let file = dir.path().join("facts.json");
        std::fs::write(&file, facts_json(&[(fact, value)])).unwrap();
        let (code, stdout, stderr) = run(&["check", "--facts", file.to_str().unwrap()]);
        assert_eq!(code, 2, "{stderr}");
        assert!(!stdout.contains("pass"), "{stdout}");
        assert!(stderr.contains(&format!("fact `{fact}`")), "{stderr}");
        assert!(
            stderr.contains(&format!("where a {expected} belongs")),
            "{stderr}"
        );
    }
}

#[test]
fn a_rule_file_that_cannot_be_read_is_an_error_not_zero_rules() {
    let dir = tempfile::tempdir().unwrap();
    let good = |d: &Path| write(&d.join("good.toml"), RULE.as_bytes());
    let dangling = dir.path().join("dangling");
    good(&dangling);
    std::os::unix::fs::symlink("/nonexistent/x.toml", dangling.join("bad.toml")).unwrap();
    let looped = dir.path().join("loop");
    good(&looped);
    std::os::unix::fs::symlink("loop.toml", looped.join("loop.toml")).unwrap();
    let fifo = dir.path().join("fifo");
    good(&fifo);
    mkfifo(&fifo.join("f.toml"));
    for (d, file, what) in [
        (&dangling, "bad.toml", "broken symlink"),
        (&looped, "loop.toml", "symbolic links"),
        (&fifo, "f.toml", "not a regular file"),
    ] {
        let t = Instant::now();
        let (code, stdout, stderr) = run(&["rules", "validate", d.to_str().unwrap()]);
        assert_eq!(code, 2, "{stdout}{stderr}");
        assert!(!stdout.contains("ok"), "{stdout}");
        assert!(stderr.contains(&format!("{file}:1:1: ")), "{stderr}");
        assert!(stderr.contains(what), "{stderr}");
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "a FIFO is not waited on"
        );
        let (code, _, stderr) = run(&["check", "--offline", "--rules", d.to_str().unwrap()]);
        assert_eq!(code, 2, "check refuses the pack too: {stderr}");
    }
}

#[test]
fn an_empty_rule_id_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("a.toml"),
        RULE.replace("id = \"custom.cores\"", "id = \"\"")
            .as_bytes(),
    );
    let (code, _, stderr) = run(&["rules", "validate", dir.path().to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(stderr.contains("a.toml:2:7: rule id is empty"), "{stderr}");
}

#[test]
fn a_duplicate_id_is_reported_with_the_other_errors_of_the_run() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    write(&a.join("a.toml"), RULE.as_bytes());
    // The duplicate rule has an error of its own; another folder cannot be read at all.
    write(&a.join("b.toml"), rule_with("< 1GiB").as_bytes());
    std::fs::create_dir_all(&b).unwrap();
    std::os::unix::fs::symlink("/nonexistent", b.join("x.toml")).unwrap();
    let (code, _, stderr) = run(&[
        "rules",
        "validate",
        a.to_str().unwrap(),
        b.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("duplicate rule id `custom.cores`"),
        "{stderr}"
    );
    assert!(stderr.contains("`1GiB` is not an integer"), "{stderr}");
    assert!(
        stderr.contains("x.toml:1:1: cannot read rule file"),
        "{stderr}"
    );
    assert!(stderr.contains("3 errors"), "{stderr}");
}

#[test]
fn deeply_nested_conditions_are_exit_2_with_file_line_col_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let deep_parens = format!("{}< 1{}", "(".repeat(20_000), ")".repeat(20_000));
    let deep_nots = format!("{}< 1", "not ".repeat(20_000));
    let long_and = vec!["< 1"; 20_000].join(" and ");
    for (name, cond, what) in [
        ("parens", deep_parens, "nested"),
        ("nots", deep_nots, "nested"),
        ("ands", long_and, "`and`/`or`"),
    ] {
        let d = dir.path().join(name);
        write(&d.join("a.toml"), rule_with(&cond).as_bytes());
        let (code, _, stderr) = run(&["rules", "validate", d.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(
            stderr.contains("a.toml:6:"),
            "{name}: file:line:col: {stderr}"
        );
        assert!(stderr.contains(what), "{name}: {stderr}");
    }
}

#[test]
fn deeply_nested_toml_is_exit_2_not_a_stack_overflow() {
    let dir = tempfile::tempdir().unwrap();
    let deep = format!("x = {}{}\n", "[".repeat(20_000), "]".repeat(20_000));
    let inline = format!("x = {}{}\n", "{a=".repeat(20_000), "}".repeat(20_000));
    for (name, text) in [("arrays", deep), ("tables", inline)] {
        let d = dir.path().join(name);
        write(&d.join("a.toml"), text.as_bytes());
        let (code, _, stderr) = run(&["rules", "validate", d.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {stderr}");
        assert!(stderr.contains("a.toml:1:"), "{name}: {stderr}");
        let w = dir.path().join(format!("{name}-waivers.toml"));
        std::fs::write(&w, &text).unwrap();
        let (code, _, stderr) = run(&["check", "--offline", "--waivers", w.to_str().unwrap()]);
        assert_eq!(code, 2, "{name} waivers: {stderr}");
    }
}

#[test]
fn inputs_on_a_fifo_without_writer_end_within_the_deadline() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo");
    mkfifo(&fifo);
    let f = fifo.to_str().unwrap();
    let report = dir.path().join("r.json");
    let (_, json, _) = run(&[
        "check",
        "--offline",
        "--only",
        "host.swap",
        "--format",
        "json",
    ]);
    std::fs::write(&report, json).unwrap();
    let r = report.to_str().unwrap();
    for args in [
        vec!["check", "--offline", "--waivers", f],
        vec!["check", "--facts", f],
        vec!["check", "--offline", "--baseline", f],
        vec!["diff", f, r],
        vec!["diff", r, f],
    ] {
        let t = Instant::now();
        let (code, _, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(
            stderr.contains("nothing opened it for writing"),
            "{args:?}: {stderr}"
        );
        assert!(
            t.elapsed() < Duration::from_secs(20),
            "{args:?} took {:?}",
            t.elapsed()
        );
    }
}

/// Under `ulimit -u` (RLIMIT_NPROC; a container's pids limit acts alike) no thread can be
/// started: probes run on the main thread and the run ends with a report, not a panic (101).
/// Root is exempt from RLIMIT_NPROC, so as root the binary runs as `nobody`.
#[test]
fn with_no_thread_to_spare_the_run_finishes_without_a_panic() {
    use std::os::unix::fs::PermissionsExt;
    let Some(cmd) = as_nobody() else { return };
    if which::which("prlimit").is_err() {
        eprintln!("SKIPPED: prlimit is not installed; cannot lower RLIMIT_NPROC");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = stage_home(dir.path(), "4.2.0", "[server]\nhostname = \"localhost\"\n");
    let rules = dir.path().join("rules");
    write(&rules.join("a.toml"), RULE.as_bytes());
    for args in [
        vec!["check", "--offline", "--format", "json"],
        vec![
            "check",
            "--offline",
            "--format",
            "json",
            "--rules",
            rules.to_str().unwrap(),
        ],
        vec!["facts", "--offline"],
    ] {
        let out = std::process::Command::new("prlimit")
            .arg("--nproc=1:1")
            .args(&cmd)
            .args(&args)
            .args(["--product-home", home.to_str().unwrap()])
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {:?} {stderr}",
            out.status
        );
        let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if args[0] == "check" {
            assert_eq!(
                result(&json, "config.hostname")["status"],
                "fail",
                "{args:?}"
            );
        } else {
            assert!(json["facts"].as_object().is_some_and(|f| !f.is_empty()));
        }
    }
}

/// A configuration value holding a newline, ESC or BEL is shown escaped in the table and in
/// Markdown: it can neither forge a `✔ pass` line nor recolour the terminal.
#[test]
fn control_characters_in_values_are_shown_escaped_in_table_and_markdown() {
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(
        dir.path(),
        "4.2.0",
        "[server]\nhostname = \"evil\\n ✔ pass    forged.rule\\u001b[32m\\u0007\"\n",
    );
    let rules = dir.path().join("rules");
    let rule = RULE
        .replace(
            "fact = \"host.cpu.cores\"",
            "fact = \"deployment.server.hostname\"",
        )
        .replace("fail = \"< 1\"", "fail = \"present\"")
        .replace("{observed} cores", "hostname {observed}");
    write(&rules.join("a.toml"), rule.as_bytes());
    for format in ["table", "markdown"] {
        let (code, out, stderr) = run(&[
            "check",
            "--offline",
            "--rules",
            rules.to_str().unwrap(),
            "--only",
            "custom.cores",
            "--product-home",
            home.to_str().unwrap(),
            "--format",
            format,
        ]);
        assert_eq!(code, 1, "{format}: {stderr}");
        assert!(!out.contains(['\u{1b}', '\u{7}']), "{format}: {out:?}");
        assert!(
            !out.lines().any(|l| l.trim_start().starts_with("✔ pass")),
            "{format} shows a forged line: {out}"
        );
        assert!(out.contains("evil\\n ✔ pass"), "{format}: {out}");
        assert!(out.contains("\\e[32m\\u{7}"), "{format}: {out}");
    }
}

/// Deeply nested product files are findings, not crashes: a deployment.toml nested 20,000 deep
/// fails `config.parses`; a catalina-server.xml nested 20,000 deep or with a quadratic entity
/// blowup is an `error` naming file:line:col, never a crash or a judgement of what was not read.
#[test]
fn deeply_nested_and_exploding_product_files_end_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let deep_toml = format!(
        "[server]\nhostname = \"apim.example.com\"\nx = {}{}\n",
        "[".repeat(20_000),
        "]".repeat(20_000)
    );
    let home = stage_home(dir.path(), "4.2.0", &deep_toml);
    let h = home.to_str().unwrap();
    let (code, report) = check_json(&["--offline", "--product-home", h, "--only", "config"]);
    assert_eq!(code, 1);
    assert_eq!(result(&report, "config.parses")["status"], "fail");
    assert_eq!(result(&report, "config.hostname")["status"], "error");

    let rules = dir.path().join("rules");
    let rule = RULE
        .replace(
            "fact = \"host.cpu.cores\"",
            "fact = \"xml.catalina-server./Server/Service/Connector/@port\"",
        )
        .replace("fail = \"< 1\"", "fail = \"missing\"");
    write(&rules.join("a.toml"), rule.as_bytes());
    let xml = home.join("repository/conf/tomcat/catalina-server.xml");
    let r = rules.to_str().unwrap();
    // A generous deadline: on a loaded CI host the files probe must not time out first.
    let args = [
        "--offline",
        "--timeout",
        "60",
        "--product-home",
        h,
        "--rules",
        r,
        "--only",
        "custom",
    ];
    write(
        &xml,
        format!("{}{}", "<a>".repeat(20_000), "</a>".repeat(20_000)).as_bytes(),
    );
    let (code, report) = check_json(&args);
    assert_eq!(code, 1);
    let r = result(&report, "custom.cores");
    assert_eq!(r["status"], "error", "{r}");
    let message = r["message"].as_str().unwrap();
    // The 257th <a> starts at column 1 + 256 * 3.
    assert!(
        message.contains("catalina-server.xml:1:769: elements nested deeper than 256"),
        "{message}"
    );
    let blowup = format!(
        "<?xml version=\"1.0\"?>\n<!DOCTYPE Server [<!ENTITY a \"{}\">]>\n<Server>{}</Server>",
        "A".repeat(100_000),
        "&a;".repeat(300_000)
    );
    write(&xml, blowup.as_bytes());
    let t = Instant::now();
    let (code, report) = check_json(&args);
    assert_eq!(code, 1);
    let r = result(&report, "custom.cores");
    assert_eq!(r["status"], "error", "{r}");
    let message = r["message"].as_str().unwrap();
    assert!(message.contains("catalina-server.xml:2:"), "{message}");
    assert!(message.contains("would expand it to"), "{message}");
    assert!(t.elapsed() < Duration::from_secs(30));
}
