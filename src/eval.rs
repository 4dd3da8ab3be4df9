//! Evaluation: rules × facts → one result per rule. Pure: no I/O, no clock, no environment.

use crate::facts::{Cause, Fact, Facts, Observation, Unseen};
use crate::report::{Cause as ReportCause, RuleResult, Status};
use crate::rules::cond::{self, Cond};
use crate::rules::model::When;
use crate::rules::{Rule, RuleCase, RuleSet, Scope};
use crate::value::Value;
use std::borrow::Cow;

pub use crate::rules::Selection;

pub fn evaluate(rules: &RuleSet, facts: &Facts, selection: &Selection) -> Vec<RuleResult> {
    let reads = rules.rules.iter().map(Rule::facts).collect();
    Partial::new(rules, reads).finish(rules, facts, selection)
}

/// An evaluation done in steps: the rules whose facts are all final first (each time a probe
/// family answers, while slower ones still run), the rest once every fact is in. A rule's
/// result depends only on the rule and the facts it reads, so the steps give what one
/// evaluation would.
pub struct Partial {
    done: Vec<Option<RuleResult>>,
    /// Each rule's [`Rule::facts`], listed once.
    reads: Vec<Vec<String>>,
}

impl Partial {
    /// `reads`: each rule's [`Rule::facts`] (see [`crate::rules::reads`]).
    pub fn new(rules: &RuleSet, reads: Vec<Vec<String>>) -> Partial {
        Partial {
            done: vec![None; rules.rules.len()],
            reads,
        }
    }

    /// Judges every rule not judged yet whose facts `ready` says are final.
    pub fn judge_ready(
        &mut self,
        rules: &RuleSet,
        facts: &Facts,
        selection: &Selection,
        ready: &dyn Fn(&str) -> bool,
    ) {
        let rules_and_reads = rules.rules.iter().zip(&self.reads);
        for ((rule, reads), slot) in rules_and_reads.zip(&mut self.done) {
            if slot.is_none() && reads.iter().all(|f| ready(f)) {
                *slot = Some(evaluate_rule((rule, reads), rules, facts, selection));
            }
        }
    }

    /// Every result, in the pack's order: the rules not judged yet are judged now.
    pub fn finish(self, rules: &RuleSet, facts: &Facts, selection: &Selection) -> Vec<RuleResult> {
        let rules_and_reads = rules.rules.iter().zip(&self.reads);
        let mut results: Vec<RuleResult> = (rules_and_reads.zip(self.done))
            .map(|((rule, reads), done)| {
                done.unwrap_or_else(|| evaluate_rule((rule, reads), rules, facts, selection))
            })
            .collect();
        link_causes(&mut results);
        results
    }
}

/// One cause, one row: of the `error` results whose facts failed in the same probe for the same
/// reason, the first reports it in full and the others point at it ("see jdk.present: …").
fn link_causes(results: &mut [RuleResult]) {
    // The same failure: the probe family that produced the fact (the fact itself when the
    // catalogue does not know it), and the reason that probe gave.
    let key = |c: &ReportCause| {
        let probe = crate::facts::lookup(&c.fact)
            .map(|s| s.family)
            .ok_or(c.fact.clone());
        (probe, c.reason.clone())
    };
    let mut first: std::collections::HashMap<_, String> = std::collections::HashMap::new();
    for r in results.iter_mut().filter(|r| r.status == Status::Error) {
        let Some(cause) = r.caused_by.as_mut() else {
            continue;
        };
        match first.get(&key(cause)) {
            Some(owner) => {
                r.message = format!("see {owner}: {}", cause.reason);
                cause.see = Some(owner.clone());
            }
            None => {
                first.insert(key(cause), r.id.clone());
            }
        }
    }
}

