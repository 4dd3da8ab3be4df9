//! Comparing two reports: `preflight diff OLD.json NEW.json` and `check --baseline OLD.json`.
//! Pure functions of two [`Report`]s.
//!
//! Per rule id:
//! - **regressed**: now `fail`/`error` and was not (pass, warn, skip, manual, or a rule that did
//!   not exist), or `pass` → `warn`;
//! - **fixed**: was `fail`/`error` and is now `pass`/`warn`, or `warn` → `pass`;
//! - **changed**: any other status change (e.g. `pass` → `skip`, `fail` → `error`);
//! - **added** / **removed**: a rule in only one of the reports (added rules that fail are
//!   regressions);
//! - **drift**: same status, different `observed` (memory 8.0 GiB → 4.0 GiB).

use crate::report::{Report, RuleResult, Status};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Regressed,
    Fixed,
    Changed,
    Added,
    Removed,
    Drift,
}

impl Change {
    fn heading(self) -> &'static str {
        match self {
            Change::Regressed => "Regressed",
            Change::Fixed => "Fixed",
            Change::Changed => "Changed",
            Change::Added => "New rules",
            Change::Removed => "Removed rules",
            Change::Drift => "Value drift",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub change: Change,
    pub old_status: Option<Status>,
    pub new_status: Option<Status>,
    pub old_observed: Option<String>,
    pub new_observed: Option<String>,
    /// The new result's message (the old one's for a removed rule).
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub old: Side,
    pub new: Side,
    /// Why the two reports may not be comparable (other host, rule pack or tool version).
    pub notes: Vec<String>,
    pub regressed: usize,
    pub fixed: usize,
    pub entries: Vec<Entry>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub started_at: String,
    pub hostname: String,
    pub rulepack: String,
    pub tool: String,
}

impl Side {
    fn of(r: &Report) -> Side {
        Side {
            started_at: r.run.started_at.clone(),
            hostname: r.run.hostname.clone(),
            rulepack: format!("{} {}", r.rulepack.name, r.rulepack.version),
            tool: format!("{} {}", r.tool.name, r.tool.version),
        }
    }
}

fn failing(s: Status) -> bool {
    matches!(s, Status::Fail | Status::Error)
}

/// How the status of one rule moved, if it did.
fn classify(old: Status, new: Status) -> Option<Change> {
    if old == new {
        return None;
    }
    Some(
        if (failing(new) && !failing(old)) || (old == Status::Pass && new == Status::Warn) {
            Change::Regressed
        } else if (failing(old) && matches!(new, Status::Pass | Status::Warn))
            || (old == Status::Warn && new == Status::Pass)
        {
            Change::Fixed
        } else {
            Change::Changed
        },
    )
}

pub fn diff(old: &Report, new: &Report) -> Diff {
    let mut entries = Vec::new();
    let entry =
        |r: &RuleResult, change, old: Option<&RuleResult>, new: Option<&RuleResult>| Entry {
            id: r.id.clone(),
            title: r.title.clone(),
            change,
            old_status: old.map(|o| o.status),
            new_status: new.map(|n| n.status),
            old_observed: old.and_then(|o| o.observed.clone()),
            new_observed: new.and_then(|n| n.observed.clone()),
            message: r.message.clone(),
        };
    for n in &new.results {
        match old.results.iter().find(|o| o.id == n.id) {
            None => {
                let change = if failing(n.status) {
                    Change::Regressed
                } else {
                    Change::Added
                };
                entries.push(entry(n, change, None, Some(n)));
            }
            Some(o) => {
                if let Some(change) = classify(o.status, n.status) {
                    entries.push(entry(n, change, Some(o), Some(n)));
                } else if o.observed.is_some() && n.observed.is_some() && o.observed != n.observed {
                    entries.push(entry(n, Change::Drift, Some(o), Some(n)));
                }
            }
        }
    }
    for o in &old.results {
        if !new.results.iter().any(|n| n.id == o.id) {
            entries.push(entry(o, Change::Removed, Some(o), None));
        }
    }
    let rank = |c: Change| c as usize;
    entries.sort_by_key(|e| rank(e.change));
    let mut notes = Vec::new();
    let (a, b) = (Side::of(old), Side::of(new));
    if a.hostname != b.hostname {
        notes.push(format!(
            "different hosts: {} and {}",
            a.hostname, b.hostname
        ));
    }
    if a.rulepack != b.rulepack {
        notes.push(format!(
            "different rule packs: {} and {}; rule changes may be pack changes",
            a.rulepack, b.rulepack
        ));
    }
    if a.tool != b.tool {
        notes.push(format!(
            "different preflight versions: {} and {}",
            a.tool, b.tool
        ));
    }
    Diff {
        regressed: entries
            .iter()
            .filter(|e| e.change == Change::Regressed)
            .count(),
        fixed: entries.iter().filter(|e| e.change == Change::Fixed).count(),
        old: a,
        new: b,
        notes,
        entries,
    }
}

/// The results of `new` that make a run exit 1 and were not already failing in `baseline`
/// (`check --baseline`): with `fail_on_warn`, a warn counts as failing on both sides.
fn new_failures<'a>(baseline: &Report, new: &'a Report, fail_on_warn: bool) -> Vec<&'a RuleResult> {
    let was_failing = |id: &str| {
        baseline.results.iter().any(|o| {
            o.id == id && (failing(o.status) || (fail_on_warn && o.status == Status::Warn))
        })
    };
    new.results
        .iter()
        .filter(|r| r.counts(fail_on_warn) && !was_failing(&r.id))
        .collect()
}

