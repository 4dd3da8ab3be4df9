//! Man pages and shell completions: a page per subcommand naming every option, rendered by
//! groff without warnings; bash completion offering formats, levels and the embedded rule ids.

mod common;

use clap::{CommandFactory, ValueEnum};
use common::preflight;
use std::path::Path;

/// Every subcommand path with its command: `check`, `rules explain`, ...
fn subcommands() -> Vec<(Vec<String>, clap::Command)> {
    fn walk(prefix: &[String], cmd: &clap::Command, out: &mut Vec<(Vec<String>, clap::Command)>) {
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let mut path = prefix.to_vec();
            path.push(sub.get_name().to_string());
            out.push((path.clone(), sub.clone()));
            walk(&path, sub, out);
        }
    }
    let mut out = Vec::new();
    walk(&[], &preflight::cli::Cli::command(), &mut out);
    out
}

fn tool(name: &str) -> bool {
    let found = which::which(name).is_ok();
    if !found {
        common::missing_input(&format!("`{name}` is not installed"));
    }
    found
}

#[test]
fn man_dir_writes_a_page_per_subcommand_with_every_option() {
    let tmp = tempfile::tempdir().unwrap();
    preflight()
        .args(["man", "--dir", tmp.path().to_str().unwrap()])
        .assert()
        .success();
    let page = |name: &str| {
        std::fs::read_to_string(tmp.path().join(format!("{name}.1")))
            .unwrap_or_else(|_| panic!("no {name}.1"))
    };
    assert!(page("preflight").contains(".TH preflight 1"));
    let subs = subcommands();
    assert!(subs.len() >= 10, "{}", subs.len());
    for (path, cmd) in subs {
        let name = format!("preflight-{}", path.join("-"));
        let text = page(&name);
        assert!(
            text.contains(&format!(".TH {name} 1")),
            "{name}.1 has no title line:\n{text}"
        );
        for arg in cmd.get_arguments() {
            if let Some(long) = arg.get_long() {
                let roff = format!("\\-\\-{}", long.replace('-', "\\-"));
                assert!(text.contains(&roff), "{name}.1 does not document --{long}");
            }
        }
    }
}

#[test]
fn man_prints_one_subcommands_page_and_groff_reads_it_cleanly() {
    let out = preflight()
        .args(["man", "rules", "explain"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains(".TH preflight-rules-explain 1"), "{text}");
    let bad = preflight().args(["man", "chek"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("no man page for `chek`"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
    if !tool("groff") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    preflight()
        .args(["man", "--dir", tmp.path().to_str().unwrap()])
        .assert()
        .success();
    for page in std::fs::read_dir(tmp.path()).unwrap() {
        let page = page.unwrap().path();
        let out = std::process::Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-z"])
            .arg(&page)
            .output()
            .unwrap();
        assert!(
            out.status.success() && out.stderr.is_empty(),
            "groff warns on {}: {}",
            page.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// What bash completion offers for the words typed so far (the last one being completed).
fn complete(script: &Path, words: &[&str]) -> Vec<String> {
    let line = words.join(" ");
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\nCOMP_LINE='{line}'\nCOMP_POINT={}\n_preflight preflight '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        line.len(),
        words[words.len() - 1],
        words[words.len() - 2],
    );
    let out = std::process::Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn bash_completion_offers_formats_levels_and_rule_ids() {
    if !tool("bash") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let script = tmp.path().join("preflight.bash");
    let out = preflight().args(["completions", "bash"]).output().unwrap();
    assert!(out.status.success());
    std::fs::write(&script, &out.stdout).unwrap();

    let formats = complete(&script, &["preflight", "check", "--format", ""]);
    for f in ["table", "json", "junit", "sarif", "markdown"] {
        assert!(
            formats.iter().any(|c| c == f),
            "--format offers {formats:?}"
        );
    }
    let all: Vec<String> = preflight::cli::Format::value_variants()
        .iter()
        .map(|f| f.to_possible_value().unwrap().get_name().to_string())
        .collect();
    assert_eq!(formats, all);
    let fleet = complete(&script, &["preflight", "fleet", "--format", ""]);
    assert_eq!(fleet, all);
    let levels = complete(&script, &["preflight", "check", "--fail-on", ""]);
    assert_eq!(levels, ["warn", "fail"]);
    let show = complete(&script, &["preflight", "check", "--show", ""]);
    assert_eq!(show, ["problems", "all"]);
    let rules = preflight::rules::embedded();
    let ids: Vec<&str> = rules.rules.iter().map(|r| r.id.as_str()).collect();
    assert!(ids.len() > 50);
    for words in [
        &["preflight", "check", "--only", ""][..],
        &["preflight", "check", "--skip", ""],
        &["preflight", "rules", "explain", ""],
    ] {
        let offered = complete(&script, words);
        for id in &ids {
            assert!(
                offered.iter().any(|c| c == id),
                "{words:?} does not offer {id}"
            );
        }
        assert!(
            offered.iter().any(|c| c == "host"),
            "{words:?}: no category"
        );
    }
    let config = complete(&script, &["preflight", "check", "--only", "config.host"]);
    assert!(config.iter().any(|c| c == "config.hostname"), "{config:?}");
    assert!(
        config.iter().all(|c| c.starts_with("config.host")),
        "{config:?}"
    );
    // Values that completion does not offer are still accepted: --rules packs bring their own.
    let own = preflight()
        .args([
            "check",
            "--offline",
            "--only",
            "my.own-rule",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&own.stderr);
    assert!(!stderr.contains("invalid value"), "{stderr}");
    // The help stays short: the ids are offered to completion, not listed in --help.
    let help = preflight().args(["check", "--help"]).output().unwrap();
    let help = String::from_utf8(help.stdout).unwrap();
    let listed = ids.iter().filter(|id| help.contains(*id)).count();
    assert!(listed < 5, "{listed} rule ids in check --help:\n{help}");
}

#[test]
fn zsh_and_fish_completions_carry_the_rule_titles() {
    let rules = preflight::rules::embedded();
    let r = rules.rules.iter().find(|r| r.id == "host.swap").unwrap();
    assert_eq!(r.title, "Swap space");
    for shell in ["zsh", "fish"] {
        let out = preflight().args(["completions", shell]).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("config.hostname"), "{shell}");
        assert!(
            text.lines()
                .any(|l| l.contains("host.swap") && l.contains("Swap space")),
            "{shell}: no title next to host.swap"
        );
    }
}
