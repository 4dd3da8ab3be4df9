//! The Report model — one for every output format — and the renderers that draw it.

mod assemble;
pub mod columns;
pub mod escape;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
mod output;
pub mod sarif;
pub mod table;

pub use assemble::assemble;
pub use output::{Format, View, table_width, write};

use crate::facts::Location;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The JSON report's schema version (DESIGN §3). Field names and status strings never change
/// within one version.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Warn,
    Fail,
    Error,
    Skip,
    Manual,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skip => "skip",
            Status::Manual => "manual",
        }
    }
}

/// A preflight report (`--format json`), `schema_version: 1`: one result per loaded rule.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Report {
    pub schema_version: u32,
    pub tool: Tool,
    pub rulepack: RulePack,
    pub run: Run,
    pub product: Option<Product>,
    pub summary: Summary,
    pub results: Vec<RuleResult>,
    /// Category ids and the titles reports group them under, in the pack's order.
    #[serde(skip)]
    #[schemars(skip)]
    pub categories: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RulePack {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Run {
    /// UTC, RFC 3339.
    pub started_at: String,
    pub duration_ms: u64,
    pub hostname: String,
    pub product_home: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct Product {
    pub name: Option<String>,
    pub version: Option<String>,
    pub profile: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, JsonSchema, PartialEq, Eq)]
pub struct Summary {
    pub total: usize,
    pub pass: usize,
    pub warn: usize,
    pub fail: usize,
    pub error: usize,
    pub skip: usize,
    pub manual: usize,
    pub waived: usize,
}

impl Summary {
    pub fn of(results: &[RuleResult]) -> Summary {
        let mut s = Summary {
            total: results.len(),
            ..Summary::default()
        };
        for r in results {
            match r.status {
                Status::Pass => s.pass += 1,
                Status::Warn => s.warn += 1,
                Status::Fail => s.fail += 1,
                Status::Error => s.error += 1,
                Status::Skip => s.skip += 1,
                Status::Manual => s.manual += 1,
            }
            if r.waiver.is_some() {
                s.waived += 1;
            }
        }
        s
    }

    /// `41 passed, 6 warnings, 3 failed, 1 error, 2 skipped, 6 manual`.
    pub fn line(&self) -> String {
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        let mut parts = vec![
            format!("{} passed", self.pass),
            plural(self.warn, "warning", "warnings"),
            format!("{} failed", self.fail),
            plural(self.error, "error", "errors"),
            format!("{} skipped", self.skip),
            format!("{} manual", self.manual),
        ];
        if self.waived > 0 {
            parts.push(format!("{} waived", self.waived));
        }
        parts.join(", ")
    }
}

/// The result of one rule (DESIGN §3).
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
pub struct RuleResult {
    pub id: String,
    pub title: String,
    pub category: String,
    pub status: Status,
    pub message: String,
    /// Why a rule was skipped or could not be checked.
    pub reason: Option<String>,
    pub observed: Option<String>,
    pub expected: Option<String>,
    pub fix: Option<String>,
    pub docs: Vec<String>,
    pub location: Option<Location>,
    /// The waiver that accepts this result (DESIGN §3); the status stays the real one.
    pub waiver: Option<Waiver>,
    /// Who confirmed a manual item, when, and until when (attestations turn `manual` into `pass`).
    #[serde(default)]
    pub attestation: Option<Attestation>,
    /// For an `error`: the fact it could not see and why, and which result reports that cause
    /// in full, so one failed probe reads as one problem, not one per rule.
    #[serde(default)]
    pub caused_by: Option<Cause>,
    pub duration_ms: u64,
}

/// Why an `error` result could not be checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Cause {
    /// The fact the rule needed (`jdk.version`).
    pub fact: String,
    /// Why that fact is unavailable, in the probe's words.
    pub reason: String,
    /// The result that reports this same failure first (`jdk.present`); `null` on that result.
    pub see: Option<String>,
}

/// A waiver applied to a result: the result keeps its status, and fail/error no longer make the
/// run exit 1.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Waiver {
    pub reason: String,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    /// The last day (UTC, `YYYY-MM-DD`) the waiver applies.
    pub expires: Option<String>,
    pub approved_by: Option<String>,
}

/// A person's confirmation of a manual go-live item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct Attestation {
    pub confirmed_by: String,
    /// `YYYY-MM-DD` (UTC).
    pub confirmed_at: String,
    /// The last day (UTC, `YYYY-MM-DD`) the confirmation holds.
    pub expires: Option<String>,
    pub note: Option<String>,
}

