//! Waivers and attestations (`--waivers FILE`): accepted findings and confirmed manual items.
//!
//! ```toml
//! [[waiver]]
//! rule = "db.not-h2"                  # a rule id; an unknown id is an error (exit 2)
//! hosts = ["apim-staging-*"]          # optional: glob(s) on the hostname (`*`, `?`)
//! profile = "all-in-one"              # optional: only on this profile
//! reason = "Staging keeps H2 until the RDS instance is up"
//! owner = "platform-team"
//! ticket = "OPS-1234"
//! expires = 2026-12-31                # the last day it applies (UTC); a date or "YYYY-MM-DD"
//! approved_by = "jane.doe"
//!
//! [[attestation]]
//! rule = "ops.backups"                # a manual rule
//! confirmed_by = "john.smith"
//! confirmed_at = 2026-11-20
//! expires = 2027-02-20
//! note = "Nightly backups verified, restore drill OPS-1240"
//! ```
//!
//! Applying them is a pure function of the results, the file, the host, the profile and `today`:
//! - a waiver in scope and not expired attaches to a `warn`, `fail` or `error` result, which keeps
//!   its status; waived results do not make the run exit 1 and are counted in `summary.waived`;
//! - an expired waiver is not applied, and the result's message says when it expired;
//! - a waiver that expires within [`EXPIRY_WARNING_DAYS`] days applies, and the message says so;
//! - a waiver whose host glob or profile does not match this node is ignored;
//! - an attestation turns a `manual` result into `pass` until it expires; expired, the result stays
//!   `manual` and the message says so.

use crate::facts::line_col;
use crate::report::{Attestation, RuleResult, Status, Waiver};
use crate::rules::{Diagnostic, Diagnostics, RuleSet};
use chrono::NaiveDate;
use preflight_rules::suggest::did_you_mean_or;
use std::ops::Range;
use std::path::Path;
use toml::Spanned;
use toml::de::{DeTable, DeValue};

/// A waiver closer than this to its expiry still applies, with a warning in the message.
const EXPIRY_WARNING_DAYS: i64 = 14;

const WAIVER_KEYS: &[&str] = &[
    "rule",
    "hosts",
    "profile",
    "reason",
    "owner",
    "ticket",
    "expires",
    "approved_by",
];
const ATTESTATION_KEYS: &[&str] = &["rule", "confirmed_by", "confirmed_at", "expires", "note"];

