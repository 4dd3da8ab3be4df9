//! The terminal report: the go-live verdict first and last, results grouped by category with
//! what needs action first, and a summary table by category. Side-by-side columns on a wide
//! terminal, a stacked layout (like rustc's diagnostics) on a narrow one; text wraps at word
//! boundaries and never inside a path, key or URL. Colour only when asked for.

use super::columns::{self, Cell};
use super::escape;
use super::{Report, RuleResult, Status};

/// How to draw the table.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// SGR colours (a terminal without NO_COLOR).
    pub colour: bool,
    /// Columns to fit.
    pub width: u16,
    /// `--show problems`: passes and skips folded into one count line per category.
    pub problems_only: bool,
    /// `--fail-on warn`: warnings block the go-live too.
    pub fail_on_warn: bool,
}

impl Options {
    /// Every row, no colour, `--fail-on fail`, at `width` columns.
    pub fn plain(width: u16) -> Options {
        Options {
            colour: false,
            width,
            problems_only: false,
            fail_on_warn: false,
        }
    }
}

/// From this width on, status, rule and detail stand side by side; below it they are stacked.
const WIDE: usize = 100;

/// The report at `o.width` columns.
pub fn render(report: &Report, o: &Options) -> String {
    let width = usize::from(o.width).max(20);
    let verdict = report.verdict(o.fail_on_warn);
    let mut out = String::new();
    paragraph(&mut out, &header(report), 0, 0, width);
    verdict_lines(&mut out, &verdict, o.colour, width);
    for (title, ids) in groups(report) {
        // Rules `--only`/`--skip` left out are not shown (the JSON keeps them as skip).
        let mut rows: Vec<&RuleResult> = report
            .results
            .iter()
            .filter(|r| !r.unselected() && ids.contains(&r.category))
            .collect();
        rows.sort_by_key(|r| r.urgency());
        out.push('\n');
        out.push_str(&title);
        out.push('\n');
        let (shown, folded): (Vec<&RuleResult>, Vec<&RuleResult>) = rows
            .into_iter()
            .partition(|r| !o.problems_only || r.is_problem());
        for r in shown {
            if width >= WIDE {
                wide_row(&mut out, report, r, o.colour, width);
            } else {
                stacked_row(&mut out, report, r, o.colour, width);
            }
        }
        if let Some(line) = folded_line(&folded) {
            out.push_str(&format!("{:w$}{line}\n", "", w = STATUS_WIDTH + 1));
        }
    }
    out.push('\n');
    out.push_str(&by_category(report, width));
    out.push('\n');
    paragraph(&mut out, &report.summary.line(), 0, 0, width);
    verdict_lines(&mut out, &verdict, o.colour, width);
    if let Some(ids) = verdict.blocking_line() {
        paragraph(&mut out, &ids, 0, "Blocking: ".len(), width);
    }
    out
}

/// The verdict line, wrapped to the width, green when ready and red when not.
fn verdict_lines(out: &mut String, verdict: &super::Verdict<'_>, colour: bool, width: usize) {
    let sgr = if verdict.ready() { "1;32" } else { "1;31" };
    let mut text = String::new();
    paragraph(&mut text, &verdict.line(), 0, "Go-live: ".len(), width);
    for line in text.lines() {
        let body = line.trim_start();
        let indent = line.len() - body.len();
        out.push_str(&format!("{:indent$}{}\n", "", paint(body, sgr, colour)));
    }
}

