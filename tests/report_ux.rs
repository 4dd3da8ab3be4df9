//! The terminal report as a person meets it through the binary: its width (COLUMNS, also when
//! piped), `--show problems`, one row per cause, progress on stderr only on a terminal, the
//! HTML sign-off sheet, and input mistakes refused up front with exit 2 and one line.

mod common;
use common::*;
use std::path::Path;

const EXAMPLE: &str = "examples/wso2am-4.2.0";

fn table(args: &[&str], columns: Option<&str>) -> (i32, String) {
    let mut cmd = preflight();
    cmd.current_dir(repo()).arg("check").args(args);
    if let Some(c) = columns {
        cmd.env("COLUMNS", c);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

#[test]
fn columns_is_honoured_when_piped_and_no_line_passes_80() {
    let args = ["--product-home", EXAMPLE, "--offline"];
    let (code, text) = table(&args, Some("80"));
    assert_eq!(code, 1);
    // The one exception, decided: a token wider than the whole line (a cipher list the fix
    // quotes) stands alone and whole, so it can still be copied.
    for line in text.lines().filter(|l| l.contains(' ')) {
        assert!(line.chars().count() <= 80, "{line:?}");
    }
    assert!(text.contains(" ✖ FAIL    host.user.not-root · ") || text.contains("db.not-h2 · "));
    // The same run piped without COLUMNS: 110 columns, side by side.
    let (_, wide) = table(&args, None);
    assert!(wide.lines().any(|l| l.chars().count() > 80));
    assert!(!wide.contains("db.not-h2 · "));
}

#[test]
fn the_verdict_is_the_first_and_last_word_and_matches_the_exit_code() {
    let (code, text) = table(&["--product-home", EXAMPLE, "--offline"], Some("200"));
    assert_eq!(code, 1);
    let verdicts: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("Go-live: NOT READY — "))
        .collect();
    assert_eq!(verdicts.len(), 2, "{text}");
    assert_eq!(verdicts[0], verdicts[1]);
    // The last lines: the verdict, then the blocking ids (wrapped under their label).
    let tail = &text[text.rfind(verdicts[1]).unwrap()..];
    let ids = tail.lines().skip(1).collect::<Vec<_>>().join(" ");
    assert!(ids.starts_with("Blocking: "), "{tail}");
    assert!(
        ids.contains("db.not-h2,") || ids.ends_with("db.not-h2"),
        "{tail}"
    );
    let (code, text) = table(&["--only", "host.cpu.cores", "--offline"], Some("200"));
    let ready = text
        .lines()
        .any(|l| l.starts_with("Go-live: READY — nothing blocking"));
    assert_eq!(code == 0, ready, "{text}");
}

#[test]
fn show_problems_prints_no_passing_row() {
    let (_, all) = table(&["--product-home", EXAMPLE, "--offline"], Some("120"));
    let (code, problems) = table(
        &["--product-home", EXAMPLE, "--offline", "--show", "problems"],
        Some("120"),
    );
    assert_eq!(code, 1);
    assert!(all.contains("✔ pass"));
    assert!(!problems.contains("✔ pass"), "{problems}");
    assert!(!problems.contains("- skip"), "{problems}");
    assert!(problems.contains("✖ FAIL"));
    assert!(problems.lines().count() < all.lines().count());
    assert!(
        problems
            .lines()
            .any(|l| l.trim_start().starts_with("✔ ") && l.contains(" passed")),
        "{problems}"
    );
}

/// A JDK folder under `dir` whose `java` (and `javac`) never return, and no release file.
fn hanging_jdk(dir: &Path) -> std::path::PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let jdk = dir.join("jdk");
    std::fs::create_dir_all(jdk.join("bin")).unwrap();
    for tool in ["java", "javac"] {
        let path = jdk.join("bin").join(tool);
        std::fs::write(&path, "#!/bin/sh\nexec sleep 600\n").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    jdk
}

#[test]
fn a_hung_java_is_one_cause_and_the_other_rules_point_at_it() {
    let dir = tempfile::tempdir().unwrap();
    let jdk = hanging_jdk(dir.path());
    let home = stage_home(
        dir.path(),
        "4.2.0",
        "[server]\nhostname = \"a.example.com\"\n",
    );
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
        ])
        .arg("--product-home")
        .arg(&home)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors: Vec<&serde_json::Value> = report["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "error")
        .collect();
    assert!(errors.len() >= 3, "{report:#}");
    let owner = errors[0];
    assert_eq!(owner["id"], "jdk.present");
    assert!(owner["caused_by"]["see"].is_null());
    let reason = owner["caused_by"]["reason"].as_str().unwrap();
    assert!(reason.contains("timed out"), "{reason}");
    for dependent in &errors[1..] {
        assert_eq!(
            dependent["caused_by"]["see"], "jdk.present",
            "{dependent:#}"
        );
        assert_eq!(dependent["message"], format!("see jdk.present: {reason}"));
    }
}