/// A waiver entry of the file, with where its rule id was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaiverEntry {
    pub rule: String,
    pub hosts: Vec<String>,
    pub profile: Option<String>,
    pub reason: String,
    pub owner: Option<String>,
    pub ticket: Option<String>,
    pub expires: Option<NaiveDate>,
    pub approved_by: Option<String>,
    pub at: (u32, u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttestationEntry {
    pub rule: String,
    pub confirmed_by: String,
    pub confirmed_at: NaiveDate,
    pub expires: Option<NaiveDate>,
    pub note: Option<String>,
    pub at: (u32, u32),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WaiverFile {
    pub path: String,
    pub waivers: Vec<WaiverEntry>,
    pub attestations: Vec<AttestationEntry>,
}

/// Reads and parses a waiver file; every problem is reported as `file:line:col`.
pub fn load(path: &Path) -> Result<WaiverFile, Diagnostics> {
    let shown = path.display().to_string();
    let text = crate::io::read_input(path, 4 << 20).map_err(|e| {
        Diagnostics(vec![Diagnostic {
            file: shown.clone(),
            line: 1,
            column: 1,
            message: e,
        }])
    })?;
    parse(&shown, &text)
}

/// Parses waiver-file text reported under the name `path`.
pub fn parse(path: &str, text: &str) -> Result<WaiverFile, Diagnostics> {
    let mut p = Parser {
        path,
        text,
        diags: Vec::new(),
    };
    let mut file = WaiverFile {
        path: path.to_string(),
        ..WaiverFile::default()
    };
    let root = match DeTable::parse(text) {
        Ok(t) => t,
        Err(e) => {
            let first = e.message().lines().next().unwrap_or("invalid TOML");
            p.error(
                e.span().map_or(0, |s| s.start),
                format!("invalid TOML: {first}"),
            );
            return Err(Diagnostics(p.diags));
        }
    };
    for (key, value) in root.get_ref().iter() {
        let name = key.get_ref().as_ref();
        match (name, value.get_ref()) {
            ("waiver" | "attestation", DeValue::Array(items)) => {
                for item in items.iter() {
                    match item.get_ref() {
                        DeValue::Table(t) if name == "waiver" => {
                            if let Some(w) = p.waiver(t, item.span()) {
                                file.waivers.push(w);
                            }
                        }
                        DeValue::Table(t) => {
                            if let Some(a) = p.attestation(t, item.span()) {
                                file.attestations.push(a);
                            }
                        }
                        _ => p.error(item.span().start, format!("`{name}` must be [[{name}]]")),
                    }
                }
            }
            ("waiver" | "attestation", _) => p.error(
                value.span().start,
                format!("`{name}` must be an array of tables: write [[{name}]]"),
            ),
            _ => p.unknown_key(
                name,
                key.span().start,
                &["waiver", "attestation"],
                "a waiver file",
            ),
        }
    }
    if p.diags.is_empty() {
        Ok(file)
    } else {
        Err(Diagnostics(p.diags))
    }
}

struct Parser<'a> {
    path: &'a str,
    text: &'a str,
    diags: Vec<Diagnostic>,
}

type Fields<'t, 'i> = Vec<(String, Range<usize>, &'t Spanned<DeValue<'i>>)>;

impl Parser<'_> {
    fn error(&mut self, offset: usize, message: impl Into<String>) {
        let (line, column) = line_col(self.text, offset);
        self.diags.push(Diagnostic {
            file: self.path.to_string(),
            line,
            column,
            message: message.into(),
        });
    }

    fn unknown_key(&mut self, key: &str, offset: usize, allowed: &[&str], what: &str) {
        let hint = did_you_mean_or(key, allowed.iter().copied(), || {
            format!("; {what} keys are: {}", allowed.join(", "))
        });
        self.error(offset, format!("unknown key `{key}` in {what}{hint}"));
    }

    /// The table's entries, unknown keys reported.
    fn fields<'t, 'i>(
        &mut self,
        t: &'t DeTable<'i>,
        allowed: &[&str],
        what: &str,
    ) -> Fields<'t, 'i> {
        let mut out = Vec::new();
        for (k, v) in t.iter() {
            let name = k.get_ref().to_string();
            if allowed.contains(&name.as_str()) {
                out.push((name, k.span(), v));
            } else {
                self.unknown_key(&name, k.span().start, allowed, what);
            }
        }
        out
    }

    fn string(&mut self, fields: &Fields<'_, '_>, key: &str) -> Option<String> {
        let (_, _, v) = fields.iter().find(|(k, _, _)| k == key)?;
        match v.get_ref() {
            DeValue::String(s) => Some(s.to_string()),
            _ => {
                self.error(v.span().start, format!("`{key}` must be a string"));
                None
            }
        }
    }

    fn required(
        &mut self,
        fields: &Fields<'_, '_>,
        key: &str,
        start: usize,
        what: &str,
    ) -> Option<String> {
        let v = self.string(fields, key);
        if v.is_none() && !fields.iter().any(|(k, _, _)| k == key) {
            self.error(start, format!("{what} needs `{key}`"));
        }
        v.filter(|s| !s.trim().is_empty()).or_else(|| {
            if fields.iter().any(|(k, _, _)| k == key) {
                self.error(start, format!("`{key}` must not be empty"));
            }
            None
        })
    }

    fn date(&mut self, fields: &Fields<'_, '_>, key: &str) -> Option<NaiveDate> {
        let (_, _, v) = fields.iter().find(|(k, _, _)| k == key)?;
        let text = match v.get_ref() {
            DeValue::String(s) => s.to_string(),
            DeValue::Datetime(d) => d.to_string(),
            _ => String::new(),
        };
        let parsed = NaiveDate::parse_from_str(&text, "%Y-%m-%d");
        if parsed.is_err() {
            self.error(
                v.span().start,
                format!("`{key}` must be a date, YYYY-MM-DD (UTC), like 2026-12-31"),
            );
        }
        parsed.ok()
    }

    fn rule(&mut self, fields: &Fields<'_, '_>, start: usize, what: &str) -> (String, (u32, u32)) {
        let at = fields
            .iter()
            .find(|(k, _, _)| k == "rule")
            .map_or(start, |(_, _, v)| v.span().start);
        let rule = self
            .required(fields, "rule", start, what)
            .unwrap_or_default();
        (rule, line_col(self.text, at))
    }

    fn waiver(&mut self, t: &DeTable<'_>, span: Range<usize>) -> Option<WaiverEntry> {
        let before = self.diags.len();
        let f = self.fields(t, WAIVER_KEYS, "[[waiver]]");
        let (rule, at) = self.rule(&f, span.start, "[[waiver]]");
        let reason = self.required(&f, "reason", span.start, "[[waiver]]");
        let hosts = match f.iter().find(|(k, _, _)| k == "hosts") {
            None => Vec::new(),
            Some((_, _, v)) => match v.get_ref() {
                DeValue::String(s) => vec![s.to_string()],
                DeValue::Array(a)
                    if a.iter().all(|x| matches!(x.get_ref(), DeValue::String(_))) =>
                {
                    a.iter()
                        .filter_map(|x| match x.get_ref() {
                            DeValue::String(s) => Some(s.to_string()),
                            _ => None,
                        })
                        .collect()
                }
                _ => {
                    self.error(
                        v.span().start,
                        "`hosts` must be a glob or a list of globs on the hostname",
                    );
                    Vec::new()
                }
            },
        };
        let w = WaiverEntry {
            rule,
            hosts,
            profile: self.string(&f, "profile"),
            reason: reason.unwrap_or_default(),
            owner: self.string(&f, "owner"),
            ticket: self.string(&f, "ticket"),
            expires: self.date(&f, "expires"),
            approved_by: self.string(&f, "approved_by"),
            at,
        };
        (self.diags.len() == before).then_some(w)
    }

    fn attestation(&mut self, t: &DeTable<'_>, span: Range<usize>) -> Option<AttestationEntry> {
        let before = self.diags.len();
        let f = self.fields(t, ATTESTATION_KEYS, "[[attestation]]");
        let (rule, at) = self.rule(&f, span.start, "[[attestation]]");
        let confirmed_by = self.required(&f, "confirmed_by", span.start, "[[attestation]]");
        if !f.iter().any(|(k, _, _)| k == "confirmed_at") {
            self.error(span.start, "[[attestation]] needs `confirmed_at`");
        }
        let confirmed_at = self.date(&f, "confirmed_at");
        let a = AttestationEntry {
            rule,
            confirmed_by: confirmed_by.unwrap_or_default(),
            confirmed_at: confirmed_at.unwrap_or_default(),
            expires: self.date(&f, "expires"),
            note: self.string(&f, "note"),
            at,
        };
        (self.diags.len() == before).then_some(a)
    }
}

