//! Rules: the rule language (crates/rules, re-exported), the embedded pack as the build compiled
//! it, and reading pack folders.

pub use preflight_rules::{cond, diag, load, model};

pub use diag::{Diagnostic, Diagnostics};
pub use load::{PackSource, Source, compile};
pub use model::{PackInfo, Rule, RuleCase, RuleSet, Scope};
use std::path::Path;

/// Reads a pack folder (`*.toml`, sorted by name). A folder without TOML files is an error.
pub fn read_pack(dir: &Path) -> Result<PackSource, Diagnostic> {
    let shown = dir.display().to_string();
    let fail = |message: String| Diagnostic {
        file: shown.clone(),
        line: 1,
        column: 1,
        message,
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| fail(format!("cannot read rule folder: {e}")))?;
    let mut paths: Vec<_> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml") && p.is_file())
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(fail("no *.toml rule files in this folder".into()));
    }
    let mut files = Vec::new();
    for p in paths {
        let text = crate::facts::read_input(&p, 4 << 20).map_err(fail)?;
        files.push(Source {
            path: p.display().to_string(),
            text,
        });
    }
    Ok(PackSource { dir: shown, files })
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

/// The node rule packs embedded in the binary, as text.
pub fn embedded_packs() -> Vec<PackSource> {
    let files = embedded::FILES
        .iter()
        .filter(|(p, _, _)| load::is_node_pack(p));
    load::shipped_packs(files.map(|(p, f, t)| (*p, *f, t.to_string())))
}

/// The embedded node packs as the build script compiled them: loading them costs about a
/// quarter of compiling [`embedded_packs`] again (2.4 M instructions against 8.6 M).
pub fn embedded() -> RuleSet {
    let json = include_str!(concat!(env!("OUT_DIR"), "/embedded_pack.json"));
    serde_json::from_str(json).expect("the build script wrote the compiled pack")
}

/// The embedded files of one `rules/<pack>` folder, as (`rules/<pack>/<file>`, text).
pub fn embedded_files(pack: &str) -> impl Iterator<Item = (String, &'static str)> + '_ {
    embedded::FILES
        .iter()
        .filter(move |(p, _, _)| *p == pack)
        .map(|(p, f, t)| (format!("rules/{p}/{f}"), *t))
}
