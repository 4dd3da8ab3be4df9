//! `preflight man` and `preflight completions`: the command line's own documentation.

use super::EXIT_OK;
use crate::cli::{Cli, ManArgs};
use crate::io::write_text;
use anyhow::{Context as _, Result, bail};

/// `preflight completions SHELL`: the completion script on standard output.
pub(crate) fn completions(shell: clap_complete::Shell) -> Result<u8> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "preflight", &mut out);
    write_text(&String::from_utf8_lossy(&out), None)?;
    Ok(EXIT_OK)
}

/// `preflight man`: one page to standard output, or every page into `--dir`.
pub(crate) fn run(args: &ManArgs) -> Result<u8> {
    let cmd = <Cli as clap::CommandFactory>::command();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        clap_mangen::generate_to(cmd, dir)
            .with_context(|| format!("cannot write the man pages to {}", dir.display()))?;
        return Ok(EXIT_OK);
    }
    let mut page = cmd.disable_help_subcommand(true);
    page.build();
    for name in &args.command {
        let Some(sub) = page.find_subcommand(name).cloned() else {
            let names: Vec<String> = page
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            bail!(
                "no man page for `{}`: `{}` has the subcommands {}",
                args.command.join(" "),
                page.get_display_name().unwrap_or(page.get_name()),
                names.join(", ")
            );
        };
        page = sub;
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .context("cannot render the man page")?;
    write_text(&String::from_utf8_lossy(&out), None)?;
    Ok(EXIT_OK)
}