/// One rule's result; `reads` is [`Rule::facts`], which the caller has already listed.
fn evaluate_rule(
    (rule, reads): (&Rule, &[String]),
    rules: &RuleSet,
    facts: &Facts,
    selection: &Selection,
) -> RuleResult {
    let get = |name: &str| preflight_rules::difference::resolve(name, &|n| facts.get(n));
    let mut result = RuleResult {
        id: rule.id.clone(),
        title: rule.title.clone(),
        category: rule.category.clone(),
        status: Status::Pass,
        message: String::new(),
        reason: None,
        observed: None,
        expected: None,
        fix: rule.fix.as_deref().map(|t| render_fix(t, rule, &get)),
        docs: rule.docs.clone(),
        location: None,
        waiver: None,
        attestation: None,
        caused_by: None,
        duration_ms: reads.iter().map(|f| get(f).duration_ms).max().unwrap_or(0),
    };
    if let Some(reason) = selection.excluded(rule, rules) {
        return skip(result, reason);
    }
    match not_applicable(rule, facts).map(Unmet::undecided) {
        Some(Undecided::Skip(reason)) => return skip(result, reason),
        Some(Undecided::Error(reason, fact)) => return error(result, reason, &fact, facts),
        None => {}
    }
    if let Some(manual) = &rule.manual {
        result.status = Status::Manual;
        result.message = manual.clone();
        return result;
    }
    let case = match select_case(rule, facts) {
        Ok(c) => c,
        Err(Undecided::Skip(reason)) => return skip(result, reason),
        Err(Undecided::Error(reason, fact)) => return error(result, reason, &fact, facts),
    };
    match judge(rule, case, &get) {
        Ok(verdict) => finish(result, rule, case, verdict, &get),
        Err(unseen) => match undecided(unseen) {
            Undecided::Skip(reason) => skip(result, reason),
            Undecided::Error(reason, fact) => error(result, reason, &fact, facts),
        },
    }
}

/// A rule that needs a fact it could not see: `skip` when the cause says the fact does not
/// apply here (offline, not applicable), `error` for every other cause — decided by the type.
fn undecided(unseen: Unseen) -> Undecided {
    match unseen.cause {
        Cause::Offline => Undecided::Skip("not run under --offline".into()),
        Cause::NotApplicable => Undecided::Skip(unseen.reason),
        Cause::Failed | Cause::TimedOut | Cause::NotCollected => {
            Undecided::Error(unseen.reason, unseen.fact)
        }
    }
}

/// Why a rule or case is not judged: it does not apply, or whether it applies is unseen.
enum Unmet {
    DoesNotApply(String),
    Unseen(Unseen),
}

impl Unmet {
    /// Not knowing whether a rule applies is not knowing its result: `error` unless the unseen
    /// fact's cause is itself a reason to skip.
    fn undecided(self) -> Undecided {
        match self {
            Unmet::DoesNotApply(why) => Undecided::Skip(why),
            Unmet::Unseen(u) if u.cause.skips() => undecided(u),
            Unmet::Unseen(u) => Undecided::Error(format!("{CANNOT_TELL}: {}", u.reason), u.fact),
        }
    }
}

/// An `error` result; the fact it could not see, and that fact's own reason, are its cause.
fn error(mut result: RuleResult, reason: String, fact: &str, facts: &Facts) -> RuleResult {
    result.status = Status::Error;
    result.message = format!("could not be checked: {reason}");
    result.reason = Some(reason.clone());
    let seen = facts.get(fact);
    result.caused_by = Some(ReportCause {
        fact: fact.to_string(),
        reason: seen.get().err().map_or(reason, str::to_string),
        see: None,
    });
    result
}

fn skip(mut result: RuleResult, reason: String) -> RuleResult {
    result.status = Status::Skip;
    result.message = format!("skipped: {reason}");
    result.reason = Some(reason);
    result
}

/// Why the rule does not apply here (scope, offline, OS, version, profile), if it does not.
fn not_applicable(rule: &Rule, facts: &Facts) -> Option<Unmet> {
    // Network rules reach the endpoints PRODUCT_HOME configures, so they need one too.
    if matches!(rule.scope, Scope::Product | Scope::Network) && facts.product_home.is_none() {
        return Some(Unmet::DoesNotApply(
            "no PRODUCT_HOME given (use --product-home, $PRODUCT_HOME or $CARBON_HOME)".into(),
        ));
    }
    if rule.scope == Scope::Network && facts.offline {
        return Some(Unmet::DoesNotApply("not run under --offline".into()));
    }
    when_unmet(&rule.when, facts)
}

