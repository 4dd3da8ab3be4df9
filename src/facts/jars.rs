//! Jars probe: which JDBC driver classes the jars in repository/components/{lib,dropins} hold,
//! read from each jar's central directory only.

use super::{Context, Fact};
use crate::value::Value;
use std::collections::BTreeSet;
use std::path::Path;

/// Where WSO2 loads extra jars from, relative to PRODUCT_HOME (`repository/components/…`).
const JAR_DIRS: &[&str] = &["lib", "dropins"];
/// JDBC driver classes WSO2's databases use, as jar entries.
const DRIVER_CLASSES: &[&str] = &[
    "com/mysql/cj/jdbc/Driver",
    "com/mysql/jdbc/Driver",
    "org/mariadb/jdbc/Driver",
    "org/postgresql/Driver",
    "oracle/jdbc/OracleDriver",
    "oracle/jdbc/driver/OracleDriver",
    "com/microsoft/sqlserver/jdbc/SQLServerDriver",
    "com/ibm/db2/jcc/DB2Driver",
    "org/h2/Driver",
];
/// Jars larger than this are not opened.
const MAX_JAR_BYTES: u64 = 200 << 20;
/// At most this many entries of one jar are looked at.
const MAX_ENTRIES: usize = 200_000;
/// At most this many jars per directory are opened.
const MAX_JARS: usize = 5_000;

/// What the scan found.
#[derive(Debug, Default, PartialEq)]
struct Scan {
    /// `org.postgresql.Driver (lib/postgresql-42.7.3.jar)`.
    pub drivers: Vec<String>,
    pub classes: BTreeSet<String>,
    pub count: usize,
    /// `lib/broken.jar: reason`.
    pub unreadable: Vec<String>,
    /// A jar directory that exists but cannot be listed: what was found is incomplete.
    unlisted: Option<String>,
}

pub fn probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    let scan = ctx.home().map(scan);
    names
        .iter()
        .map(|n| {
            let fact = match &scan {
                None => Fact::unavailable("no PRODUCT_HOME given"),
                Some(s) => fact(s, n),
            };
            (n.clone(), fact)
        })
        .collect()
}

fn fact(s: &Scan, name: &str) -> Fact {
    if let Some(why) = &s.unlisted {
        return Fact::unavailable(why.clone());
    }
    let list = |v: &mut dyn Iterator<Item = &String>| {
        Fact::value(Value::List(v.map(|x| Value::Str(x.clone())).collect()))
    };
    match name {
        "jars.drivers" => list(&mut s.drivers.iter()),
        "jars.driver-classes" => list(&mut s.classes.iter()),
        "jars.count" => Fact::value(Value::Int(s.count as i64)),
        "jars.unreadable" => list(&mut s.unreadable.iter()),
        other => Fact::unavailable(format!("the jars probe does not know `{other}`")),
    }
}

/// Scans lib/ and dropins/ under repository/components of `home`.
fn scan(home: &Path) -> Scan {
    let mut out = Scan::default();
    for dir in JAR_DIRS {
        let path = home.join("repository/components").join(dir);
        let read = match std::fs::read_dir(&path) {
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                // Unreadable or a symlink loop: "no driver jar" would be a guess, not a finding.
                out.unlisted = Some(format!("cannot list repository/components/{dir}: {e}"));
                continue;
            }
        };
        let mut jars: Vec<_> = read
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x.eq_ignore_ascii_case("jar")))
            .collect();
        jars.sort();
        if jars.len() > MAX_JARS {
            // Over the cap, "no driver found" would be a guess about the jars not opened.
            out.unlisted = Some(format!(
                "more than {MAX_JARS} jars in repository/components/{dir}; not all were looked at"
            ));
        }
        for jar in jars.into_iter().take(MAX_JARS) {
            let shown = format!(
                "{dir}/{}",
                jar.file_name().unwrap_or_default().to_string_lossy()
            );
            match classes_in(&jar) {
                Ok(found) => {
                    out.count += 1;
                    for class in found {
                        out.drivers.push(format!("{class} ({shown})"));
                        out.classes.insert(class);
                    }
                }
                Err(e) => out.unreadable.push(format!("{shown}: {e}")),
            }
        }
    }
    out
}

