//! The table report: results grouped by category, status markers, the fix under each
//! fail/warn, and a closing summary line. Colour only when asked for (a terminal, no NO_COLOR).

use super::{Report, RuleResult, Status};
use comfy_table::{Attribute, Cell, CellAlignment, Color, ContentArrangement, Table, presets};

pub fn render(report: &Report, colour: bool, width: Option<u16>) -> String {
    let mut out = header(report);
    for (title, ids) in groups(report) {
        out.push('\n');
        out.push_str(&title);
        out.push('\n');
        let mut table = Table::new();
        table
            .load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic);
        if let Some(w) = width {
            table.set_width(w);
        }
        if !colour {
            table.force_no_tty();
        } else {
            table.enforce_styling();
        }
        for r in report.results.iter().filter(|r| ids.contains(&r.category)) {
            table.add_row(row(r, colour, width));
        }
        align(&mut table, width);
        // Cells are padded to their column: a line ends where its text does.
        for line in table.to_string().lines() {
            out.push_str(line.trim_end());
            out.push('\n');
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
    for r in &report.results {
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

/// Column widths, padding included.
const STATUS_WIDTH: u16 = 9;
const RULE_WIDTH: u16 = 46;
/// comfy-table's default padding: a space either side of a cell's text.
const PADDING: u16 = 2;

fn detail_width(table_width: u16) -> u16 {
    table_width.saturating_sub(STATUS_WIDTH + RULE_WIDTH)
}

/// Same status and rule column widths in every group, so the groups line up. With a known
/// table width the detail column takes the rest, so no group needs a layout pass of its own.
fn align(table: &mut Table, width: Option<u16>) {
    use comfy_table::{ColumnConstraint, Width};
    let widths = [
        Some(STATUS_WIDTH),
        Some(RULE_WIDTH),
        width.map(detail_width),
    ];
    for (i, w) in widths.into_iter().enumerate() {
        let Some(w) = w else { continue };
        if let Some(col) = table.column_mut(i) {
            col.set_constraint(ColumnConstraint::Absolute(Width::Fixed(w)));
        }
    }
}

/// The marker of a status: readable without colour, coloured on a terminal.
pub fn marker(status: Status) -> (&'static str, Color) {
    match status {
        Status::Pass => ("✔ pass", Color::Green),
        Status::Warn => ("▲ warn", Color::Yellow),
        Status::Fail => ("✖ FAIL", Color::Red),
        Status::Error => ("! ERROR", Color::Magenta),
        Status::Skip => ("- skip", Color::DarkGrey),
        Status::Manual => ("? manual", Color::Cyan),
    }
}

fn row(r: &RuleResult, colour: bool, width: Option<u16>) -> Vec<Cell> {
    let (text, color) = marker(r.status);
    let mut status = Cell::new(text).set_alignment(CellAlignment::Left);
    if colour {
        status = status.fg(color).add_attribute(Attribute::Bold);
    }
    let mut detail = r.message.clone();
    if let Some(l) = &r.location
        && matches!(r.status, Status::Fail | Status::Warn)
    {
        detail.push_str(&format!("\n  at {}:{}:{}", l.file, l.line, l.column));
    }
    if let Some(fix) = r
        .fix
        .as_ref()
        .filter(|_| matches!(r.status, Status::Fail | Status::Warn))
    {
        detail.push_str(&format!("\n  fix: {fix}"));
    }
    if let Some(w) = &r.waiver {
        detail.push_str(&format!("\n  waived: {}", w.reason));
    }
    let rule = format!("{}\n{}", r.id, r.title);
    let (rule, detail) = match width {
        Some(w) => (wrap(&rule, RULE_WIDTH), wrap(&detail, detail_width(w))),
        None => (rule, detail),
    };
    vec![status, Cell::new(rule), Cell::new(detail)]
}

/// ASCII lines of `text` word-wrapped to a column `width` wide (padding included), in one pass;
/// comfy-table re-measures a line for every word it adds, which cost more than the rest of the
/// rendering. Other lines are left to comfy-table, which measures display width.
fn wrap(text: &str, width: u16) -> String {
    let columns = usize::from(width.saturating_sub(PADDING).max(1));
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !line.is_ascii() || line.len() <= columns {
            out.push_str(line);
            continue;
        }
        let mut used = 0;
        for word in line.split(' ') {
            let mut word = word;
            if used > 0 && used + 1 + word.len() <= columns {
                out.push(' ');
                used += 1;
            } else if used > 0 {
                out.push('\n');
                used = 0;
            }
            // A word longer than the column is cut at the column's width.
            while word.len() > columns - used {
                let (head, rest) = word.split_at(columns - used);
                out.push_str(head);
                out.push('\n');
                used = 0;
                word = rest;
            }
            out.push_str(word);
            used += word.len();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_ascii_at_words_and_cuts_words_longer_than_the_column() {
        // Width 12 with padding: 10 columns of text.
        assert_eq!(wrap("aaa bbb ccc ddd", 12), "aaa bbb\nccc ddd");
        assert_eq!(
            wrap("ab -Dverylongflag=1 x", 12),
            "ab\n-Dverylong\nflag=1 x"
        );
        assert_eq!(wrap("short\n  fix: x", 12), "short\n  fix: x");
        // Display width is not byte length outside ASCII: left to comfy-table.
        assert_eq!(wrap("é é é é é é é é", 12), "é é é é é é é é");
    }
}
