//! The SARIF 2.1.0 report, for code-scanning services (GitHub code scanning and the like).
//!
//! - `tool.driver.rules[]`: every rule of the report, with the fix (else the title) as help text
//!   and the first docs URL as `helpUri`.
//! - `results[]`: only `fail` (level `error`), `warn` (level `warning`) and `error` — a rule that
//!   could not be checked — (level `error`, `properties.status = "error"`): code-scanning services
//!   show results and mostly ignore notifications, and preflight's exit code treats an unchecked
//!   rule like a failure. `results` is `[]`, never absent, on a clean run.
//! - Every result has one location (GitHub rejects results without one):
//!   - the file and line the rule's facts came from, when there is one;
//!   - else the file that configures what the rule checks: `repository/conf/deployment.toml` for
//!     configuration, TLS, keystores, databases, user stores, clustering and ports; the start
//!     script (`bin/api-manager.sh`, `bin/wso2server.sh` on 3.x) for the JDK and the JVM;
//!     `bin/version.txt` for the product;
//!   - else (host, operations, fleet and unknown categories, or no PRODUCT_HOME) the
//!     pseudo-artifact [`HOST_ARTIFACT`], `.preflight/host`, line 1: no such file exists, so a
//!     code-scanning service lists the alert without a code view.
//! - URIs are relative references, never absolute paths. The checkout is the working directory
//!   preflight ran in (a CI job runs it from the repository root): it is declared as `%SRCROOT%`
//!   in `originalUriBaseIds` and as `invocations[0].workingDirectory`. A file under the checkout
//!   is written relative to it (`staging/wso2am-4.2.0/repository/conf/deployment.toml`,
//!   `uriBaseId: "%SRCROOT%"`), which is how GitHub resolves it. A file of a PRODUCT_HOME outside
//!   the checkout is relative to `PRODUCT_HOME` (declared as a `file:` URI), and any other file
//!   (a systemd unit) relative to `HOST_ROOT` (`file:///`).
//! - No `automationDetails.id`: the uploader's category (`upload-sarif`'s `category`) names the
//!   analysis; one preflight wrote would override it. The host is in `invocations[0].machine`
//!   and in each result's `partialFingerprints`.
//! - Waived results carry `suppressions: [{kind: "external", status: "accepted", justification}]`.

use super::{Report, RuleResult, Status};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
const INFORMATION_URI: &str = "https://github.com/preflight-wso2/preflight";
const BASE_ID: &str = "PRODUCT_HOME";
const SRCROOT: &str = "%SRCROOT%";
const HOST_ROOT: &str = "HOST_ROOT";
/// Where results that no file configures point: a documented pseudo-artifact, relative to the
/// checkout, that never exists.
const HOST_ARTIFACT: &str = ".preflight/host";

#[derive(Debug, Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    invocations: Vec<Invocation>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    original_uri_base_ids: BTreeMap<&'static str, ArtifactLocation>,
    results: Vec<SarifResult>,
    properties: BTreeMap<&'static str, serde_json::Value>,
}

#[derive(Debug, Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: String,
    version: String,
    semantic_version: String,
    information_uri: &'static str,
    rules: Vec<ReportingDescriptor>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportingDescriptor {
    id: String,
    name: String,
    short_description: Message,
    full_description: Message,
    help: MultiformatMessage,
    #[serde(skip_serializing_if = "Option::is_none")]
    help_uri: Option<String>,
    properties: RuleProperties,
}

#[derive(Debug, Serialize)]
struct RuleProperties {
    category: String,
    tags: Vec<String>,
}

#[derive(Debug, Serialize)]
struct Message {
    text: String,
}

#[derive(Debug, Serialize)]
struct MultiformatMessage {
    text: String,
    markdown: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    start_time_utc: String,
    machine: String,
    working_directory: ArtifactLocation,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: String,
    rule_index: usize,
    level: &'static str,
    kind: &'static str,
    message: Message,
    locations: Vec<ResultLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
    properties: ResultProperties,
}