/// Why a `when` does not hold here (OS, version, profile, condition), if it does not.
fn when_unmet(w: &When, facts: &Facts) -> Option<Unmet> {
    if !w.os.is_empty() {
        let os = facts.get("host.os.name");
        let os = os.get().map(|v| v.to_string()).unwrap_or_default();
        if !w.os.contains(&os) {
            return Some(Unmet::DoesNotApply(format!(
                "applies to {} only; this host runs {os}",
                w.os.join(", ")
            )));
        }
    }
    if let Some(v) = &w.version
        && let Some(why) = unmet(v, facts, "product.version", "APIM versions")
    {
        return Some(why);
    }
    if !w.profiles.is_empty() {
        let p = facts.get("product.profile");
        let p = match p.get() {
            Ok(v) => v.to_string(),
            Err(reason) => {
                return Some(Unmet::Unseen(Unseen {
                    cause: p.cause().unwrap_or_default(),
                    reason: format!("product.profile: {reason}"),
                    fact: "product.profile".into(),
                }));
            }
        };
        if !w.profiles.contains(&p) {
            return Some(Unmet::DoesNotApply(format!(
                "applies to the {} profile(s); this node is {p}",
                w.profiles.join(", ")
            )));
        }
    }
    w.condition
        .as_ref()
        .and_then(|c| unmet(c, facts, "", w.means.as_deref().unwrap_or_default()))
}

/// A condition of `when` that does not hold, in words: what it means (or, for a pack that does
/// not say, the facts it reads) and what this node has instead.
fn not_here(c: &Cond, facts: &Facts, means: &str) -> String {
    let mut read = Vec::new();
    c.expr().facts(&mut read);
    let here: Vec<String> = read
        .iter()
        .map(|f| {
            let v = facts.get(f);
            let shown = show(&v).unwrap_or_else(|| "not set".into());
            format!("{f} is {shown}")
        })
        .collect();
    let what = if means.is_empty() {
        format!("to nodes whose {} match its condition", read.join(", "))
    } else {
        format!("where {means}")
    };
    format!(
        "not applicable: applies only {what}; here {}",
        here.join(", ")
    )
}

fn unmet(c: &Cond, facts: &Facts, fact: &str, what: &str) -> Option<Unmet> {
    match cond::eval(c.expr(), &|n| facts.get(n)) {
        Ok(o) if o.holds => None,
        Ok(_) if fact.is_empty() => Some(Unmet::DoesNotApply(not_here(c, facts, what))),
        Ok(_) => {
            let seen = facts
                .get(fact)
                .get()
                .map(|v| v.to_string())
                .unwrap_or_default();
            Some(Unmet::DoesNotApply(format!(
                "applies to {what} {}; this is {seen}",
                c.text
            )))
        }
        Err(unseen) => Some(Unmet::Unseen(unseen)),
    }
}

enum Undecided {
    Skip(String),
    /// The reason, and the fact that could not be seen.
    Error(String, String),
}

/// The first `[[rule.case]]` whose `when` holds; `None` when the rule has no cases. Without a
/// matching case the rule's own `fail`/`warn` judge, and a rule without them is `skip`.
fn select_case<'r>(rule: &'r Rule, facts: &Facts) -> Result<Option<&'r RuleCase>, Undecided> {
    if rule.cases.is_empty() {
        return Ok(None);
    }
    let mut unmet = Vec::new();
    for case in &rule.cases {
        match when_unmet(&case.when, facts) {
            None => return Ok(Some(case)),
            Some(Unmet::DoesNotApply(why)) => unmet.push(why),
            // Which case applies is unseen: the rule as a whole is skipped or errors.
            Some(unseen) => return Err(unseen.undecided()),
        }
    }
    if rule.fail.is_some() || rule.warn.is_some() {
        return Ok(None);
    }
    let last = unmet.pop().unwrap_or_default();
    Err(Undecided::Skip(format!(
        "no case of this rule applies ({last})"
    )))
}

