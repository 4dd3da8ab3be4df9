//! One run of a command: settings → rules → facts → evaluation → report → exit code.

use crate::cli::{
    CheckArgs, Command, Common, DiffArgs, DiffFormat, FactsArgs, FailOn, FleetArgs, Format,
    ListFormat, RulesCommand, Show,
};
use crate::eval::{self, Selection};
use crate::facts::{self, Context, Facts, catalogue};
use crate::report::{self, Report, Summary};
use crate::rules::{self, RuleSet};
use crate::waivers;
use anyhow::{Context as _, Result, bail};
use preflight_rules::suggest;
use std::collections::BTreeSet;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Exit codes (DESIGN §3).
pub const EXIT_OK: u8 = 0;
pub const EXIT_FINDINGS: u8 = 1;
pub const EXIT_CANNOT_RUN: u8 = 2;

pub fn run(command: Command) -> Result<u8> {
    match command {
        Command::Check(args) => check(&args),
        Command::Facts(args) => dump_facts(&args),
        Command::Rules(cmd) => rules_command(cmd),
        Command::Diff(args) => diff(&args),
        Command::Fleet(args) => fleet(&args),
        Command::Completions { shell } => {
            let mut cmd = <crate::cli::Cli as clap::CommandFactory>::command();
            let mut out = Vec::new();
            clap_complete::generate(shell, &mut cmd, "preflight", &mut out);
            emit(&String::from_utf8_lossy(&out), None)?;
            Ok(EXIT_OK)
        }
        Command::Man(args) => man(&args),
    }
}

/// `preflight man`: one page to standard output, or every page into `--dir`.
fn man(args: &crate::cli::ManArgs) -> Result<u8> {
    let cmd = <crate::cli::Cli as clap::CommandFactory>::command();
    if let Some(dir) = &args.dir {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        clap_mangen::generate_to(cmd, dir)
            .with_context(|| format!("cannot write the man pages to {}", dir.display()))?;
        return Ok(EXIT_OK);
    }
    let mut page = cmd.disable_help_subcommand(true);
    page.build();
    for name in &args.command {
        let Some(sub) = page.find_subcommand(name).cloned() else {
            let names: Vec<String> = page
                .get_subcommands()
                .map(|c| c.get_name().to_string())
                .collect();
            anyhow::bail!(
                "no man page for `{}`: `{}` has the subcommands {}",
                args.command.join(" "),
                page.get_display_name().unwrap_or(page.get_name()),
                names.join(", ")
            );
        };
        page = sub;
    }
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .context("cannot render the man page")?;
    emit(&String::from_utf8_lossy(&out), None)?;
    Ok(EXIT_OK)
}

/// The embedded pack (compiled at build time) followed by each `--rules` folder.
pub fn load_rules(extra: &[PathBuf]) -> Result<RuleSet> {
    // Packs that were read are compiled even when another could not be, so that one run
    // reports every problem.
    let (packs, mut diags) = rules::read_packs(extra);
    match rules::load::compile_onto(rules::embedded(), &packs) {
        Ok(set) if diags.is_empty() => return Ok(set),
        Ok(_) => {}
        Err(rules::Diagnostics(more)) => diags.extend(more),
    }
    Err(rules::Diagnostics(diags).into())
}

