//! Facts: what the probes observed, the catalogue of fact names, and collection under deadlines.

mod cgroup;
pub mod config;
mod config_derived;
pub mod deployment;
mod dns;
pub mod files;
mod generated;
mod host;
mod jars;
mod java_security;
pub mod jdk;
pub mod jvm;
pub mod keystore;
pub mod network;
mod placeholders;
mod ports;
pub mod product;
mod product_parse;
mod profile;
pub mod properties;
mod resources;
mod run_user;
mod schedule;
mod script_source;
mod systemd;
mod tls_config;
mod vault;
mod xml;

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

pub use catalogue::{FactSpec, FactType, Family, lookup};
pub use preflight_rules::catalogue;
pub use preflight_rules::fact::{Cause, Fact, Location, OFFLINE_REASON, Observation, Unseen};
pub use preflight_rules::text::{LineIndex, line_col};
pub use schedule::{Early, Pending, hostname, now_rfc3339, probe, start, wanted};

/// Every fact of one run, JSON-serialisable so it can be collected on one host and evaluated
/// elsewhere (`preflight facts` / `check --facts`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Facts {
    pub schema_version: u32,
    pub collected_at: String,
    pub hostname: String,
    pub product_home: Option<String>,
    pub offline: bool,
    pub facts: BTreeMap<String, Fact>,
}

/// The facts-file schema this preflight writes and reads.
pub const FACTS_SCHEMA_VERSION: u32 = 1;

/// A facts file that does not parse, named by file, line and column.
pub fn not_a_facts_file(file: &Path, e: serde_json::Error) -> anyhow::Error {
    anyhow::anyhow!(
        "{}:{}:{}: not a preflight facts file: {e}; create one with `preflight facts --output FILE`",
        file.display(),
        e.line(),
        e.column()
    )
}

/// Refuses a facts file of another schema version.
pub fn check_facts_schema(file: &Path, version: u32) -> anyhow::Result<()> {
    if version != FACTS_SCHEMA_VERSION {
        anyhow::bail!(
            "{}: facts schema_version {version} is not supported (this preflight reads {FACTS_SCHEMA_VERSION})",
            file.display(),
        );
    }
    Ok(())
}

/// Refuses a facts file in which a fact the catalogue knows holds a value of another type (a
/// string where a byte size belongs): evaluating it would compare the wrong thing.
pub fn check_fact_types<'a>(
    file: &Path,
    facts: impl IntoIterator<Item = (&'a String, &'a Fact)>,
) -> anyhow::Result<()> {
    let wrong: Vec<String> = facts
        .into_iter()
        .filter_map(|(name, fact)| {
            let value = fact.get().ok()?;
            let ty = preflight_rules::catalogue::fact_type(name)?;
            (!ty.admits(value)).then(|| {
                format!(
                    "fact `{name}` holds a {} where a {} belongs",
                    value.type_name(),
                    ty.name()
                )
            })
        })
        .collect();
    if !wrong.is_empty() {
        anyhow::bail!(
            "{}: not a facts file this preflight can judge: {}",
            file.display(),
            wrong.join("; ")
        );
    }
    Ok(())
}

/// Reads a facts file written by `preflight facts`: bad JSON as file:line:col, another schema
/// version or a fact of the wrong type refused.
pub fn read_facts(file: &Path) -> anyhow::Result<Facts> {
    let text = crate::io::read_input(file, 64 << 20).map_err(anyhow::Error::msg)?;
    let facts: Facts = serde_json::from_str(&text).map_err(|e| not_a_facts_file(file, e))?;
    check_facts_schema(file, facts.schema_version)?;
    check_fact_types(file, &facts.facts)?;
    Ok(facts)
}

impl Facts {
    /// The fact of that name, or an `unavailable` one saying it was never collected.
    pub fn get(&self, name: &str) -> Cow<'_, Fact> {
        match self.facts.get(name) {
            Some(f) => Cow::Borrowed(f),
            None => Cow::Owned(Fact::not_collected(format!(
                "fact `{name}` was not collected in this facts file"
            ))),
        }
    }
}

/// What the probes may look at. Shared by all probe threads; expensive files are parsed once.
#[derive(Debug)]
pub struct Context {
    pub product_home: Option<PathBuf>,
    pub offline: bool,
    pub profile: Option<String>,
    /// Deadline for each probe family and for each process or socket a probe opens.
    pub deadline: Duration,
    deployment: OnceLock<deployment::Deployment>,
    product: OnceLock<product::Detected>,
    node_profile: OnceLock<String>,
    systemd_unit: OnceLock<Result<Option<systemd::Unit>, String>>,
    /// `--keystore-password-file`: the keystore password for Secure Vault, read by [`vault`].
    pub keystore_password_file: Option<PathBuf>,
    vault: OnceLock<vault::Vault>,
    keystores: keystore::Cache,
}

impl Context {
    pub fn new(product_home: Option<PathBuf>, offline: bool, profile: Option<String>) -> Context {
        Context {
            product_home,
            offline,
            profile,
            deadline: Duration::from_secs(5),
            deployment: OnceLock::new(),
            product: OnceLock::new(),
            node_profile: OnceLock::new(),
            systemd_unit: OnceLock::new(),
            keystore_password_file: None,
            vault: OnceLock::new(),
            keystores: keystore::Cache::default(),
        }
    }