impl Report {
    /// Whether the run should exit 1: any `fail` or `error`, or any `warn` when `fail_on_warn`.
    /// Waived results never count.
    pub fn failed(&self, fail_on_warn: bool) -> bool {
        self.results.iter().any(|r| r.counts(fail_on_warn))
    }

    /// The title a category is grouped under (`Databases` for `db`); the id, capitalised, when
    /// the pack names none.
    pub fn category_title(&self, id: &str) -> String {
        self.categories
            .iter()
            .find(|(c, _)| c == id)
            .map_or_else(|| title_case(id), |(_, t)| t.clone())
    }

    /// The product as the report headers name it: `WSO2 API Manager 4.2.0` (`unknown product`
    /// when it was not detected), or `no PRODUCT_HOME` without one.
    pub fn product_line(&self) -> String {
        self.product.as_ref().map_or_else(
            || "no PRODUCT_HOME".into(),
            |p| {
                let name = p.name.as_deref().unwrap_or("unknown product");
                match &p.version {
                    Some(v) => format!("{name} {v}"),
                    None => name.to_string(),
                }
            },
        )
    }

    /// The JSON Schema of the JSON report, generated from these types.
    pub fn json_schema() -> String {
        let schema = schemars::schema_for!(Report);
        let mut schema = schema.to_value();
        // Every field is always written, `null` when empty: say so, so consumers can rely on the
        // keys (DESIGN §3). `attestation` and `caused_by` are the exceptions: reports written
        // before they existed lack them.
        fn require_all(v: &mut serde_json::Value) {
            if let Some(props) = v.get("properties").and_then(|p| p.as_object()) {
                let keys: Vec<serde_json::Value> = props
                    .keys()
                    .filter(|k| *k != "attestation" && *k != "caused_by")
                    .map(|k| serde_json::Value::String(k.clone()))
                    .collect();
                v["required"] = serde_json::Value::Array(keys);
            }
            if let Some(defs) = v.get_mut("$defs").and_then(|d| d.as_object_mut()) {
                defs.values_mut().for_each(require_all);
            }
        }
        require_all(&mut schema);
        schema["$id"] =
            "https://github.com/preflight-wso2/preflight/schema/report.v1.schema.json".into();
        let mut s = serde_json::to_string_pretty(&schema).expect("a schema is plain data");
        s.push('\n');
        s
    }
}

impl RuleResult {
    /// A result with only these set (no reason, observation, fix, docs, location, waiver,
    /// attestation or cause): build others as `RuleResult { fix, ..RuleResult::new(…) }`, so a
    /// new field needs a default here only.
    pub fn new(
        id: impl Into<String>,
        title: impl Into<String>,
        category: impl Into<String>,
        status: Status,
        message: impl Into<String>,
    ) -> RuleResult {
        RuleResult {
            id: id.into(),
            title: title.into(),
            category: category.into(),
            status,
            message: message.into(),
            reason: None,
            observed: None,
            expected: None,
            fix: None,
            docs: Vec::new(),
            location: None,
            waiver: None,
            attestation: None,
            caused_by: None,
            duration_ms: 0,
        }
    }

    /// Whether `--only`/`--skip` left this rule out (a `skip` the table does not show).
    pub fn unselected(&self) -> bool {
        self.status == Status::Skip
            && self
                .reason
                .as_deref()
                .is_some_and(|r| r.starts_with(crate::rules::NOT_SELECTED))
    }

    /// Where this result stands in "what needs action first": unwaived fail, unwaived error,
    /// warn, manual, waived findings, pass, skip.
    pub fn urgency(&self) -> u8 {
        match (self.status, self.waiver.is_some()) {
            (Status::Fail, false) => 0,
            (Status::Error, false) => 1,
            (Status::Warn, false) => 2,
            (Status::Manual, _) => 3,
            (Status::Fail | Status::Error | Status::Warn, true) => 4,
            (Status::Pass, _) => 5,
            (Status::Skip, _) => 6,
        }
    }

    /// Whether a person has something to do about it: a finding (waived or not), an error or an
    /// unconfirmed manual item.
    pub fn is_problem(&self) -> bool {
        !matches!(self.status, Status::Pass | Status::Skip)
    }

