//! The Markdown report: a ticket body. Product, host, profile and the summary line first, then
//! each failure, error and warning with its message, observed/expected values, location and fix,
//! then the manual go-live items as a checklist (`- [ ]`, or `- [x]` once attested).

use super::{Report, RuleResult, Status};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let product = report.product.as_ref();
    let field = |f: fn(&super::Product) -> &Option<String>| {
        product
            .and_then(|p| f(p).clone())
            .unwrap_or_else(|| "unknown".into())
    };
    let name = report.product_line();
    out.push_str(&format!(
        "## preflight: {} on {}\n\n",
        text(&name),
        text(&report.run.hostname)
    ));
    out.push_str("| | |\n|---|---|\n");
    let mut row = |k: &str, v: String| out.push_str(&format!("| {k} | {} |\n", cell(&v)));
    row("Product", name.clone());
    row("Host", report.run.hostname.clone());
    row(
        "Profile",
        product.map_or("unknown".into(), |_| field(|p| &p.profile)),
    );
    if let Some(home) = &report.run.product_home {
        row("PRODUCT_HOME", home.clone());
    }
    row(
        "Rule pack",
        format!("{} {}", report.rulepack.name, report.rulepack.version),
    );
    row(
        "Run",
        format!(
            "{} {} at {}",
            report.tool.name, report.tool.version, report.run.started_at
        ),
    );
    out.push_str(&format!("\n**{}**\n", report.summary.line()));

    for (status, heading) in [
        (Status::Fail, "Failures"),
        (Status::Error, "Could not be checked"),
        (Status::Warn, "Warnings"),
    ] {
        let items: Vec<&RuleResult> = report
            .results
            .iter()
            .filter(|r| r.status == status)
            .collect();
        if items.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {heading} ({})\n", items.len()));
        for r in items {
            finding(r, &mut out);
        }
    }

    let manual: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Manual || r.attestation.is_some())
        .collect();
    if !manual.is_empty() {
        out.push_str("\n### Manual checks\n\n");
        for r in manual {
            let mark = if r.attestation.is_some() { "x" } else { " " };
            out.push_str(&format!(
                "- [{mark}] **{}** (`{}`): {}\n",
                text(&r.title),
                r.id,
                text(&r.message)
            ));
        }
    }
    out
}

fn finding(r: &RuleResult, out: &mut String) {
    out.push_str(&format!(
        "\n#### `{}` — {}\n\n{}\n\n",
        r.id,
        text(&r.title),
        text(&r.message)
    ));
    if let Some(v) = &r.observed {
        out.push_str(&format!("- Observed: {}\n", code(v)));
    }
    if let Some(v) = &r.expected {
        out.push_str(&format!("- Expected: {}\n", code(v)));
    }
    if let Some(l) = &r.location {
        out.push_str(&format!(
            "- Location: {}\n",
            code(&format!("{}:{}:{}", l.file, l.line, l.column))
        ));
    }
    if let Some(v) = &r.fix {
        out.push_str(&format!("- Fix: {}\n", text(v)));
    }
    for d in &r.docs {
        out.push_str(&format!("- Docs: <{d}>\n"));
    }
    if let Some(w) = &r.waiver {
        let mut s = format!("- Waived: {}", text(&w.reason));
        for (label, v) in [
            ("owner", &w.owner),
            ("ticket", &w.ticket),
            ("approved by", &w.approved_by),
            ("expires", &w.expires),
        ] {
            if let Some(v) = v {
                s.push_str(&format!("; {label} {}", text(v)));
            }
        }
        out.push_str(&s);
        out.push('\n');
    }
}

/// Text on one line with the characters that would start HTML or an entity escaped — outside
/// code spans only. Backticks, `*` and `_` are kept: rule texts use them as Markdown on purpose
/// (`` `hostname` ``), and inside a code span CommonMark shows `&lt;` as those four characters,
/// so a command to copy (`` `keytool -alias <alias>` ``) keeps its `<` and `>` as they are.
fn text(s: &str) -> String {
    // Control characters first (report::escape), then HTML, outside code spans only.
    let s = super::escape::controls(&s.replace('\r', "").replace('\n', " ")).into_owned();
    let mut out = String::with_capacity(s.len());
    let mut rest = s.as_str();
    while let Some(start) = rest.find('`') {
        escape_into(&rest[..start], &mut out);
        let run = backtick_run(&rest[start..]);
        let after = &rest[start + run..];
        match closing_run(after, run) {
            // A code span, from its opening to its closing backticks, verbatim.
            Some(end) => {
                out.push_str(&rest[start..start + run + end + run]);
                rest = &after[end + run..];
            }
            // Backticks no run of the same length closes are literal text.
            None => {
                out.push_str(&rest[start..start + run]);
                rest = after;
            }
        }
    }
    escape_into(rest, &mut out);
    out
}

fn escape_into(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            c => out.push(c),
        }
    }
}

/// The length of the run of backticks `s` starts with.
fn backtick_run(s: &str) -> usize {
    s.bytes().take_while(|&b| b == b'`').count()
}

/// Where in `s` the first run of exactly `n` backticks starts.
fn closing_run(s: &str, n: usize) -> Option<usize> {
    let mut i = 0;
    while let Some(off) = s[i..].find('`') {
        let at = i + off;
        let run = backtick_run(&s[at..]);
        if run == n {
            return Some(at);
        }
        i = at + run;
    }
    None
}

/// A table cell: one line, `|` escaped.
fn cell(s: &str) -> String {
    text(s).replace('|', "\\|")
}

/// An inline code span that holds any text, backticks included.
fn code(s: &str) -> String {
    let s = super::escape::controls(&s.replace(['\n', '\r'], " ")).into_owned();
    let mut fence = String::from("`");
    while s.contains(fence.as_str()) {
        fence.push('`');
    }
    let pad = if s.starts_with('`') || s.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{s}{pad}{fence}")
}
