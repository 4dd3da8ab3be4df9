//! The Report model — one for every output format — and the renderers that draw it.

pub mod json;
pub mod table;

use crate::facts::Location;
use serde::Serialize;

/// The JSON report's schema version (DESIGN §3). Field names and status strings never change
/// within one version.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
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
    pub categories: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RulePack {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// UTC, RFC 3339.
    pub started_at: String,
    pub duration_ms: u64,
    pub hostname: String,
    pub product_home: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Product {
    pub name: Option<String>,
    pub version: Option<String>,
    pub profile: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
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
#[derive(Debug, Clone, Serialize)]
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
    pub waiver: Option<serde_json::Value>,
    pub duration_ms: u64,
}

impl Report {
    /// Whether the run should exit 1: any `fail` or `error`, or any `warn` when `fail_on_warn`.
    pub fn failed(&self, fail_on_warn: bool) -> bool {
        self.summary.fail > 0 || self.summary.error > 0 || (fail_on_warn && self.summary.warn > 0)
    }
}
