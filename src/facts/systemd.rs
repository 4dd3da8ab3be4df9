//! systemd units: find the service that starts PRODUCT_HOME and read its settings (limits, environment).

use super::Location;
use crate::io::read_capped;
use std::path::{Path, PathBuf};

/// No real unit file comes close to this.
const MAX_UNIT_BYTES: u64 = 256 << 10;
/// Directory entries looked at per unit directory, so a huge directory cannot stall the probe.
const MAX_ENTRIES: usize = 10_000;

/// The unit folders searched. Every `.service` in an `admin` folder is a candidate; a unit in a
/// `vendor` folder only when it is enabled, i.e. linked from an admin folder's `*.wants/` or
/// `*.requires/`. A unit nobody enabled does not start the product at boot, and reading every
/// package's unit file cost more than all other host facts together.
#[derive(Debug, Clone)]
pub struct UnitDirs {
    pub admin: Vec<PathBuf>,
    pub vendor: Vec<PathBuf>,
}

/// Replaces systemd's unit search path with these folders (`:`-separated, each searched as an
/// administrator folder): for a host whose units live elsewhere (a chroot, an image being
/// built) and for tests that stage a unit.
pub const UNIT_DIRS_ENV: &str = "PREFLIGHT_SYSTEMD_UNIT_DIRS";

impl UnitDirs {
    /// systemd's system unit search path, administrator folders first; `$PREFLIGHT_SYSTEMD_UNIT_DIRS`
    /// when it is set.
    pub fn system() -> UnitDirs {
        if let Some(dirs) = std::env::var_os(UNIT_DIRS_ENV).filter(|d| !d.is_empty()) {
            return UnitDirs {
                admin: std::env::split_paths(&dirs).collect(),
                vendor: Vec::new(),
            };
        }
        UnitDirs {
            admin: vec!["/etc/systemd/system".into(), "/run/systemd/system".into()],
            vendor: vec![
                "/usr/lib/systemd/system".into(),
                "/lib/systemd/system".into(),
            ],
        }
    }

    fn all(&self) -> impl Iterator<Item = &Path> {
        self.admin.iter().chain(&self.vendor).map(PathBuf::as_path)
    }
}

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

/// The first unit (admin folders' units, then enabled units) whose `ExecStart=` mentions
/// `home`, with its drop-ins. Missing folders are skipped; unreadable ones are an error only
/// when nothing was found.
pub fn find_unit(dirs: &UnitDirs, home: &Path) -> Result<Option<Unit>, String> {
    let needles = home_spellings(home);
    let (candidates, errors) = candidates(dirs);
    for path in candidates {
        // Most units never name PRODUCT_HOME: only those whose text does are parsed.
        let Ok(text) = read_capped(&path, MAX_UNIT_BYTES) else {
            continue;
        };
        if !needles.iter().any(|n| text.contains(n.as_str())) {
            continue;
        }
        // An enabled unit's link is reported as the file it points to.
        let file = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
        let settings = parse_unit(&text, &file.display().to_string());
        let starts_home = settings
            .iter()
            .any(|s| s.key == "ExecStart" && needles.iter().any(|n| mentions(&s.value, n)));
        if starts_home {
            let mut unit = Unit {
                path: file,
                settings,
            };
            if let Some(name) = path.file_name() {
                add_dropins(dirs, &name.to_string_lossy(), &mut unit);
            }
            return Ok(Some(unit));
        }
    }
    match errors.is_empty() {
        true => Ok(None),
        false => Err(errors.join("; ")),
    }
}

/// Unit files worth reading, by unit name once: every `.service` of the admin folders, then
/// the `.service` links of their `*.wants/` and `*.requires/` folders (the enabled units).
fn candidates(dirs: &UnitDirs) -> (Vec<PathBuf>, Vec<String>) {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    let mut links = Vec::new();
    for dir in &dirs.admin {
        match service_files(dir) {
            Ok(files) => out.extend(files),
            Err(e) => errors.push(e),
        }
        let Ok(rd) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in rd.take(MAX_ENTRIES).flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            if name.ends_with(".wants") || name.ends_with(".requires") {
                links.extend(service_files(&entry.path()).unwrap_or_default());
            }
        }
    }
    links.sort_by(|a, b| a.file_name().cmp(&b.file_name()));
    let mut seen: std::collections::BTreeSet<_> = out
        .iter()
        .filter_map(|p| p.file_name())
        .map(|n| n.to_os_string())
        .collect();
    for link in links {
        if link
            .file_name()
            .is_some_and(|n| seen.insert(n.to_os_string()))
        {
            out.push(link);
        }
    }
    (out, errors)
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

fn add_dropins(dirs: &UnitDirs, name: &str, unit: &mut Unit) {
    let mut confs: Vec<PathBuf> = Vec::new();
    for dir in dirs.all() {
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
fn read_unit(path: &Path) -> Result<Vec<Setting>, String> {
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
        let dirs = UnitDirs {
            admin: vec![etc.path().to_path_buf()],
            vendor: vec![lib.path().to_path_buf()],
        };
        // A package's unit that nobody enabled starts nothing at boot: not searched.
        assert!(find_unit(&dirs, home.path()).unwrap().is_none());
        let wants = etc.path().join("multi-user.target.wants");
        std::fs::create_dir(&wants).unwrap();
        std::os::unix::fs::symlink(lib.path().join("apim.service"), wants.join("apim.service"))
            .unwrap();
        let unit = find_unit(&dirs, home.path()).unwrap().expect("unit found");
        // Reported as the file the link points to, with its lines.
        assert_eq!(
            unit.path,
            lib.path().canonicalize().unwrap().join("apim.service")
        );
        assert!(
            unit.last("ExecStart")
                .unwrap()
                .location
                .file
                .starts_with(&*lib.path().canonicalize().unwrap().to_string_lossy())
        );
        let nofile = unit.last("LimitNOFILE").unwrap();
        assert_eq!(nofile.value, "65535");
        assert!(nofile.location.file.ends_with("limits.conf"));
        let env = unit.environment();
        assert_eq!(env[0].0, "JAVA_OPTS");
        assert_eq!(env[0].1, "-Xmx2g");
        assert_eq!(env[0].2.line, 2);
        let elsewhere = tempfile::tempdir().unwrap();
        assert!(find_unit(&dirs, elsewhere.path()).unwrap().is_none());
    }

    #[test]
    fn admin_units_need_not_be_enabled() {
        let etc = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let unit = etc.path().join("wso2am.service");
        let text = format!(
            "[Service]\nExecStart={}/bin/api-manager.sh\n",
            home.path().display()
        );
        std::fs::write(&unit, text).unwrap();
        let dirs = UnitDirs {
            admin: vec![etc.path().to_path_buf()],
            vendor: vec![],
        };
        let found = find_unit(&dirs, home.path()).unwrap().expect("unit found");
        assert_eq!(found.path, unit.canonicalize().unwrap());
        assert_eq!(found.last("ExecStart").unwrap().location.line, 2);
    }
}
