//! preflight: a go-live checker for WSO2 Carbon products. Facts → evaluation → report.

pub mod cli;
pub mod cmd;
pub mod diff;
pub mod eval;
mod explain;
pub mod facts;
pub mod fleet;
pub mod interrupt;
mod io;
mod progress;
pub mod report;
pub mod rules;
pub mod waivers;

use preflight_rules::par;
pub use preflight_rules::value;

/// Helpers for tests: the unit tests of this crate, and the integration tests through
/// tests/common (which re-exports them). Not part of the CLI; hidden from the docs.
#[doc(hidden)]
pub mod test_support {
    /// A test cannot run because an input is missing (../shared fixtures, a server, a tool, a
    /// free port). Under CI (`CI=true`, as .ci/run runs) that is a failure: the test panics
    /// saying what is missing. Elsewhere the test returns early, and `SKIPPED: <test name>:
    /// <what>` goes straight to the terminal (not to libtest's captured output), so it shows in
    /// `cargo test`'s output between the `test ... ok` lines, not only with `--nocapture`.
    pub fn missing_input(what: &str) {
        let test = std::thread::current()
            .name()
            .unwrap_or("a test")
            .to_string();
        if std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false" && v != "0") {
            panic!("{test}: {what}; under CI every input must be there");
        }
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "SKIPPED: {test}: {what}");
    }
}
