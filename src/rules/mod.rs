//! Rules: the rule language (crates/rules, re-exported), the embedded pack as the build compiled
//! it, and reading pack folders.

pub use preflight_rules::{cond, diag, load, model};

pub use diag::{Diagnostic, Diagnostics};
pub use load::{PackSource, Source, compile};
pub use model::{PackInfo, Rule, RuleCase, RuleSet, Scope};
pub use select::{NOT_SELECTED, Selection};

mod select;
use std::path::Path;

/// Reads a pack folder (`*.toml`, sorted by name). A folder without TOML files is an error, and
/// so is a `*.toml` entry that cannot be read (a dangling symlink, a loop, a FIFO): a pack never
/// loses a file quietly.
pub fn read_pack(dir: &Path) -> Result<PackSource, Diagnostic> {
    let (pack, diags) = read_pack_reporting_all(dir);
    match (pack, diags.into_iter().next()) {
        (Some(pack), None) => Ok(pack),
        (_, Some(first)) => Err(first),
        (None, None) => unreachable!("a pack that is not read has a diagnostic"),
    }
}

/// Reads each folder like [`read_pack`], with every problem of every folder: the packs read
/// whole, and the diagnostics of those that were not.
pub fn read_packs(dirs: &[std::path::PathBuf]) -> (Vec<PackSource>, Vec<Diagnostic>) {
    let mut packs = Vec::new();
    let mut diags = Vec::new();
    for dir in dirs {
        let (pack, d) = read_pack_reporting_all(dir);
        match d.is_empty() {
            true => packs.extend(pack),
            false => diags.extend(d),
        }
    }
    (packs, diags)
}

fn read_pack_reporting_all(dir: &Path) -> (Option<PackSource>, Vec<Diagnostic>) {
    let at = |file: &Path, message: String| Diagnostic {
        file: file.display().to_string(),
        line: 1,
        column: 1,
        message,
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return (None, vec![at(dir, format!("cannot read rule folder: {e}"))]),
    };
    let mut diags = Vec::new();
    let mut paths = Vec::new();
    for entry in entries {
        match entry {
            Ok(e) if e.path().extension().is_some_and(|x| x == "toml") => paths.push(e.path()),
            Ok(_) => {}
            Err(e) => diags.push(at(dir, format!("cannot list rule folder: {e}"))),
        }
    }
    paths.sort();
    let mut files = Vec::new();
    for p in paths {
        match read_rule_file(&p) {
            Ok(Some(text)) => files.push(Source {
                path: p.display().to_string(),
                text,
            }),
            Ok(None) => {}
            Err(message) => diags.push(at(&p, message)),
        }
    }
    if files.is_empty() && diags.is_empty() {
        diags.push(at(dir, "no *.toml rule files in this folder".into()));
    }
    let shown = dir.display().to_string();
    (Some(PackSource { dir: shown, files }), diags)
}

/// The text of one `*.toml` entry; `None` for a folder that happens to be named so.
fn read_rule_file(p: &Path) -> Result<Option<String>, String> {
    let meta = std::fs::metadata(p).map_err(|e| match std::fs::symlink_metadata(p) {
        Ok(link) if link.is_symlink() => format!("cannot read rule file (a broken symlink): {e}"),
        _ => format!("cannot read rule file: {e}"),
    })?;
    if meta.is_dir() {
        return Ok(None);
    }
    if !meta.is_file() {
        return Err(
            "not a regular file (a FIFO, socket or device); rule files are plain files".into(),
        );
    }
    crate::io::read_input(p, 4 << 20).map(Some)
}

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
    include!(concat!(env!("OUT_DIR"), "/embedded_reads.rs"));
}

/// What each rule of [`embedded`] reads, as (id, category, facts), known when preflight was
/// built: a run starts probing before the pack is loaded.
pub fn embedded_reads() -> &'static [(&'static str, &'static str, &'static [&'static str])] {
    embedded::READS
}

/// What each rule of `set` reads ([`Rule::facts`]). For the embedded pack alone
/// (`embedded_only`) that is the build's table, which spares decoding every condition of the
/// pack ([`cond::Cond::expr`]); with other packs, or should the ids not line up, it is listed
/// from the rules.
pub fn reads(set: &RuleSet, embedded_only: bool) -> Vec<Vec<String>> {
    let table = embedded_reads();
    let same = table.len() == set.rules.len()
        && table
            .iter()
            .zip(&set.rules)
            .all(|((id, _, _), r)| *id == r.id);
    if embedded_only && same {
        let listed = table
            .iter()
            .map(|(_, _, f)| f.iter().map(|s| s.to_string()));
        return listed.map(Iterator::collect).collect();
    }
    set.rules.iter().map(Rule::facts).collect()
}

/// The node rule packs embedded in the binary, as text.
pub fn embedded_packs() -> Vec<PackSource> {
    let files = embedded::FILES
        .iter()
        .filter(|(p, _, _)| load::is_node_pack(p));
    load::shipped_packs(files.map(|(p, f, t)| (*p, *f, t.to_string())))
}

/// The embedded node packs as the build script compiled them, in postcard's binary form:
/// reading it took 0.79 ms here where the same pack as JSON took 1.27 ms (no text to scan and
/// unescape), and compiling [`embedded_packs`] again takes several times longer than either.
/// Its conditions stay encoded until read ([`cond::Cond::expr`]): 0.17 ms instead of 0.44 ms
/// (warm, best of 300, ninth session).
pub fn embedded() -> RuleSet {
    let pack = include_bytes!(concat!(env!("OUT_DIR"), "/embedded_pack.postcard"));
    postcard::from_bytes(pack).expect("the build script wrote the compiled pack")
}
