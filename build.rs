//! Embeds the shipped rule packs (`rules/<pack>/*.toml`) into the binary.

use std::fmt::Write;
use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    println!("cargo:rerun-if-changed={}", root.display());
    let mut files = Vec::new();
    let mut packs: Vec<_> = std::fs::read_dir(&root)
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
            files.push((
                pack.file_name().unwrap().to_string_lossy().into_owned(),
                file,
            ));
        }
    }
    let mut out = String::from("pub const FILES: &[(&str, &str, &str)] = &[\n");
    for (pack, file) in files {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        writeln!(
            out,
            "    ({pack:?}, {name:?}, include_str!({:?})),",
            file.display().to_string()
        )
        .unwrap();
    }
    out.push_str("];\n");
    let dest = Path::new(&std::env::var("OUT_DIR").unwrap()).join("embedded_rules.rs");
    std::fs::write(dest, out).unwrap();
}
