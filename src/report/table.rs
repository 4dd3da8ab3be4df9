//! The table report: results grouped by category, status markers, the fix under each
//! fail/warn, and a closing summary line. Colour only when asked for (a terminal, no NO_COLOR).

use super::columns::{self, Cell};
use super::{Report, RuleResult, Status};

/// The table at `width` columns: status, rule and detail columns, the detail column taking
/// what the other two leave.
pub fn render(report: &Report, colour: bool, width: u16) -> String {
    let detail = usize::from(width)
        .saturating_sub(STATUS_WIDTH + RULE_WIDTH)
        .max(MIN_DETAIL_WIDTH);
    let mut out = header(report);
    for (title, ids) in groups(report) {
        out.push('\n');
        out.push_str(&title);
        out.push('\n');
        let shown = report.results.iter().filter(|r| !r.unselected());
        for r in shown.filter(|r| ids.contains(&r.category)) {
            row(&mut out, r, colour, detail);
        }
    }
    out.push('\n');
    out.push_str(&report.summary.line());
    out.push('\n');
    out
}

fn header(report: &Report) -> String {
    let product = report.product.as_ref().map_or_else(
        || "no PRODUCT_HOME".to_string(),
        |p| {
            let name = p.name.clone().unwrap_or_else(|| "unknown product".into());
            let version = p
                .version
                .clone()
                .map(|v| format!(" {v}"))
                .unwrap_or_default();
            let profile = p
                .profile
                .clone()
                .map(|v| format!(" ({v})"))
                .unwrap_or_default();
            format!("{name}{version}{profile}")
        },
    );
    let home = report
        .run
        .product_home
        .clone()
        .map(|h| format!(" at {h}"))
        .unwrap_or_default();
    format!(
        "{} {} · {} {} · {product}{home} · host {}\n",
        report.tool.name,
        report.tool.version,
        report.rulepack.name,
        report.rulepack.version,
        report.run.hostname
    )
}

/// Category titles in report order, each with the category ids grouped under it.
pub fn groups(report: &Report) -> Vec<(String, Vec<String>)> {
    let title = |id: &str| {
        report
            .categories
            .iter()
            .find(|(c, _)| c == id)
            .map_or_else(|| title_case(id), |(_, t)| t.clone())
    };
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for r in report.results.iter().filter(|r| !r.unselected()) {
        let t = title(&r.category);
        match out.iter_mut().find(|(x, _)| *x == t) {
            Some((_, ids)) if ids.contains(&r.category) => {}
            Some((_, ids)) => ids.push(r.category.clone()),
            None => out.push((t, vec![r.category.clone()])),
        }
    }
    out
}

fn title_case(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Column widths, padding included. The status column fits the longest marker, `? manual`.
const STATUS_WIDTH: usize = 10;
const RULE_WIDTH: usize = 46;
/// On a narrow terminal the detail column keeps this much; lines are then wider than it.
const MIN_DETAIL_WIDTH: usize = 24;

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

/// One result's lines: the marker, the rule id and title, and the detail side by side.
fn row(out: &mut String, r: &RuleResult, colour: bool, detail_width: usize) {
    let (marker, sgr) = marker(r.status);
    let rule = format!("{}\n{}", r.id, r.title);
    let detail = detail(r);
    let status = Cell {
        style: colour.then_some(sgr),
        ..Cell::new(marker, STATUS_WIDTH)
    };
    let cells = [
        status,
        Cell::new(&rule, RULE_WIDTH),
        Cell::new(&detail, detail_width),
    ];
    columns::row(out, &cells);
}

/// What the detail column says: the message, then for a fail or warn where and how to fix it,
/// then any waiver.
fn detail(r: &RuleResult) -> String {
    let mut detail = r.message.clone();
    let finding = matches!(r.status, Status::Fail | Status::Warn);
    if let Some(l) = r.location.as_ref().filter(|_| finding) {
        detail.push_str(&format!("\n  at {}:{}:{}", l.file, l.line, l.column));
    }
    if let Some(fix) = r.fix.as_ref().filter(|_| finding) {
        detail.push_str(&format!("\n  fix: {fix}"));
    }
    if let Some(w) = &r.waiver {
        detail.push_str(&format!("\n  waived: {}", w.reason));
    }
    detail
}