const CANNOT_TELL: &str = "cannot tell whether it applies";

/// The verdict of a rule's conditions: status and the facts that decided it.
struct Verdict {
    status: Status,
    by: Option<&'static str>,
    witnesses: Vec<String>,
}

fn judge<'f>(
    rule: &Rule,
    case: Option<&RuleCase>,
    get: &dyn Fn(&str) -> Cow<'f, Fact>,
) -> Result<Verdict, Unseen> {
    let (fail, warn) = match case {
        Some(c) => (&c.fail, &c.warn),
        None => (&rule.fail, &rule.warn),
    };
    for (status, by, c) in [(Status::Fail, "fail", fail), (Status::Warn, "warn", warn)] {
        if let Some(c) = c {
            let o = cond::eval(c.expr(), get)?;
            if o.holds {
                return Ok(Verdict {
                    status,
                    by: Some(by),
                    witnesses: o.witnesses,
                });
            }
        }
    }
    Ok(Verdict {
        status: Status::Pass,
        by: None,
        witnesses: Vec::new(),
    })
}

fn finish<'f>(
    mut result: RuleResult,
    rule: &Rule,
    case: Option<&RuleCase>,
    v: Verdict,
    get: &dyn Fn(&str) -> Cow<'f, Fact>,
) -> RuleResult {
    let primary = rule.fact.clone().or_else(|| v.witnesses.first().cloned());
    result.status = v.status;
    result.observed = observed(rule, &v, get);
    result.expected = case
        .and_then(|c| c.expected.clone())
        .or_else(|| rule.expected.clone())
        .or_else(|| expected(rule, case, &v));
    result.location = v
        .witnesses
        .iter()
        .chain(primary.iter())
        .find_map(|w| get(w).location.clone());
    let pass_template = case
        .and_then(|c| c.pass_message.clone())
        .or_else(|| rule.pass_message.clone())
        .filter(|_| v.status == Status::Pass);
    let template = pass_template
        .or_else(|| case.and_then(|c| c.message.clone()))
        .or_else(|| rule.message.clone())
        .unwrap_or_else(|| default_message(&v));
    let missing = deciding(rule, case, &v).map(|c| {
        let mut out = Vec::new();
        cond::lacking(c.expr(), get, &mut out);
        out.join("; ")
    });
    result.message = render(&template, &result, missing.as_deref(), get);
    if let Some(fix) = case.and_then(|c| c.fix.as_deref()) {
        result.fix = Some(render_fix(fix, rule, get));
    }
    result
}

/// Fills a fix text: `{fact.name}` (or the text after `|` when the fact is not known, else the
/// fact's name in angle brackets) and `{fix_parts}`, the rule's fix parts whose condition holds.
fn render_fix<'f>(template: &str, rule: &Rule, get: &dyn Fn(&str) -> Cow<'f, Fact>) -> String {
    let mut out = String::new();
    let mut last = 0;
    for (open, name) in preflight_rules::model::fix_placeholders(template) {
        let close = open + template[open..].find('}').unwrap_or(template.len() - open);
        out.push_str(&template[last..open]);
        let inner = &template[open + 1..close];
        let text = if name == "fix_parts" {
            let parts: Vec<String> = rule
                .fix_parts
                .iter()
                .filter(|p| cond::eval(p.when.expr(), get).is_ok_and(|o| o.holds))
                .map(|p| render_fix(&p.text, rule, get))
                .collect();
            parts.join(", ")
        } else {
            show(&get(name)).unwrap_or_else(|| match inner.split_once('|') {
                Some((_, fallback)) => fallback.to_string(),
                None => format!("<{name}>"),
            })
        };
        out.push_str(&text);
        last = close + 1;
    }
    out.push_str(&template[last..]);
    out
}

