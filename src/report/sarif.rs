//! The SARIF 2.1.0 report, for code-scanning services (GitHub code scanning and the like).
//!
//! - `tool.driver.rules[]`: every rule of the report, with the fix as help text and the first docs
//!   URL as `helpUri`.
//! - `results[]`: only `fail` (level `error`), `warn` (level `warning`) and `error` — a rule that
//!   could not be checked — (level `error`, `properties.status = "error"`): code-scanning services
//!   show results and mostly ignore notifications, and preflight's exit code treats an unchecked
//!   rule like a failure. `results` is `[]`, never absent, on a clean run.
//! - Locations are relative to `PRODUCT_HOME` (`uriBaseId`), declared in `originalUriBaseIds`;
//!   absolute paths outside it (a systemd unit) are `file://` URIs.
//! - Waived results carry `suppressions: [{kind: "external", status: "accepted", justification}]`.

use super::{Report, RuleResult, Status};
use serde::Serialize;
use std::collections::BTreeMap;

pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/preflight-wso2/preflight";
const BASE_ID: &str = "PRODUCT_HOME";

#[derive(Debug, Serialize)]
pub struct Log {
    #[serde(rename = "$schema")]
    pub schema: &'static str,
    pub version: &'static str,
    pub runs: Vec<Run>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Run {
    pub tool: Tool,
    pub automation_details: AutomationDetails,
    pub invocations: Vec<Invocation>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    pub results: Vec<SarifResult>,
    pub properties: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Debug, Serialize)]
