//! The `preflight` binary: parse arguments, run, print errors once, exit with the contract's code.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    grow_heaps_in_large_steps();
    preflight::interrupt::install();
    let cli = preflight::cli::Cli::parse();
    match preflight::cmd::run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(e)
            if e.is::<preflight::rules::Diagnostics>() || e.is::<preflight::waivers::Invalid>() =>
        {
            eprintln!("{e}");
            ExitCode::from(preflight::cmd::EXIT_CANNOT_RUN)
        }
        Err(e) => {
            eprintln!("preflight: error: {e:#}");
            ExitCode::from(preflight::cmd::EXIT_CANNOT_RUN)
        }
    }
}

/// glibc grows each thread's heap 128 KiB at a time, and every step is an `mprotect` that
/// makes the kernel stop the other threads' CPUs (~90 per run). Asking for 8 MiB at a time
/// leaves ~17; pages are still only made resident when touched, so peak RSS is unchanged.
fn grow_heaps_in_large_steps() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; no allocation is in flight this early.
    unsafe {
        libc::mallopt(libc::M_TOP_PAD, 8 << 20);
    }
}
