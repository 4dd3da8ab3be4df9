//! Reading the node directories of `preflight fleet`: on every CPU from one work queue, each file
//! read once into a buffer its thread reuses, and only what the fleet uses parsed — the facts the
//! fleet rules read (and `product.*`), and of each report its header and the results that fail,
//! err or warn (the others are skipped without being built).

use super::{FACTS_FILE, Node, REPORT_FILE};
use crate::facts::Fact;
use crate::report::{self, Report, RuleResult, Status, Summary};
use anyhow::{Context as _, Result, bail};
use serde::de::{DeserializeSeed, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// The most a node file may hold.
const FILE_CAP: u64 = 64 << 20;

/// The node directories named on the command line: each PATH is a node directory (it holds
/// `report.json` or `facts.json`) or a directory of node directories (Ansible's fetch layout).
pub fn node_dirs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let is_node = |d: &Path| d.join(REPORT_FILE).is_file() || d.join(FACTS_FILE).is_file();
    let mut out = Vec::new();
    for p in paths {
        if !p.is_dir() {
            bail!(
                "{}: not a directory; give node directories holding {REPORT_FILE} and {FACTS_FILE}, or their parent",
                p.display()
            );
        }
        if is_node(p) {
            out.push(p.clone());
            continue;
        }
        let mut children: Vec<PathBuf> = std::fs::read_dir(p)
            .with_context(|| format!("cannot read {}", p.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|c| c.is_dir() && is_node(c))
            .collect();
        if children.is_empty() {
            bail!(
                "{}: holds neither {REPORT_FILE}/{FACTS_FILE} nor node directories with them",
                p.display()
            );
        }
        children.sort();
        out.extend(children);
    }
    let mut seen = BTreeSet::new();
    for d in &out {
        let name = node_name(d);
        if !seen.insert(name.clone()) {
            bail!(
                "two node directories are named `{name}` ({}); node names must be unique",
                d.display()
            );
        }
    }
    Ok(out)
}

/// The node's name: its directory's own name, or the name of what a symlink, `.` or `..`
/// resolves to.
fn node_name(dir: &Path) -> String {
    let link = || dir.symlink_metadata().is_ok_and(|m| m.is_symlink());
    match dir.file_name() {
        Some(name) if !link() => name.to_string_lossy().into(),
        _ => dir
            .canonicalize()
            .ok()
            .as_deref()
            .unwrap_or(dir)
            .file_name()
            .map_or_else(|| dir.display().to_string(), |n| n.to_string_lossy().into()),
    }
}

/// Reads the nodes, in `dirs` order, on one thread per CPU taking the next directory from a
/// shared queue (nodes differ in size; fixed chunks would leave a CPU idle at the end). Only the
/// facts in `wanted` (and `product.*`) are kept. The first node, in `dirs` order, that cannot be
/// read is the error.
pub fn read_nodes(dirs: &[PathBuf], wanted: &BTreeSet<String>) -> Result<Vec<Node>> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 32)
        .min(dirs.len().max(1));
    let next = AtomicUsize::new(0);
    let work = || {
        let mut buf = Vec::new();
        let mut done = Vec::new();
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(dir) = dirs.get(i) else { return done };
            done.push((i, read_node(dir, wanted, &mut buf)));
        }
    };
    let work = &work;
    let mut done: Vec<(usize, Result<Node>)> = std::thread::scope(|s| {
        // A helper the host refuses (a pids limit) is one fewer: this thread reads too.
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| std::thread::Builder::new().spawn_scoped(s, work).ok())
            .collect();
        let mut done = work();
        for h in helpers {
            done.extend(h.join().expect("a node reader does not panic"));
        }
        done
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, n)| n).collect()
}

fn read_node(dir: &Path, wanted: &BTreeSet<String>, buf: &mut Vec<u8>) -> Result<Node> {
    let name = node_name(dir);
    let report_file = dir.join(REPORT_FILE);
    let report = match node_file(&report_file, buf)? {
        Some(text) => Some(read_findings(&report_file, text)?),
        None => None,
    };
    let facts_file = dir.join(FACTS_FILE);
    let facts = match node_file(&facts_file, buf)? {
        Some(text) => Some(read_facts(&facts_file, text, wanted)?),
        None => None,
    };
    let home = facts.as_ref().is_some_and(|f| f.product_home.is_some());
    Ok(Node::new(&name, facts.map(|f| f.facts), home, report))
}

/// A node file's text, read into `buf`; `None` when there is no regular file by that name.
fn node_file<'b>(file: &Path, buf: &'b mut Vec<u8>) -> Result<Option<&'b str>> {
    match std::fs::metadata(file) {
        Ok(meta) if meta.is_file() => crate::io::read_text_into(file, &meta, FILE_CAP, buf)
            .map(Some)
            .map_err(anyhow::Error::msg),
        _ => Ok(None),
    }
}

