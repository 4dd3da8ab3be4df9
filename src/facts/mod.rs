//! Facts: what the probes observed, the catalogue of fact names, and collection under deadlines.

pub mod cgroup;
pub mod config;
pub mod config_derived;
pub mod deployment;
pub mod dns;
pub mod files;
pub mod generated;
pub mod host;
pub mod jars;
pub mod java_security;
pub mod jdk;
pub mod jvm;
pub mod keystore;
pub mod network;
pub mod pipe;
pub mod placeholders;
pub mod ports;
pub mod product;
pub mod product_parse;
pub mod properties;
pub mod resources;
pub mod run_user;
pub mod script_source;
pub mod systemd;
pub mod tls_config;
pub mod vault;

use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, mpsc};
use std::time::{Duration, Instant};

pub use catalogue::{FactSpec, FactType, Family, lookup};
pub use preflight_rules::catalogue;
pub use preflight_rules::fact::{Cause, Fact, Location, Observation, Unseen};
pub use preflight_rules::text::{LineIndex, line_col};

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

    /// The systemd unit that starts PRODUCT_HOME, if any; the unit folders are searched once.
    pub fn systemd_unit(&self) -> &Result<Option<systemd::Unit>, String> {
        self.systemd_unit.get_or_init(|| match self.home() {
            Some(home) => systemd::find_unit(&systemd::UnitDirs::system(), home),
            None => Err("no PRODUCT_HOME given".to_string()),
        })
    }

    /// A name lookup is network traffic: under `--offline` it is not made.
    pub fn offline_reason(&self) -> Option<Fact> {
        self.offline.then(|| Fact::offline(eval_offline_reason()))
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

fn eval_offline_reason() -> &'static str {
    crate::eval::OFFLINE_REASON
}

/// Probes the named facts: each family once, families in parallel, each under the deadline.
/// A family that does not answer in time yields `unavailable` facts that say so.
pub fn collect(ctx: Arc<Context>, wanted: &BTreeSet<String>) -> BTreeMap<String, Fact> {
    let mut by_family: BTreeMap<Family, Vec<String>> = BTreeMap::new();
    let mut out = BTreeMap::new();
    for name in wanted {
        match lookup(name) {
            Some(spec) => by_family.entry(spec.family).or_default().push(name.clone()),
            None => {
                out.insert(
                    name.clone(),
                    Fact::not_collected(format!("unknown fact `{name}`")),
                );
            }
        }
    }
    let (tx, rx) = mpsc::channel();
    // Families that wait on something besides this host's files (DNS, peers, a java process)
    // get a thread each, so their waiting delays nobody; the rest share one thread per CPU
    // (starting a thread costs ~0.1 ms here, as much as some families' whole work).
    let (waiting, mut local): (Vec<_>, Vec<_>) = by_family
        .iter()
        .map(|(family, names)| (*family, names.clone()))
        .partition(|(family, _)| may_wait(*family, ctx.offline));
    local.sort_by_key(|(family, _)| cost_rank(*family));
    for job in waiting {
        let (tx, ctx) = (tx.clone(), Arc::clone(&ctx));
        crate::par::spawn_or_run(move || run_family(&ctx, job, &tx));
    }
    let local = Arc::new(Mutex::new(local.into_iter()));
    let workers = crate::par::cpus().min(local.lock().map_or(0, |q| q.len()));
    for _ in 0..workers {
        let (tx, ctx, local) = (tx.clone(), Arc::clone(&ctx), Arc::clone(&local));
        crate::par::spawn_or_run(move || {
            // A family that hangs holds its worker; the other workers take the rest.
            while let Some(job) = local.lock().ok().and_then(|mut q| q.next()) {
                run_family(&ctx, job, &tx);
            }
        });
    }
    drop(tx);
    let deadline = Instant::now() + ctx.deadline + Duration::from_millis(500);
    let mut pending: BTreeSet<Family> = by_family.keys().copied().collect();
    let mut waiting = crate::progress::Waiting::new();
    while !pending.is_empty() {
        let left = deadline.saturating_duration_since(Instant::now());
        let tick = left.min(Duration::from_millis(100));
        match rx.recv_timeout(tick) {
            Ok((family, ms, facts)) => {
                pending.remove(&family);
                for (name, mut fact) in facts {
                    fact.duration_ms = ms;
                    out.insert(name, fact);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) if tick < left => {}
            Err(_) => break,
        }
        let what: Vec<&str> = pending.iter().map(|f| awaited(*f)).collect();
        waiting.show(&what);
    }
    drop(waiting);
    for family in pending {
        for name in &by_family[&family] {
            let reason = format!(
                "timed out: the {} probe did not answer within {}s",
                family.name(),
                ctx.deadline.as_secs()
            );
            out.insert(name.clone(), Fact::timed_out(reason));
        }
    }
    for name in wanted {
        out.entry(name.clone())
            .or_insert_with(|| Fact::not_collected("the probe did not report this fact"));
    }
    out
}

/// What a family's probe waits on, for the progress line.
fn awaited(family: Family) -> &'static str {
    match family {
        Family::Jdk => "`java -version` (jdk)",
        Family::Network => "network peers (databases, user store)",
        Family::Host => "host name lookups",
        Family::Config => "deployment.toml and name lookups",
        other => other.name(),
    }
}

