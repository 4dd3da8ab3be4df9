//! The JUnit XML report, for CI test-report views (Jenkins, GitLab, GitHub test reporters).
//!
//! One `<testsuite>` per category, one `<testcase name="title (id)" classname="preflight.<category>">`
//! per rule:
//! - `fail` → `<failure>`, `error` → `<error>`, each with the message, observed and expected
//!   values, the location, the fix and the docs in its body;
//! - `skip` and `manual` → `<skipped>` whose message starts with `skipped:` or `manual:`;
//! - `warn` passes (a warning is not a failed test) but shows in the testcase's `<system-out>`
//!   (`WARN: …`) and in the suite's `<properties>` (`warn` = `id: message`);
//! - a waived `fail`/`error` is `<skipped message="waived fail: …">`, as it does not fail the run
//!   either; its real status is in the message and in the suite's properties (`waived`).

use super::{Report, RuleResult, Status};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use std::io::Cursor;

type W = Writer<Cursor<Vec<u8>>>;
type Io = std::io::Result<()>;

pub fn render(report: &Report) -> String {
    let mut w = Writer::new_with_indent(Cursor::new(Vec::new()), b' ', 2);
    document(report, &mut w).expect("writing XML to memory cannot fail");
    let mut s = String::from_utf8(w.into_inner().into_inner()).expect("the XML is UTF-8");
    s.push('\n');
    s
}

/// Counts of one group of results, as JUnit attributes.
#[derive(Default)]
struct Counts {
    tests: usize,
    failures: usize,
    errors: usize,
    skipped: usize,
    time_ms: u64,
}

impl Counts {
    fn of<'a>(results: impl Iterator<Item = &'a RuleResult>) -> Counts {
        let mut c = Counts::default();
        for r in results {
            c.tests += 1;
            c.time_ms += r.duration_ms;
            match kind(r) {
                Kind::Failure => c.failures += 1,
                Kind::Error => c.errors += 1,
                Kind::Skipped => c.skipped += 1,
                Kind::Passed => {}
            }
        }
        c
    }

    fn attributes(&self) -> [(&'static str, String); 5] {
        [
            ("tests", self.tests.to_string()),
            ("failures", self.failures.to_string()),
            ("errors", self.errors.to_string()),
            ("skipped", self.skipped.to_string()),
            ("time", seconds(self.time_ms)),
        ]
    }
}

#[derive(PartialEq)]
enum Kind {
    Passed,
    Failure,
    Error,
    Skipped,
}

fn kind(r: &RuleResult) -> Kind {
    match r.status {
        _ if r.waiver.is_some() && matches!(r.status, Status::Fail | Status::Error) => {
            Kind::Skipped
        }
        Status::Fail => Kind::Failure,
        Status::Error => Kind::Error,
        Status::Skip | Status::Manual => Kind::Skipped,
        Status::Pass | Status::Warn => Kind::Passed,
    }
}

fn document(report: &Report, w: &mut W) -> Io {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let all = Counts::of(report.results.iter());
    let mut root = w
        .create_element("testsuites")
        .with_attribute(("name", "preflight"));
    for (k, v) in all.attributes() {
        root = root.with_attribute((k, v.as_str()));
    }
    root.with_attribute(("timestamp", report.run.started_at.as_str()))
        .write_inner_content(|w| {
            for category in categories(report) {
                suite(report, &category, w)?;
            }
            Ok(())
        })?;
    Ok(())
}

/// Category ids in the order their first result appears.
fn categories(report: &Report) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for r in &report.results {
        if !out.contains(&r.category) {
            out.push(r.category.clone());
        }
    }
    out
}

fn suite(report: &Report, category: &str, w: &mut W) -> Io {
    let results: Vec<&RuleResult> = report
        .results
        .iter()
        .filter(|r| r.category == category)
        .collect();
    let title = report.category_title(category);
    // Two categories may share a title (jdk and jvm): keep suite names unique.
    let shared = categories(report)
        .iter()
        .filter(|c| report.category_title(c) == title)
        .count()
        > 1;
    let name = if shared {
        format!("{title} ({category})")
    } else {
        title
    };
    let counts = Counts::of(results.iter().copied());
    let mut el = w
        .create_element("testsuite")
        .with_attribute(("name", clean(&name).as_str()));
    for (k, v) in counts.attributes() {
        el = el.with_attribute((k, v.as_str()));
    }
    el.with_attribute(("timestamp", report.run.started_at.as_str()))
        .with_attribute(("hostname", clean(&report.run.hostname).as_str()))
        .write_inner_content(|w| {
            properties(report, category, &results, w)?;
            for r in &results {
                case(r, w)?;
            }
            Ok(())
        })?;
    Ok(())
}

