//! `preflight rules list | explain | validate | facts`: the rule packs and the fact catalogue.

use super::{EXIT_OK, load_rules};
use crate::cli::{ListFormat, RulesCommand};
use crate::io::write_text;
use crate::rules::{self, Diagnostics};
use anyhow::{Result, bail};
use preflight_rules::suggest;

pub(crate) fn run(cmd: RulesCommand) -> Result<u8> {
    let text = match cmd {
        RulesCommand::List { rules, format } => {
            let set = load_rules(&rules)?;
            let width = crate::report::table_width(false);
            crate::explain::list(&set, format == ListFormat::Json, width)
        }
        RulesCommand::Explain { id, rules } => explain(&id, &rules)?,
        RulesCommand::Validate { dirs } => validate(&dirs)?,
        RulesCommand::Facts => crate::explain::catalogue(),
    };
    write_text(&text, None)?;
    Ok(EXIT_OK)
}

/// One rule in full: a node rule of the loaded packs, else a shipped fleet rule.
fn explain(id: &str, rules: &[std::path::PathBuf]) -> Result<String> {
    let set = load_rules(rules)?;
    if let Some(rule) = set.get(id) {
        return Ok(crate::explain::explain(rule));
    }
    let fleet = crate::fleet::rules::embedded();
    if let Some(f) = fleet.iter().find(|r| r.id == id) {
        return Ok(crate::explain::explain_fleet(f));
    }
    let ids = set.rules.iter().map(|r| r.id.as_str());
    let hint = suggest::did_you_mean(id, ids.chain(fleet.iter().map(|r| r.id.as_str())));
    bail!("no rule `{id}`{hint} (`preflight rules list` shows them all)");
}

/// Compiles the packs alone (without the embedded one) and reports every problem of all.
fn validate(dirs: &[std::path::PathBuf]) -> Result<String> {
    let (packs, mut diags) = rules::read_packs(dirs);
    match rules::compile(&packs) {
        Ok(set) if diags.is_empty() => Ok(format!(
            "{} rules in {} pack(s): ok\n",
            set.rules.len(),
            set.packs.len()
        )),
        Ok(_) => Err(Diagnostics(diags).into()),
        Err(Diagnostics(more)) => {
            diags.extend(more);
            Err(Diagnostics(diags).into())
        }
    }
}
