//! `contrib/dbscripts/tables.py --check` in CI: the db.schema rule data
//! (rules/wso2-apim/db-schema.toml) and its cases (tests/rules/db-schema.toml) are exactly what
//! the generator makes from WSO2's own sources — product-apim's poms (which kernel and apimgt
//! versions), carbon-kernel's dbscripts (shared_db) and docker-apim's copy of each release's
//! dbscripts/apimgt/mysql.sql (apim_db). Those are git mirrors, which CI is not promised (it has
//! ../shared, which holds no dbscript): without them the test skips loudly
//! (`optional_source_absent`), naming the mirror and its variable.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The three mirrors the generator reads, or `None` after saying which is absent.
fn mirrors() -> Option<[String; 3]> {
    let dirs = [
        ("PREFLIGHT_PRODUCT_APIM_MIRROR", "wso2+product-apim"),
        ("PREFLIGHT_CARBON_KERNEL_GIT", "wso2+carbon-kernel"),
        ("PREFLIGHT_DOCKER_APIM_GIT", "wso2+docker-apim"),
    ]
    .map(|(var, name)| {
        let dir = std::env::var(var).unwrap_or_else(|_| format!("/work/.mirror/{name}/repo"));
        (var, dir)
    });
    if let Some((var, dir)) = dirs.iter().find(|(_, d)| !Path::new(d).is_dir()) {
        optional_source_absent(&format!("the git mirror {dir} (${var}) is absent"));
        return None;
    }
    Some(dirs.map(|(_, d)| d))
}

/// Runs the generator with `args` and the mirrors: (exit code, stderr).
fn tables_py(args: &[&str], mirrors: &[String; 3]) -> Option<(i32, String)> {
    let script = repo().join("contrib/dbscripts/tables.py");
    let out = match Command::new("python3")
        .arg(&script)
        .args(args)
        .args(mirrors)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            missing_input(&format!("python3 could not be run: {e}"));
            return None;
        }
    };
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    Some((out.status.code().unwrap_or(-1), stderr))
}

#[test]
fn the_db_schema_rule_and_its_cases_are_what_tables_py_makes_from_wso2s_scripts() {
    let Some(m) = mirrors() else { return };
    let Some((code, stderr)) = tables_py(&["--check"], &m) else {
        return;
    };
    assert_eq!(
        code, 0,
        "drift: run contrib/dbscripts/tables.py and commit what it writes\n{stderr}"
    );
}

#[test]
fn tables_py_check_fails_naming_the_file_when_a_table_list_drifted() {
    let Some(m) = mirrors() else { return };
    let dir = tempfile::tempdir().unwrap();
    let copy = |rel: &str, edit: &dyn Fn(String) -> String| -> PathBuf {
        let to = dir.path().join(rel);
        let text = std::fs::read_to_string(repo().join(rel)).unwrap();
        write(&to, edit(text).as_bytes());
        to
    };
    copy("tests/rules/db-schema.toml", &|t| t);
    // One table of 4.7.0's apim_db list renamed by hand: what --check exists to catch.
    let rule = copy("rules/wso2-apim/db-schema.toml", &|t| {
        assert!(t.contains("'AM_API_KEY_APPLICATION_MAPPING'"));
        t.replacen(
            "'AM_API_KEY_APPLICATION_MAPPING'",
            "'AM_API_KEY_APP_MAPPING'",
            1,
        )
    });
    let root = dir.path().to_str().unwrap();
    let Some((code, stderr)) = tables_py(&["--check", "--root", root], &m) else {
        return;
    };
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(&format!("{} differs from what", rule.display())),
        "{stderr}"
    );
    // --check never writes: the drifted copy is left as it was.
    assert!(
        std::fs::read_to_string(&rule)
            .unwrap()
            .contains("'AM_API_KEY_APP_MAPPING'")
    );
}
