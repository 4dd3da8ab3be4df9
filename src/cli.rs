//! Command-line definitions (clap) and their translation into [`Settings`].

use anyhow::{Result, bail};
use clap::builder::{PossibleValue, StringValueParser, TypedValueParser};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::report::Format;

const EXAMPLES: &str = "\
Examples:
  preflight check --product-home /opt/wso2am-4.2.0
  preflight check --offline --format table --format json=report.json
  preflight check --format sarif=preflight.sarif --format junit=preflight.xml --format markdown=ticket.md
  preflight check --waivers waivers.toml --baseline last-week.json
  preflight diff last-week.json today.json
  preflight check --only host --skip host.swap --fail-on warn
  preflight check --show problems --format html=signoff.html
  preflight facts --product-home /opt/wso2am-4.2.0 --output node1-facts.json
  preflight check --facts node1-facts.json --format json
  preflight rules list
  preflight rules explain config.hostname
  preflight rules validate ./my-rules

Exit codes: 0 no fail and no error; 1 at least one fail or error (or warn with --fail-on warn);
2 preflight could not run (bad arguments, invalid rule or waiver file, unreadable input).";

const FLEET_EXAMPLES: &str = "\
Each node directory holds the node's report.json (`preflight check --format json=report.json`)
and facts.json (`preflight facts --output facts.json`); the directory's name is the node's name.
A directory of node directories (Ansible's fetch layout, fleet/<inventory_hostname>/) is read whole.
Set PREFLIGHT_FLEET_SALT to one secret value on every node before `preflight facts` so that
[encryption] key is compared by salted digest (fleet.same-encryption-key).

Examples:
  preflight fleet fleet/
  preflight fleet nodes/cp1 nodes/gw1 nodes/gw2 --format table --format json=fleet.json
  preflight fleet fleet/ --format junit=fleet.xml --format sarif=fleet.sarif --format markdown=fleet.md
  preflight fleet fleet/ --expect cp1,gw1,gw2
  preflight fleet fleet/ --expect inventory/production.ini

Exit codes: 0 no fail and no error on any node or fleet rule; 1 at least one (or a warn with
--fail-on warn); 2 a node file could not be read.";

const DIFF_EXAMPLES: &str = "\
Examples:
  preflight diff before.json after.json
  preflight diff before.json after.json --format markdown

Exit codes: 0 no regression; 1 at least one regression (a rule newly fail or error, or pass to
warn); 2 a report could not be read.";

/// Go-live checks for WSO2 API Manager and other Carbon products: host, JDK, JVM, deployment.toml,
/// keystores, databases, ports, operations.
#[derive(Debug, Parser)]
#[command(name = "preflight", version, about, after_help = EXAMPLES, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Probe this host and PRODUCT_HOME, evaluate the rules and print the checklist.
    #[command(after_help = EXAMPLES)]
    Check(CheckArgs),
    /// Print the facts the rules need, as JSON, for `check --facts` elsewhere.
    Facts(FactsArgs),
    /// List, explain or validate rules.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Check that the nodes of a deployment agree, from each node's report and facts files.
    #[command(after_help = FLEET_EXAMPLES)]
    Fleet(FleetArgs),
    /// Compare two JSON reports: fixed, regressed, new and removed rules, and value drift.
    #[command(after_help = DIFF_EXAMPLES)]
    Diff(DiffArgs),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): preflight(1), or one subcommand's; or write them all to a folder.
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The subcommand whose page to print (`check`, `rules explain`); none: preflight(1)
    #[arg(value_name = "COMMAND")]
    pub command: Vec<String>,
    /// Write every page (preflight.1, preflight-check.1, preflight-rules-explain.1, ...) here
    #[arg(long, value_name = "DIR", conflicts_with = "command")]
    pub dir: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct FleetArgs {
    /// Node directories (each with report.json and facts.json), or directories of them
    #[arg(required = true, value_name = "NODE_DIR")]
    pub nodes: Vec<PathBuf>,
    /// Output format, optionally to a file (repeatable): table, json, junit, sarif, markdown
    #[arg(long = "format", value_name = "FMT[=FILE]", value_parser = FormatParser, hide_possible_values = true)]
    pub formats: Vec<(Format, Option<PathBuf>)>,
    /// Exit 1 on warnings too
    #[arg(long, value_enum, default_value_t = FailOn::Fail, value_name = "LEVEL")]
    pub fail_on: FailOn,
    /// Add fleet rules from the *.toml files of this folder (repeatable)
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// The nodes that must have sent a report: names (comma-separated, repeatable) or an
    /// Ansible inventory file (INI, or YAML for .yml/.yaml), whose hosts but localhost are
    /// expected; a missing one fails fleet.complete
    #[arg(long, value_name = "NODE,...|INVENTORY", value_delimiter = ',')]
    pub expect: Vec<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier JSON report (`check --format json=FILE`)
    #[arg(value_name = "OLD.json")]
    pub old: PathBuf,
    /// The later JSON report
    #[arg(value_name = "NEW.json")]
    pub new: PathBuf,
    /// table, json or markdown
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, Args, Clone)]
pub struct Common {
    /// The product installation [default: $PRODUCT_HOME, then $CARBON_HOME]
    #[arg(long, value_name = "DIR")]
    pub product_home: Option<PathBuf>,
    /// Add a rule pack folder (repeatable); later packs may override rules that say so
    #[arg(long = "rules", value_name = "DIR")]
    pub rules: Vec<PathBuf>,
    /// Do not open network connections; network rules are skipped
    #[arg(long)]
    pub offline: bool,
    /// The node's profile [default: detected]
    #[arg(long, value_name = "NAME", value_parser = clap::builder::PossibleValuesParser::new(crate::facts::product::PROFILES))]
    pub profile: Option<String>,
    /// Deadline in seconds for each probe, process and connection
    #[arg(long, value_name = "SECS", default_value_t = 3)]
    pub timeout: u64,
    /// The internal keystore's password for Secure Vault, on the first line of FILE, to decrypt
    /// [secrets] [default: $PREFLIGHT_KEYSTORE_PASSWORD, then PRODUCT_HOME/password-tmp or
    /// password-persist, read only]
    #[arg(long, value_name = "FILE")]
    pub keystore_password_file: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub common: Common,
    /// Output format, optionally to a file (repeatable): table, json, junit, sarif, markdown, html
    #[arg(long = "format", value_name = "FMT[=FILE]", value_parser = FormatParser, hide_possible_values = true)]
    pub formats: Vec<(Format, Option<PathBuf>)>,
    /// Evaluate a facts file from `preflight facts` instead of probing
    #[arg(long, value_name = "FILE")]
    pub facts: Option<PathBuf>,
    /// Exit 1 on warnings too
    #[arg(long, value_enum, default_value_t = FailOn::Fail, value_name = "LEVEL")]
    pub fail_on: FailOn,
    /// Run only these rules: an id, an id prefix (`host`) or a category (repeatable)
    #[arg(long, value_name = "SEL", value_parser = RuleSelector, hide_possible_values = true)]
    pub only: Vec<String>,
    /// Skip these rules: an id, an id prefix or a category (repeatable)
    #[arg(long, value_name = "SEL", value_parser = RuleSelector, hide_possible_values = true)]
    pub skip: Vec<String>,
    /// Waivers and attestations (TOML): accepted findings and confirmed manual items
    #[arg(long, value_name = "FILE")]
    pub waivers: Option<PathBuf>,
    /// An earlier JSON report: exit 1 only for fail/error results that were not fail/error there
    #[arg(long, value_name = "OLD.json")]
    pub baseline: Option<PathBuf>,
    /// The table's rows: `problems` (fail, error, warn, manual; passes and skips folded into one
    /// count line per category) or `all`
    #[arg(long, value_enum, default_value_t = Show::All, value_name = "WHAT")]
    pub show: Show,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Show {
    Problems,
    All,
}

#[derive(Debug, Args)]
pub struct FactsArgs {
    #[command(flatten)]
    pub common: Common,
    /// Write the facts here instead of standard output
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the loaded rules, grouped by category
    List {
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
        /// table or json
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,
    },
    /// Show one rule: what it checks, why, the facts it reads and how to fix it
    Explain {
        #[arg(value_parser = RuleSelector, hide_possible_values = true)]
        id: String,
        #[arg(long = "rules", value_name = "DIR")]
        rules: Vec<PathBuf>,
    },
    /// Compile rule pack folders and report every problem as file:line:col
    Validate {
        #[arg(required = true, value_name = "DIR")]
        dirs: Vec<PathBuf>,
    },
    /// List the facts rules can read: name, type, unit, probe
    Facts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    Table,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Warn,
    Fail,
}

/// `--format FMT[=FILE]`; shell completion offers the format names.
#[derive(Debug, Clone, Copy)]
struct FormatParser;

impl TypedValueParser for FormatParser {
    type Value = (Format, Option<PathBuf>);

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<Self::Value, clap::Error> {
        let text = StringValueParser::new().parse_ref(cmd, arg, value)?;
        parse_format(&text).map_err(|e| {
            clap::Error::raw(clap::error::ErrorKind::InvalidValue, format!("{e}\n")).with_cmd(cmd)
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            Format::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

/// A rule selector (`--only`, `--skip`, `rules explain`): any text, since packs added with
/// `--rules` bring their own ids; shell completion offers the embedded pack's categories and
/// rule ids, each with its title.
#[derive(Debug, Clone, Copy)]
struct RuleSelector;

impl TypedValueParser for RuleSelector {
    type Value = String;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        StringValueParser::new().parse_ref(cmd, arg, value)
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            rule_selectors()
                .iter()
                .map(|(value, help)| PossibleValue::new(*value).help(*help)),
        ))
    }
}

/// The embedded pack's categories, then its rule ids, each with a title; built once.
fn rule_selectors() -> &'static [(&'static str, &'static str)] {
    static SELECTORS: std::sync::OnceLock<Vec<(&'static str, &'static str)>> =
        std::sync::OnceLock::new();
    SELECTORS.get_or_init(|| {
        let set = crate::rules::embedded();
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let mut out: Vec<(&'static str, &'static str)> = set
            .category_order()
            .into_iter()
            .map(|(id, title)| (leak(id), leak(title)))
            .collect();
        out.extend(
            set.rules
                .iter()
                .map(|r| (leak(r.id.clone()), leak(r.title.clone()))),
        );
        let mut seen = std::collections::BTreeSet::new();
        out.retain(|(v, _)| seen.insert(*v));
        out
    })
}

fn parse_format(s: &str) -> Result<(Format, Option<PathBuf>), String> {
    let (name, file) = match s.split_once('=') {
        Some((n, f)) if !f.is_empty() => (n, Some(PathBuf::from(f))),
        Some((n, _)) => return Err(format!("`{n}=` needs a file name after `=`")),
        None => (s, None),
    };
    let format = Format::from_str(name, true).map_err(|_| {
        format!("unknown format `{name}`; use table, json, junit, sarif, markdown or html")
    })?;
    Ok((format, file))
}

/// What a probing command (`check`, `facts`) was asked, resolved once from [`Common`]: the
/// environment is read here and nowhere else.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `--product-home`, else `$PRODUCT_HOME`, else `$CARBON_HOME`.
    pub product_home: Option<ProductHome>,
    /// `--rules` folders, after the embedded pack.
    pub rules: Vec<PathBuf>,
    pub offline: bool,
    pub profile: Option<String>,
    /// `--timeout`: for each probe family, process and connection; at least a second.
    pub deadline: Duration,
    pub keystore_password_file: Option<PathBuf>,
}