fn paint(text: &str, sgr: &str, colour: bool) -> String {
    if colour {
        format!("\x1b[{sgr}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// `✔ 9 passed · 2 skipped` for the rows `--show problems` folds away.
fn folded_line(folded: &[&RuleResult]) -> Option<String> {
    let n = |s: Status| folded.iter().filter(|r| r.status == s).count();
    let parts: Vec<String> = [(Status::Pass, "passed"), (Status::Skip, "skipped")]
        .into_iter()
        .filter(|(s, _)| n(*s) > 0)
        .map(|(s, word)| format!("{} {word}", n(s)))
        .collect();
    let sign = if n(Status::Pass) > 0 { "✔" } else { "-" };
    (!parts.is_empty()).then(|| format!("{sign} {}", parts.join(" · ")))
}

fn header(report: &Report) -> String {
    let profile = report.product.as_ref().and_then(|p| p.profile.as_deref());
    let profile = profile.map(|v| format!(" ({v})")).unwrap_or_default();
    let product = format!("{}{profile}", report.product_line());
    let home = report
        .run
        .product_home
        .clone()
        .map(|h| format!(" at {h}"))
        .unwrap_or_default();
    let line = format!(
        "{} {} · {} {} · {product}{home} · host {}",
        report.tool.name,
        report.tool.version,
        report.rulepack.name,
        report.rulepack.version,
        report.run.hostname
    );
    escape::controls(&line).into_owned()
}

/// Category titles in report order, each with the category ids grouped under it.
pub fn groups(report: &Report) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for r in report.results.iter().filter(|r| !r.unselected()) {
        let t = report.category_title(&r.category);
        match out.iter_mut().find(|(x, _)| *x == t) {
            Some((_, ids)) if ids.contains(&r.category) => {}
            Some((_, ids)) => ids.push(r.category.clone()),
            None => out.push((t, vec![r.category.clone()])),
        }
    }
    out
}

/// Column widths, padding included. The status column fits the longest marker, `? manual`.
const STATUS_WIDTH: usize = 10;
const RULE_WIDTH: usize = 46;

/// The marker of a status, readable without colour, and its colour on a terminal (an SGR code).
pub fn marker(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Pass => ("✔ pass", "1;32"),
        Status::Warn => ("▲ warn", "1;33"),
        Status::Fail => ("✖ FAIL", "1;31"),
        Status::Error => ("! ERROR", "1;35"),
        Status::Skip => ("- skip", "1;90"),
        Status::Manual => ("? manual", "1;36"),
    }
}

fn marker_text(status: Status) -> &'static str {
    marker(status).0
}

/// One result side by side: the marker, the rule id and title, and the detail.
fn wide_row(out: &mut String, report: &Report, r: &RuleResult, colour: bool, width: usize) {
    let (marker, sgr) = marker(r.status);
    let rule = format!("{}\n{}", r.id, r.title);
    let detail: Vec<String> = detail(report, r)
        .into_iter()
        .map(|(label, text)| format!("{}{label}{text}", if label.is_empty() { "" } else { "  " }))
        .collect();
    let detail = detail.join("\n");
    let status = Cell {
        style: colour.then_some(sgr),
        ..Cell::new(marker, STATUS_WIDTH)
    };
    let cells = [
        status,
        Cell::new(&rule, RULE_WIDTH),
        Cell::new(&detail, width - STATUS_WIDTH - RULE_WIDTH),
    ];
    columns::row(out, &cells);
}

/// One result stacked: marker, id and title on the first line; message, location, fix and
/// waiver indented below it.
fn stacked_row(out: &mut String, report: &Report, r: &RuleResult, colour: bool, width: usize) {
    let (marker, sgr) = marker(r.status);
    let indent = if width >= 40 { STATUS_WIDTH + 1 } else { 4 };
    let room = width - indent;
    let title = format!("{} · {}", r.id, r.title);
    let pad = " ".repeat((indent - 1).saturating_sub(columns::width(marker)));
    let marker = paint(marker, sgr, colour);
    if columns::width(marker_text(r.status)) + 1 < indent {
        for (i, line) in columns::wrap_words(&title, room, room).iter().enumerate() {
            match i {
                0 => out.push_str(&format!(" {marker}{pad}{line}\n")),
                _ => out.push_str(&format!("{:indent$}{line}\n", "")),
            }
        }
    } else {
        out.push_str(&format!(" {marker}\n"));
        paragraph(out, &title, indent, 0, width);
    }
    for (label, text) in detail(report, r) {
        paragraph(out, &format!("{label}{text}"), indent, label.len(), width);
    }
}