    /// The `[secrets]` values decrypted as Secure Vault does at start, once per run.
    pub fn secrets(&self) -> &vault::Vault {
        self.vault.get_or_init(|| vault::Vault::load(self))
    }

    /// Whether [`Context::secrets`] may take long enough to deserve a thread of its own.
    pub fn secrets_worth_a_thread(&self) -> bool {
        vault::Vault::worth_a_thread(self)
    }

    /// Keystores already read and verified in this run, by file and password.
    pub fn keystores(&self) -> &keystore::Cache {
        &self.keystores
    }

    pub fn home(&self) -> Option<&Path> {
        self.product_home.as_deref()
    }

    /// The version records of PRODUCT_HOME, read once per run.
    pub fn product(&self) -> &product::Detected {
        self.product
            .get_or_init(|| self.home().map(product::detect).unwrap_or_default())
    }

    /// The profile this node runs (`--profile`, else as the product decides it; all-in-one
    /// without a PRODUCT_HOME), decided once per run.
    pub fn node_profile(&self) -> &str {
        self.node_profile.get_or_init(|| match self.home() {
            Some(_) => profile::infer(self, self.product()),
            None => self.profile.clone().unwrap_or_else(|| "all-in-one".into()),
        })
    }

    /// The systemd unit that starts PRODUCT_HOME, if any; the unit folders are searched once.
    pub fn systemd_unit(&self) -> &Result<Option<systemd::Unit>, String> {
        self.systemd_unit.get_or_init(|| match self.home() {
            Some(home) => systemd::find_unit(&systemd::UnitDirs::system(), home),
            None => Err("no PRODUCT_HOME given".to_string()),
        })
    }

    /// A name lookup is network traffic: under `--offline` it is not made.
    pub fn offline_reason(&self) -> Option<Fact> {
        self.offline.then(|| Fact::offline(OFFLINE_REASON))
    }

    /// `repository/conf/deployment.toml`, read and parsed once per run.
    pub fn deployment(&self) -> &deployment::Deployment {
        self.deployment.get_or_init(|| {
            deployment::Deployment::load(self.product_home.as_deref(), &self.starts_with())
        })
    }

    /// What the product's placeholders resolve against: this run's environment with the
    /// systemd unit's on top, and the config defaults of the product version.
    fn starts_with(&self) -> deployment::StartsWith {
        let version = self.product().version.as_ref().map(|(v, _)| v);
        deployment::StartsWith {
            env: self.start_env(),
            defaults: placeholders::defaults_for(version),
        }
    }

    /// The environment the product starts with: this run's, with the systemd unit's on top.
    pub fn start_env(&self) -> placeholders::StartEnv {
        let unit = self.systemd_unit().as_ref().ok().and_then(|u| u.as_ref());
        placeholders::StartEnv::of_this_run().with_unit(unit)
    }

    /// deployment.toml if it has been read and parsed by now; `None` while a read is stuck.
    pub fn deployment_if_read(&self) -> Option<&deployment::Deployment> {
        self.deployment.get()
    }

    /// Starts reading what most probes share (deployment.toml, the version records, the systemd
    /// unit) on a background thread: they are parsed while the rules compile, and a probe that
    /// needs one before it is ready waits for it. Nothing else is read early.
    pub fn prefetch(self: &Arc<Self>) {
        let ctx = Arc::clone(self);
        crate::par::spawn_or_run(move || {
            ctx.deployment();
            ctx.product();
            let _ = ctx.systemd_unit();
        });
    }
}

/// The same `unavailable` reason for every requested fact (no PRODUCT_HOME, file missing...).
pub fn unavailable_all(names: &[String], reason: &str) -> Vec<(String, Fact)> {
    names
        .iter()
        .map(|n| (n.clone(), Fact::unavailable(reason)))
        .collect()
}

/// An error message about `path` (inside `home`) with that path shown as `PRODUCT_HOME/<rel>`.
/// Only the whole path is replaced: a short relative home such as `h` must not rewrite every
/// `h` of the message.
pub fn under_home(msg: &str, home: &Path, path: &Path) -> String {
    let Ok(rel) = path.strip_prefix(home) else {
        return msg.to_string();
    };
    msg.replace(
        &path.display().to_string(),
        &format!("PRODUCT_HOME/{}", rel.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn under_home_replaces_the_whole_path_only() {
        // With `--product-home h`, replacing every `h` turned "larger than" into
        // "larger tPRODUCT_HOMEan".
        let msg = "h/repository/conf/deployment.toml is larger than 8 MiB and was not read";
        assert_eq!(
            under_home(
                msg,
                Path::new("h"),
                Path::new("h/repository/conf/deployment.toml")
            ),
            "PRODUCT_HOME/repository/conf/deployment.toml is larger than 8 MiB and was not read"
        );
        let outside = "cannot read /etc/keys/a.jks: No such file or directory (os error 2)";
        assert_eq!(
            under_home(outside, Path::new("/opt/h"), Path::new("/etc/keys/a.jks")),
            outside
        );
    }
}
