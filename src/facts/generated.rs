//! Hand edits to files the config mapper regenerates from deployment.toml at every start.
//!
//! Every `repository/resources/conf/templates/<path>.j2` is rendered to `<path>` at start, and the
//! mapper then records hashes under `repository/resources/conf/.metadata`. A rendered file whose
//! modification time is later than the newest `.metadata` file was changed after the last
//! render: that change is lost at the next restart. Without `.metadata` (never started) nothing
//! can be compared, and the fact is not set.

use super::Fact;
use crate::value::Value;
use std::path::Path;
use std::time::{Duration, SystemTime};

const TEMPLATES: &str = "repository/resources/conf/templates";
const METADATA: &str = "repository/resources/conf/.metadata";
/// Rendering takes a moment after the metadata is written; edits within it are not edits.
const SLACK: Duration = Duration::from_secs(120);
const MAX_FILES: usize = 5000;

pub fn edited(home: Option<&Path>) -> Fact {
    let Some(home) = home else {
        return Fact::unavailable("no PRODUCT_HOME given");
    };
    let rendered_at = match newest(&home.join(METADATA)) {
        Ok(Some(t)) => t,
        Ok(None) => return Fact::value(Value::Null),
        Err(why) => return Fact::unavailable(why),
    };
    let mut templates = Vec::new();
    if let Err(why) = collect(&home.join(TEMPLATES), &mut templates) {
        return Fact::unavailable(why);
    }
    let mut out = Vec::new();
    for t in templates {
        let Ok(rel) = t.strip_prefix(home.join(TEMPLATES)) else {
            continue;
        };
        let rel = rel.to_string_lossy();
        let Some(target) = rel.strip_suffix(".j2") else {
            continue;
        };
        let modified = std::fs::metadata(home.join(target)).and_then(|m| m.modified());
        match modified {
            Ok(m) if m > rendered_at + SLACK => out.push(Value::Str(target.to_string())),
            Ok(_) => {}
            // Not rendered (yet): nothing was edited by hand.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Fact::unavailable(format!("cannot stat {target}: {e}")),
        }
    }
    out.sort_by_key(|v| v.to_string());
    Fact::value(Value::List(out))
}

/// The newest modification time under `.metadata`; `None` when it does not exist (never
/// started). A folder that exists but cannot be read is an error, not "never started".
fn newest(dir: &Path) -> Result<Option<SystemTime>, String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot list {METADATA}: {e}")),
    };
    let mut newest = None;
    for e in entries {
        let t = e
            .and_then(|e| e.metadata())
            .and_then(|m| m.modified())
            .map_err(|e| format!("cannot read {METADATA}: {e}"))?;
        newest = newest.max(Some(t));
    }
    Ok(newest)
}

/// Every file under the templates folder; a folder that cannot be read, or more files than
/// the cap, is an error: the files not seen could be the edited ones.
fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) -> Result<(), String> {
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && out.is_empty() => return Ok(()),
        Err(e) => return Err(format!("cannot list {}: {e}", dir.display())),
    };
    for e in entries {
        let e = e.map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
        if out.len() >= MAX_FILES {
            return Err(format!(
                "more than {MAX_FILES} files under {TEMPLATES}; not all were looked at"
            ));
        }
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => collect(&p, out)?,
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn touch(p: &Path, at: SystemTime) {
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, "x").unwrap();
        let f = std::fs::File::options().write(true).open(p).unwrap();
        f.set_modified(at).unwrap();
    }

    #[test]
    fn a_rendered_file_changed_after_the_last_render_is_listed() {
        let dir = tempfile::tempdir().unwrap();
        let h = dir.path();
        let t0 = SystemTime::now() - Duration::from_secs(3600);
        assert_eq!(edited(Some(h)).get().unwrap(), &Value::Null);
        touch(&h.join(METADATA).join("metadata_config.properties"), t0);
        let tpl = "repository/conf/tomcat/catalina-server.xml";
        touch(&h.join(TEMPLATES).join(format!("{tpl}.j2")), t0);
        touch(&h.join(TEMPLATES).join("repository/conf/carbon.xml.j2"), t0);
        touch(&h.join(tpl), t0 + Duration::from_secs(1800));
        touch(
            &h.join("repository/conf/carbon.xml"),
            t0 + Duration::from_secs(5),
        );
        assert_eq!(
            edited(Some(h)).get().unwrap(),
            &Value::List(vec![Value::Str(tpl.into())])
        );
    }

    #[test]
    fn folders_that_cannot_be_read_are_errors_not_no_edits() {
        let dir = tempfile::tempdir().unwrap();
        let h = dir.path();
        // .metadata that is not a folder cannot be listed (root included).
        touch(&h.join(METADATA), SystemTime::now());
        let why = edited(Some(h)).get().unwrap_err().to_string();
        assert!(why.contains(".metadata"), "{why}");
        std::fs::remove_file(h.join(METADATA)).unwrap();
        touch(&h.join(METADATA).join("m"), SystemTime::now());
        touch(&h.join(TEMPLATES), SystemTime::now());
        assert!(edited(Some(h)).get().is_err());
    }
}
