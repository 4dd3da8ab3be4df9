//! `preflight facts`: probe everything the rules (and fleet rules) could read, print it as JSON.

use super::{EXIT_OK, context, load_rules};
use crate::cli::FactsArgs;
use crate::rules::Selection;
use anyhow::Result;

pub(crate) fn run(args: &FactsArgs) -> Result<u8> {
    let settings = args.common.settings();
    settings.require_home_dir()?;
    if let (Some(out), Some(home)) = (&args.output, settings.home()) {
        crate::io::refuse_inside_home(out, home)?;
    }
    let ctx = context(&settings);
    // deployment.toml and the version records are read while the rules compile.
    ctx.prefetch();
    let rules = load_rules(&settings.rules)?;
    let mut names = crate::facts::wanted(&rules, &Selection::default(), true);
    // What `preflight fleet` compares across nodes, so every facts file can take part.
    names.extend(crate::fleet::wanted(&crate::fleet::rules::embedded()));
    let facts = crate::facts::probe(ctx, names, true);
    let mut text = serde_json::to_string_pretty(&facts)?;
    text.push('\n');
    crate::io::write_text(&text, args.output.as_deref())?;
    Ok(EXIT_OK)
}
