//! README's pasted reports of the example home are what preflight prints today. The test runs
//! the commands the README shows (`COLUMNS=80 preflight check --product-home
//! examples/wso2am-4.2.0 --offline`, with `--show problems` and with the default `--show all`)
//! and fails with a diff when an excerpt differs, as a golden test does.
//!
//! The example home's facts are collected live; the facts of the machine (`host.*`, `jdk.*`, the
//! host name) are pinned to tests/golden/readme-host-facts.json, the
//! "2-core CI machine running as root" the README names, so the excerpts do not depend on where
//! the test runs. `PREFLIGHT_BLESS=1 cargo test --test readme` rewrites the excerpts in README.md
//! (an excerpt elided with a `…` line keeps as many lines before and after it).

mod common;

use std::path::Path;

/// Where each excerpt starts (the line introducing it), and the `--show` it was made with.
const EXCERPTS: &[(&str, &str)] = &[
    (
        "The report of the example home at 80 columns, problems first",
        "problems",
    ),
    ("<details><summary>The whole report at 80 columns", "all"),
];

/// The commands the README gives for the excerpts, as its prose writes them (whitespace
/// collapsed): the test runs these, so a README that changes them must change the test too.
const COMMANDS: &[&str] = &[
    "COLUMNS=80 preflight check --product-home examples/wso2am-4.2.0 --offline --show problems",
    "The whole report at 80 columns (<code>--show all</code>, the default)",
];

fn bless() -> bool {
    std::env::var_os("PREFLIGHT_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// The example home's facts, live, with the machine's facts replaced by the pinned ones.
fn pinned_facts(dir: &Path) -> std::path::PathBuf {
    let out = common::preflight()
        .current_dir(common::repo())
        .args([
            "facts",
            "--product-home",
            "examples/wso2am-4.2.0",
            "--offline",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut facts: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pinned_path = common::repo().join("tests/golden/readme-host-facts.json");
    let pinned: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(pinned_path).unwrap()).unwrap();
    for (name, fact) in pinned["facts"].as_object().unwrap() {
        facts["facts"][name] = fact.clone();
    }
    facts["hostname"] = pinned["hostname"].clone();
    facts["collected_at"] = pinned["collected_at"].clone();
    let path = dir.join("facts.json");
    std::fs::write(&path, serde_json::to_vec_pretty(&facts).unwrap()).unwrap();
    path
}

/// `COLUMNS=80 preflight check … --show SHOW` on the pinned facts.
fn report(facts: &Path, show: &str) -> Vec<String> {
    let out = common::preflight()
        .current_dir(common::repo())
        .env("COLUMNS", "80")
        .arg("check")
        .arg("--facts")
        .arg(facts)
        .args(["--offline", "--show", show])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the example home has failures: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// The line range (0-based, exclusive end) of the fenced block after the line holding `intro`.
fn block(readme: &[&str], intro: &str) -> (usize, usize) {
    let at = readme
        .iter()
        .position(|l| l.contains(intro))
        .unwrap_or_else(|| panic!("README.md has no line with `{intro}`"));
    let open = at
        + readme[at..]
            .iter()
            .position(|l| l.trim_end() == "```")
            .expect("no fenced block after the intro");
    let close = open
        + 1
        + readme[open + 1..]
            .iter()
            .position(|l| l.trim_end() == "```")
            .expect("the fenced block is not closed");
    (open + 1, close)
}

/// What the excerpt should be: the whole output, or, when the excerpt is elided with a `…` line,
/// as many lines of the output before and after it.
fn expected_excerpt(excerpt: &[&str], output: &[String]) -> Vec<String> {
    match excerpt.iter().position(|l| *l == "…") {
        None => output.to_vec(),
        Some(cut) => {
            let tail = excerpt.len() - cut - 1;
            let mut e = output[..cut.min(output.len())].to_vec();
            e.push("…".into());
            e.extend_from_slice(&output[output.len().saturating_sub(tail)..]);
            e
        }
    }
}

/// A unified diff of two line lists (whole lines, 3 lines of context).
fn diff(old: &[String], new: &[String]) -> String {
    let (o, n) = (old.join("\n") + "\n", new.join("\n") + "\n");
    similar::TextDiff::from_lines(&o, &n)
        .unified_diff()
        .context_radius(3)
        .header("README.md", "preflight now")
        .to_string()
}

#[test]
fn readme_example_reports_match_what_preflight_prints() {
    let root = common::repo();
    let text = std::fs::read_to_string(root.join("README.md")).unwrap();
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for cmd in COMMANDS {
        assert!(flat.contains(cmd), "README.md no longer says `{cmd}`");
    }
    let dir = tempfile::tempdir().unwrap();
    let facts = pinned_facts(dir.path());
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut stale = Vec::new();
    for (intro, show) in EXCERPTS {
        let borrowed: Vec<&str> = lines.iter().map(String::as_str).collect();
        let (start, end) = block(&borrowed, intro);
        let current: Vec<String> = lines[start..end].to_vec();
        let current_refs: Vec<&str> = current.iter().map(String::as_str).collect();
        let want = expected_excerpt(&current_refs, &report(&facts, show));
        if want != current {
            stale.push(format!("--show {show}:\n{}", diff(&current, &want)));
            lines.splice(start..end, want);
        }
    }
    if stale.is_empty() {
        return;
    }
    if bless() {
        let mut out = lines.join("\n");
        out.push('\n');
        std::fs::write(root.join("README.md"), out).unwrap();
        return;
    }
    panic!(
        "README.md's example reports differ from what preflight prints:\n{}\nIf the change is intended, run `PREFLIGHT_BLESS=1 cargo test --test readme` and review the diff.",
        stale.join("\n")
    );
}