/// The known driver classes (dotted) whose `.class` entries the jar's central directory lists.
fn classes_in(jar: &Path) -> Result<Vec<String>, String> {
    let file = std::fs::File::open(jar).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".into());
    }
    if meta.len() > MAX_JAR_BYTES {
        return Err(format!(
            "larger than {} and not opened",
            crate::value::format_bytes(MAX_JAR_BYTES)
        ));
    }
    let zip = zip::ZipArchive::new(std::io::BufReader::new(file))
        .map_err(|e| format!("not a readable zip: {e}"))?;
    if zip.len() > MAX_ENTRIES {
        return Err(format!(
            "more than {MAX_ENTRIES} entries; not all were looked at"
        ));
    }
    let mut found: Vec<String> = zip
        .file_names()
        .take(MAX_ENTRIES)
        .filter_map(|n| n.strip_suffix(".class"))
        .filter(|n| DRIVER_CLASSES.contains(n))
        .map(|n| n.replace('/', "."))
        .collect();
    found.sort();
    found.dedup();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn jar(path: &Path, entries: &[&str]) {
        let mut w = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        for e in entries {
            w.start_file(*e, opts).unwrap();
            w.write_all(b"\xca\xfe\xba\xbe").unwrap();
        }
        w.finish().unwrap();
    }

    #[test]
    fn finds_drivers_in_lib_and_dropins() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        let lib = home.join("repository/components/lib");
        let dropins = home.join("repository/components/dropins");
        std::fs::create_dir_all(&lib).unwrap();
        std::fs::create_dir_all(&dropins).unwrap();
        jar(
            &lib.join("postgresql-42.7.3.jar"),
            &[
                "META-INF/MANIFEST.MF",
                "org/postgresql/Driver.class",
                "org/postgresql/Other.class",
            ],
        );
        jar(
            &dropins.join("mysql-connector-java-8.0.17.JAR"),
            &[
                "com/mysql/cj/jdbc/Driver.class",
                "com/mysql/jdbc/Driver.class",
            ],
        );
        jar(&lib.join("plain.jar"), &["a/B.class"]);
        std::fs::write(lib.join("broken.jar"), b"not a zip").unwrap();
        std::fs::write(lib.join("notes.txt"), b"ignored").unwrap();
        let s = scan(home);
        assert_eq!(s.count, 3);
        assert_eq!(
            s.drivers,
            vec![
                "org.postgresql.Driver (lib/postgresql-42.7.3.jar)",
                "com.mysql.cj.jdbc.Driver (dropins/mysql-connector-java-8.0.17.JAR)",
                "com.mysql.jdbc.Driver (dropins/mysql-connector-java-8.0.17.JAR)",
            ]
        );
        assert_eq!(s.classes.len(), 3);
        assert_eq!(s.unreadable.len(), 1);
        assert!(s.unreadable[0].starts_with("lib/broken.jar: not a readable zip"));
        let ctx = Context::new(Some(home.to_path_buf()), false, None);
        let facts = probe(&ctx, &["jars.count".into(), "jars.driver-classes".into()]);
        assert_eq!(facts[0].1.get(), Ok(&Value::Int(3)));
        assert!(matches!(facts[1].1.get(), Ok(Value::List(l)) if l.len() == 3));
    }

    #[test]
    fn no_jar_directories_means_no_drivers() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(scan(dir.path()), Scan::default());
    }

    #[test]
    fn a_lib_symlink_loop_is_an_error_not_a_missing_driver() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join("repository/components")).unwrap();
        std::os::unix::fs::symlink("lib", home.join("repository/components/lib")).unwrap();
        let s = scan(home);
        let why = s.unlisted.as_deref().unwrap();
        assert!(
            why.starts_with("cannot list repository/components/lib: "),
            "{why}"
        );
        let ctx = Context::new(Some(home.to_path_buf()), false, None);
        let facts = probe(&ctx, &["jars.driver-classes".into()]);
        assert!(facts[0].1.get().is_err());
    }
}
