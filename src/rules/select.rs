//! `--only` / `--skip`: which rules the user asked for, by rule id, id prefix or category.

use super::{Rule, RuleSet};
use preflight_rules::suggest;

/// How the reason of a rule left out by `--only`/`--skip` begins.
pub const NOT_SELECTED: &str = "not selected";

/// Which rules the user asked for (`--only`, `--skip`: rule ids, id prefixes or categories).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

impl Selection {
    /// A selector is a rule id (that rule only), a category, or an id prefix (`config.secrets`)
    /// that is not itself a rule's id; `is_rule` tells which selectors are rule ids.
    fn matches(sel: &str, id: &str, category: &str, is_rule: &dyn Fn(&str) -> bool) -> bool {
        id == sel
            || category == sel
            || (id.starts_with(&format!("{}.", sel.trim_end_matches('.'))) && !is_rule(sel))
    }

    /// Why rule `id` of `category` is deselected, if it is.
    pub fn excludes(
        &self,
        id: &str,
        category: &str,
        is_rule: &dyn Fn(&str) -> bool,
    ) -> Option<String> {
        let matches = |s: &&String| Self::matches(s, id, category, is_rule);
        if !self.only.is_empty() && !self.only.iter().any(|s| matches(&s)) {
            return Some(format!("{NOT_SELECTED} by --only {}", self.only.join(", ")));
        }
        self.skip
            .iter()
            .find(matches)
            .map(|s| format!("{NOT_SELECTED}: excluded by --skip {s}"))
    }

    /// A message for each `--only`/`--skip` selector that names no rule id, category or id
    /// prefix of `rules` (a typo must not turn into a run of everything, or of nothing), with
    /// the closest name that would have matched.
    pub fn unmatched(&self, rules: &RuleSet) -> Vec<String> {
        let is_rule = |s: &str| rules.get(s).is_some();
        let flags = self.only.iter().map(|s| ("--only", s));
        let flags = flags.chain(self.skip.iter().map(|s| ("--skip", s)));
        flags
            .filter(|(_, sel)| {
                !rules
                    .rules
                    .iter()
                    .any(|r| Self::matches(sel, &r.id, &r.category, &is_rule))
            })
            .map(|(flag, sel)| {
                let names = selectable_names(rules);
                let hint = suggest::did_you_mean(sel, names.iter().map(String::as_str));
                format!("{flag} {sel} matches no rule id, category or id prefix{hint}")
            })
            .collect()
    }

    /// Why a rule is deselected, if it is.
    pub fn excluded(&self, rule: &Rule, rules: &RuleSet) -> Option<String> {
        self.excludes(&rule.id, &rule.category, &|s| rules.get(s).is_some())
    }
}

/// Every name `--only`/`--skip` accepts: rule ids, their dotted prefixes, and categories.
fn selectable_names(rules: &RuleSet) -> std::collections::BTreeSet<String> {
    let mut names = std::collections::BTreeSet::new();
    for r in &rules.rules {
        names.insert(r.category.clone());
        let mut prefix = String::new();
        for part in r.id.split('.') {
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(part);
            names.insert(prefix.clone());
        }
    }
    names
}