impl WaiverFile {
    /// Every waiver and attestation must name a loaded rule, and attestations a manual one.
    pub fn check(&self, rules: &RuleSet) -> Result<(), Diagnostics> {
        let mut diags = Vec::new();
        let mut report = |at: (u32, u32), message: String| {
            diags.push(Diagnostic {
                file: self.path.clone(),
                line: at.0,
                column: at.1,
                message,
            });
        };
        let unknown = |id: &str| {
            let ids = rules.rules.iter().map(|r| r.id.as_str());
            let hint = did_you_mean_or(id, ids, || {
                "; `preflight rules list` shows the rule ids".into()
            });
            format!("unknown rule id `{id}`{hint}")
        };
        for w in &self.waivers {
            if rules.get(&w.rule).is_none() {
                report(w.at, unknown(&w.rule));
            }
        }
        for a in &self.attestations {
            match rules.get(&a.rule) {
                None => report(a.at, unknown(&a.rule)),
                Some(r) if r.manual.is_none() => report(
                    a.at,
                    format!(
                        "`{}` is not a manual rule: attestations confirm manual go-live items; use [[waiver]] to accept a finding",
                        a.rule
                    ),
                ),
                Some(_) => {}
            }
        }
        if diags.is_empty() {
            Ok(())
        } else {
            Err(Diagnostics(diags))
        }
    }
}

