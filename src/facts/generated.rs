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
    let Some(rendered_at) = newest(&home.join(METADATA)) else {
        return Fact::value(Value::Null);
    };
    let mut templates = Vec::new();
    collect(&home.join(TEMPLATES), &mut templates);
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
        if let Ok(m) = modified
            && m > rendered_at + SLACK
        {
            out.push(Value::Str(target.to_string()));
        }
    }
    out.sort_by_key(|v| v.to_string());
    Fact::value(Value::List(out))
}

fn newest(dir: &Path) -> Option<SystemTime> {
    std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok()?.metadata().ok()?.modified().ok())
        .max()
}

fn collect(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if out.len() >= MAX_FILES {
            return;
        }
        let p = e.path();
        match e.file_type() {
            Ok(t) if t.is_dir() => collect(&p, out),
            Ok(t) if t.is_file() => out.push(p),
            _ => {}
        }
    }
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
}