#[derive(Debug, Serialize)]
struct ResultProperties {
    status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    observed: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ResultLocation {
    physical_location: PhysicalLocation,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactLocation {
    uri: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<Message>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

#[derive(Debug, Serialize)]
struct Suppression {
    kind: &'static str,
    status: &'static str,
    justification: String,
}

/// The SARIF log of a report, with the working directory as the checkout.
pub fn render(report: &Report) -> String {
    let checkout = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    render_in(report, &checkout)
}

/// The SARIF log of a report whose URIs resolve against `checkout` (an absolute path).
pub fn render_in(report: &Report, checkout: &Path) -> String {
    let mut s =
        serde_json::to_string_pretty(&log(report, checkout)).expect("the SARIF log is plain data");
    s.push('\n');
    s
}

/// The SARIF log of a report; `checkout` is the folder relative URIs resolve against.
fn log(report: &Report, checkout: &Path) -> Log {
    let places = Places::new(report, checkout);
    let rules: Vec<ReportingDescriptor> = report
        .results
        .iter()
        .map(|r| descriptor(report, r))
        .collect();
    let results = report
        .results
        .iter()
        .enumerate()
        .filter_map(|(i, r)| result(report, &places, i, r))
        .collect();
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
            invocations: vec![Invocation {
                execution_successful: true,
                start_time_utc: report.run.started_at.clone(),
                machine: report.run.hostname.clone(),
                working_directory: ArtifactLocation {
                    uri: file_uri(&places.checkout),
                    uri_base_id: None,
                    description: None,
                },
            }],
            original_uri_base_ids: places.bases(),
            results,
            properties,
        }],
    }
}

/// Where the files of a report are: the checkout, PRODUCT_HOME (absolute), the start script.
struct Places {
    checkout: PathBuf,
    home: Option<PathBuf>,
    start_script: String,
}

impl Places {
    fn new(report: &Report, checkout: &Path) -> Places {
        let checkout = normalize(checkout);
        let home = report
            .run
            .product_home
            .as_ref()
            .map(|h| normalize(&checkout.join(h)));
        // The start script a rule already pointed at, else the one of the product's version.
        let start_script = report
            .results
            .iter()
            .filter_map(|r| r.location.as_ref())
            .map(|l| l.file.as_str())
            .find(|f| f.starts_with("bin/") && f.ends_with(".sh"))
            .map(str::to_string)
            .unwrap_or_else(|| {
                let v3 = report
                    .product
                    .as_ref()
                    .and_then(|p| p.version.as_deref())
                    .is_some_and(|v| v.starts_with("3."));
                if v3 {
                    "bin/wso2server.sh".into()
                } else {
                    "bin/api-manager.sh".into()
                }
            });
        Places {
            checkout,
            home,
            start_script,
        }
    }