/// A waiver file that cannot be used: every problem as `file:line:col: message`.
#[derive(Debug, Clone)]
pub struct Invalid(pub Diagnostics);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for d in &self.0.0 {
            writeln!(f, "{d}")?;
        }
        let n = self.0.0.len();
        write!(
            f,
            "{n} error{} in the waiver file; fix {} and run again",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        )
    }
}

impl std::error::Error for Invalid {}

/// Applies waivers and attestations to a report and recounts its summary. Pure: `today` (UTC)
/// is an input.
pub fn apply_to_report(report: &mut crate::report::Report, file: &WaiverFile, today: NaiveDate) {
    let profile = report.product.as_ref().and_then(|p| p.profile.clone());
    let results = std::mem::take(&mut report.results);
    report.results = apply(
        results,
        file,
        &report.run.hostname,
        profile.as_deref(),
        today,
    );
    report.summary = crate::report::Summary::of(&report.results);
}

/// Applies waivers and attestations to evaluated results. Pure: `today` (UTC) is an input.
pub fn apply(
    results: Vec<RuleResult>,
    file: &WaiverFile,
    hostname: &str,
    profile: Option<&str>,
    today: NaiveDate,
) -> Vec<RuleResult> {
    results
        .into_iter()
        .map(|r| apply_one(r, file, hostname, profile, today))
        .collect()
}

fn apply_one(
    mut r: RuleResult,
    file: &WaiverFile,
    hostname: &str,
    profile: Option<&str>,
    today: NaiveDate,
) -> RuleResult {
    if matches!(r.status, Status::Warn | Status::Fail | Status::Error) {
        waive(&mut r, file, hostname, profile, today);
    }
    if r.status == Status::Manual {
        attest(&mut r, file, today);
    }
    r
}

/// A finding under a live waiver in scope carries it (and a note when it expires soon); one
/// whose waiver expired or is scoped elsewhere says so.
fn waive(
    r: &mut RuleResult,
    file: &WaiverFile,
    hostname: &str,
    profile: Option<&str>,
    today: NaiveDate,
) {
    let in_scope: Vec<&WaiverEntry> = file
        .waivers
        .iter()
        .filter(|w| w.rule == r.id && in_scope(w, hostname, profile))
        .collect();
    let live = in_scope
        .iter()
        .find(|w| w.expires.is_none_or(|e| e >= today));
    let Some(w) = live else {
        if let Some(e) = in_scope.iter().filter_map(|w| w.expires).max() {
            r.message
                .push_str(&format!(" (waiver expired on {e}; not applied)"));
        } else if let Some(why) = elsewhere(file, &r.id, hostname, profile) {
            r.message.push_str(&format!(" ({why})"));
        }
        return;
    };
    if let Some(e) = w.expires {
        let left = (e - today).num_days();
        if left <= EXPIRY_WARNING_DAYS {
            r.message.push_str(&format!(
                " (waiver expires on {e}, {}: renew or fix)",
                days(left)
            ));
        }
    }
    r.waiver = Some(Waiver {
        reason: w.reason.clone(),
        owner: w.owner.clone(),
        ticket: w.ticket.clone(),
        expires: w.expires.map(|e| e.to_string()),
        approved_by: w.approved_by.clone(),
    });
}