fn check(args: &CheckArgs) -> Result<u8> {
    let started = Instant::now();
    let started_at = now_rfc3339();
    let selection = Selection {
        only: args.only.clone(),
        skip: args.skip.clone(),
    };
    let home = args.common.product_home();
    if args.facts.is_none() {
        check_product_home(&args.common, home.as_deref())?;
    }
    let outputs = outputs(args, home.as_deref())?;
    let waivers = args.waivers.as_deref().map(waivers::load).transpose();
    let waivers = waivers.map_err(waivers::Invalid)?;
    let baseline = args.baseline.as_deref().map(read_report).transpose()?;
    let source = facts_source(args, &selection);
    let rules = load_rules(&args.common.rules)?;
    let unmatched = selection.unmatched(&rules);
    if !unmatched.is_empty() {
        bail!(
            "{}\n(`preflight rules list` shows the rule ids and categories)",
            unmatched.join("\n")
        );
    }
    if let Some(w) = &waivers {
        w.check(&rules).map_err(waivers::Invalid)?;
    }
    let facts = source.facts(&rules, &selection, args.common.offline)?;
    let results = eval::evaluate(&rules, &facts, &selection);
    let mut report = assemble(&rules, &facts, results, started_at, started.elapsed());
    if let Some(w) = &waivers {
        waivers::apply_to_report(&mut report, w, chrono::Utc::now().date_naive());
    }
    let fail_on_warn = args.fail_on == FailOn::Warn;
    let view = View {
        problems_only: args.show == Show::Problems,
        fail_on_warn,
    };
    for (format, file) in &outputs {
        write_report(&report, *format, file.as_deref(), view)?;
    }
    let failed = match (&baseline, &args.baseline) {
        (Some(old), Some(path)) => {
            let new = crate::diff::new_failures(old, &report, fail_on_warn);
            let all = report
                .results
                .iter()
                .filter(|r| r.counts(fail_on_warn))
                .count();
            let ids: Vec<&str> = new.iter().map(|r| r.id.as_str()).collect();
            eprintln!(
                "baseline {}: {} new failing result{}{}; {} already failing there",
                path.display(),
                new.len(),
                if new.len() == 1 { "" } else { "s" },
                if ids.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", ids.join(", "))
                },
                all - new.len()
            );
            !new.is_empty()
        }
        _ => report.failed(fail_on_warn),
    };
    // The process ends here: freeing every rule, fact and result one by one would only cost
    // time (4% of a 10,000-rule run); the OS takes the memory back at once.
    std::mem::forget((rules, facts, report));
    Ok(if failed { EXIT_FINDINGS } else { EXIT_OK })
}

/// Where a check's facts come from.
enum FactSource {
    /// `--facts FILE`: probes nothing.
    File(PathBuf),
    /// The embedded pack alone: what it reads is known from the build, so probing already runs
    /// while the pack loads.
    Probing(crate::par::Task<Facts>),
    /// With `--rules`: probing waits for the packs to compile; the shared files are read
    /// meanwhile.
    AfterRules(Arc<Context>),
}

fn facts_source(args: &CheckArgs, selection: &Selection) -> FactSource {
    if let Some(file) = &args.facts {
        return FactSource::File(file.clone());
    }
    let ctx = context(&args.common);
    if !args.common.rules.is_empty() {
        return FactSource::AfterRules(ctx);
    }
    let (names, offline) = (wanted_embedded(selection), args.common.offline);
    FactSource::Probing(crate::par::spawn_or_run(move || {
        probe(offline, ctx, names, false)
    }))
}

impl FactSource {
    fn facts(self, rules: &RuleSet, selection: &Selection, offline: bool) -> Result<Facts> {
        match self {
            FactSource::File(file) => read_facts(&file),
            FactSource::Probing(probing) => Ok(probing.join()),
            FactSource::AfterRules(ctx) => {
                Ok(probe(offline, ctx, wanted(rules, selection, false), false))
            }
        }
    }
}

/// Reads a JSON report written by `check --format json`; bad JSON is reported as file:line:col.
pub fn read_report(file: &Path) -> Result<Report> {
    let text = facts::read_input(file, 64 << 20).map_err(anyhow::Error::msg)?;
    let report: Report = serde_json::from_str(&text).map_err(|e| report::not_a_report(file, e))?;
    report::check_schema_version(file, report.schema_version)?;
    Ok(report)
}