fn observed<'f>(rule: &Rule, v: &Verdict, get: &dyn Fn(&str) -> Cow<'f, Fact>) -> Option<String> {
    if let Some(f) = &rule.fact {
        return show(&get(f));
    }
    let shown: Vec<String> = v
        .witnesses
        .iter()
        .filter_map(|w| show(&get(w)).map(|s| format!("{w} = {s}")))
        .collect();
    (!shown.is_empty()).then(|| shown.join("; "))
}

fn show(f: &Fact) -> Option<String> {
    match &f.observation {
        Observation::Value(v) => Some(v.to_string()),
        Observation::Unavailable { .. } => None,
    }
}

/// A fact's value as a message shows it, in a placeholder's format: `octal` (`0644`), `days`
/// (`in 30 days`, `today`, `552 days ago`).
fn show_as(f: &Fact, format: &str) -> Option<String> {
    match (format, &f.observation) {
        ("octal", Observation::Value(Value::Int(n))) => Some(format!("{n:04o}")),
        ("days", Observation::Value(Value::Int(0))) => Some("today".into()),
        ("days", Observation::Value(Value::Int(n))) if *n < 0 => {
            Some(format!("{} day{} ago", -n, if *n == -1 { "" } else { "s" }))
        }
        ("days", Observation::Value(Value::Int(n))) => {
            Some(format!("in {n} day{}", if *n == 1 { "" } else { "s" }))
        }
        _ => show(f),
    }
}

/// The condition that decided a `fail` or `warn`.
fn deciding<'r>(rule: &'r Rule, case: Option<&'r RuleCase>, v: &Verdict) -> Option<&'r Cond> {
    let (fail, warn) = match case {
        Some(c) => (c.fail.as_ref(), c.warn.as_ref()),
        None => (rule.fail.as_ref(), rule.warn.as_ref()),
    };
    match v.by {
        Some("fail") => fail,
        Some(_) => warn,
        None => None,
    }
}

fn expected(rule: &Rule, case: Option<&RuleCase>, v: &Verdict) -> Option<String> {
    let (fail, warn) = match case {
        Some(c) => (c.fail.as_ref(), c.warn.as_ref()),
        None => (rule.fail.as_ref(), rule.warn.as_ref()),
    };
    let c = match v.by {
        Some("fail") => fail,
        Some(_) => warn,
        None => warn.or(fail),
    };
    c.map(|c| c.expr().negated_text())
}

fn default_message(v: &Verdict) -> String {
    match v.status {
        Status::Pass => "observed {observed}".into(),
        _ => "observed {observed}; expected {expected}".into(),
    }
}

/// Fills `{observed}`, `{expected}`, `{location}`, `{missing}` (what the deciding condition's
/// `contains all` lists lack) and `{fact.name}` in a message template.
fn render<'f>(
    template: &str,
    r: &RuleResult,
    missing: Option<&str>,
    get: &dyn Fn(&str) -> Cow<'f, Fact>,
) -> String {
    let mut out = String::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let Some(close) = rest[open..].find('}') else {
            out.push_str(&rest[open..]);
            return out;
        };
        let (name, format) = preflight_rules::load::split_format(&rest[open + 1..open + close]);
        let text = match name {
            "observed" => r.observed.clone().unwrap_or_else(|| "(not set)".into()),
            "expected" => r.expected.clone().unwrap_or_default(),
            "missing" => missing.unwrap_or_default().to_string(),
            "location" => r
                .location
                .as_ref()
                .map(|l| format!("{}:{}", l.file, l.line))
                .unwrap_or_default(),
            fact => show_as(&get(fact), format).unwrap_or_else(|| Value::Null.to_string()),
        };
        // A value is one line of the message: its own newlines or escapes cannot start another.
        out.push_str(&crate::report::escape::controls(&text));
        rest = &rest[open + close + 1..];
    }
    out.push_str(rest);
    out
}
