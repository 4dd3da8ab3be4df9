//! `preflight check`: settings → rules → facts → evaluation → report(s) → exit code.

use super::{context, exit_code, load_rules};
use crate::cli::{CheckArgs, FailOn, Settings, Show};
use crate::diff::AgainstBaseline;
use crate::eval;
use crate::facts::{self, Facts, Pending};
use crate::report::{self, Report, View};
use crate::rules::{RuleSet, Selection};
use crate::waivers::{self, WaiverFile};
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};
use std::time::Instant;

pub(crate) fn run(args: &CheckArgs) -> Result<u8> {
    let started = Instant::now();
    let started_at = facts::now_rfc3339();
    let settings = args.common.settings();
    let selection = Selection {
        only: args.only.clone(),
        skip: args.skip.clone(),
    };
    if args.facts.is_none() {
        settings.require_home_dir()?;
    }
    let outputs = crate::cli::outputs(&args.formats, settings.home())?;
    let waivers = args.waivers.as_deref().map(waivers::load).transpose();
    let waivers = waivers.map_err(waivers::Invalid)?;
    let baseline = match &args.baseline {
        Some(file) => Some((file.as_path(), report::read_report(file)?)),
        None => None,
    };
    let source = start_facts(args, &settings, &selection);
    let rules = load_rules(&settings.rules)?;
    check_selection(&rules, &selection, waivers.as_ref())?;
    // The rules whose facts are all in are judged as each probe family answers, while the
    // others still run.
    let reads = crate::rules::reads(&rules, settings.rules.is_empty());
    let mut judged = eval::Partial::new(&rules, reads);
    let mut early = |facts: &Facts, ready: &dyn Fn(&str) -> bool| {
        judged.judge_ready(&rules, facts, &selection, ready)
    };
    let facts = source.finish(&rules, &selection, &mut early)?;
    let results = judged.finish(&rules, &facts, &selection);
    let mut report = report::assemble(&rules, &facts, results, started_at, started.elapsed());
    if let Some(w) = &waivers {
        waivers::apply_to_report(&mut report, w, chrono::Utc::now().date_naive());
    }
    let view = View {
        problems_only: args.show == Show::Problems,
        fail_on_warn: args.fail_on == FailOn::Warn,
    };
    for (format, file) in &outputs {
        report::write(&report, *format, file.as_deref(), view)?;
    }
    let failed = verdict(&report, baseline, view.fail_on_warn);
    // The process ends here: freeing every rule, fact and result one by one would only cost
    // time (4% of a 10,000-rule run); the OS takes the memory back at once.
    std::mem::forget((rules, facts, report));
    Ok(exit_code(failed))
}

/// Refuses `--only`/`--skip` selectors that match no rule, and waivers naming no rule.
fn check_selection(rules: &RuleSet, selection: &Selection, w: Option<&WaiverFile>) -> Result<()> {
    let unmatched = selection.unmatched(rules);
    if !unmatched.is_empty() {
        bail!(
            "{}\n(`preflight rules list` shows the rule ids and categories)",
            unmatched.join("\n")
        );
    }
    if let Some(w) = w {
        w.check(rules).map_err(waivers::Invalid)?;
    }
    Ok(())
}

/// Whether the run fails: any failing result, or with `--baseline` any not failing there, in
/// which case one note on standard error says which.
fn verdict(report: &Report, baseline: Option<(&Path, Report)>, fail_on_warn: bool) -> bool {
    let Some((file, old)) = baseline else {
        return report.failed(fail_on_warn);
    };
    let against = AgainstBaseline::of(&old, report, fail_on_warn);
    eprintln!("{}", against.note(file));
    against.failed()
}

/// Where a check's facts come from.
enum FactSource {
    /// `--facts FILE`: probes nothing.
    File(PathBuf),
    /// Probing this host, started now (see [`facts::start`]).
    Probe(Pending),
}

fn start_facts(args: &CheckArgs, settings: &Settings, selection: &Selection) -> FactSource {
    match &args.facts {
        Some(file) => FactSource::File(file.clone()),
        None => {
            let extra_packs = !settings.rules.is_empty();
            FactSource::Probe(facts::start(context(settings), selection, extra_packs))
        }
    }
}

impl FactSource {
    fn finish(self, rules: &RuleSet, selection: &Selection, early: facts::Early) -> Result<Facts> {
        match self {
            FactSource::File(file) => facts::read_facts(&file),
            FactSource::Probe(pending) => Ok(pending.finish(rules, selection, early)),
        }
    }
}
