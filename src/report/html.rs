//! The HTML sign-off sheet (`--format html=FILE`): one self-contained page (inline style and
//! script, no external assets) for a change ticket — the verdict, blocking items with their
//! fixes, warnings, manual items with their attestations, waivers with owner and expiry, the
//! host and product, and every result with filters by status and category.

use super::{Report, RuleResult, Status};

const STYLE: &str = "
body{font:15px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:72rem;padding:1.5rem;color:#1b1f24}
h1{font-size:1.5rem;margin:0 0 .5rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}
.verdict{font-size:1.2rem;font-weight:700;padding:.75rem 1rem;border-radius:6px}
.verdict.ready{background:#dafbe1;color:#116329}.verdict.not-ready{background:#ffebe9;color:#a40e26}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;padding:.35rem .5rem;border-bottom:1px solid #eaeef2}
th{background:#f6f8fa}code{font:13px ui-monospace,SFMono-Regular,Menlo,monospace;background:#f6f8fa;padding:0 .2rem;border-radius:3px;overflow-wrap:anywhere}
.item{border-left:4px solid #d0d7de;padding:.25rem .75rem;margin:.75rem 0}.item p{margin:.2rem 0}
.item.fail{border-color:#cf222e}.item.error{border-color:#8250df}.item.warn{border-color:#bf8700}
.status{font-weight:700;white-space:nowrap}.s-pass{color:#116329}.s-warn{color:#9a6700}.s-fail{color:#cf222e}
.s-error{color:#8250df}.s-skip{color:#6e7781}.s-manual{color:#0969da}
#filters{display:flex;flex-wrap:wrap;gap:.75rem;align-items:center;margin:.5rem 0}
.muted{color:#57606a}.sign td{height:2rem}
@media print{#filters{display:none}tr[hidden]{display:table-row}}
";

const SCRIPT: &str = "
(function () {
  var boxes = document.querySelectorAll('#filters input[type=checkbox]');
  var category = document.getElementById('category');
  function apply() {
    var on = {};
    boxes.forEach(function (b) { on[b.value] = b.checked; });
    var shown = 0;
    document.querySelectorAll('#results tbody tr').forEach(function (tr) {
      var visible = on[tr.dataset.status] && (category.value === '' || tr.dataset.category === category.value);
      tr.hidden = !visible;
      if (visible) { shown += 1; }
    });
    document.getElementById('shown').textContent = String(shown);
  }
  // A link can preset the filters: signoff.html#status=fail,error&category=db
  var preset = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
    var p = kv.split('=');
    if (p.length === 2) { preset[p[0]] = decodeURIComponent(p[1]); }
  });
  if (preset.status) {
    var wanted = preset.status.split(',');
    boxes.forEach(function (b) { b.checked = wanted.indexOf(b.value) >= 0; });
  }
  if (preset.category) { category.value = preset.category; }
  boxes.forEach(function (b) { b.addEventListener('change', apply); });
  category.addEventListener('change', apply);
  apply();
})();
";

/// The sign-off sheet; `fail_on_warn` as `--fail-on warn` (warnings block too).
pub fn render(report: &Report, fail_on_warn: bool) -> String {
    let verdict = report.verdict(fail_on_warn);
    let title = format!(
        "preflight sign-off: {} on {}",
        report.product_line(),
        report.run.hostname
    );
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n",
        esc(&title),
        esc(&title)
    );
    let class = if verdict.ready() {
        "ready"
    } else {
        "not-ready"
    };
    out.push_str(&format!(
        "<p class=\"verdict {class}\" id=\"verdict\">{}</p>\n",
        esc(&verdict.line())
    ));
    facts_table(&mut out, report);
    items(
        &mut out,
        "blocking",
        "Blocking",
        &verdict.blocking,
        "Nothing blocks the go-live.",
    );
    let warnings: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Warn && r.waiver.is_none() && !r.counts(fail_on_warn))
        .collect();
    items(&mut out, "warnings", "Warnings", &warnings, "No warnings.");
    manual(&mut out, report);
    waivers(&mut out, report);
    results(&mut out, report);
    out.push_str(
        "<h2>Sign-off</h2>\n<table class=\"sign\"><tr><th>Name</th><th>Role</th><th>Date</th>\
         <th>Signature</th></tr><tr><td></td><td></td><td></td><td></td></tr></table>\n",
    );
    out.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    out
}

/// Host, product and run, as a two-column table.
fn facts_table(out: &mut String, report: &Report) {
    let p = report.product.as_ref();
    let rows = [
        ("Product", report.product_line()),
        (
            "Profile",
            p.and_then(|p| p.profile.clone())
                .unwrap_or_else(|| "unknown".into()),
        ),
        (
            "PRODUCT_HOME",
            report
                .run
                .product_home
                .clone()
                .unwrap_or_else(|| "none".into()),
        ),
        ("Host", report.run.hostname.clone()),
        (
            "Rule pack",
            format!("{} {}", report.rulepack.name, report.rulepack.version),
        ),
        (
            "Checked",
            format!(
                "{} by {} {} in {} ms",
                report.run.started_at,
                report.tool.name,
                report.tool.version,
                report.run.duration_ms
            ),
        ),
        ("Results", report.summary.line()),
    ];
    out.push_str("<h2>Host and product</h2>\n<table id=\"facts\">\n");
    for (k, v) in rows {
        out.push_str(&format!(
            "<tr><th>{}</th><td>{}</td></tr>\n",
            esc(k),
            esc(&v)
        ));
    }
    out.push_str("</table>\n");
}

/// A section of findings, each with its message, location and fix.
fn items(out: &mut String, id: &str, heading: &str, items: &[&RuleResult], none: &str) {
    out.push_str(&format!(
        "<h2 id=\"{id}\">{heading} ({})</h2>\n",
        items.len()
    ));
    if items.is_empty() {
        out.push_str(&format!("<p class=\"muted\">{}</p>\n", esc(none)));
    }
    for r in items {
        let s = r.status.as_str();
        out.push_str(&format!(
            "<div class=\"item {s}\" data-id=\"{}\">\n<p><span class=\"status s-{s}\">{}</span> \
             <code>{}</code> {}</p>\n<p>{}</p>\n",
            esc(&r.id),
            s.to_uppercase(),
            esc(&r.id),
            esc(&r.title),
            prose(&r.message)
        ));
        if let Some(l) = &r.location {
            out.push_str(&format!(
                "<p>at <code>{}:{}:{}</code></p>\n",
                esc(&l.file),
                l.line,
                l.column
            ));
        }
        if let Some(fix) = r.fix.as_ref().filter(|_| r.status != Status::Error) {
            out.push_str(&format!("<p><strong>Fix:</strong> {}</p>\n", prose(fix)));
        }
        out.push_str("</div>\n");
    }
}

/// Manual go-live items: what to confirm, and who confirmed it when.
fn manual(out: &mut String, report: &Report) {
    let rows: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.status == Status::Manual || r.attestation.is_some())
        .collect();
    out.push_str(&format!(
        "<h2 id=\"manual\">Manual items ({})</h2>\n",
        rows.len()
    ));
    if rows.is_empty() {
        out.push_str("<p class=\"muted\">No manual items.</p>\n");
        return;
    }
    out.push_str("<table>\n<tr><th>Rule</th><th>Item</th><th>Attestation</th></tr>\n");
    for r in rows {
        let attested = r.attestation.as_ref().map_or_else(
            || "<span class=\"status s-manual\">to confirm</span>".to_string(),
            |a| {
                let until = a
                    .expires
                    .as_deref()
                    .map(|e| format!(", until {e}"))
                    .unwrap_or_default();
                let note = a
                    .note
                    .as_deref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default();
                esc(&format!(
                    "confirmed by {} on {}{until}{note}",
                    a.confirmed_by, a.confirmed_at
                ))
            },
        );
        out.push_str(&format!(
            "<tr data-id=\"{}\"><td><code>{}</code></td><td>{}<br><span class=\"muted\">{}</span></td><td>{attested}</td></tr>\n",
            esc(&r.id),
            esc(&r.id),
            esc(&r.title),
            esc(&r.message)
        ));
    }
    out.push_str("</table>\n");
}

/// Waived findings with reason, owner, ticket, approver and expiry.
fn waivers(out: &mut String, report: &Report) {
    let rows: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.waiver.is_some())
        .collect();
    out.push_str(&format!(
        "<h2 id=\"waivers\">Waivers ({})</h2>\n",
        rows.len()
    ));
    if rows.is_empty() {
        out.push_str("<p class=\"muted\">No waivers applied.</p>\n");
        return;
    }
    out.push_str(
        "<table>\n<tr><th>Rule</th><th>Status</th><th>Reason</th><th>Owner</th><th>Ticket</th>\
         <th>Approved by</th><th>Expires</th></tr>\n",
    );
    let opt = |o: &Option<String>| esc(o.as_deref().unwrap_or("—"));
    for r in rows {
        let Some(w) = &r.waiver else { continue };
        out.push_str(&format!(
            "<tr data-id=\"{}\"><td><code>{}</code></td><td class=\"status s-{s}\">{s}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
            esc(&r.id),
            esc(&r.id),
            esc(&w.reason),
            opt(&w.owner),
            opt(&w.ticket),
            opt(&w.approved_by),
            opt(&w.expires),
            s = r.status.as_str()
        ));
    }
    out.push_str("</table>\n");
}

/// Every result, filterable by status and category.
fn results(out: &mut String, report: &Report) {
    out.push_str("<h2 id=\"all\">All results</h2>\n<div id=\"filters\">\n");
    for s in [
        Status::Fail,
        Status::Error,
        Status::Warn,
        Status::Manual,
        Status::Pass,
        Status::Skip,
    ] {
        let n = report
            .results
            .iter()
            .filter(|r| r.status == s && !r.unselected())
            .count();
        out.push_str(&format!(
            "<label><input type=\"checkbox\" value=\"{s}\" checked> {s} ({n})</label>\n",
            s = s.as_str()
        ));
    }
    out.push_str("<label>Category <select id=\"category\"><option value=\"\">all</option>");
    for (title, ids) in super::table::groups(report) {
        for id in ids {
            out.push_str(&format!(
                "<option value=\"{}\">{}</option>",
                esc(&id),
                esc(&format!("{title} ({id})"))
            ));
        }
    }
    out.push_str(&format!(
        "</select></label>\n<span class=\"muted\"><span id=\"shown\">{}</span> shown</span>\n</div>\n",
        report.results.iter().filter(|r| !r.unselected()).count()
    ));
    out.push_str(
        "<table id=\"results\">\n<thead><tr><th>Status</th><th>Rule</th><th>Result</th></tr></thead>\n<tbody>\n",
    );
    for r in report.results.iter().filter(|r| !r.unselected()) {
        let s = r.status.as_str();
        let waived = if r.waiver.is_some() { " (waived)" } else { "" };
        out.push_str(&format!(
            "<tr data-id=\"{id}\" data-status=\"{s}\" data-category=\"{cat}\"><td class=\"status s-{s}\">{s}{waived}</td>\
             <td><code>{id}</code><br>{title}</td><td>{msg}</td></tr>\n",
            id = esc(&r.id),
            cat = esc(&r.category),
            title = esc(&r.title),
            msg = esc(&r.message)
        ));
    }
    out.push_str("</tbody>\n</table>\n");
}

/// Rule text, escaped, with its `code spans` (commands, keys, values) set as code.
fn prose(text: &str) -> String {
    let parts: Vec<&str> = text.split('`').collect();
    // An unpaired backtick is text, not the start of a span.
    if parts.len().is_multiple_of(2) {
        return esc(text);
    }
    parts
        .iter()
        .enumerate()
        .map(|(i, p)| match i % 2 {
            1 => format!("<code>{}</code>", esc(p)),
            _ => esc(p),
        })
        .collect()
}

/// Text made safe for HTML content and attribute values.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{esc, prose};

    #[test]
    fn code_spans_become_code_and_stay_escaped() {
        assert_eq!(
            prose("Set `a = \"<x>\"` now"),
            "Set <code>a = &quot;&lt;x&gt;&quot;</code> now"
        );
        assert_eq!(prose("odd ` tick"), "odd ` tick");
    }

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc(r#"<a href="x">'&'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
    }
}