/// A node's report, keeping only the fail, error and warn results (the rest are counted in its
/// `summary`). The results are first read as raw JSON fields and only those that fail, err or
/// warn are built; a report that reading refuses is read again whole, so that the error names
/// its exact line and column.
fn read_findings(file: &Path, text: &str) -> Result<Report> {
    let report = match serde_json::from_str::<NodeReport>(text) {
        Ok(r) => r.into(),
        Err(_) => {
            let mut report: Report =
                serde_json::from_str(text).map_err(|e| report::not_a_report(file, e))?;
            report.results.retain(|r| is_finding(r.status));
            report
        }
    };
    report::check_schema_version(file, report.schema_version)?;
    Ok(report)
}

/// The statuses a node's report keeps.
fn is_finding(status: Status) -> bool {
    matches!(status, Status::Fail | Status::Error | Status::Warn)
}

/// A report as the fleet reads it: `results` holds only the findings.
#[derive(Deserialize)]
struct NodeReport {
    schema_version: u32,
    tool: report::Tool,
    rulepack: report::RulePack,
    run: report::Run,
    product: Option<report::Product>,
    summary: Summary,
    #[serde(deserialize_with = "findings")]
    results: Vec<RuleResult>,
}

impl From<NodeReport> for Report {
    fn from(r: NodeReport) -> Report {
        Report {
            schema_version: r.schema_version,
            tool: r.tool,
            rulepack: r.rulepack,
            run: r.run,
            product: r.product,
            summary: r.summary,
            results: r.results,
            categories: Vec::new(),
        }
    }
}

fn findings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<RuleResult>, D::Error> {
    d.deserialize_seq(Findings)
}

/// The `results` array: each result's fields are first borrowed as raw JSON, and only the
/// findings' fields are kept and then built into results (one allocation of the right size).
struct Findings;

impl<'de> Visitor<'de> for Findings {
    type Value = Vec<RuleResult>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("an array of rule results")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut fields = Vec::new();
        let mut ends = Vec::new();
        while let Some(kept) = seq.next_element_seed(Finding {
            fields: &mut fields,
        })? {
            if kept {
                ends.push(fields.len());
            }
        }
        let mut out = Vec::with_capacity(ends.len());
        let mut start = 0;
        for end in ends {
            let one = fields[start..end].iter().copied();
            let map = serde::de::value::MapDeserializer::<_, serde_json::Error>::new(one);
            out.push(RuleResult::deserialize(map).map_err(A::Error::custom)?);
            start = end;
        }
        Ok(out)
    }
}

/// One result: its fields are appended to `fields` when its status is a finding (`true`).
struct Finding<'f, 'de> {
    fields: &'f mut Vec<(&'de str, &'de RawValue)>,
}

impl<'de> DeserializeSeed<'de> for Finding<'_, 'de> {
    type Value = bool;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<bool, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for Finding<'_, 'de> {
    type Value = bool;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a rule result")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let start = self.fields.len();
        while let Some(key) = map.next_key::<&'de str>()? {
            self.fields.push((key, map.next_value()?));
        }
        let status = self.fields[start..]
            .iter()
            .find(|(k, _)| *k == "status")
            .ok_or_else(|| A::Error::missing_field("status"))?;
        let status: Status = serde_json::from_str(status.1.get()).map_err(A::Error::custom)?;
        if !is_finding(status) {
            self.fields.truncate(start);
        }
        Ok(is_finding(status))
    }
}

/// A facts file with only the wanted facts kept.
#[derive(Deserialize)]
struct PartialFacts {
    schema_version: u32,
    product_home: Option<String>,
    #[serde(skip)]
    facts: BTreeMap<String, Fact>,
}

fn read_facts(file: &Path, text: &str, wanted: &BTreeSet<String>) -> Result<PartialFacts> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = FactsSeed { wanted }
        .deserialize(&mut de)
        .and_then(|f| de.end().map(|_| f))
        .map_err(|e| crate::facts::not_a_facts_file(file, e))?;
    crate::facts::check_facts_schema(file, parsed.schema_version)?;
    crate::facts::check_fact_types(file, &parsed.facts)?;
    Ok(parsed)
}

struct FactsSeed<'w> {
    wanted: &'w BTreeSet<String>,
}