fn diff(args: &DiffArgs) -> Result<u8> {
    let old = read_report(&args.old)?;
    let new = read_report(&args.new)?;
    let d = crate::diff::diff(&old, &new);
    let text = match args.format {
        DiffFormat::Table => d.render_text(),
        DiffFormat::Json => d.render_json(),
        DiffFormat::Markdown => d.render_markdown(),
    };
    emit(&text, None)?;
    Ok(if d.regressed > 0 {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

fn fleet(args: &FleetArgs) -> Result<u8> {
    let started = Instant::now();
    let started_at = now_rfc3339();
    let rules = crate::fleet::rules::load(&args.rules)?;
    let dirs = crate::fleet::node_dirs(&args.nodes)?;
    let nodes = crate::fleet::read_nodes(&dirs, &crate::fleet::wanted(&rules))?;
    let categories = load_rules(&[])?.category_order();
    let expected = crate::fleet::inventory::expected(&args.expect)?;
    let report = crate::fleet::report(
        &rules,
        &nodes,
        expected.as_deref(),
        categories,
        sysinfo::System::host_name().unwrap_or_else(|| "unknown".into()),
        started_at,
        started.elapsed(),
    );
    let outputs = if args.formats.is_empty() {
        vec![(Format::Table, None)]
    } else {
        args.formats.clone()
    };
    let view = View {
        problems_only: false,
        fail_on_warn: args.fail_on == FailOn::Warn,
    };
    distinct_outputs(&outputs)?;
    for (format, file) in &outputs {
        write_report(&report, *format, file.as_deref(), view)?;
    }
    Ok(if report.failed(args.fail_on == FailOn::Warn) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// The formats to write; refuses any report file under PRODUCT_HOME (preflight never writes there).
fn outputs(args: &CheckArgs, home: Option<&Path>) -> Result<Vec<(Format, Option<PathBuf>)>> {
    let outputs = if args.formats.is_empty() {
        vec![(Format::Table, None)]
    } else {
        args.formats.clone()
    };
    for (_, file) in &outputs {
        if let (Some(file), Some(home)) = (file, home)
            && inside(file, home)
        {
            bail!(
                "refusing to write {} inside PRODUCT_HOME {}: preflight never writes there; choose another path",
                file.display(),
                home.display()
            );
        }
    }
    distinct_outputs(&outputs)?;
    Ok(outputs)
}

/// Refuses two reports to standard output, or two to one file: one would overwrite or garble
/// the other.
fn distinct_outputs(outputs: &[(Format, Option<PathBuf>)]) -> Result<()> {
    let name = |f: Format| format!("{f:?}").to_lowercase();
    let to_stdout: Vec<String> = outputs
        .iter()
        .filter(|(_, f)| f.is_none())
        .map(|(f, _)| name(*f))
        .collect();
    if let [a, b, ..] = to_stdout.as_slice() {
        bail!(
            "--format {a} and --format {b} both write to standard output; send all but one to a file (--format {b}=FILE)"
        );
    }
    for (i, (fa, a)) in outputs.iter().enumerate() {
        let Some(a) = a else { continue };
        if let Some((fb, _)) = outputs[i + 1..]
            .iter()
            .find(|(_, b)| b.as_deref().is_some_and(|b| same_file(a, b)))
        {
            bail!(
                "--format {} and --format {} both write to {}; give each report its own file",
                name(*fa),
                name(*fb),
                a.display()
            );
        }
    }
    Ok(())
}

/// Whether two output paths name one file (`r.json` and `./r.json`).
fn same_file(a: &Path, b: &Path) -> bool {
    absolute(a) == absolute(b)
}

/// A given PRODUCT_HOME that is not a directory is a mistake in the command line (exit 2), not
/// a report full of errors.
fn check_product_home(common: &Common, home: Option<&Path>) -> Result<()> {
    let Some(home) = home else { return Ok(()) };
    let from = if common.product_home.is_some() {
        "--product-home"
    } else if std::env::var_os("PRODUCT_HOME").is_some_and(|v| !v.is_empty()) {
        "$PRODUCT_HOME"
    } else {
        "$CARBON_HOME"
    };
    match std::fs::metadata(home) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => bail!("{from} {} is not a directory", home.display()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            bail!("{from} {} does not exist", home.display())
        }
        Err(e) => bail!("{from} {}: {e}", home.display()),
    }
}

fn inside(file: &Path, home: &Path) -> bool {
    let home = home.canonicalize().unwrap_or_else(|_| home.to_path_buf());
    absolute(file).starts_with(home)
}

/// `p` made absolute with its directory resolved (the file itself need not exist yet).
fn absolute(p: &Path) -> PathBuf {
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let parent = p
        .parent()
        .map(|d| d.canonicalize().unwrap_or_else(|_| d.to_path_buf()));
    parent.map_or(p.clone(), |d| d.join(p.file_name().unwrap_or_default()))
}

/// The facts the selected rules read; with `all`, every fact of the catalogue too (for
/// `preflight facts`). Deselected rules cost no probing.
fn wanted(rules: &RuleSet, selection: &Selection, all: bool) -> BTreeSet<String> {
    let reads = rules
        .rules
        .iter()
        .map(|r| (r.id.as_str(), r.category.as_str(), r.facts()));
    read_by_selected(reads, selection, &|s| rules.get(s).is_some(), all)
}

/// [`wanted`] for the embedded pack, from what its rules read as recorded at build time.
fn wanted_embedded(selection: &Selection) -> BTreeSet<String> {
    let all = rules::embedded_reads();
    let reads = all.iter().map(|(id, category, facts)| {
        (
            *id,
            *category,
            facts.iter().map(|f| f.to_string()).collect(),
        )
    });
    read_by_selected(
        reads,
        selection,
        &|s| all.iter().any(|(id, _, _)| *id == s),
        false,
    )
}

fn read_by_selected<'a>(
    reads: impl Iterator<Item = (&'a str, &'a str, Vec<String>)>,
    selection: &Selection,
    is_rule: &dyn Fn(&str) -> bool,
    all: bool,
) -> BTreeSet<String> {
    let mut names: BTreeSet<String> = reads
        .filter(|(id, category, _)| selection.excludes(id, category, is_rule).is_none())
        .flat_map(|(_, _, facts)| facts)
        .collect();
    names.extend(["product.name", "product.version", "product.profile"].map(String::from));
    if all {
        let fixed = catalogue::all().iter().filter(|s| !s.name.ends_with('*'));
        names.extend(fixed.map(|s| s.name.to_string()));
    }
    names
}

/// The probes' shared context for this command line, already reading the files most probes
/// share (see [`Context::prefetch`]).
fn context(common: &Common) -> Arc<Context> {
    let mut ctx = Context::new(
        common.product_home(),
        common.offline,
        common.profile.clone(),
    );
    ctx.deadline = Duration::from_secs(common.timeout.max(1));
    ctx.keystore_password_file = common.keystore_password_file.clone();
    let ctx = Arc::new(ctx);
    ctx.prefetch();
    ctx
}

/// Probes the wanted facts; with `all_config`, also every deployment.toml key, so that a facts
/// file answers rules written after it was collected.
fn probe(offline: bool, ctx: Arc<Context>, wanted: BTreeSet<String>, all_config: bool) -> Facts {
    let home = ctx.product_home.clone();
    let mut facts = facts::collect(Arc::clone(&ctx), &wanted);
    // Only a deployment.toml already read: one whose read hangs (a stuck mount) has made the
    // config probe time out, and waiting for it here would hang the run.
    if let Some(d) = ctx
        .deployment_if_read()
        .filter(|_| all_config && home.is_some())
    {
        for (path, (v, loc)) in &d.keys {
            let f = facts::Fact::value(v.clone()).at(Some(loc.clone()));
            facts.entry(format!("deployment.{path}")).or_insert(f);
        }
    }
    Facts {
        schema_version: facts::FACTS_SCHEMA_VERSION,
        collected_at: now_rfc3339(),
        hostname: sysinfo::System::host_name().unwrap_or_else(|| "unknown".into()),
        product_home: home.map(|h| h.display().to_string()),
        offline,
        facts,
    }
}

pub fn read_facts(file: &Path) -> Result<Facts> {
    let text = facts::read_input(file, 64 << 20).map_err(anyhow::Error::msg)?;
    let facts: Facts = serde_json::from_str(&text).map_err(|e| facts::not_a_facts_file(file, e))?;
    facts::check_facts_schema(file, facts.schema_version)?;
    facts::check_fact_types(file, &facts.facts)?;
    Ok(facts)
}

/// The Report of evaluated results: tool, rule pack, run, product and summary around them.
pub fn assemble(
    rules: &RuleSet,
    facts: &Facts,
    results: Vec<report::RuleResult>,
    started_at: String,
    took: Duration,
) -> Report {
    let text = |name: &str| {
        facts
            .facts
            .get(name)
            .and_then(|f| f.get().ok())
            .filter(|v| !matches!(v, crate::value::Value::Null))
            .map(|v| v.to_string())
    };
    let product = facts.product_home.as_ref().map(|_| report::Product {
        name: text("product.name"),
        version: text("product.version"),
        profile: text("product.profile"),
    });
    let pack = rules.packs.first();
    Report {
        schema_version: report::SCHEMA_VERSION,
        tool: report::Tool {
            name: "preflight".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        rulepack: report::RulePack {
            name: pack.map_or("none".into(), |p| p.name.clone()),
            version: pack.map_or("0".into(), |p| p.version.clone()),
        },
        run: report::Run {
            started_at,
            duration_ms: took.as_millis() as u64,
            hostname: facts.hostname.clone(),
            product_home: facts.product_home.clone(),
        },
        product,
        summary: Summary::of(&results),
        results,
        categories: rules.category_order(),
    }
}

/// What the command line asks of the human-readable reports.
#[derive(Debug, Clone, Copy)]
struct View {
    problems_only: bool,
    fail_on_warn: bool,
}

fn write_report(report: &Report, format: Format, file: Option<&Path>, view: View) -> Result<()> {
    let to_terminal = file.is_none() && std::io::stdout().is_terminal();
    let text = match format {
        Format::Json => report::json::render(report),
        Format::Junit => report::junit::render(report),
        Format::Sarif => report::sarif::render(report),
        Format::Markdown => report::markdown::render(report),
        Format::Html => report::html::render(report, view.fail_on_warn),
        Format::Table => {
            let colour = to_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
            let options = report::table::Options {
                colour,
                width: table_width(file.is_some()),
                problems_only: view.problems_only,
                fail_on_warn: view.fail_on_warn,
            };
            report::table::render(report, &options)
        }
    };
    emit(&text, file)
}

/// The table's width: `COLUMNS` when set (also when piped or written to a file), else the
/// terminal's (standard output's, or standard error's when the output is piped to a pager),
/// else 110 columns, so files and CI logs read the same everywhere.
fn table_width(to_file: bool) -> u16 {
    let columns = std::env::var("COLUMNS").ok();
    if let Some(n) = columns
        .and_then(|c| c.trim().parse::<u16>().ok())
        .filter(|n| *n > 0)
    {
        return n;
    }
    let terminal = || {
        terminal_size::terminal_size_of(std::io::stdout())
            .or_else(|| terminal_size::terminal_size_of(std::io::stderr()))
    };
    (!to_file)
        .then(terminal)
        .flatten()
        .map_or(110, |(w, _)| w.0)
}

fn emit(text: &str, file: Option<&Path>) -> Result<()> {
    match file {
        Some(f) => std::fs::write(f, text).with_context(|| format!("cannot write {}", f.display())),
        None => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`| head`) is not an error worth reporting.
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to standard output"),
            }
        }
    }
}

fn dump_facts(args: &FactsArgs) -> Result<u8> {
    check_product_home(&args.common, args.common.product_home().as_deref())?;
    let ctx = context(&args.common);
    let rules = load_rules(&args.common.rules)?;
    if let (Some(out), Some(home)) = (&args.output, args.common.product_home())
        && inside(out, &home)
    {
        bail!(
            "refusing to write {} inside PRODUCT_HOME {}: preflight never writes there",
            out.display(),
            home.display()
        );
    }
    let mut names = wanted(&rules, &Selection::default(), true);
    // What `preflight fleet` compares across nodes, so every facts file can take part.
    names.extend(crate::fleet::wanted(&crate::fleet::rules::embedded()));
    let facts = probe(args.common.offline, ctx, names, true);
    let mut text = serde_json::to_string_pretty(&facts)?;
    text.push('\n');
    emit(&text, args.output.as_deref())?;
    Ok(EXIT_OK)
}

fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn rules_command(cmd: RulesCommand) -> Result<u8> {
    match cmd {
        RulesCommand::List { rules, format } => {
            let set = load_rules(&rules)?;
            emit(
                &crate::explain::list(&set, format == ListFormat::Json, table_width(false)),
                None,
            )?;
        }
        RulesCommand::Explain { id, rules } => {
            let set = load_rules(&rules)?;
            let Some(rule) = set.get(&id) else {
                let fleet = crate::fleet::rules::embedded();
                if let Some(f) = fleet.iter().find(|r| r.id == id) {
                    emit(&crate::explain::explain_fleet(f), None)?;
                    return Ok(EXIT_OK);
                }
                let ids = set.rules.iter().map(|r| r.id.as_str());
                let hint =
                    suggest::did_you_mean(&id, ids.chain(fleet.iter().map(|r| r.id.as_str())));
                bail!("no rule `{id}`{hint} (`preflight rules list` shows them all)");
            };
            emit(&crate::explain::explain(rule), None)?;
        }
        RulesCommand::Validate { dirs } => {
            let (packs, mut diags) = rules::read_packs(&dirs);
            let set = match rules::compile(&packs) {
                Ok(set) if diags.is_empty() => set,
                Ok(_) => return Err(rules::Diagnostics(diags).into()),
                Err(rules::Diagnostics(more)) => {
                    diags.extend(more);
                    return Err(rules::Diagnostics(diags).into());
                }
            };
            emit(
                &format!(
                    "{} rules in {} pack(s): ok\n",
                    set.rules.len(),
                    set.packs.len()
                ),
                None,
            )?;
        }
        RulesCommand::Facts => emit(&crate::explain::catalogue(), None)?,
    }
    Ok(EXIT_OK)
}
