//! Files a start script sources (`. file`, `source file`): followed when they are under
//! PRODUCT_HOME, for the `JAVA_OPTS` / `JVM_MEM_OPTS` they set; one that cannot be followed (a
//! path only known when the script runs, outside PRODUCT_HOME, unreadable) is an error, since
//! it may set any JVM flag.

use super::Location;
use crate::io::read_capped;
use std::path::Path;

const MAX_SOURCED_BYTES: u64 = 1 << 20;
/// The variables a sourced file may set that the JVM flags are read from.
const VARS: [&str; 2] = ["JAVA_OPTS", "JVM_MEM_OPTS"];

/// `(variable, value, where)` set by the files `text` (the script at `rel`) sources, in order.
pub fn sourced_settings(
    text: &str,
    rel: &str,
    home: &Path,
) -> Result<Vec<(String, String, Location)>, String> {
    let mut out = Vec::new();
    for (idx, raw) in text.lines().enumerate() {
        let Some(target) = sourced_path(raw) else {
            continue;
        };
        let at = format!("{rel}:{}", idx + 1);
        let file = resolve(&target, rel, home)
            .map_err(|why| format!("{at} sources {target}, which cannot be followed: {why}"))?;
        let shown = file
            .strip_prefix(home)
            .map_or(file.display().to_string(), |p| p.display().to_string());
        let body = read_capped(&file, MAX_SOURCED_BYTES)
            .map_err(|e| format!("{at} sources {shown}, which cannot be read: {e}"))?;
        for (i, line) in body.lines().enumerate() {
            if sourced_path(line).is_some() {
                return Err(format!(
                    "{shown}:{} (sourced by {at}) sources another file, which is not followed",
                    i + 1
                ));
            }
            if let Some((var, value)) = assignment(line) {
                let location = Location {
                    file: shown.clone(),
                    line: i as u32 + 1,
                    column: 1,
                };
                out.push((var, value, location));
            }
        }
    }
    Ok(out)
}

/// The file a `. file` or `source file` line names, quotes removed.
fn sourced_path(raw: &str) -> Option<String> {
    let t = raw.trim_start();
    let rest = t
        .strip_prefix(". ")
        .or_else(|| t.strip_prefix(".\t"))
        .or_else(|| t.strip_prefix("source "))?;
    let word = rest.split_whitespace().next()?;
    Some(word.trim_matches(['"', '\'']).to_string())
}

/// The sourced file inside PRODUCT_HOME: `$CARBON_HOME`/`${CARBON_HOME}` is PRODUCT_HOME, a
/// relative path is taken from the script's folder.
fn resolve(target: &str, rel: &str, home: &Path) -> Result<std::path::PathBuf, String> {
    let mut t = target.to_string();
    for var in ["${CARBON_HOME}", "$CARBON_HOME"] {
        if let Some(rest) = t.strip_prefix(var) {
            t = format!("{}{rest}", home.display());
        }
    }
    if t.contains('$') || t.contains('`') {
        return Err("its path is only known when the script runs".into());
    }
    let path = if Path::new(&t).is_absolute() {
        Path::new(&t).to_path_buf()
    } else {
        let dir = Path::new(rel).parent().unwrap_or(Path::new(""));
        home.join(dir).join(&t)
    };
    let canonical = std::fs::canonicalize(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let home = std::fs::canonicalize(home).map_err(|e| e.to_string())?;
    if !canonical.starts_with(&home) {
        return Err(format!("{} is outside PRODUCT_HOME", canonical.display()));
    }
    Ok(canonical)
}

/// `[export ]JAVA_OPTS=value` (quotes removed) for the variables the flags come from.
fn assignment(line: &str) -> Option<(String, String)> {
    let t = line.trim();
    let t = t.strip_prefix("export ").unwrap_or(t).trim_start();
    let (var, value) = t.split_once('=')?;
    VARS.contains(&var).then(|| {
        (
            var.to_string(),
            value.trim().trim_matches(['"', '\'']).to_string(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sourced_files_under_the_home_are_followed_and_others_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join("bin")).unwrap();
        std::fs::write(
            home.join("bin/setenv.sh"),
            "# env\nexport JAVA_OPTS=\"-Xmx512m\"\n",
        )
        .unwrap();
        let script = "#!/bin/sh\n. setenv.sh\njava $JAVA_OPTS\n";
        let set = sourced_settings(script, "bin/api-manager.sh", home).unwrap();
        assert_eq!(set.len(), 1);
        assert_eq!(
            (set[0].0.as_str(), set[0].1.as_str()),
            ("JAVA_OPTS", "-Xmx512m")
        );
        assert_eq!(set[0].2.file, "bin/setenv.sh");
        let via_home = "source \"$CARBON_HOME/bin/setenv.sh\"\n";
        assert_eq!(
            sourced_settings(via_home, "bin/x.sh", home).unwrap().len(),
            1
        );
        for bad in [
            ". /etc/profile\n",
            ". $(dirname $0)/env.sh\n",
            ". missing.sh\n",
        ] {
            let why = sourced_settings(bad, "bin/x.sh", home).unwrap_err();
            assert!(why.contains("bin/x.sh:1"), "{why}");
        }
        assert!(
            sourced_settings("# . not a source line\n./run.sh\n", "bin/x.sh", home)
                .unwrap()
                .is_empty()
        );
    }
}