/// A check judged against `--baseline`: it fails only for results not failing there already.
#[derive(Debug)]
pub struct AgainstBaseline {
    /// The ids of the results failing now and not in the baseline.
    pub new: Vec<String>,
    /// How many results fail now that already failed in the baseline.
    pub already: usize,
}

impl AgainstBaseline {
    pub fn of(baseline: &Report, new: &Report, fail_on_warn: bool) -> AgainstBaseline {
        let ids: Vec<String> = new_failures(baseline, new, fail_on_warn)
            .iter()
            .map(|r| r.id.clone())
            .collect();
        let all = new
            .results
            .iter()
            .filter(|r| r.counts(fail_on_warn))
            .count();
        AgainstBaseline {
            already: all - ids.len(),
            new: ids,
        }
    }

    pub fn failed(&self) -> bool {
        !self.new.is_empty()
    }

    /// The one line a check prints about its baseline (to standard error, beside the report).
    pub fn note(&self, file: &std::path::Path) -> String {
        let n = self.new.len();
        format!(
            "baseline {}: {n} new failing result{}{}; {} already failing there",
            file.display(),
            if n == 1 { "" } else { "s" },
            if n == 0 {
                String::new()
            } else {
                format!(" ({})", self.new.join(", "))
            },
            self.already
        )
    }
}

fn status(s: Option<Status>) -> &'static str {
    s.map_or("—", Status::as_str)
}

fn transition(e: &Entry) -> String {
    match e.change {
        Change::Drift => format!(
            "{}: {} → {}",
            status(e.new_status),
            e.old_observed.as_deref().unwrap_or("—"),
            e.new_observed.as_deref().unwrap_or("—")
        ),
        _ => {
            let mut s = format!("{} → {}", status(e.old_status), status(e.new_status));
            if e.old_observed != e.new_observed
                && let (Some(a), Some(b)) = (&e.old_observed, &e.new_observed)
            {
                s.push_str(&format!(" ({a} → {b})"));
            }
            s
        }
    }
}

impl Diff {
    pub fn summary(&self) -> String {
        let count = |c: Change| self.entries.iter().filter(|e| e.change == c).count();
        format!(
            "{} regressed, {} fixed, {} changed, {} new, {} removed, {} drifted",
            count(Change::Regressed),
            count(Change::Fixed),
            count(Change::Changed),
            count(Change::Added),
            count(Change::Removed),
            count(Change::Drift)
        )
    }

    fn groups(&self) -> Vec<(Change, Vec<&Entry>)> {
        let mut out: Vec<(Change, Vec<&Entry>)> = Vec::new();
        for e in &self.entries {
            match out.last_mut() {
                Some((c, v)) if *c == e.change => v.push(e),
                _ => out.push((e.change, vec![e])),
            }
        }
        out
    }

    pub fn render_text(&self) -> String {
        let mut out = format!(
            "preflight diff · {} ({}) → {} ({})\n",
            self.old.started_at, self.old.hostname, self.new.started_at, self.new.hostname
        );
        for n in &self.notes {
            out.push_str(&format!("note: {n}\n"));
        }
        for (change, entries) in self.groups() {
            out.push_str(&format!("\n{}\n", change.heading()));
            let width = entries.iter().map(|e| e.id.len()).max().unwrap_or(0);
            for e in entries {
                out.push_str(&format!("  {:width$}  {}\n", e.id, transition(e)));
                if matches!(e.change, Change::Regressed | Change::Added) {
                    out.push_str(&format!("  {:width$}  {}\n", "", e.message));
                }
            }
        }
        if self.entries.is_empty() {
            out.push_str("\nno differences\n");
        }
        out.push_str(&format!("\n{}\n", self.summary()));
        out
    }

    pub fn render_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).expect("the diff is plain data");
        s.push('\n');
        s
    }

    pub fn render_markdown(&self) -> String {
        let mut out = format!(
            "## preflight diff: {} → {}\n\n{} ({}) → {} ({})\n",
            self.old.hostname,
            self.new.hostname,
            self.old.started_at,
            self.old.rulepack,
            self.new.started_at,
            self.new.rulepack
        );
        for n in &self.notes {
            out.push_str(&format!("\n> **Note:** {n}\n"));
        }
        out.push_str(&format!("\n**{}**\n", self.summary()));
        for (change, entries) in self.groups() {
            out.push_str(&format!("\n### {}\n\n", change.heading()));
            for e in entries {
                out.push_str(&format!(
                    "- `{}` {}: {}\n",
                    e.id,
                    e.title.replace('<', "&lt;"),
                    transition(e).replace('<', "&lt;")
                ));
            }
        }
        out
    }
}
