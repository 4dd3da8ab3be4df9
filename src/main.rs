//! The `preflight` binary: parse arguments, run, print errors once, exit with the contract's code.

use clap::Parser;
use std::process::ExitCode;

// mimalloc takes memory from the OS in large segments: a 10,000-rule run takes 200 page
// faults instead of 18,000 (~50 ms of system time on a 2-vCPU VM); see docs/PERFORMANCE.md.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