/// Whether probing a family may wait on something besides this host's files: name lookups
/// (host, config) and network peers unless `offline`, a `java -version` (jdk).
fn may_wait(family: Family, offline: bool) -> bool {
    match family {
        Family::Host | Family::Config | Family::Network => !offline,
        Family::Jdk => true,
        _ => false,
    }
}

/// Local families by how long they usually take, longest first (measured on a staged APIM 4.2
/// home: keystore ~1.4 ms, files ~0.5 ms, host ~0.45 ms, the rest under 0.35 ms): the shared
/// workers start the longest first, so no long one starts last.
fn cost_rank(family: Family) -> u8 {
    match family {
        Family::Keystore => 0,
        Family::Files => 1,
        Family::Host => 2,
        Family::Jvm => 3,
        Family::Ports => 4,
        Family::Config => 5,
        Family::Jars => 6,
        Family::Product => 7,
        Family::Network => 8,
        Family::Jdk => 9,
    }
}

type FamilyDone = (Family, u64, Vec<(String, Fact)>);

fn run_family(
    ctx: &Context,
    (family, names): (Family, Vec<String>),
    tx: &mpsc::Sender<FamilyDone>,
) {
    let started = Instant::now();
    let facts = probe_family(family, ctx, &names);
    let ms = started.elapsed().as_millis() as u64;
    let _ = tx.send((family, ms, facts));
}

fn probe_family(family: Family, ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    match family {
        Family::Host => host::probe(ctx, names),
        Family::Product => product::probe(ctx, names),
        Family::Config => config::probe(ctx, names),
        Family::Jdk => jdk::probe(ctx, names),
        Family::Jvm => jvm::probe(ctx, names),
        Family::Ports => ports::probe(ctx, names),
        Family::Keystore => keystore::probe(ctx, names),
        Family::Files => files::probe(ctx, names),
        Family::Jars => jars::probe(ctx, names),
        Family::Network => network::probe(ctx, names),
    }
}

/// Reads a file of at most `cap` bytes; larger files, unreadable files and non-UTF-8 content
/// become an error message naming the file.
pub fn read_capped(path: &Path, cap: u64) -> Result<String, String> {
    let bytes = read_capped_bytes(path, cap)?;
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

/// Reads a regular file of at most `cap` bytes, as bytes. Anything else is refused before it is
/// opened: a larger file unread, a FIFO or device unopened (opening a FIFO blocks). This is how
/// every file under PRODUCT_HOME is read.
pub fn read_capped_bytes(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    read_stream(path, cap, &meta)
}

/// Reads a file the user named on the command line (facts, waivers, reports, rule files): a
/// pipe such as `--facts <(ssh node preflight facts)` is fine, still within `cap` bytes.
pub fn read_input(path: &Path, cap: u64) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_dir() {
        return Err(format!("{} is a directory, not a file", path.display()));
    }
    let bytes = match std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type()) {
        true => pipe::read_pipe(path, cap)?,
        false => read_stream(path, cap, &meta)?,
    };
    String::from_utf8(bytes).map_err(|e| {
        format!(
            "{} is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })
}

fn read_stream(path: &Path, cap: u64, meta: &std::fs::Metadata) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    if meta.is_file() && meta.len() > cap {
        return Err(too_large(path, cap));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    // Sized up front: read_to_end through `take` would otherwise grow from tiny reads.
    let expected = if meta.is_file() {
        meta.len() + 1
    } else {
        64 << 10
    };
    let mut bytes = Vec::with_capacity(expected.min(cap + 1) as usize);
    file.take(cap + 1).read_to_end(&mut bytes).map_err(cannot)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(path, cap));
    }
    Ok(bytes)
}

/// The same `unavailable` reason for every requested fact (no PRODUCT_HOME, file missing...).
pub fn unavailable_all(names: &[String], reason: &str) -> Vec<(String, Fact)> {
    names
        .iter()
        .map(|n| (n.clone(), Fact::unavailable(reason)))
        .collect()
}

pub(crate) fn too_large(path: &Path, cap: u64) -> String {
    format!(
        "{} is larger than {} and was not read",
        path.display(),
        crate::value::format_bytes(cap)
    )
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