/// Appends `text` word-wrapped to `width` columns, every line indented by `indent` and lines
/// after the first by `hang` more. A word longer than the room is never cut: it gets a line of
/// its own, moved left as far as it needs to fit (to the margin when it is wider than `width`).
fn paragraph(out: &mut String, text: &str, indent: usize, hang: usize, width: usize) {
    let first_room = width.saturating_sub(indent).max(1);
    let rest_room = width.saturating_sub(indent + hang).max(1);
    for (i, line) in columns::wrap_words(text, first_room, rest_room)
        .iter()
        .enumerate()
    {
        let pad = if i == 0 { indent } else { indent + hang };
        let pad = pad.min(width.saturating_sub(columns::width(line)));
        out.push_str(&format!("{:pad$}{line}\n", ""));
    }
}

/// The lines under a result, each a label and its text: the message; for a fail or warn where
/// and how to fix it; the waiver; for an error other results point at, which they are.
fn detail(report: &Report, r: &RuleResult) -> Vec<(&'static str, String)> {
    let mut lines = vec![("", r.message.clone())];
    let finding = matches!(r.status, Status::Fail | Status::Warn);
    if let Some(l) = r.location.as_ref().filter(|_| finding) {
        lines.push(("at ", format!("{}:{}:{}", l.file, l.line, l.column)));
    }
    if let Some(fix) = r.fix.as_ref().filter(|_| finding) {
        lines.push(("fix: ", fix.clone()));
    }
    if let Some(w) = &r.waiver {
        lines.push(("waived: ", w.reason.clone()));
    }
    let same: Vec<&str> = report
        .results
        .iter()
        .filter(|d| d.caused_by.as_ref().and_then(|c| c.see.as_deref()) == Some(r.id.as_str()))
        .map(|d| d.id.as_str())
        .collect();
    if !same.is_empty() {
        lines.push(("same cause: ", same.join(", ")));
    }
    // Text from the host (values, paths, waiver reasons) cannot start a line or recolour it.
    for (_, text) in &mut lines {
        if let std::borrow::Cow::Owned(escaped) = escape::controls(text) {
            *text = escaped;
        }
    }
    lines
}

/// Results by category and status, as a table (comfy-table).
fn by_category(report: &Report, width: usize) -> String {
    use comfy_table::{CellAlignment, ContentArrangement, Table, presets};
    let statuses = [
        Status::Fail,
        Status::Error,
        Status::Warn,
        Status::Manual,
        Status::Pass,
        Status::Skip,
    ];
    let mut table = Table::new();
    table.load_preset(presets::UTF8_BORDERS_ONLY);
    let mut head = vec!["Category".to_string()];
    head.extend(statuses.iter().map(|s| s.as_str().to_string()));
    table.set_header(head);
    for (title, ids) in groups(report) {
        let mut row = vec![comfy_table::Cell::new(title)];
        for s in statuses {
            let n = report
                .results
                .iter()
                .filter(|r| r.status == s && !r.unselected() && ids.contains(&r.category))
                .count();
            let text = if n == 0 {
                "·".to_string()
            } else {
                n.to_string()
            };
            row.push(comfy_table::Cell::new(text).set_alignment(CellAlignment::Right));
        }
        table.add_row(row);
    }
    // Drawn at its natural width when that fits; squeezed (titles wrapped) when it does not.
    let natural = table.to_string();
    let text = if natural.lines().any(|l| columns::width(l) > width) {
        table
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(u16::try_from(width).unwrap_or(u16::MAX))
            .to_string()
    } else {
        natural
    };
    text.lines()
        .map(|l| format!("{}\n", l.trim_end()))
        .collect()
}