    /// Whether this result makes the run exit 1: an unwaived fail or error, or an unwaived warn
    /// when `fail_on_warn`.
    pub fn counts(&self, fail_on_warn: bool) -> bool {
        self.waiver.is_none()
            && (matches!(self.status, Status::Fail | Status::Error)
                || (fail_on_warn && self.status == Status::Warn))
    }
}

/// The go-live verdict of a report: what blocks (what makes the run exit 1), what to look at,
/// what to confirm.
pub struct Verdict<'a> {
    pub blocking: Vec<&'a RuleResult>,
    /// Unwaived warnings that do not block.
    pub warnings: usize,
    /// Manual items nobody has confirmed yet.
    pub manual: usize,
    pub waived: usize,
}

impl Report {
    /// The verdict under `--fail-on warn` (`fail_on_warn`) or `--fail-on fail`.
    pub fn verdict(&self, fail_on_warn: bool) -> Verdict<'_> {
        let mut blocking: Vec<&RuleResult> = self
            .results
            .iter()
            .filter(|r| r.counts(fail_on_warn))
            .collect();
        blocking.sort_by_key(|r| r.urgency());
        let count = |f: &dyn Fn(&RuleResult) -> bool| self.results.iter().filter(|r| f(r)).count();
        Verdict {
            warnings: count(&|r| {
                r.status == Status::Warn && r.waiver.is_none() && !r.counts(fail_on_warn)
            }),
            manual: count(&|r| r.status == Status::Manual),
            waived: count(&|r| r.waiver.is_some()),
            blocking,
        }
    }
}

impl Verdict<'_> {
    pub fn ready(&self) -> bool {
        self.blocking.is_empty()
    }

    /// `Go-live: NOT READY — 3 blocking (2 fail, 1 error) · 1 warning · 1 manual item to confirm`.
    pub fn line(&self) -> String {
        let n = |s: Status| self.blocking.iter().filter(|r| r.status == s).count();
        let mut parts = Vec::new();
        if self.ready() {
            parts.push("nothing blocking".to_string());
        } else {
            let kinds: Vec<String> = [(Status::Fail, "fail"), (Status::Error, "error")]
                .into_iter()
                .chain([(Status::Warn, "warn")])
                .filter(|(s, _)| n(*s) > 0)
                .map(|(s, name)| format!("{} {name}", n(s)))
                .collect();
            parts.push(format!(
                "{} blocking ({})",
                self.blocking.len(),
                kinds.join(", ")
            ));
        }
        parts.push(plural(self.warnings, "warning", "warnings"));
        parts.push(format!(
            "{} to confirm",
            plural(self.manual, "manual item", "manual items")
        ));
        if self.waived > 0 {
            parts.push(format!("{} waived", self.waived));
        }
        let word = if self.ready() { "READY" } else { "NOT READY" };
        format!("Go-live: {word} — {}", parts.join(" · "))
    }

    /// `Blocking: config.hostname, jvm.heap.max`, when anything blocks.
    pub fn blocking_line(&self) -> Option<String> {
        let ids: Vec<&str> = self.blocking.iter().map(|r| r.id.as_str()).collect();
        (!ids.is_empty()).then(|| format!("Blocking: {}", ids.join(", ")))
    }
}

/// `word` with its first letter in upper case: `db` → `Db`.
fn title_case(word: &str) -> String {
    let mut c = word.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A report file that is not JSON, named by file, line and column.
pub fn not_a_report(file: &std::path::Path, e: serde_json::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "{}:{}:{}: not a preflight JSON report: {e}; write one with `preflight check --format json=FILE`",
        file.display(),
        e.line(),
        e.column()
    )
}

/// Refuses a report of another schema version.
pub fn check_schema_version(file: &std::path::Path, version: u32) -> anyhow::Result<()> {
    if version != SCHEMA_VERSION {
        anyhow::bail!(
            "{}: report schema_version {version} is not supported (this preflight reads {SCHEMA_VERSION})",
            file.display(),
        );
    }
    Ok(())
}

/// Reads a JSON report written by `check --format json`; bad JSON is reported as file:line:col.
pub fn read_report(file: &std::path::Path) -> anyhow::Result<Report> {
    let text = crate::io::read_input(file, 64 << 20).map_err(anyhow::Error::msg)?;
    let report: Report = serde_json::from_str(&text).map_err(|e| not_a_report(file, e))?;
    check_schema_version(file, report.schema_version)?;
    Ok(report)
}
