//! Report assembly: the evaluated results with the tool, rule pack, run and product around them.

use super::{Product, Report, RulePack, RuleResult, Run, SCHEMA_VERSION, Summary, Tool};
use crate::facts::Facts;
use crate::rules::RuleSet;
use crate::value::Value;
use std::time::Duration;

/// The Report of evaluated results: tool, rule pack, run, product and summary around them.
pub fn assemble(
    rules: &RuleSet,
    facts: &Facts,
    results: Vec<RuleResult>,
    started_at: String,
    took: Duration,
) -> Report {
    let text = |name: &str| {
        facts
            .facts
            .get(name)
            .and_then(|f| f.get().ok())
            .filter(|v| !matches!(v, Value::Null))
            .map(|v| v.to_string())
    };
    let product = facts.product_home.as_ref().map(|_| Product {
        name: text("product.name"),
        version: text("product.version"),
        profile: text("product.profile"),
    });
    let pack = rules.packs.first();
    Report {
        schema_version: SCHEMA_VERSION,
        tool: Tool {
            name: "preflight".into(),
            version: env!("CARGO_PKG_VERSION").into(),
        },
        rulepack: RulePack {
            name: pack.map_or("none".into(), |p| p.name.clone()),
            version: pack.map_or("0".into(), |p| p.version.clone()),
        },
        run: Run {
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