pub struct Tool {
    pub driver: Driver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Driver {
    pub name: String,
    pub version: String,
    pub semantic_version: String,
    pub information_uri: &'static str,
    pub rules: Vec<ReportingDescriptor>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportingDescriptor {
    pub id: String,
    pub name: String,
    pub short_description: Message,
    pub full_description: Message,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<MultiformatMessage>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help_uri: Option<String>,
    pub properties: RuleProperties,
}

#[derive(Debug, Serialize)]
pub struct RuleProperties {
    pub category: String,
    pub tags: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct Message {
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct MultiformatMessage {
    pub text: String,
    pub markdown: String,
}

#[derive(Debug, Serialize)]
pub struct AutomationDetails {
    pub id: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Invocation {
    pub execution_successful: bool,
    pub start_time_utc: String,
    pub machine: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SarifResult {
    pub rule_id: String,
    pub rule_index: usize,
    pub level: &'static str,
    pub kind: &'static str,
    pub message: Message,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub locations: Vec<ResultLocation>,
    pub partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub suppressions: Vec<Suppression>,
    pub properties: ResultProperties,
}

#[derive(Debug, Serialize)]
pub struct ResultProperties {
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResultLocation {
    pub physical_location: PhysicalLocation,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PhysicalLocation {
    pub artifact_location: ArtifactLocation,
    pub region: Region,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ArtifactLocation {
    pub uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Message>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Region {
    pub start_line: u32,
    pub start_column: u32,
}

#[derive(Debug, Serialize)]
pub struct Suppression {
    pub kind: &'static str,
    pub status: &'static str,
    pub justification: String,
}

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&log(report)).expect("the SARIF log is plain data");
    s.push('\n');
    s
}

/// The SARIF log of a report.
pub fn log(report: &Report) -> Log {
    let rules: Vec<ReportingDescriptor> = report
        .results
        .iter()
        .map(|r| descriptor(report, r))
        .collect();
    let results = report
        .results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| result(report, i, r))
        .collect();
    let mut bases = BTreeMap::new();
    if let Some(home) = &report.run.product_home {
        bases.insert(
            BASE_ID,
            ArtifactLocation {
                uri: base_uri(home),
                uri_base_id: None,
                description: Some(Message {
                    text: "The product installation preflight checked".into(),
                }),
            },
        );
    }
    let mut properties = BTreeMap::new();
    properties.insert(
        "rulepack",
        serde_json::json!({"name": report.rulepack.name, "version": report.rulepack.version}),
    );
    properties.insert(
        "summary",
        serde_json::to_value(&report.summary).expect("plain data"),
    );
    Log {
        schema: SCHEMA_URI,
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: report.tool.name.clone(),
                    version: report.tool.version.clone(),
                    semantic_version: report.tool.version.clone(),
                    information_uri: INFORMATION_URI,
                    rules,
                },
            },
            automation_details: AutomationDetails {
                id: format!("preflight/{}/", report.run.hostname),
            },
            invocations: vec![Invocation {
                execution_successful: true,
                start_time_utc: report.run.started_at.clone(),
                machine: report.run.hostname.clone(),
            }],
            original_uri_base_ids: bases,
            results,
            properties,
        }],
    }
}

fn descriptor(report: &Report, r: &RuleResult) -> ReportingDescriptor {
    let help = r.fix.as_ref().map(|fix| {
        let mut markdown = format!("**Fix:** {fix}");
        for d in &r.docs {
            markdown.push_str(&format!("\n\n<{d}>"));
        }
        MultiformatMessage {
            text: fix.clone(),
            markdown,
        }
    });
    ReportingDescriptor {
        id: r.id.clone(),
        name: camel(&r.id),
        short_description: Message {
            text: r.title.clone(),
        },
        full_description: Message {
            text: format!("{}: {}", report.category_title(&r.category), r.title),
        },
        help,
        help_uri: r.docs.first().cloned(),
        properties: RuleProperties {
            category: r.category.clone(),
            tags: vec!["preflight".into(), r.category.clone()],
        },
    }
}

fn result(report: &Report, index: usize, r: &RuleResult) -> Option<SarifResult> {
    let level = match r.status {
        Status::Fail | Status::Error => "error",
        Status::Warn => "warning",
        Status::Pass | Status::Skip | Status::Manual => return None,
    };
    let mut text = r.message.clone();
    if let Some(fix) = &r.fix {
        let stop = if text.ends_with(['.', '!', '?']) {
            " "
        } else {
            ". "
        };
        text.push_str(&format!("{stop}Fix: {fix}"));
    }
    let locations = r
        .location
        .iter()
        .map(|l| {
            let absolute = l.file.starts_with('/');
            ResultLocation {
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation {
                        uri: if absolute {
                            format!("file://{}", l.file)
                        } else {
                            l.file.clone()
                        },
                        uri_base_id: (!absolute && report.run.product_home.is_some())
                            .then_some(BASE_ID),
                        description: None,
                    },
                    region: Region {
                        start_line: l.line.max(1),
                        start_column: l.column.max(1),
                    },
                },
            }
        })
        .collect();
    let suppressions = r
        .waiver
        .iter()
        .map(|w| {
            let mut justification = w.reason.clone();
            for (label, v) in [
                ("owner", &w.owner),
                ("ticket", &w.ticket),
                ("approved by", &w.approved_by),
                ("expires", &w.expires),
            ] {
                if let Some(v) = v {
                    justification.push_str(&format!("; {label} {v}"));
                }
            }
            Suppression {
                kind: "external",
                status: "accepted",
                justification,
            }
        })
        .collect();
    let mut fingerprints = BTreeMap::new();
    fingerprints.insert(
        "preflightRuleHost/v1",
        format!("{}@{}", r.id, report.run.hostname),
    );
    Some(SarifResult {
        rule_id: r.id.clone(),
        rule_index: index,
        level,
        kind: "fail",
        message: Message { text },
        locations,
        partial_fingerprints: fingerprints,
        suppressions,
        properties: ResultProperties {
            status: r.status,
            observed: r.observed.clone(),
            expected: r.expected.clone(),
        },
    })
}

/// `PRODUCT_HOME` as a base URI: `file:///opt/wso2am-4.2.0/` for an absolute path, else the
/// relative path with a trailing slash (a consumer resolves it against its checkout).
fn base_uri(home: &str) -> String {
    let mut path: String = home
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_string(),
            '\\' => "/".to_string(),
            c => c.to_string(),
        })
        .collect();
    if !path.ends_with('/') {
        path.push('/');
    }
    if path.starts_with('/') {
        format!("file://{path}")
    } else {
        path
    }
}

/// `db.not-h2` → `DbNotH2`: SARIF's `name` is an identifier-like word.
fn camel(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}