#[test]
fn progress_goes_to_a_terminal_stderr_only() {
    let bin = assert_cmd::cargo::cargo_bin("preflight");
    let dir = tempfile::tempdir().unwrap();
    let jdk = hanging_jdk(dir.path());
    let json = dir.path().join("r.json");
    let cmd = format!(
        "JAVA_HOME={} {} check --offline --timeout 2 --only jdk --format json={}",
        jdk.display(),
        bin.display(),
        json.display()
    );
    // Under a pseudo-terminal (script(1)): the wait is named.
    let tty = std::process::Command::new("script")
        .args(["-qec", &cmd, "/dev/null"])
        .env_remove("PRODUCT_HOME")
        .output()
        .unwrap();
    let seen = String::from_utf8_lossy(&tty.stdout);
    assert!(
        seen.contains("waiting for `java -version` (jdk)"),
        "{seen:?}"
    );
    // Piped: nothing but the report.
    let piped = std::process::Command::new("sh")
        .args(["-c", &cmd])
        .env_remove("PRODUCT_HOME")
        .output()
        .unwrap();
    assert!(
        piped.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&piped.stderr)
    );
}

#[test]
fn html_sheet_is_self_contained_and_holds_every_rule() {
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("signoff.html");
    let out = preflight()
        .current_dir(repo())
        .args([
            "check",
            "--offline",
            "--product-home",
            EXAMPLE,
            "--format",
            "json",
        ])
        .arg("--format")
        .arg(format!("html={}", html.display()))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let page = std::fs::read_to_string(&html).unwrap();
    for r in report["results"].as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        assert!(page.contains(&format!("data-id=\"{id}\"")), "{id}");
    }
    assert!(page.contains("Go-live: NOT READY"));
    assert!(page.contains("id=\"blocking\""));
    assert!(page.contains("<select id=\"category\">"));
    // Self-contained: nothing fetched from anywhere.
    for external in ["src=", "href=", "@import", "url("] {
        assert!(!page.contains(external), "{external}");
    }
}

fn refused(args: &[&str]) -> String {
    let out = preflight().current_dir(repo()).args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{args:?}");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

#[test]
fn input_mistakes_are_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let err = refused(&[
        "check",
        "--offline",
        "--format",
        "json",
        "--format",
        "table",
    ]);
    assert!(
        err.contains("--format json and --format table both write to standard output"),
        "{err}"
    );
    let a = dir.path().join("r.out");
    let b = format!("{}/./r.out", dir.path().display());
    let err = refused(&[
        "check",
        "--offline",
        "--format",
        &format!("json={}", a.display()),
        "--format",
        &format!("sarif={b}"),
    ]);
    assert!(err.contains("both write to"), "{err}");
    let missing = dir.path().join("no-such-home");
    let err = refused(&["check", "--product-home", missing.to_str().unwrap()]);
    assert!(
        err.contains("--product-home") && err.contains("does not exist"),
        "{err}"
    );
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let err = refused(&["facts", "--product-home", file.to_str().unwrap()]);
    assert!(err.contains("is not a directory"), "{err}");
    let out = preflight()
        .env("PRODUCT_HOME", &missing)
        .args(["check", "--offline"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("$PRODUCT_HOME"));
}

#[test]
fn rules_list_is_a_table_that_fits_the_width_and_keeps_ids_whole() {
    let json = preflight()
        .args(["rules", "list", "--format", "json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let out = preflight()
        .env("COLUMNS", "60")
        .args(["rules", "list"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    for line in text.lines() {
        assert!(line.chars().count() <= 60, "{line:?}");
    }
    let first: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    for r in json["rules"].as_array().unwrap() {
        let id = r["id"].as_str().unwrap();
        assert!(first.contains(&id), "{id} is not listed whole\n{text}");
    }
    // A title that does not fit is wrapped under its own column, not cut.
    let continued = text
        .lines()
        .filter(|l| l.starts_with("          ") && !l.trim().is_empty())
        .count();
    assert!(continued > 0, "{text}");
}
