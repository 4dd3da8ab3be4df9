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
    for (pack, file, text) in embedded::FILES {
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
