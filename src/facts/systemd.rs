//! systemd units: find the service that starts PRODUCT_HOME and read its settings (limits, environment).

use super::{Location, read_capped};
use std::path::{Path, PathBuf};

/// Where administrators and packages put unit files, searched in this order.
pub const UNIT_DIRS: &[&str] = &["/etc/systemd/system", "/usr/lib/systemd/system"];
/// No real unit file comes close to this.
const MAX_UNIT_BYTES: u64 = 256 << 10;
/// Directory entries looked at per unit directory, so a huge directory cannot stall the probe.
const MAX_ENTRIES: usize = 10_000;

/// A unit file and its drop-ins as `Key=value` settings, in the order systemd applies them.
#[derive(Debug, Clone, Default)]
pub struct Unit {
    pub path: PathBuf,
    pub settings: Vec<Setting>,
}

/// One `Key=value` line of a unit file or drop-in.
#[derive(Debug, Clone)]
pub struct Setting {
    pub key: String,
    pub value: String,
    pub location: Location,
}

impl Unit {
    /// The value systemd uses for `key`: the last one set (drop-ins override the unit).
    pub fn last(&self, key: &str) -> Option<&Setting> {
        self.settings.iter().rev().find(|s| s.key == key)
    }

    /// `Environment=` assignments in order, later ones overriding earlier ones.
    pub fn environment(&self) -> Vec<(String, String, Location)> {
        let mut out = Vec::new();
        for s in self.settings.iter().filter(|s| s.key == "Environment") {
            for word in split_words(&s.value) {
                if let Some((k, v)) = word.split_once('=') {
                    out.push((k.to_string(), v.to_string(), s.location.clone()));
                }
            }
        }
        out
    }
}

/// The first `.service` unit in `dirs` whose `ExecStart=` mentions `home`, with its drop-ins.
/// Missing directories are skipped; unreadable ones are an error only when nothing was found.
pub fn find_unit(dirs: &[&Path], home: &Path) -> Result<Option<Unit>, String> {
    let needles = home_spellings(home);
    let mut errors = Vec::new();
    for dir in dirs {
        let entries = match service_files(dir) {
            Ok(e) => e,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        for path in entries {
            // Most units never name PRODUCT_HOME: only those whose text does are parsed.
            let Ok(text) = read_capped(&path, MAX_UNIT_BYTES) else {
                continue;
            };
            if !needles.iter().any(|n| text.contains(n.as_str())) {
                continue;
            }
            let settings = parse_unit(&text, &path.display().to_string());
            let starts_home = settings
                .iter()
                .any(|s| s.key == "ExecStart" && needles.iter().any(|n| mentions(&s.value, n)));
            if starts_home {
                let mut unit = Unit { path, settings };
                add_dropins(dirs, &mut unit);
                return Ok(Some(unit));
            }
        }
    }
    match errors.is_empty() {
        true => Ok(None),
        false => Err(errors.join("; ")),
    }
}

/// PRODUCT_HOME as given and canonicalised, without a trailing slash.
fn home_spellings(home: &Path) -> Vec<String> {
    let mut out = vec![home.display().to_string()];
    if let Ok(c) = std::fs::canonicalize(home) {
        out.push(c.display().to_string());
    }
    for s in &mut out {
        while s.len() > 1 && s.ends_with('/') {
            s.pop();
        }
    }
    out.dedup();
    out
}

/// Whether `text` contains the path `needle` as a whole path (not `/opt/am` in `/opt/am-old`).
fn mentions(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(i, _)| {
        let next = text[i + needle.len()..].chars().next();
        matches!(next, None | Some('/' | '"' | '\'' | ' ' | '\t' | ';'))
    })
}

fn service_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    let mut files: Vec<PathBuf> = rd
        .take(MAX_ENTRIES)
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "service") && p.is_file())
        .collect();
    files.sort();
    Ok(files)
}

fn add_dropins(dirs: &[&Path], unit: &mut Unit) {
    let Some(name) = unit
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
    else {
        return;
    };
    let mut confs: Vec<PathBuf> = Vec::new();
    for dir in dirs {
        if let Ok(rd) = std::fs::read_dir(dir.join(format!("{name}.d"))) {
            confs.extend(
                rd.take(MAX_ENTRIES)
                    .filter_map(|e| e.ok().map(|e| e.path()))
                    .filter(|p| p.extension().is_some_and(|x| x == "conf")),
            );
        }
    }
    confs.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    for conf in confs {
        if let Ok(settings) = read_unit(&conf) {
            unit.settings.extend(settings);
        }
    }
}