/// The product home and where it was given, for messages about it.
#[derive(Debug, Clone)]
pub struct ProductHome {
    pub path: PathBuf,
    /// `--product-home`, `$PRODUCT_HOME` or `$CARBON_HOME`.
    pub from: &'static str,
}

impl Common {
    /// The settings this command line asks for.
    pub fn settings(&self) -> Settings {
        let from_env = || {
            ["PRODUCT_HOME", "CARBON_HOME"].iter().find_map(|v| {
                let path = std::env::var_os(v).filter(|s| !s.is_empty())?;
                let from = if *v == "PRODUCT_HOME" {
                    "$PRODUCT_HOME"
                } else {
                    "$CARBON_HOME"
                };
                Some(ProductHome {
                    path: path.into(),
                    from,
                })
            })
        };
        let given = self.product_home.clone().map(|path| ProductHome {
            path,
            from: "--product-home",
        });
        Settings {
            product_home: given.or_else(from_env),
            rules: self.rules.clone(),
            offline: self.offline,
            profile: self.profile.clone(),
            deadline: Duration::from_secs(self.timeout.max(1)),
            keystore_password_file: self.keystore_password_file.clone(),
        }
    }
}

impl Settings {
    pub fn home(&self) -> Option<&Path> {
        self.product_home.as_ref().map(|h| h.path.as_path())
    }

    /// A given PRODUCT_HOME that is not a directory is a mistake in the command line (exit 2),
    /// not a report full of errors.
    pub fn require_home_dir(&self) -> Result<()> {
        let Some(ProductHome { path, from }) = &self.product_home else {
            return Ok(());
        };
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => bail!("{from} {} is not a directory", path.display()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                bail!("{from} {} does not exist", path.display())
            }
            Err(e) => bail!("{from} {}: {e}", path.display()),
        }
    }
}

/// The reports to write (a table on standard output when no `--format` is given), decided once:
/// none inside PRODUCT_HOME (preflight never writes there), no two to one place.
pub fn outputs(
    formats: &[(Format, Option<PathBuf>)],
    home: Option<&Path>,
) -> Result<Vec<(Format, Option<PathBuf>)>> {
    let outputs = if formats.is_empty() {
        vec![(Format::Table, None)]
    } else {
        formats.to_vec()
    };
    for file in outputs.iter().filter_map(|(_, f)| f.as_deref()) {
        if let Some(home) = home {
            crate::io::refuse_inside_home(file, home)?;
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
            .find(|(_, b)| b.as_deref().is_some_and(|b| crate::io::same_file(a, b)))
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
