//! Rules: the compiled rule model, the condition language, the pack compiler and the embedded pack.

pub mod cond;
pub mod diag;
pub mod load;
pub mod model;

pub use diag::{Diagnostic, Diagnostics};
pub use load::{PackSource, Source, compile};
pub use model::{PackInfo, Rule, RuleCase, RuleSet, Scope};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_rules.rs"));
}

/// The rule packs compiled into the binary from `rules/<pack>/*.toml`.
pub fn embedded_packs() -> Vec<PackSource> {
    let mut packs: Vec<PackSource> = Vec::new();
    // `rules/fleet` holds fleet rules, compiled by `crate::fleet`, not a node rule pack.
    for (pack, file, text) in embedded::FILES.iter().filter(|(p, _, _)| *p != "fleet") {
        let path = format!("rules/{pack}/{file}");
        let source = Source {
            path,
            text: text.to_string(),
        };
        match packs.iter_mut().find(|p| p.dir.ends_with(pack)) {
            Some(p) => p.files.push(source),
            None => packs.push(PackSource {
                dir: format!("rules/{pack}"),
                files: vec![source],
            }),
        }
    }
    packs
}

/// The embedded files of one `rules/<pack>` folder, as (`rules/<pack>/<file>`, text).
pub fn embedded_files(pack: &str) -> impl Iterator<Item = (String, &'static str)> + '_ {
    embedded::FILES
        .iter()
        .filter(move |(p, _, _)| *p == pack)
        .map(|(p, f, t)| (format!("rules/{p}/{f}"), *t))
}
