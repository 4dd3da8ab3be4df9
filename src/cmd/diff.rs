//! `preflight diff OLD NEW`: what changed between two JSON reports.

use super::exit_code;
use crate::cli::{DiffArgs, DiffFormat};
use crate::report::read_report;
use anyhow::Result;

pub(crate) fn run(args: &DiffArgs) -> Result<u8> {
    let old = read_report(&args.old)?;
    let new = read_report(&args.new)?;
    let d = crate::diff::diff(&old, &new);
    let text = match args.format {
        DiffFormat::Table => d.render_text(),
        DiffFormat::Json => d.render_json(),
        DiffFormat::Markdown => d.render_markdown(),
    };
    crate::io::write_text(&text, None)?;
    Ok(exit_code(d.regressed > 0))
}