/// Reads a unit file's `Key=value` lines (continuations joined, comments and sections skipped).
pub fn read_unit(path: &Path) -> Result<Vec<Setting>, String> {
    let text = read_capped(path, MAX_UNIT_BYTES)?;
    Ok(parse_unit(&text, &path.display().to_string()))
}

pub fn parse_unit(text: &str, file: &str) -> Vec<Setting> {
    let mut out = Vec::new();
    let mut pending: Option<(String, u32)> = None;
    for (idx, raw) in text.lines().enumerate() {
        let (mut line, start) = match pending.take() {
            Some((acc, start)) => (acc + " " + raw.trim(), start),
            None => (raw.trim().to_string(), idx as u32 + 1),
        };
        if line.ends_with('\\') {
            line.pop();
            pending = Some((line, start));
            continue;
        }
        if line.is_empty() || line.starts_with(['#', ';', '[']) {
            continue;
        }
        if let Some((k, v)) = line.split_once('=') {
            out.push(Setting {
                key: k.trim().to_string(),
                value: v.trim().to_string(),
                location: Location {
                    file: file.to_string(),
                    line: start,
                    column: 1,
                },
            });
        }
    }
    out
}

/// Splits a systemd value into words, honouring double and single quotes.
pub fn split_words(value: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut quote: Option<char> = None;
    let mut in_word = false;
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (_, '\\') => {
                if let Some(n) = chars.next() {
                    cur.push(n);
                }
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            (_, c) => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(cur);
    }
    words
}

/// A `LimitNOFILE=`/`LimitNPROC=` value: the soft limit of `soft:hard`; `infinity` is i64::MAX.
pub fn limit_value(value: &str) -> Option<i64> {
    let soft = value.split(':').next()?.trim();
    if soft.eq_ignore_ascii_case("infinity") {
        return Some(i64::MAX);
    }
    soft.parse::<u64>()
        .ok()
        .map(|n| n.min(i64::MAX as u64) as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_honour_quotes() {
        assert_eq!(
            split_words(r#""JAVA_OPTS=-Xmx2g -Da=b" JVM_MEM_OPTS='-Xms1g' X=1"#),
            vec!["JAVA_OPTS=-Xmx2g -Da=b", "JVM_MEM_OPTS=-Xms1g", "X=1"]
        );
    }

    #[test]
    fn limits() {
        assert_eq!(limit_value("65535"), Some(65535));
        assert_eq!(limit_value("4096:65535"), Some(4096));
        assert_eq!(limit_value("infinity"), Some(i64::MAX));
        assert_eq!(limit_value("lots"), None);
    }

    #[test]
    fn paths_match_whole() {
        assert!(mentions("/opt/am/bin/api-manager.sh start", "/opt/am"));
        assert!(!mentions("/opt/am-old/bin/api-manager.sh", "/opt/am"));
    }

    #[test]
    fn finds_the_unit_that_starts_home_with_dropins() {
        let etc = tempfile::tempdir().unwrap();
        let lib = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let h = home.path().display();
        std::fs::write(
            lib.path().join("other.service"),
            "[Service]\nExecStart=/usr/bin/true\n",
        )
        .unwrap();
        std::fs::write(
            lib.path().join("apim.service"),
            format!(
                "[Service]\nEnvironment=\"JAVA_OPTS=-Xmx2g\"\nExecStart={h}/bin/api-manager.sh \\\n  start\nLimitNOFILE=4096\n"
            ),
        )
        .unwrap();
        let d = etc.path().join("apim.service.d");
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("limits.conf"), "[Service]\nLimitNOFILE=65535\n").unwrap();
        let unit = find_unit(&[etc.path(), lib.path()], home.path())
            .unwrap()
            .expect("unit found");
        assert!(unit.path.ends_with("apim.service"));
        let nofile = unit.last("LimitNOFILE").unwrap();
        assert_eq!(nofile.value, "65535");
        assert!(nofile.location.file.ends_with("limits.conf"));
        let env = unit.environment();
        assert_eq!(env[0].0, "JAVA_OPTS");
        assert_eq!(env[0].1, "-Xmx2g");
        assert_eq!(env[0].2.line, 2);
        let none = find_unit(&[etc.path()], home.path()).unwrap();
        assert!(none.is_none());
    }
}
