//! The subcommands, one module each; [`run`] dispatches a parsed command line to one of them and
//! returns the exit code (DESIGN §3).

mod check;
mod diff;
mod facts;
mod fleet;
mod man;
mod rules;

use crate::cli::{Command, Settings};
use crate::facts::Context;
use crate::rules::RuleSet;
use anyhow::Result;
use std::path::PathBuf;
use std::sync::Arc;

/// Exit codes (DESIGN §3).
const EXIT_OK: u8 = 0;
const EXIT_FINDINGS: u8 = 1;
pub const EXIT_CANNOT_RUN: u8 = 2;

pub fn run(command: Command) -> Result<u8> {
    match command {
        Command::Check(args) => check::run(&args),
        Command::Facts(args) => facts::run(&args),
        Command::Rules(cmd) => rules::run(cmd),
        Command::Diff(args) => diff::run(&args),
        Command::Fleet(args) => fleet::run(&args),
        Command::Completions { shell } => man::completions(shell),
        Command::Man(args) => man::run(&args),
    }
}

/// The embedded pack (compiled at build time) followed by each `--rules` folder.
fn load_rules(extra: &[PathBuf]) -> Result<RuleSet> {
    // Packs that were read are compiled even when another could not be, so that one run
    // reports every problem.
    let (packs, mut diags) = crate::rules::read_packs(extra);
    match crate::rules::load::compile_onto(crate::rules::embedded(), &packs) {
        Ok(set) if diags.is_empty() => return Ok(set),
        Ok(_) => {}
        Err(crate::rules::Diagnostics(more)) => diags.extend(more),
    }
    Err(crate::rules::Diagnostics(diags).into())
}

/// The probes' shared context for these settings.
fn context(settings: &Settings) -> Arc<Context> {
    let home = settings.home().map(PathBuf::from);
    let mut ctx = Context::new(home, settings.offline, settings.profile.clone());
    ctx.deadline = settings.deadline;
    ctx.keystore_password_file = settings.keystore_password_file.clone();
    Arc::new(ctx)
}

fn exit_code(failed: bool) -> u8 {
    if failed { EXIT_FINDINGS } else { EXIT_OK }
}
