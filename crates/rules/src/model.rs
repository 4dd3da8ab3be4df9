//! The compiled rule model: what a rule reads, when it applies, and how it judges.

use super::cond::Cond;
use serde::{Deserialize, Serialize};

/// Where a rule's own checks run, which decides when it is skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// Reads the host only.
    Host,
    /// Reads PRODUCT_HOME: skipped without one.
    Product,
    /// Opens network connections: skipped under `--offline`.
    Network,
}

/// When a rule applies. Each part that is set must hold; otherwise the rule is `skip`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct When {
    /// A condition on `product.version`: `>= 4.7`.
    pub version: Option<Cond>,
    pub profiles: Vec<String>,
    pub os: Vec<String>,
    /// Any other condition on facts.
    pub condition: Option<Cond>,
    /// The condition in words, for the skip reason: "the user store is LDAP".
    pub means: Option<String>,
}

/// One `[[rule.case]]`: a version/profile/condition-dependent judgement. The first case whose
/// `when` holds decides the rule; its `fail`/`warn` replace the rule's own.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuleCase {
    pub when: When,
    pub fail: Option<Cond>,
    pub warn: Option<Cond>,
    /// Replaces the rule's `expected` when this case decides.
    pub expected: Option<String>,
    /// Replaces the rule's `message` when this case decides.
    pub message: Option<String>,
    /// Replaces the rule's `fix` when this case decides.
    pub fix: Option<String>,
    /// Replaces the rule's `pass_message` when this case decides and the rule passes.
    pub pass_message: Option<String>,
}

/// One `[[rule.fix_part]]`: a piece of the fix that is shown, in place of `{fix_parts}`, only
/// where its condition holds, so that a fix advises only what is short.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FixPart {
    pub when: Cond,
    pub text: String,
}

/// One `[[rule.fix_edit]]`: the fix as data, the edit a person makes by following it. Texts
/// may name facts (`{keystore.tls.file}`). preflight never applies them to PRODUCT_HOME; the
/// fix round-trip test applies them to copies and checks that the rule then passes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FixEdit {
    /// Set `key` (a dotted path, `server.hostname`) in repository/conf/deployment.toml to
    /// `value`, a TOML value as written in the rule file.
    TomlSet { key: String, value: String },
    /// In the start script (`{jvm.script}`), replace every flag that starts with `replaces`
    /// (on the java command line or in the JVM_MEM_OPTS default) by `flag`; where there is
    /// none, add `flag` to the java command line.
    JvmFlag {
        flag: String,
        replaces: Option<String>,
    },
    /// `chmod mode file`, `file` relative to PRODUCT_HOME.
    Chmod { file: String, mode: u32 },
    /// Run the JDK's keytool with these arguments from PRODUCT_HOME (the store password is
    /// typed at its prompt).
    Keytool { args: Vec<String> },
    /// Set the text of the element at `path` (`/Metrics/Enabled`, namespaces ignored) in the
    /// XML file `file` (relative to PRODUCT_HOME) to `value`.
    XmlSet {
        file: String,
        path: String,
        value: String,
    },
    /// Set `key = value` in the Java properties file `file` (relative to PRODUCT_HOME): the
    /// line of that key is replaced, or the line is added at the end.
    PropertiesSet {
        file: String,
        key: String,
        value: String,
    },
    /// Run `./bin/ciphertool.sh -Dconfigure`: every `[secrets]` value written as
    /// `"[plain text]"` is replaced by the base64 of its RSA encryption under the internal
    /// keystore's certificate.
    Ciphertool,
    /// Set `key` in deployment.toml to a new secret in the `"[plain text]"` form ciphertool.sh
    /// encrypts: 64 random hex characters, as `openssl rand -hex 32` prints them.
    RandomHex { key: String },
}

impl When {
    /// Every fact this applicability reads.
    pub fn facts(&self, out: &mut Vec<String>) {
        for c in [&self.version, &self.condition].into_iter().flatten() {
            c.expr().facts(out);
        }
        if !self.profiles.is_empty() && !out.iter().any(|f| f == "product.profile") {
            out.push("product.profile".into());
        }
        if !self.os.is_empty() && !out.iter().any(|f| f == "host.os.name") {
            out.push("host.os.name".into());
        }
    }
}