    /// `originalUriBaseIds`: every base a location may name, each an absolute `file:` URI.
    fn bases(&self) -> BTreeMap<&'static str, ArtifactLocation> {
        let base = |path: &Path, text: &str| ArtifactLocation {
            uri: file_uri(path),
            uri_base_id: None,
            description: Some(Message { text: text.into() }),
        };
        let mut bases = BTreeMap::new();
        bases.insert(
            SRCROOT,
            base(
                &self.checkout,
                "The checkout: the working directory preflight ran in",
            ),
        );
        if let Some(home) = &self.home {
            bases.insert(
                BASE_ID,
                base(home, "The product installation preflight checked"),
            );
        }
        bases.insert(
            HOST_ROOT,
            base(Path::new("/"), "The root of the checked host's file system"),
        );
        bases
    }

    /// The file a result without a location points at, relative to PRODUCT_HOME, or `None`
    /// for the pseudo-artifact.
    fn configuring_file(&self, category: &str) -> Option<&str> {
        self.home.as_ref()?;
        match category {
            "config" | "tls" | "keystore" | "db" | "userstore" | "cluster" | "ports" => {
                Some("repository/conf/deployment.toml")
            }
            "jdk" | "jvm" => Some(&self.start_script),
            "product" => Some("bin/version.txt"),
            _ => None,
        }
    }

    /// The artifact location of `file` (relative to PRODUCT_HOME, or absolute).
    fn artifact(&self, file: &str) -> ArtifactLocation {
        let path = match &self.home {
            Some(home) if !file.starts_with('/') => normalize(&home.join(file)),
            _ if file.starts_with('/') => normalize(Path::new(file)),
            // A relative file without PRODUCT_HOME: relative to the checkout as it stands.
            _ => normalize(&self.checkout.join(file)),
        };
        let (base, rel) = if let Ok(rel) = path.strip_prefix(&self.checkout) {
            (SRCROOT, rel)
        } else if let Some(rel) = self.home.as_ref().and_then(|h| path.strip_prefix(h).ok()) {
            (BASE_ID, rel)
        } else {
            (HOST_ROOT, path.strip_prefix("/").unwrap_or(&path))
        };
        ArtifactLocation {
            uri: encode(&rel.to_string_lossy()),
            uri_base_id: Some(base),
            description: None,
        }
    }

    /// The one location of a result.
    fn location(&self, r: &RuleResult) -> ResultLocation {
        let (artifact, line, column) = match (&r.location, self.configuring_file(&r.category)) {
            (Some(l), _) => (self.artifact(&l.file), l.line, l.column),
            (None, Some(file)) => (self.artifact(file), 1, 1),
            (None, None) => (
                ArtifactLocation {
                    uri: HOST_ARTIFACT.into(),
                    uri_base_id: Some(SRCROOT),
                    description: Some(Message {
                        text: "No file configures this: a check of the host, or of the fleet"
                            .into(),
                    }),
                },
                1,
                1,
            ),
        };
        ResultLocation {
            physical_location: PhysicalLocation {
                artifact_location: artifact,
                region: Region {
                    start_line: line.max(1),
                    start_column: column.max(1),
                },
            },
        }
    }
}

/// `a/./b/../c` → `a/c`, without touching the file system (the checked host's files may not
/// exist where the report is written).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes what a URI path may not hold as is (spaces, `%`, `#`, `?`, non-ASCII).
fn encode(path: &str) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    const PATH: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'[')
        .add(b']')
        .add(b'\\')
        .add(b'^')
        .add(b'`')
        .add(b'{')
        .add(b'|')
        .add(b'}');
    utf8_percent_encode(path, PATH).to_string()
}

/// An absolute folder as a `file:` URI with a trailing slash: `file:///opt/wso2am-4.2.0/`.
fn file_uri(dir: &Path) -> String {
    let mut path = encode(&dir.to_string_lossy());
    if !path.ends_with('/') {
        path.push('/');
    }
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    format!("file://{path}")
}

fn descriptor(report: &Report, r: &RuleResult) -> ReportingDescriptor {
    // GitHub wants help on every rule: the fix, else what the rule checks.
    let text = r.fix.clone().unwrap_or_else(|| r.title.clone());
    let mut markdown = match &r.fix {
        Some(fix) => format!("**Fix:** {fix}"),
        None => r.title.clone(),
    };
    for d in &r.docs {
        markdown.push_str(&format!("\n\n<{d}>"));
    }
    let help = MultiformatMessage { text, markdown };
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

fn result(report: &Report, places: &Places, index: usize, r: &RuleResult) -> Option<SarifResult> {
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
    let locations = vec![places.location(r)];
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

/// `db.not-h2` → `DbNotH2`: SARIF's `name` is an identifier-like word.
fn camel(id: &str) -> String {
    id.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(super::title_case)
        .collect()
}
