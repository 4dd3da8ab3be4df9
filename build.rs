//! Embeds the shipped rule packs (`rules/<pack>/*.toml`) into the binary, as text and compiled
//! (the node packs and the fleet rules of `rules/fleet`): a run then loads the compiled rules
//! instead of compiling them again, and knows from `READS` what to probe before loading them.
//! A problem in a shipped rule file fails the build with its `file:line:col`.

use preflight_rules::load::{Source, compile, compile_fleet, is_node_pack, shipped_packs};
use preflight_rules::model::RuleSet;
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    println!("cargo:rerun-if-changed={}", root.display());
    let files = rule_files(&root);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    std::fs::write(out.join("embedded_rules.rs"), files_table(&files)).unwrap();
    let set = compiled(&files);
    let pack = postcard::to_allocvec(&set).expect("a compiled pack serialises");
    std::fs::write(out.join("embedded_pack.postcard"), pack).unwrap();
    std::fs::write(out.join("embedded_reads.rs"), reads_table(&set)).unwrap();
    let fleet = serde_json::to_string(&compiled_fleet(&files)).expect("fleet rules serialise");
    std::fs::write(out.join("embedded_fleet.json"), fleet).unwrap();
}

/// (pack, file) of every `rules/<pack>/*.toml`, packs and files sorted by name.
fn rule_files(root: &Path) -> Vec<(String, PathBuf)> {
    let mut files = Vec::new();
    let mut packs: Vec<_> = std::fs::read_dir(root)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    packs.sort();
    for pack in packs.iter().filter(|p| p.is_dir()) {
        println!("cargo:rerun-if-changed={}", pack.display());
        let mut tomls: Vec<_> = std::fs::read_dir(pack)
            .expect("rule pack folder")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "toml"))
            .collect();
        tomls.sort();
        for file in tomls {
            println!("cargo:rerun-if-changed={}", file.display());
            let name = pack.file_name().unwrap().to_string_lossy().into_owned();
            files.push((name, file));
        }
    }
    files
}

/// `FILES`: (pack, file name, text) of every rule file.
fn files_table(files: &[(String, PathBuf)]) -> String {
    let mut out = String::from("pub const FILES: &[(&str, &str, &str)] = &[\n");
    for (pack, file) in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        let path = file.display().to_string();
        writeln!(out, "    ({pack:?}, {name:?}, include_str!({path:?})),").unwrap();
    }
    out.push_str("];\n");
    out
}

/// `READS`: (id, category, facts read) of every compiled rule, in pack order, so that a run
/// knows what to probe before it has loaded the pack.
fn reads_table(set: &RuleSet) -> String {
    let mut out = String::from("pub const READS: &[(&str, &str, &[&str])] = &[\n");
    for r in &set.rules {
        let (id, category, facts) = (&r.id, &r.category, r.facts());
        writeln!(out, "    ({id:?}, {category:?}, &{facts:?}),").unwrap();
    }
    out.push_str("];\n");
    out
}

/// The node packs compiled together; files named `rules/<pack>/<file>` as at run time.
fn compiled(files: &[(String, PathBuf)]) -> RuleSet {
    let texts: Vec<_> = files
        .iter()
        .filter(|(pack, _)| is_node_pack(pack))
        .map(|(pack, file)| {
            let name = file.file_name().unwrap().to_string_lossy().into_owned();
            (
                pack,
                name,
                std::fs::read_to_string(file).expect("rule file"),
            )
        })
        .collect();
    let packs = shipped_packs(
        texts
            .iter()
            .map(|(p, f, t)| (p.as_str(), f.as_str(), t.clone())),
    );
    match compile(&packs) {
        Ok(set) => set,
        Err(diags) => {
            eprintln!("the shipped rule pack does not compile:\n{diags}");
            std::process::exit(1);
        }
    }
}

/// The fleet rules of `rules/fleet`, compiled; files named `rules/fleet/<file>` as at run time.
fn compiled_fleet(files: &[(String, PathBuf)]) -> Vec<preflight_rules::fleet::FleetRule> {
    let sources: Vec<Source> = files
        .iter()
        .filter(|(pack, _)| !is_node_pack(pack))
        .map(|(pack, file)| Source {
            path: format!(
                "rules/{pack}/{}",
                file.file_name().unwrap().to_string_lossy()
            ),
            text: std::fs::read_to_string(file).expect("rule file"),
        })
        .collect();
    compile_fleet(&sources).unwrap_or_else(|diags| {
        eprintln!("the shipped fleet rules do not compile:\n{diags}");
        std::process::exit(1);
    })
}