/// One compiled rule.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Rule {
    pub id: String,
    pub title: String,
    pub category: String,
    /// The fact a condition reads when it names none; its value is the result's `observed`.
    pub fact: Option<String>,
    pub fail: Option<Cond>,
    pub warn: Option<Cond>,
    /// For go-live items a person must confirm: what to confirm.
    pub manual: Option<String>,
    /// Version-, profile- or condition-dependent judgements, tried in order before `fail`/`warn`.
    pub cases: Vec<RuleCase>,
    /// Message template for fail/warn (and pass, unless `pass_message` is set).
    pub message: Option<String>,
    pub pass_message: Option<String>,
    pub expected: Option<String>,
    pub fix: Option<String>,
    /// Pieces of the fix shown where their condition holds, in place of `{fix_parts}`.
    pub fix_parts: Vec<FixPart>,
    /// The fix as edits a test can apply.
    pub fix_edits: Vec<FixEdit>,
    pub docs: Vec<String>,
    /// Why the rule exists, for `rules explain`.
    pub rationale: Option<String>,
    /// Where the rule's truth comes from: a WSO2 file at a tag with its line, a doc URL, a JDK
    /// source. Printed by `rules explain`.
    #[serde(default)]
    pub sources: Vec<String>,
    /// Set where no WSO2 or JDK file encodes the rule's truth: why its sources are documents
    /// only (a practice WSO2's guidelines ask for, a DBMS's or protocol's own documentation).
    #[serde(default)]
    pub docs_only: Option<String>,
    pub scope: Scope,
    pub when: When,
    /// Facts named only in message templates.
    pub template_facts: Vec<String>,
    /// The pack and `file:line` the rule was defined at.
    pub pack: String,
    pub defined_at: String,
}

impl Rule {
    /// Every fact this rule reads, in its conditions and applicability.
    pub fn facts(&self) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(f) = &self.fact {
            out.extend(crate::difference::parts(f).into_iter().map(String::from));
        }
        for c in [&self.fail, &self.warn].into_iter().flatten() {
            c.expr().facts(&mut out);
        }
        self.when.facts(&mut out);
        for part in &self.fix_parts {
            part.when.expr().facts(&mut out);
        }
        for case in &self.cases {
            case.when.facts(&mut out);
            for c in [&case.fail, &case.warn].into_iter().flatten() {
                c.expr().facts(&mut out);
            }
        }
        for f in &self.template_facts {
            if !out.contains(f) {
                out.push(f.clone());
            }
        }
        out
    }
}

/// A pack's identity, from its `pack.toml`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PackInfo {
    pub name: String,
    pub version: String,
    pub overrides: bool,
    /// Category ids in the order reports group them, with their titles.
    pub categories: Vec<(String, String)>,
}

/// Every loaded rule, in pack and file order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RuleSet {
    pub packs: Vec<PackInfo>,
    pub rules: Vec<Rule>,
}

impl RuleSet {
    pub fn get(&self, id: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.id == id)
    }

    /// Category ids in report order: as the packs list them, then any others as first seen.
    pub fn category_order(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        for p in &self.packs {
            for c in &p.categories {
                if !out.iter().any(|(id, _)| id == &c.0) {
                    out.push(c.clone());
                }
            }
        }
        for r in &self.rules {
            if !out.iter().any(|(id, _)| id == &r.category) {
                out.push((r.category.clone(), r.category.clone()));
            }
        }
        out
    }
}

/// The fact placeholders of a fix text: `{fact.name}` or `{fact.name|text if unknown}`, and
/// `{fix_parts}`. Braces after `$` (`$secret{alias}`) and braces around anything that does not
/// look like a fact name (`{%c}`, `{…}`) are text.
pub fn fix_placeholders(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(open) = text[from..].find('{').map(|o| from + o) {
        let Some(close) = text[open..].find('}').map(|c| open + c) else {
            break;
        };
        from = close + 1;
        if text[..open].ends_with('$') {
            continue;
        }
        let name = text[open + 1..close].split('|').next().unwrap_or_default();
        let fact_like = name.contains('.')
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-'".contains(c));
        if fact_like || name == "fix_parts" {
            out.push((open, name));
        }
    }
    out
}