fn properties(report: &Report, category: &str, results: &[&RuleResult], w: &mut W) -> Io {
    let mut props: Vec<(String, String)> = vec![
        ("category".into(), category.into()),
        (
            "rulepack".into(),
            format!("{} {}", report.rulepack.name, report.rulepack.version),
        ),
    ];
    if let Some(p) = &report.product {
        for (k, v) in [
            ("product", &p.name),
            ("product.version", &p.version),
            ("profile", &p.profile),
        ] {
            if let Some(v) = v {
                props.push((k.into(), v.clone()));
            }
        }
    }
    if let Some(home) = &report.run.product_home {
        props.push(("product_home".into(), home.clone()));
    }
    let warnings = results.iter().filter(|r| r.status == Status::Warn).count();
    props.push(("warnings".into(), warnings.to_string()));
    for r in results.iter().filter(|r| r.status == Status::Warn) {
        props.push(("warn".into(), format!("{}: {}", r.id, r.message)));
    }
    for r in results {
        if let Some(wv) = &r.waiver {
            props.push((
                "waived".into(),
                format!("{} ({}): {}", r.id, r.status.as_str(), wv.reason),
            ));
        }
    }
    w.create_element("properties").write_inner_content(|w| {
        for (k, v) in &props {
            w.create_element("property")
                .with_attribute(("name", clean(k).as_str()))
                .with_attribute(("value", attr(v).as_str()))
                .write_empty()?;
        }
        Ok(())
    })?;
    Ok(())
}

fn case(r: &RuleResult, w: &mut W) -> Io {
    let el = w
        .create_element("testcase")
        .with_attribute(("name", clean(&format!("{} ({})", r.title, r.id)).as_str()))
        .with_attribute((
            "classname",
            clean(&format!("preflight.{}", r.category)).as_str(),
        ))
        .with_attribute(("time", seconds(r.duration_ms).as_str()));
    let k = kind(r);
    if k == Kind::Passed && r.status != Status::Warn && r.attestation.is_none() {
        el.write_empty()?;
        return Ok(());
    }
    el.write_inner_content(|w| {
        match k {
            Kind::Failure | Kind::Error => {
                let (tag, ty) = if k == Kind::Failure {
                    ("failure", "fail")
                } else {
                    ("error", "error")
                };
                w.create_element(tag)
                    .with_attribute(("message", attr(&r.message).as_str()))
                    .with_attribute(("type", ty))
                    .write_text_content(BytesText::new(&clean(&details(r))))?;
            }
            Kind::Skipped => {
                let message = match (&r.waiver, r.status) {
                    (Some(wv), s) => {
                        format!("waived {}: {} — {}", s.as_str(), r.message, wv.reason)
                    }
                    (None, Status::Manual) => format!("manual: {}", r.message),
                    _ => r.message.clone(),
                };
                w.create_element("skipped")
                    .with_attribute(("message", attr(&message).as_str()))
                    .write_empty()?;
            }
            Kind::Passed => {}
        }
        let out = match (r.status, &r.attestation) {
            (Status::Warn, _) => Some(format!("WARN: {}", details(r))),
            (_, Some(a)) => Some(format!(
                "{}\nconfirmed by {} on {}",
                r.message, a.confirmed_by, a.confirmed_at
            )),
            _ => None,
        };
        if let Some(out) = out {
            w.create_element("system-out")
                .write_text_content(BytesText::new(&clean(&out)))?;
        }
        Ok(())
    })?;
    Ok(())
}

/// The body of a failure: message, observed/expected, location, fix, docs.
fn details(r: &RuleResult) -> String {
    let mut s = r.message.clone();
    let mut line = |label: &str, v: &Option<String>| {
        if let Some(v) = v {
            s.push_str(&format!("\n{label}: {v}"));
        }
    };
    line("observed", &r.observed);
    line("expected", &r.expected);
    line(
        "at",
        &r.location
            .as_ref()
            .map(|l| format!("{}:{}:{}", l.file, l.line, l.column)),
    );
    line("fix", &r.fix);
    line("waived", &r.waiver.as_ref().map(|wv| wv.reason.clone()));
    for d in &r.docs {
        s.push_str(&format!("\ndocs: {d}"));
    }
    s
}

fn seconds(ms: u64) -> String {
    format!("{}.{:03}", ms / 1000, ms % 1000)
}

/// Drops the characters XML 1.0 cannot carry at all (escaping is the writer's job).
fn clean(s: &str) -> String {
    s.chars()
        .filter(|&c| {
            matches!(c, '\t' | '\n' | '\r') || (c >= ' ' && c != '\u{FFFE}' && c != '\u{FFFF}')
        })
        .collect()
}

/// An attribute value on one line (parsers turn newlines in attributes into spaces anyway).
fn attr(s: &str) -> String {
    clean(s).replace(['\n', '\r', '\t'], " ")
}