/// A manual item with a live attestation passes, saying who confirmed it and until when; one
/// whose confirmation expired says so.
fn attest(r: &mut RuleResult, file: &WaiverFile, today: NaiveDate) {
    let mine: Vec<&AttestationEntry> = file
        .attestations
        .iter()
        .filter(|a| a.rule == r.id)
        .collect();
    let live = mine
        .iter()
        .filter(|a| a.confirmed_at <= today && a.expires.is_none_or(|e| e >= today))
        .max_by_key(|a| a.confirmed_at);
    let Some(a) = live else {
        if let Some(a) = mine
            .iter()
            .filter(|a| a.expires.is_some())
            .max_by_key(|a| a.expires)
            && let Some(e) = a.expires
            && e < today
        {
            r.message.push_str(&format!(
                " (confirmation by {} expired on {e}; confirm again)",
                a.confirmed_by
            ));
        }
        return;
    };
    r.status = Status::Pass;
    let mut message = format!("confirmed by {} on {}", a.confirmed_by, a.confirmed_at);
    if let Some(note) = &a.note {
        message.push_str(&format!(": {note}"));
    }
    if let Some(e) = a.expires {
        let left = (e - today).num_days();
        message.push_str(&format!(" (until {e}"));
        if left <= EXPIRY_WARNING_DAYS {
            message.push_str(&format!(", {}: confirm again", days(left)));
        }
        message.push(')');
    }
    r.message = message;
    r.attestation = Some(Attestation {
        confirmed_by: a.confirmed_by.clone(),
        confirmed_at: a.confirmed_at.to_string(),
        expires: a.expires.map(|e| e.to_string()),
        note: a.note.clone(),
    });
}

/// Why a waiver of rule `id` exists and is not applied on this node: its `hosts` match no
/// host name here, or its `profile` is another one. Said in the report, never silently dropped.
fn elsewhere(file: &WaiverFile, id: &str, hostname: &str, profile: Option<&str>) -> Option<String> {
    let w = file.waivers.iter().find(|w| w.rule == id)?;
    if !w.hosts.is_empty() && !w.hosts.iter().any(|g| glob(g, hostname)) {
        return Some(format!(
            "waiver for hosts {} not applied here: this host is {hostname}",
            w.hosts.join(", ")
        ));
    }
    let p = w.profile.as_deref()?;
    Some(format!(
        "waiver for the {p} profile not applied here: this node is {}",
        profile.unwrap_or("of an unknown profile")
    ))
}

fn days(n: i64) -> String {
    match n {
        0 => "today is its last day".into(),
        1 => "1 day left".into(),
        n => format!("{n} days left"),
    }
}

fn in_scope(w: &WaiverEntry, hostname: &str, profile: Option<&str>) -> bool {
    let host_ok = w.hosts.is_empty() || w.hosts.iter().any(|g| glob(g, hostname));
    let profile_ok = w.profile.as_deref().is_none_or(|p| Some(p) == profile);
    host_ok && profile_ok
}

/// A shell-style glob with `*` (any run of characters) and `?` (one character), case-insensitive
/// as host names are.
fn glob(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.to_lowercase().chars().collect();
    let t: Vec<char> = text.to_lowercase().chars().collect();
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs() {
        assert!(glob("apim-*", "apim-gw-1"));
        assert!(glob("APIM-?", "apim-1"));
        assert!(glob("*", "anything"));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("apim-*", "db-1"));
        assert!(!glob("apim-?", "apim-12"));
        assert!(glob("node1", "node1"));
    }

    #[test]
    fn parse_errors_are_located() {
        let text = "[[waiver]]\nrule = \"db.not-h2\"\nreasn = \"x\"\nexpires = \"31/12/2026\"\n";
        let e = parse("w.toml", text).unwrap_err();
        let shown: Vec<String> = e.0.iter().map(|d| d.to_string()).collect();
        assert!(
            shown
                .iter()
                .any(|s| s.starts_with("w.toml:3:1: unknown key `reasn`")
                    && s.contains("did you mean `reason`")),
            "{shown:?}"
        );
        assert!(
            shown.iter().any(|s| s.starts_with("w.toml:4:11:")),
            "{shown:?}"
        );
        assert!(
            shown.iter().any(|s| s.contains("needs `reason`")),
            "{shown:?}"
        );
    }

    #[test]
    fn dates_as_toml_dates_or_strings() {
        let f = parse(
            "w.toml",
            "[[waiver]]\nrule = \"a\"\nreason = \"r\"\nexpires = 2026-12-31\n[[waiver]]\nrule = \"b\"\nreason = \"r\"\nexpires = \"2027-01-02\"\n",
        )
        .unwrap();
        assert_eq!(f.waivers[0].expires, NaiveDate::from_ymd_opt(2026, 12, 31));
        assert_eq!(f.waivers[1].expires, NaiveDate::from_ymd_opt(2027, 1, 2));
        assert_eq!(f.waivers[1].at, (6, 8));
    }
}
