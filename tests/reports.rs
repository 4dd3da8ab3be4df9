//! Every report format on one fixed report (golden files), the JSON Schema, waivers and
//! attestations, `diff` and `check --baseline`, completions and the man page.
//!
//! The golden report: the pack in tests/golden/pack, the facts in tests/golden/facts.json, the
//! waivers in tests/golden/waivers.toml, today = 2026-11-25, started at 2026-11-25T09:30:00Z.
//! `PREFLIGHT_BLESS=1 cargo test --test reports` rewrites the goldens and
//! schema/report.v1.schema.json from the current code; review the diff before committing.

mod common;
use chrono::NaiveDate;
use common::*;
use preflight::eval::{self, Selection};
use preflight::report::{self, Report, Status};
use preflight::rules;
use preflight::{diff, facts, waivers};
use std::path::{Path, PathBuf};
use std::time::Duration;

fn golden_dir() -> PathBuf {
    repo().join("tests/golden")
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn golden_rules() -> rules::RuleSet {
    let pack = rules::read_pack(&golden_dir().join("pack")).unwrap();
    rules::compile(&[pack]).unwrap()
}

/// The report of the golden pack and facts, before waivers.
fn unwaived() -> Report {
    let rules = golden_rules();
    let facts = facts::read_facts(&golden_dir().join("facts.json")).unwrap();
    let results = eval::evaluate(&rules, &facts, &Selection::default());
    let mut r = report::assemble(
        &rules,
        &facts,
        results,
        "2026-11-25T09:30:00Z".into(),
        Duration::from_millis(1234),
    );
    r.tool.version = "0.0.0-golden".into();
    r
}

fn golden_report() -> Report {
    let mut r = unwaived();
    let w = waivers::load(&golden_dir().join("waivers.toml")).unwrap();
    w.check(&golden_rules()).unwrap();
    waivers::apply_to_report(&mut r, &w, today());
    r
}

fn bless() -> bool {
    std::env::var_os("PREFLIGHT_BLESS").is_some_and(|v| !v.is_empty() && v != "0")
}

/// Compares `actual` with the committed file, or rewrites it under PREFLIGHT_BLESS=1.
fn golden(path: &Path, actual: &str) {
    if bless() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!(
            "{} is missing; run `PREFLIGHT_BLESS=1 cargo test --test reports` to create it",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .map_or_else(
                || expected.lines().count().min(actual.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "{} differs from the output at line {line}:\n  committed: {:?}\n  now:       {:?}\nIf the change is intended, run `PREFLIGHT_BLESS=1 cargo test --test reports` and review the diff.",
            path.display(),
            expected.lines().nth(line - 1).unwrap_or(""),
            actual.lines().nth(line - 1).unwrap_or("")
        );
    }
}

#[test]
fn golden_json() {
    golden(
        &golden_dir().join("report.json"),
        &report::json::render(&golden_report()),
    );
}

fn table(width: u16) -> String {
    report::table::render(&golden_report(), &report::table::Options::plain(width))
}

#[test]
fn golden_table() {
    golden(&golden_dir().join("report.txt"), &table(110));
    golden(&golden_dir().join("report.80.txt"), &table(80));
}

#[test]
fn table_colours_only_the_status_marker_and_the_verdict() {
    for width in [110, 80] {
        let plain = table(width);
        let options = report::table::Options {
            colour: true,
            ..report::table::Options::plain(width)
        };
        let coloured = report::table::render(&golden_report(), &options);
        assert!(coloured.contains("\u{1b}[1;31m✖ FAIL\u{1b}[0m    config.hostname"));
        assert!(coloured.contains("\u{1b}[1;36m? manual\u{1b}[0m  ops.dr-drill"));
        assert!(coloured.contains("\u{1b}[1;31mGo-live: NOT READY"));
        let stripped = regex_lite::Regex::new("\u{1b}\\[[0-9;]*m")
            .unwrap()
            .replace_all(&coloured, "");
        assert_eq!(stripped, plain);
    }
}

#[test]
fn no_line_is_wider_than_the_terminal_and_narrow_terminals_get_the_stacked_layout() {
    for width in [40u16, 60, 80, 99, 100, 110, 140] {
        let t = table(width);
        for line in t.lines() {
            assert!(
                line.chars().count() <= usize::from(width),
                "{width}: {line:?}\n{t}"
            );
        }
    }
    // Below 100 columns: status, id and title on one line, the detail indented under it.
    let narrow = table(80);
    assert!(
        narrow.contains(
            " ✖ FAIL    config.hostname · [server] hostname is a real host name\n           [server] hostname is \"localhost\""
        ),
        "{narrow}"
    );
    assert!(
        narrow.contains("\n           at repository/conf/deployment.toml:5:12\n"),
        "{narrow}"
    );
    // From 100 on: side by side.
    assert!(
        table(110).contains(" ✖ FAIL    config.hostname                               [server]")
    );
}

#[test]
fn paths_keys_and_urls_are_never_broken_across_lines() {
    let mut r = golden_report();
    let long_path = "repository/resources/security/client-truststore-for-the-gateway.jks:12:3";
    let too_long = format!("https://apim.docs.wso2.com/en/latest/{}", "x".repeat(60));
    let h = r
        .results
        .iter_mut()
        .find(|x| x.id == "config.hostname")
        .unwrap();
    h.location.as_mut().unwrap().file = long_path.trim_end_matches(":12:3").into();
    h.fix = Some(format!("Read {too_long} and set `[server] hostname` there"));
    for width in [40u16, 80, 110] {
        let t = report::table::render(&r, &report::table::Options::plain(width));
        let lines: Vec<&str> = t.lines().collect();
        // Whole, on one line: moved left to fit when it is wider than the indented room.
        let at = lines
            .iter()
            .find(|l| l.contains("client-truststore"))
            .unwrap();
        assert!(at.contains("repository/resources/security/client-truststore-for-the-gateway.jks"));
        assert!(lines.iter().any(|l| l.contains(&too_long)), "{width}\n{t}");
        if width == 80 {
            assert!(at.chars().count() <= 80, "{at:?}");
            // Decided: a token wider than the whole line stands alone at the margin and is the
            // only thing allowed past the width, so it can still be copied whole.
            let url_line = lines.iter().find(|l| l.contains(&too_long)).unwrap();
            assert_eq!(url_line.trim_end(), too_long, "{t}");
            for l in lines.iter().filter(|l| !l.contains(&too_long)) {
                assert!(l.chars().count() <= 80, "{l:?}");
            }
        }
    }
}

#[test]
fn the_verdict_comes_first_and_last_with_the_blocking_ids() {
    let t = table(110);
    let verdict = "Go-live: NOT READY — 2 blocking (1 fail, 1 error) · 1 warning · 1 manual item to confirm · 1 waived";
    let lines: Vec<&str> = t.lines().collect();
    // First: right under the header, before the first category.
    assert!(
        t.find(verdict).unwrap() < t.find("\nHost\n").unwrap(),
        "{t}"
    );
    assert_eq!(lines[lines.len() - 2], verdict, "{t}");
    assert_eq!(
        lines[lines.len() - 1],
        "Blocking: config.hostname, jvm.heap.max"
    );
    // Under --fail-on warn the warning blocks too.
    let r = golden_report();
    let strict = r.verdict(true);
    assert_eq!(strict.blocking.len(), 3);
    assert!(
        strict
            .line()
            .starts_with("Go-live: NOT READY — 3 blocking (1 fail, 1 error, 1 warn) · 0 warnings")
    );
    // Waive what blocks and the verdict is READY, as the exit code is 0.
    let mut ready = unwaived();
    let text: String = ["config.hostname", "db.not-h2", "jvm.heap.max"]
        .iter()
        .map(|id| format!("[[waiver]]\nrule = \"{id}\"\nreason = \"accepted\"\n"))
        .collect();
    waivers::apply_to_report(&mut ready, &waiver_file(&text), today());
    let t = report::table::render(&ready, &report::table::Options::plain(110));
    assert!(
        t.contains("\nGo-live: READY — nothing blocking · 1 warning"),
        "{t}"
    );
    assert!(!t.contains("Blocking:"));
}

#[test]
fn show_problems_lists_problems_blocking_first_and_folds_the_rest() {
    let options = report::table::Options {
        problems_only: true,
        ..report::table::Options::plain(110)
    };
    let t = report::table::render(&golden_report(), &options);
    for hidden in [
        "host.memory.total",
        "jdk.version",
        "config.gateway.only",
        "ops.backups",
    ] {
        assert!(!t.contains(hidden), "{hidden}\n{t}");
    }
    for shown in [
        "host.cpu.cores",
        "jvm.heap.max",
        "config.hostname",
        "db.not-h2",
        "ops.dr-drill",
    ] {
        assert!(t.contains(shown), "{shown}\n{t}");
    }
    // One count line per category for what was folded.
    assert!(t.contains("           ✔ 1 passed\n\nJDK and JVM"), "{t}");
    assert!(t.contains("           - 1 skipped\n"), "{t}");
    // Blocking first within a category: the unwaived fail before a waived one, an error
    // before a warning.
    let mut r = golden_report();
    r.results.swap(0, 1);
    r.results[0].status = Status::Warn;
    r.results[1].status = Status::Fail;
    let t = report::table::render(&r, &report::table::Options::plain(110));
    let pos = |id: &str| t.find(&format!(" {id} ")).unwrap();
    assert!(pos("host.cpu.cores") < pos("host.memory.total"), "{t}");
}

#[test]
fn the_summary_by_category_is_a_table() {
    let t = table(110);
    let row = t.lines().find(|l| l.contains("│ Databases")).unwrap();
    let cells: Vec<&str> = row.split_whitespace().collect();
    // Category, fail, error, warn, manual, pass, skip.
    assert_eq!(
        cells,
        ["│", "Databases", "1", "·", "·", "·", "·", "·", "│"],
        "{t}"
    );
}

#[test]
fn golden_junit() {
    golden(
        &golden_dir().join("report.junit.xml"),
        &report::junit::render(&golden_report()),
    );
}

#[test]
fn golden_sarif() {
    golden(
        &golden_dir().join("report.sarif"),
        &report::sarif::render_in(&golden_report(), Path::new(CHECKOUT)),
    );
}

#[test]
fn golden_markdown() {
    golden(
        &golden_dir().join("report.md"),
        &report::markdown::render(&golden_report()),
    );
}

/// A product whose name and version were not detected is named as the table and HTML name it
/// (`unknown product`), not `unknown unknown`.
#[test]
fn markdown_names_an_undetected_product_as_the_other_formats_do() {
    let mut r = golden_report();
    let p = r.product.as_mut().unwrap();
    (p.name, p.version) = (None, None);
    let md = report::markdown::render(&r);
    assert!(
        md.starts_with("## preflight: unknown product on ")
            && md.contains("| Product | unknown product |"),
        "{md}"
    );
    assert!(report::html::render(&r, false).contains("unknown product"));
    r.product = None;
    let md = report::markdown::render(&r);
    assert!(md.contains("| Product | no PRODUCT_HOME |"), "{md}");
}

/// CommonMark shows `&lt;` inside a code span as four characters: the commands people copy
/// from a ticket keep their `<` and `>`, and text outside code spans is escaped.
#[test]
fn markdown_code_spans_hold_the_rules_text_verbatim() {
    let mut r = golden_report();
    let hostname = r
        .results
        .iter_mut()
        .find(|x| x.id == "config.hostname")
        .unwrap();
    hostname.fix = Some(
        "Put `<alias> = \"[the password]\"` under [secrets] & run ``a ` b <c>``; a lone ` stays <b>"
            .into(),
    );
    hostname.observed = Some("<alias> & `x`".into());
    let md = report::markdown::render(&r);
    assert!(
        md.contains(
            "- Fix: Put `<alias> = \"[the password]\"` under [secrets] &amp; run ``a ` b <c>``; a lone ` stays &lt;b&gt;\n"
        ),
        "{md}"
    );
    assert!(md.contains("- Observed: `` <alias> & `x` ``\n"), "{md}");
    assert!(md.contains("portals &amp; &lt;redirects&gt; would"), "{md}");
}

#[test]
fn the_golden_report_has_every_status() {
    let r = golden_report();
    let s = &r.summary;
    assert!(s.pass > 0 && s.warn > 0 && s.fail > 0 && s.error > 0 && s.skip > 0 && s.manual > 0);
    assert_eq!(s.waived, 1);
    assert!(r.results.iter().any(|x| x.location.is_some()));
}

#[test]
fn junit_counts_and_escaping() {
    let xml = report::junit::render(&golden_report());
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut cases = 0;
    let (mut failures, mut errors, mut skipped) = (0, 0, 0);
    loop {
        match reader.read_event().expect("well-formed XML") {
            quick_xml::events::Event::Eof => break,
            quick_xml::events::Event::Start(e) | quick_xml::events::Event::Empty(e) => {
                match e.name().as_ref() {
                    b"testcase" => cases += 1,
                    b"failure" => failures += 1,
                    b"error" => errors += 1,
                    b"skipped" => skipped += 1,
                    _ => {}
                }
            }
            _ => {}
        }
    }
    let r = golden_report();
    assert_eq!(cases, r.results.len());
    // The waived fail is skipped; manual and skip are skipped too.
    assert_eq!(failures, r.summary.fail - 1);
    assert_eq!(errors, r.summary.error);
    assert_eq!(skipped, r.summary.skip + r.summary.manual + 1);
    assert!(
        xml.contains(r#"tests="9" failures="1" errors="1" skipped="3""#),
        "{xml}"
    );
    assert!(xml.contains("&quot;localhost&quot; — portals &amp; &lt;redirects&gt;"));
    assert!(xml.contains(r#"name="[server] hostname is a real host name (config.hostname)""#));
    assert!(xml.contains(r#"classname="preflight.config""#));
    assert!(xml.contains("<system-out>WARN: 2 logical CPUs"));
    assert!(xml.contains(r#"<property name="warn" value="host.cpu.cores: 2 logical CPUs"#));
    assert!(xml.contains(r#"<skipped message="manual: Confirm that a DR drill"#));
}

/// The checkout the golden SARIF's URIs resolve against (PRODUCT_HOME is outside it).
const CHECKOUT: &str = "/srv/checkout";

fn sarif_of(r: &Report, checkout: &str) -> serde_json::Value {
    serde_json::from_str(&report::sarif::render_in(r, Path::new(checkout))).unwrap()
}

#[test]
fn sarif_results_levels_locations_and_suppressions() {
    let s = sarif_of(&golden_report(), CHECKOUT);
    assert_eq!(s["version"], "2.1.0");
    let run = &s["runs"][0];
    assert_eq!(run["tool"]["driver"]["rules"].as_array().unwrap().len(), 9);
    assert_eq!(
        run["originalUriBaseIds"]["PRODUCT_HOME"]["uri"],
        "file:///opt/wso2am-4.2.0/"
    );
    let results = run["results"].as_array().unwrap();
    let by = |id: &str| results.iter().find(|r| r["ruleId"] == id);
    assert_eq!(by("host.cpu.cores").unwrap()["level"], "warning");
    assert_eq!(by("jvm.heap.max").unwrap()["level"], "error");
    assert!(by("host.memory.total").is_none() && by("ops.dr-drill").is_none());
    let hostname = by("config.hostname").unwrap();
    assert_eq!(hostname["level"], "error");
    let loc = &hostname["locations"][0]["physicalLocation"];
    assert_eq!(
        loc["artifactLocation"]["uri"],
        "repository/conf/deployment.toml"
    );
    assert_eq!(loc["artifactLocation"]["uriBaseId"], "PRODUCT_HOME");
    assert_eq!(loc["region"]["startLine"], 5);
    assert_eq!(loc["region"]["startColumn"], 12);
    let rule_index = hostname["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(
        run["tool"]["driver"]["rules"][rule_index]["id"],
        "config.hostname"
    );
    let h2 = by("db.not-h2").unwrap();
    assert_eq!(h2["suppressions"][0]["kind"], "external");
    assert!(
        h2["suppressions"][0]["justification"]
            .as_str()
            .unwrap()
            .starts_with("Staging keeps H2")
    );
}

/// GitHub code scanning rejects a result without a location and resolves relative URIs against
/// the repository root; its `category` is only used when the log names no automation id.
#[test]
fn every_sarif_result_has_a_location_github_accepts() {
    let s = sarif_of(&golden_report(), CHECKOUT);
    let run = &s["runs"][0];
    assert!(run.get("automationDetails").is_none(), "{run}");
    assert_eq!(
        run["invocations"][0]["workingDirectory"]["uri"],
        "file:///srv/checkout/"
    );
    assert_eq!(
        run["originalUriBaseIds"]["%SRCROOT%"]["uri"],
        "file:///srv/checkout/"
    );
    let bases = run["originalUriBaseIds"].as_object().unwrap();
    for r in run["results"].as_array().unwrap() {
        let locs = r["locations"].as_array().unwrap();
        assert_eq!(locs.len(), 1, "{r}");
        let a = &locs[0]["physicalLocation"]["artifactLocation"];
        let uri = a["uri"].as_str().unwrap();
        assert!(!uri.starts_with('/') && !uri.contains(':'), "{uri}");
        assert!(bases.contains_key(a["uriBaseId"].as_str().unwrap()), "{a}");
        assert!(
            locs[0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
                >= 1
        );
    }
    let by = |id: &str| {
        run["results"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["ruleId"] == id)
            .unwrap()["locations"][0]["physicalLocation"]["artifactLocation"]
            .clone()
    };
    // A host check points at the documented pseudo-artifact; a JVM check at the start script.
    assert_eq!(by("host.cpu.cores")["uri"], ".preflight/host");
    assert_eq!(by("host.cpu.cores")["uriBaseId"], "%SRCROOT%");
    assert_eq!(by("jvm.heap.max")["uri"], "bin/api-manager.sh");
    assert_eq!(by("jvm.heap.max")["uriBaseId"], "PRODUCT_HOME");
}

#[test]
fn sarif_uris_of_a_product_home_in_the_checkout_are_relative_to_the_checkout() {
    let mut r = golden_report();
    r.run.product_home = Some("staging/wso2 am-4.2.0".into());
    let s = sarif_of(&r, CHECKOUT);
    let run = &s["runs"][0];
    assert_eq!(
        run["originalUriBaseIds"]["PRODUCT_HOME"]["uri"],
        "file:///srv/checkout/staging/wso2%20am-4.2.0/"
    );
    let hostname = run["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["ruleId"] == "config.hostname")
        .unwrap();
    let a = &hostname["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        a["uri"],
        "staging/wso2%20am-4.2.0/repository/conf/deployment.toml"
    );
    assert_eq!(a["uriBaseId"], "%SRCROOT%");
    // A file outside PRODUCT_HOME and the checkout (a systemd unit) is relative to the host root.
    r.results[0].status = Status::Fail;
    r.results[0].location = Some(preflight::facts::Location {
        file: "/etc/systemd/system/wso2am.service".into(),
        line: 7,
        column: 1,
    });
    let s = sarif_of(&r, CHECKOUT);
    let first = &s["runs"][0]["results"][0]["locations"][0]["physicalLocation"];
    assert_eq!(
        first["artifactLocation"]["uri"],
        "etc/systemd/system/wso2am.service"
    );
    assert_eq!(first["artifactLocation"]["uriBaseId"], "HOST_ROOT");
    assert_eq!(first["region"]["startLine"], 7);
}

#[test]
fn sarif_of_a_clean_run_has_an_empty_results_array() {
    let mut r = golden_report();
    r.results
        .retain(|x| matches!(x.status, Status::Pass | Status::Skip | Status::Manual));
    let s = sarif_of(&r, CHECKOUT);
    assert_eq!(s["runs"][0]["results"], serde_json::json!([]));
}

// ---- JSON Schema -------------------------------------------------------------------------

fn schema_path() -> PathBuf {
    repo().join("schema/report.v1.schema.json")
}

#[test]
fn committed_schema_is_the_generated_one() {
    golden(&schema_path(), &Report::json_schema());
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(&Report::json_schema()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

fn assert_valid(v: &jsonschema::Validator, report: &serde_json::Value) {
    let errors: Vec<String> = v
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn reports_validate_against_the_schema() {
    let v = validator();
    let golden: serde_json::Value =
        serde_json::from_str(&report::json::render(&golden_report())).unwrap();
    assert_valid(&v, &golden);
    // A live run of the binary, with and without PRODUCT_HOME.
    let (_, live) = check_json(&["--product-home", "examples/wso2am-4.2.0", "--offline"]);
    assert_valid(&v, &live);
    let (_, bare) = check_json(&["--offline"]);
    assert_valid(&v, &bare);
    // And the schema rejects what the contract forbids.
    let mut bad = golden.clone();
    bad["results"][0]["status"] = "maybe".into();
    assert!(!v.is_valid(&bad));
}

// ---- Waivers and attestations ------------------------------------------------------------

fn waiver_file(text: &str) -> waivers::WaiverFile {
    waivers::parse("waivers.toml", text).unwrap()
}

fn result<'a>(r: &'a Report, id: &str) -> &'a report::RuleResult {
    r.results.iter().find(|x| x.id == id).unwrap()
}

const H2_WAIVER: &str = r#"
[[waiver]]
rule = "db.not-h2"
reason = "Staging keeps H2 until the RDS instance is up"
owner = "platform-team"
ticket = "OPS-1234"
expires = EXPIRES
approved_by = "jane.doe"
"#;

fn with_waiver(expires: &str, today: NaiveDate) -> Report {
    let mut r = unwaived();
    let w = waiver_file(&H2_WAIVER.replace("EXPIRES", expires));
    waivers::apply_to_report(&mut r, &w, today);
    r
}

#[test]
fn waiver_applied_keeps_the_status_and_counts_as_waived() {
    let before = unwaived();
    let r = with_waiver("2026-12-31", today());
    let h2 = result(&r, "db.not-h2");
    assert_eq!(h2.status, Status::Fail);
    let w = h2.waiver.as_ref().unwrap();
    assert_eq!(w.owner.as_deref(), Some("platform-team"));
    assert_eq!(w.ticket.as_deref(), Some("OPS-1234"));
    assert_eq!(w.expires.as_deref(), Some("2026-12-31"));
    assert_eq!(w.approved_by.as_deref(), Some("jane.doe"));
    assert_eq!(h2.message, result(&before, "db.not-h2").message);
    assert_eq!(r.summary.waived, 1);
    assert_eq!(r.summary.fail, before.summary.fail);
    // The waived fail no longer counts; the unwaived one still does.
    assert!(!h2.counts(false));
    assert!(result(&r, "config.hostname").counts(false));
    // Waive everything failing and the run passes.
    let mut all = unwaived();
    let text: String = ["config.hostname", "db.not-h2", "jvm.heap.max"]
        .iter()
        .map(|id| format!("[[waiver]]\nrule = \"{id}\"\nreason = \"accepted\"\n"))
        .collect();
    waivers::apply_to_report(&mut all, &waiver_file(&text), today());
    assert!(!all.failed(false), "{:#?}", all.summary);
    assert!(all.failed(true), "the warning is not waived");
}

#[test]
fn expired_waiver_is_not_applied_and_says_so() {
    let r = with_waiver("2026-11-24", today());
    let h2 = result(&r, "db.not-h2");
    assert_eq!(h2.status, Status::Fail);
    assert!(h2.waiver.is_none());
    assert!(
        h2.message.contains("waiver expired on 2026-11-24"),
        "{}",
        h2.message
    );
    assert_eq!(r.summary.waived, 0);
    assert!(r.failed(false));
    // The last day still applies (UTC date, inclusive).
    let last_day = with_waiver("2026-11-25", today());
    assert!(result(&last_day, "db.not-h2").waiver.is_some());
}

#[test]
fn waiver_expiring_within_14_days_applies_and_warns() {
    let r = with_waiver("2026-12-05", today());
    let h2 = result(&r, "db.not-h2");
    assert!(h2.waiver.is_some());
    assert!(
        h2.message
            .contains("waiver expires on 2026-12-05, 10 days left"),
        "{}",
        h2.message
    );
    let far = with_waiver("2026-12-10", today());
    assert!(!result(&far, "db.not-h2").message.contains("expires"));
}

#[test]
fn waiver_out_of_scope_does_not_apply() {
    let base = H2_WAIVER.replace("EXPIRES", "2026-12-31");
    for scope in [
        "hosts = [\"apim-prod-*\"]",
        "hosts = \"db-?\"",
        "profile = \"gateway-worker\"",
    ] {
        let mut r = unwaived();
        let w = waiver_file(&format!("{base}{scope}\n"));
        waivers::apply_to_report(&mut r, &w, today());
        let h2 = result(&r, "db.not-h2");
        assert!(h2.waiver.is_none(), "{scope}");
        assert_eq!(r.summary.waived, 0);
        // Said in the report, not silently dropped.
        let said = if scope.starts_with("hosts") {
            "not applied here: this host is apim-stg-1)"
        } else {
            "waiver for the gateway-worker profile not applied here: this node is all-in-one)"
        };
        assert!(h2.message.ends_with(said), "{scope}: {}", h2.message);
    }
    for scope in [
        "hosts = [\"apim-prod-*\", \"APIM-STG-?\"]",
        "profile = \"all-in-one\"",
    ] {
        let mut r = unwaived();
        waivers::apply_to_report(&mut r, &waiver_file(&format!("{base}{scope}\n")), today());
        assert!(result(&r, "db.not-h2").waiver.is_some(), "{scope}");
    }
}

#[test]
fn unknown_rule_id_in_waivers_is_a_located_error_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("waivers.toml");
    std::fs::write(
        &file,
        "[[waiver]]\nrule = \"db.not-h3\"\nreason = \"x\"\n\n[[attestation]]\nrule = \"host.cpu.cores\"\nconfirmed_by = \"a\"\nconfirmed_at = 2026-01-01\n",
    )
    .unwrap();
    let out = preflight()
        .args(["check", "--offline", "--waivers"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("waivers.toml:2:8: unknown rule id `db.not-h3`; did you mean `db.not-h2`?"),
        "{err}"
    );
    assert!(
        err.contains("waivers.toml:6:8: `host.cpu.cores` is not a manual rule"),
        "{err}"
    );
    assert!(
        out.stdout.is_empty(),
        "no report when the waiver file is bad"
    );
}

#[test]
fn bad_waiver_file_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("w.toml");
    std::fs::write(&file, "[[waiver]\nrule = 1\n").unwrap();
    let out = preflight()
        .args(["check", "--offline", "--waivers"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("w.toml:1:"));
    preflight()
        .args(["check", "--offline", "--waivers", "/nonexistent/w.toml"])
        .assert()
        .code(2);
}

#[test]
fn attestation_turns_manual_into_pass_until_it_expires() {
    let text = "[[attestation]]\nrule = \"ops.backups\"\nconfirmed_by = \"john.smith\"\nconfirmed_at = 2026-11-20\nexpires = 2027-02-20\nnote = \"restore drill OPS-1240\"\n";
    let w = waiver_file(text);
    let mut r = unwaived();
    assert_eq!(result(&r, "ops.backups").status, Status::Manual);
    waivers::apply_to_report(&mut r, &w, today());
    let b = result(&r, "ops.backups");
    assert_eq!(b.status, Status::Pass);
    assert!(
        b.message
            .starts_with("confirmed by john.smith on 2026-11-20")
    );
    assert_eq!(b.attestation.as_ref().unwrap().confirmed_by, "john.smith");
    assert_eq!(result(&r, "ops.dr-drill").status, Status::Manual);
    assert_eq!(r.summary.manual, 1);

    // Near the end it asks to confirm again; after it, the item is manual again.
    let mut soon = unwaived();
    waivers::apply_to_report(&mut soon, &w, date("2027-02-15"));
    let b = result(&soon, "ops.backups");
    assert_eq!(b.status, Status::Pass);
    assert!(
        b.message.contains("5 days left: confirm again"),
        "{}",
        b.message
    );
    let mut later = unwaived();
    waivers::apply_to_report(&mut later, &w, date("2027-02-21"));
    let b = result(&later, "ops.backups");
    assert_eq!(b.status, Status::Manual);
    assert!(b.attestation.is_none());
    assert!(
        b.message
            .contains("confirmation by john.smith expired on 2027-02-20"),
        "{}",
        b.message
    );
    assert_eq!(later.summary.manual, 2);
}

#[test]
fn waivers_through_the_cli_change_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let facts = golden_dir().join("facts.json");
    let pack = golden_dir().join("pack");
    let file = dir.path().join("w.toml");
    let far = (chrono::Utc::now().date_naive() + chrono::Days::new(60)).to_string();
    let only = ["config.hostname", "db.not-h2"];
    let mut args = vec![
        "--rules",
        pack.to_str().unwrap(),
        "--facts",
        facts.to_str().unwrap(),
    ];
    for id in only {
        args.extend(["--only", id]);
    }
    let (code, _) = check_json(&args);
    assert_eq!(code, 1);
    let text: String = only
        .iter()
        .map(|id| format!("[[waiver]]\nrule = \"{id}\"\nreason = \"accepted\"\nexpires = {far}\n"))
        .collect();
    std::fs::write(&file, text).unwrap();
    args.extend(["--waivers", file.to_str().unwrap()]);
    let (code, report) = check_json(&args);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["summary"]["waived"], 2);
    assert_eq!(report["summary"]["fail"], 2);
    let w = &common::result(&report, "db.not-h2")["waiver"];
    assert_eq!(w["reason"], "accepted");
    assert_eq!(w["expires"], far.as_str());
}

// ---- diff and --baseline -----------------------------------------------------------------

/// The golden report a week later: hostname fixed, memory shrank to 2 GiB (a regression),
/// a new rule fails, the DR drill rule was removed, the CPU count changed (drift).
fn week_later() -> Report {
    let mut r = unwaived();
    for x in &mut r.results {
        match x.id.as_str() {
            "config.hostname" => {
                x.status = Status::Pass;
                x.observed = Some("apim.example.com".into());
            }
            "host.memory.total" => {
                x.status = Status::Fail;
                x.observed = Some("2 GiB".into());
            }
            "jdk.version" => x.observed = Some("21".into()),
            _ => {}
        }
    }
    let mut new = r.results[0].clone();
    new.id = "host.swap".into();
    new.title = "Swap is off".into();
    new.status = Status::Fail;
    new.message = "4 GiB of swap".into();
    r.results.push(new);
    r.results.retain(|x| x.id != "ops.dr-drill");
    r.summary = report::Summary::of(&r.results);
    r
}

#[test]
fn diff_lists_fixed_regressed_new_removed_and_drift() {
    let d = diff::diff(&unwaived(), &week_later());
    let kind = |id: &str| d.entries.iter().find(|e| e.id == id).map(|e| e.change);
    assert_eq!(kind("config.hostname"), Some(diff::Change::Fixed));
    assert_eq!(kind("host.memory.total"), Some(diff::Change::Regressed));
    assert_eq!(kind("host.swap"), Some(diff::Change::Regressed));
    assert_eq!(kind("ops.dr-drill"), Some(diff::Change::Removed));
    assert_eq!(kind("jdk.version"), Some(diff::Change::Drift));
    assert_eq!(kind("host.cpu.cores"), None);
    assert_eq!(d.regressed, 2);
    assert_eq!(d.fixed, 1);
    let text = d.render_text();
    assert!(
        text.contains("host.memory.total  pass → fail (8 GiB → 2 GiB)"),
        "{text}"
    );
    assert!(text.contains("jdk.version  pass: 17 → 21"), "{text}");
    assert!(text.contains("2 regressed, 1 fixed, 0 changed, 0 new, 1 removed, 1 drifted"));
    // Same report twice: nothing to say.
    assert!(diff::diff(&unwaived(), &unwaived()).entries.is_empty());
}

fn write_json(dir: &Path, name: &str, r: &Report) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, report::json::render(r)).unwrap();
    p
}

#[test]
fn diff_command_exit_codes_and_formats() {
    let dir = tempfile::tempdir().unwrap();
    let old = write_json(dir.path(), "old.json", &unwaived());
    let new = write_json(dir.path(), "new.json", &week_later());
    let out = preflight().arg("diff").args([&old, &new]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Regressed") && text.contains("Fixed"),
        "{text}"
    );
    // Reversed: the hostname regresses back, memory and swap are fixed/removed.
    let out = preflight().arg("diff").args([&new, &old]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    // Only fixes: exit 0.
    let mut fixed_only = unwaived();
    for x in &mut fixed_only.results {
        if x.id == "config.hostname" {
            x.status = Status::Pass;
        }
    }
    let fixed = write_json(dir.path(), "fixed.json", &fixed_only);
    let out = preflight()
        .arg("diff")
        .args([&old, &fixed])
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["entries"][0]["change"], "fixed");
    assert_eq!(j["entries"][0]["old_status"], "fail");
    let out = preflight()
        .arg("diff")
        .args([&old, &new])
        .args(["--format", "markdown"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("### Regressed"));
    // Unreadable input: exit 2 with file:line:col.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"schema_version\": 1,\n  oops\n}").unwrap();
    let out = preflight().arg("diff").args([&old, &bad]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.json:3:3"));
    preflight()
        .args(["diff", "/nonexistent.json"])
        .arg(&old)
        .assert()
        .code(2);
}

/// Facts for the golden pack with some values replaced.
fn facts_with(dir: &Path, name: &str, changes: &[(&str, serde_json::Value)]) -> PathBuf {
    let mut f: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(golden_dir().join("facts.json")).unwrap())
            .unwrap();
    for (k, v) in changes {
        f["facts"][k]["value"] = v.clone();
    }
    let p = dir.join(name);
    std::fs::write(&p, f.to_string()).unwrap();
    p
}

#[test]
fn baseline_fails_only_on_new_failures() {
    let dir = tempfile::tempdir().unwrap();
    let pack = golden_dir().join("pack");
    let run_check = |facts: &Path, extra: &[&str]| {
        let mut cmd = preflight();
        cmd.args(["check", "--rules"])
            .arg(&pack)
            .arg("--facts")
            .arg(facts)
            .args(extra);
        cmd.output().unwrap()
    };
    // The baseline: hostname and H2 fail, the JVM heap errors.
    let base_facts = golden_dir().join("facts.json");
    let baseline = dir.path().join("baseline.json");
    let out = run_check(
        &base_facts,
        &["--format", &format!("json={}", baseline.display())],
    );
    assert_eq!(out.status.code(), Some(1));
    let b = baseline.to_str().unwrap();

    // Same state: everything failing was already failing → exit 0, the report still shows it.
    let out = run_check(&base_facts, &["--baseline", b, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0));
    let r: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["summary"]["fail"], 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("0 new failing results"));

    // Hostname fixed: still 0.
    let fixed = facts_with(
        dir.path(),
        "fixed.json",
        &[(
            "deployment.server.hostname",
            serde_json::json!({"type": "str", "value": "apim.example.com"}),
        )],
    );
    assert_eq!(run_check(&fixed, &["--baseline", b]).status.code(), Some(0));

    // Memory regressed to 2 GiB: a new failure → exit 1, named on stderr.
    let regressed = facts_with(
        dir.path(),
        "regressed.json",
        &[(
            "host.memory.total",
            serde_json::json!({"type": "bytes", "value": 2147483648u64}),
        )],
    );
    let out = run_check(&regressed, &["--baseline", b]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("1 new failing result (host.memory.total)"),
        "{err}"
    );

    // A JDK the pack does not support: another new failure.
    let new_fail = facts_with(
        dir.path(),
        "newfail.json",
        &[(
            "jdk.feature",
            serde_json::json!({"type": "int", "value": 8}),
        )],
    );
    assert_eq!(
        run_check(&new_fail, &["--baseline", b]).status.code(),
        Some(1)
    );
    // An unreadable baseline is exit 2.
    assert_eq!(
        run_check(&base_facts, &["--baseline", "/nonexistent.json"])
            .status
            .code(),
        Some(2)
    );
}

// ---- completions and man page ------------------------------------------------------------

#[test]
fn completions_and_man_page_come_from_the_cli_definitions() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = preflight().args(["completions", shell]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("waivers") && text.contains("baseline"),
            "{shell}"
        );
    }
    let out = preflight().arg("man").output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let man = String::from_utf8_lossy(&out.stdout);
    assert!(
        man.starts_with(".ie") || man.contains(".TH preflight"),
        "{man}"
    );
    assert!(man.contains("diff"), "{man}");
    preflight().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn every_format_through_the_cli_in_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let facts = golden_dir().join("facts.json");
    let pack = golden_dir().join("pack");
    let mut cmd = preflight();
    cmd.args(["check", "--rules"])
        .arg(&pack)
        .arg("--facts")
        .arg(&facts);
    for (fmt, ext) in [
        ("json", "json"),
        ("junit", "xml"),
        ("sarif", "sarif"),
        ("markdown", "md"),
        ("table", "txt"),
    ] {
        cmd.arg("--format").arg(format!(
            "{fmt}={}",
            dir.path().join(format!("r.{ext}")).display()
        ));
    }
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    for ext in ["json", "xml", "sarif", "md", "txt"] {
        let text = std::fs::read_to_string(dir.path().join(format!("r.{ext}"))).unwrap();
        assert!(text.contains("config.hostname"), "{ext}");
    }
}

// ---- contrib/ ----------------------------------------------------------------------------

/// The CI examples only use flags and formats `preflight check` has.
#[test]
fn contrib_ci_examples_use_real_flags() {
    let help = preflight().args(["check", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).to_string();
    for file in [
        "contrib/github-actions/preflight.yml",
        "contrib/gitlab-ci/preflight.gitlab-ci.yml",
    ] {
        let text = std::fs::read_to_string(repo().join(file)).unwrap();
        assert!(
            text.contains("--offline") && text.contains("--facts"),
            "{file}"
        );
        assert!(text.contains("junit="), "{file}");
        let code: String = text
            .lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .collect::<Vec<_>>()
            .join("\n");
        for flag in code
            .split(|c: char| c.is_whitespace() || c == '(' || c == '"')
            .filter(|w| w.starts_with("--") && w.len() > 2)
        {
            let flag = flag.trim_end_matches(['\\', ')']);
            if ["--locked", "--git", "--format"].contains(&flag) || flag.contains('=') {
                continue;
            }
            assert!(help.contains(flag), "{file}: `{flag}` is not a check flag");
        }
        for fmt in code.split("--format ").skip(1) {
            let name = fmt.split(['=', ' ', '\n']).next().unwrap();
            let out = preflight()
                .args([
                    "check",
                    "--offline",
                    "--only",
                    "host.swap",
                    "--format",
                    name,
                ])
                .output()
                .unwrap();
            assert_ne!(out.status.code(), Some(2), "{file}: format {name}");
        }
    }
}
