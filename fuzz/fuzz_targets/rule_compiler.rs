//! The rule compiler never panics: any text is a rule pack or a list of diagnostics.
#![no_main]
use libfuzzer_sys::fuzz_target;
use preflight::rules::{PackSource, Source, compile};

fuzz_target!(|text: &str| {
    let pack = PackSource {
        dir: "fuzz".into(),
        files: vec![Source { path: "fuzz/rules.toml".into(), text: text.to_string() }],
    };
    if let Err(d) = compile(&[pack]) {
        for diag in d.0 {
            assert!(diag.line >= 1 && diag.column >= 1);
        }
    }
});
