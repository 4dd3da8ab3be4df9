//! The `preflight` binary: parse arguments, run, print errors once, exit with the contract's code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    preflight::interrupt::install();
    let cli = preflight::cli::Cli::parse();
    match preflight::run::run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e)
            if e.is::<preflight::rules::Diagnostics>() || e.is::<preflight::waivers::Invalid>() =>
        {
            eprintln!("{e}");
            ExitCode::from(preflight::run::EXIT_CANNOT_RUN)
        }
        Err(e) => {
            eprintln!("preflight: error: {e:#}");
            ExitCode::from(preflight::run::EXIT_CANNOT_RUN)
        }
    }
}
