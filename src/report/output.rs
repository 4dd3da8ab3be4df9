//! Rendering policy: which format, to which file, and for the table the terminal's colour and
//! width. Every format renders the one [`Report`].

use super::{Report, html, json, junit, markdown, sarif, table};
use anyhow::Result;
use std::io::IsTerminal;
use std::path::Path;

/// A report format (`--format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Junit,
    Sarif,
    Markdown,
    Html,
}

/// What the command line asks of the human-readable reports.
#[derive(Debug, Clone, Copy)]
pub struct View {
    /// `--show problems`: passes and skips folded into one count line per category.
    pub problems_only: bool,
    /// `--fail-on warn`: a warn counts as a failure.
    pub fail_on_warn: bool,
}

/// Renders `report` in `format` and writes it to `file`, or to standard output.
pub fn write(report: &Report, format: Format, file: Option<&Path>, view: View) -> Result<()> {
    let text = match format {
        Format::Json => json::render(report),
        Format::Junit => junit::render(report),
        Format::Sarif => sarif::render(report),
        Format::Markdown => markdown::render(report),
        Format::Html => html::render(report, view.fail_on_warn),
        Format::Table => {
            let to_terminal = file.is_none() && std::io::stdout().is_terminal();
            let colour = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let options = table::Options {
                colour,
                width: table_width(file.is_some()),
                problems_only: view.problems_only,
                fail_on_warn: view.fail_on_warn,
            };
            table::render(report, &options)
        }
    };
    crate::io::write_text(&text, file)
}

/// The table's width: `COLUMNS` when set (also when piped or written to a file), else the
/// terminal's (standard output's, or standard error's when the output is piped to a pager),
/// else 110 columns, so files and CI logs read the same everywhere.
pub fn table_width(to_file: bool) -> u16 {
    let columns = std::env::var("COLUMNS").ok();
    if let Some(n) = columns
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|n| *n > 0)
    {
        return n;
    }
    let terminal = || {
        terminal_size::terminal_size_of(std::io::stdout())
            .or_else(|| terminal_size::terminal_size_of(std::io::stderr()))
    };
    (!to_file)
        .then(terminal)
        .flatten()
        .map_or(110, |(w, _)| w.0)
}