impl<'de> DeserializeSeed<'de> for FactsSeed<'_> {
    type Value = PartialFacts;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<PartialFacts, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FactsSeed<'_> {
    type Value = PartialFacts;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a preflight facts object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<PartialFacts, A::Error> {
        let mut out = PartialFacts {
            schema_version: 0,
            product_home: None,
            facts: BTreeMap::new(),
        };
        let mut saw_facts = false;
        while let Some(Key(key)) = map.next_key::<Key>()? {
            match key.as_ref() {
                "schema_version" => out.schema_version = map.next_value()?,
                "product_home" => out.product_home = map.next_value()?,
                "facts" => {
                    saw_facts = true;
                    out.facts = map.next_value_seed(FactMapSeed {
                        wanted: self.wanted,
                    })?;
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        if !saw_facts {
            return Err(serde::de::Error::missing_field("facts"));
        }
        Ok(out)
    }
}

struct FactMapSeed<'w> {
    wanted: &'w BTreeSet<String>,
}

impl<'de> DeserializeSeed<'de> for FactMapSeed<'_> {
    type Value = BTreeMap<String, Fact>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for FactMapSeed<'_> {
    type Value = BTreeMap<String, Fact>;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a map of fact names to facts")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = BTreeMap::new();
        while let Some(Key(key)) = map.next_key::<Key>()? {
            if self.wanted.contains(key.as_ref())
                || key.starts_with("product.")
                || key == "config.parse-error"
            {
                let fact: Fact = map.next_value()?;
                out.insert(key.into_owned(), fact);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(out)
    }
}

/// A map key, borrowed from the text when it has no escapes (most fact names are skipped).
struct Key<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a fact name")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(v)))
            }
            fn visit_str<E>(self, v: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOLDEN: &str = include_str!("../../tests/golden/report.json");

    /// The report read whole, its results filtered afterwards: what the fast path must equal.
    fn whole(text: &str) -> serde_json::Value {
        let mut r: Report = serde_json::from_str(text).unwrap();
        r.results.retain(|r| is_finding(r.status));
        serde_json::to_value(&r).unwrap()
    }

    #[test]
    fn a_report_keeps_exactly_its_findings_with_every_field() {
        let file = Path::new("n/report.json");
        let fast = serde_json::to_value(read_findings(file, GOLDEN).unwrap()).unwrap();
        assert_eq!(fast, whole(GOLDEN));
        let statuses: Vec<&str> = fast["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses.len(), 4, "{statuses:?}");
        assert!(
            statuses
                .iter()
                .all(|s| ["fail", "warn", "error"].contains(s))
        );
        // The waiver, location and cause of a finding survive the raw-field reading.
        let results = fast["results"].as_array().unwrap();
        for field in ["waiver", "location", "caused_by"] {
            assert!(results.iter().any(|r| !r[field].is_null()), "{field}");
        }
    }

    #[test]
    fn a_report_the_fast_path_cannot_borrow_is_still_read() {
        // An escaped key cannot be borrowed from the text: the report is read whole instead.
        let text = GOLDEN.replacen("\"status\"", "\"st\\u0061tus\"", 1);
        let fast = serde_json::to_value(read_findings(Path::new("r.json"), &text).unwrap());
        assert_eq!(fast.unwrap(), whole(&text));
    }

    #[test]
    fn a_broken_result_is_refused_at_its_line_and_column() {
        // A failing result with a field of the wrong type: the error names where it is. (A
        // passing result is skipped as raw JSON: only its syntax and status are read.)
        let mut report: serde_json::Value = serde_json::from_str(GOLDEN).unwrap();
        let fail = report["results"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|r| r["status"] == "fail")
            .unwrap();
        fail["docs"] = serde_json::json!(5);
        let text = serde_json::to_string_pretty(&report).unwrap();
        let line = 1 + text[..text.find("\"docs\": 5").unwrap()]
            .matches('\n')
            .count();
        let err = read_findings(Path::new("gw1/report.json"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with(&format!("gw1/report.json:{line}:"))
                && err.contains("not a preflight JSON report"),
            "{err}"
        );
        let no_status = GOLDEN.replacen("\"status\"", "\"state\"", 1);
        let err = read_findings(Path::new("r.json"), &no_status).unwrap_err();
        assert!(err.to_string().contains("missing field `status`"), "{err}");
    }

    #[test]
    fn nodes_come_back_in_directory_order_and_the_first_bad_one_is_the_error() {
        let tmp = tempfile::tempdir().unwrap();
        let dirs: Vec<PathBuf> = (0..40)
            .map(|i| {
                let d = tmp.path().join(format!("n{i:02}"));
                std::fs::create_dir(&d).unwrap();
                let text = GOLDEN.replace("\"hostname\": \"", &format!("\"hostname\": \"h{i}-"));
                std::fs::write(d.join(REPORT_FILE), text).unwrap();
                d
            })
            .collect();
        let nodes = read_nodes(&dirs, &BTreeSet::new()).unwrap();
        let names: Vec<&str> = nodes.iter().map(|n| n.name.as_str()).collect();
        let want: Vec<String> = (0..40).map(|i| format!("n{i:02}")).collect();
        assert_eq!(names, want);
        let host = |n: &Node| n.report.as_ref().unwrap().run.hostname.clone();
        assert!(host(&nodes[7]).starts_with("h7-"), "{}", host(&nodes[7]));
        for bad in [31, 12] {
            std::fs::write(dirs[bad].join(REPORT_FILE), "{").unwrap();
        }
        let err = read_nodes(&dirs, &BTreeSet::new()).unwrap_err().to_string();
        assert!(err.contains("n12/report.json:1:"), "{err}");
    }
}
