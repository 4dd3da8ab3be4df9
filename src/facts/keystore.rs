//! Keystore probe: the primary, TLS and internal keystores and the truststore that deployment.toml
//! names — format by magic bytes, whether the configured password opens them, aliases, and the
//! configured alias's certificate. Passwords are read here and never leave this module.

pub mod der;
mod derive;
mod jks;
mod pkcs12;

use super::{Context, Fact, Location, deployment, placeholders};
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use zeroize::Zeroizing;

pub use super::catalogue::{STORE_FACTS, STORES};

/// Where WSO2 keeps keystores inside PRODUCT_HOME.
pub const SECURITY_DIR: &str = "repository/resources/security";
/// Real keystores with every public CA are well under 1 MiB.
const MAX_KEYSTORE_BYTES: u64 = 16 << 20;

/// How one store is configured in deployment.toml (the password stays in this module).
struct Configured {
    file: String,
    file_at: Option<Location>,
    password: Result<String, String>,
    alias: String,
}

pub fn probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    let (vault, names): (Vec<String>, Vec<String>) =
        names.iter().cloned().partition(|n| n.starts_with("vault."));
    std::thread::scope(|s| {
        // Secure Vault recovers its key and decrypts [secrets] while the stores are verified.
        // A host that refuses a thread (ulimit -u) gets the same work done on this one.
        let decrypting = (!vault.is_empty() && ctx.secrets_worth_a_thread())
            .then(|| {
                std::thread::Builder::new()
                    .spawn_scoped(s, || {
                        ctx.secrets();
                    })
                    .ok()
            })
            .flatten();
        let mut out = store_probe(ctx, &names);
        if let Some(t) = decrypting {
            let _ = t.join();
        }
        out.extend(vault.into_iter().map(|n| {
            let f = ctx.secrets().fact(&n);
            (n, f)
        }));
        out
    })
}

/// Starts opening the keystore files that the wanted facts `names` read, on threads of their
/// own, as the first work of a run: their key derivations (about 1.5 ms of CPU per PKCS#12
/// store) then run while the pack loads and the other probes work, instead of after them. One
/// thread per store, up to one per CPU, all started here, so that the last store does not
/// start late behind a thread that must first start the others. The keystore probe later
/// takes the stores from [`Cache`], waiting for one still being opened; nothing is opened that
/// the probe would not open. With Secure Vault's password, Secure Vault starts recovering its
/// key too. A host that refuses a thread leaves that work to the probe.
pub fn start_early(ctx: &Arc<Context>, names: &BTreeSet<String>) {
    let names: Vec<String> = names
        .iter()
        .filter(|n| super::lookup(n).is_some_and(|s| s.family == super::Family::Keystore))
        .cloned()
        .collect();
    if ctx.keystore_password_file.is_some() && names.iter().any(|n| n.starts_with("vault.")) {
        let vault = Arc::clone(ctx);
        let _ = std::thread::Builder::new().spawn(move || {
            vault.secrets();
        });
    }
    let stores = STORES.iter().filter(|s| reads_file(&names, s)).count();
    let threads = stores.min(crate::par::cpus());
    let names = Arc::new(names);
    let mut started = threads > 0;
    for i in 0..threads {
        let (ctx, names) = (Arc::clone(ctx), Arc::clone(&names));
        let opening = std::thread::Builder::new().spawn(move || {
            let Some(home) = ctx.home() else {
                return;
            };
            // Every thread reads the same list (deployment.toml is parsed once, by the first),
            // and opens every `threads`-th file of it from its own place.
            if let Ok(raw) = configured_raw(&ctx, home) {
                let files = store_files(&ctx, home, &names, raw);
                for (path, password) in files.iter().skip(i).step_by(threads) {
                    let _ = open_cached(&ctx, path, password.as_deref());
                }
            }
        });
        started &= opening.is_ok();
    }
    ctx.keystores().early.store(started, Ordering::Relaxed);
}

/// Every store's password and file name as deployment.toml writes them, read once per run (a
/// TOML parse of its own, so that opening the stores need not wait for the parse the other
/// probes share); the clear text stays inside this module.
fn configured_raw<'c>(
    ctx: &'c Context,
    home: &Path,
) -> &'c Result<BTreeMap<String, String>, String> {
    ctx.keystores().raw.get_or_init(|| {
        let keys: Vec<String> = STORES
            .iter()
            .flat_map(|s| [format!("{s}.password"), format!("{s}.file_name")])
            .collect();
        deployment::raw_strings(home, &keys)
    })
}

fn store_probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    let Some(home) = ctx.home() else {
        return super::unavailable_all(names, "no PRODUCT_HOME given");
    };
    let mut by_store: BTreeMap<&str, BTreeMap<String, Fact>> = BTreeMap::new();
    let raw = configured_raw(ctx, home);
    if let Ok(raw) = raw {
        open_in_parallel(ctx, home, names, raw);
    }
    let passwords = raw.clone().unwrap_or_default();
    let mut opened = Opened::default();
    names
        .iter()
        .map(|name| {
            let fact = match split_name(name) {
                Some((store, what)) => by_store
                    .entry(store)
                    .or_insert_with(|| {
                        let reads = reads_file(names, store);
                        store_facts(ctx, home, (store, reads), &passwords, &mut opened)
                    })
                    .get(what)
                    .cloned()
                    .unwrap_or_else(|| unknown(name)),
                None => unknown(name),
            };
            (name.clone(), fact)
        })
        .collect()
}

/// Whether a wanted fact of `store` is read from inside the keystore file (not only its name,
/// mode or existence): only then is it opened, and its keys derived.
fn reads_file(names: &[String], store: &str) -> bool {
    names
        .iter()
        .filter_map(|n| split_name(n))
        .any(|(s, what)| s == store && !matches!(what, "file" | "mode" | "exists"))
}

/// Opens every distinct keystore file the wanted stores read, one on this thread and each other
/// on its own, so that their key derivations (a PKCS#12 MAC and certificate bag each) run on all
/// cores; the facts are then read from [`Cache`]. File names and passwords come from
/// deployment.toml's raw values, so this starts without waiting for the parse that the other
/// probes share; a file named differently there is only opened again, never derived twice.
/// When [`start_early`] is already opening them, nothing: the facts wait for each store.
fn open_in_parallel(ctx: &Context, home: &Path, names: &[String], raw: &BTreeMap<String, String>) {
    if ctx.keystores().started_early() {
        // Already being opened, one thread per store: each store's facts wait for that store
        // only, so the first store's are read while the last is still deriving its keys.
        return;
    }
    let files = store_files(ctx, home, names, raw);
    let Some(((path, password), others)) = files.split_first() else {
        return;
    };
    std::thread::scope(|s| {
        for (path, password) in others {
            // Without a thread to spare, the file is opened later on this one, from the cache.
            let _ = std::thread::Builder::new()
                .spawn_scoped(s, move || open_cached(ctx, path, password.as_deref()));
        }
        let _ = open_cached(ctx, path, password.as_deref());
    });
}

/// The distinct (file, password) pairs of the stores the wanted facts `names` read inside.
fn store_files(
    ctx: &Context,
    home: &Path,
    names: &[String],
    raw: &BTreeMap<String, String>,
) -> Vec<(PathBuf, Option<String>)> {
    let mut files: Vec<(PathBuf, Option<String>)> = Vec::new();
    for store in STORES.iter().filter(|s| reads_file(names, s)) {
        let file = raw
            .get(&store_keys(store, "file_name").0)
            .or_else(|| store_keys(store, "file_name").1.and_then(|p| raw.get(&p)))
            .map_or(shipped(store, "file_name"), String::as_str);
        let keys = store_keys(store, "password");
        let password = password(ctx, raw, &keys, shipped(store, "password")).ok();
        let file = (home.join(SECURITY_DIR).join(file), password);
        if !files.contains(&file) {
            files.push(file);
        }
    }
    files
}

fn unknown(name: &str) -> Fact {
    Fact::unavailable(format!("the keystore probe does not know `{name}`"))
}

fn split_name(name: &str) -> Option<(&'static str, &str)> {
    STORES.iter().find_map(|s| {
        name.strip_prefix(s)
            .and_then(|r| r.strip_prefix('.'))
            .map(|what| (*s, what))
    })
}

/// Facts already read in this probe, by file, password and alias: the TLS, primary and internal
/// keystores are usually one file, and reading the alias's certificate is an X.509 parse. The
/// keystores themselves are opened once per run through [`Cache`].
#[derive(Default)]
struct Opened {
    described: Vec<(DescribedKey, BTreeMap<String, Fact>)>,
}

/// A keystore file, the configured password (or why there is none), and alias.
type DescribedKey = (PathBuf, Result<String, String>, String);

/// Keystores read and verified in this run, by file and password: verifying a PKCS#12 MAC costs
/// a PBKDF2 run, and the keystore probe and Secure Vault open the same files, possibly on two
/// threads at once: the second waits for the first's result instead of deriving again.
#[derive(Default)]
pub struct Cache {
    opened: Mutex<Vec<CacheEntry>>,
    /// Every key derived from a password in this run, once per input.
    derivations: derive::Derivations,
    /// The stores' passwords and file names in deployment.toml (see [`configured_raw`]).
    raw: OnceLock<Result<BTreeMap<String, String>, String>>,
    /// Whether [`start_early`] has started opening the stores.
    early: AtomicBool,
}

impl Cache {
    /// Whether the stores are being opened since the run started ([`start_early`]): the keystore
    /// probe then mostly waits for that work, and is best run after the other probes.
    pub fn started_early(&self) -> bool {
        self.early.load(Ordering::Relaxed)
    }
}

type Opening = Arc<OnceLock<Result<Arc<Store>, String>>>;
type CacheEntry = (PathBuf, Option<Zeroizing<String>>, Opening);

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the passwords.
        let n = self.opened.lock().map_or(0, |o| o.len());
        write!(f, "Cache({n} keystores)")
    }
}

/// Reads and opens the keystore at `path` with `password`, once per run.
pub fn open_cached(
    ctx: &Context,
    path: &Path,
    password: Option<&str>,
) -> Result<Arc<Store>, String> {
    let slot: Opening = {
        let Ok(mut cache) = ctx.keystores().opened.lock() else {
            return Err("the keystore cache is unusable after a panic".into());
        };
        let same = |e: &&CacheEntry| e.0 == path && e.1.as_deref().map(|p| p.as_str()) == password;
        match cache.iter().find(same) {
            Some(e) => Arc::clone(&e.2),
            None => {
                let slot = Opening::default();
                let pw = password.map(|p| Zeroizing::new(p.to_string()));
                cache.push((path.to_path_buf(), pw, Arc::clone(&slot)));
                slot
            }
        }
    };
    slot.get_or_init(|| {
        crate::io::read_capped_bytes(path, MAX_KEYSTORE_BYTES)
            .and_then(|b| open_with(&b, password, &ctx.keystores().derivations))
            .map(Arc::new)
    })
    .clone()
}

impl Opened {
    /// The facts read from the keystore file itself: all but `file`, `mode` and `exists`.
    fn facts(
        &mut self,
        ctx: &Context,
        home: &Path,
        path: &Path,
        cfg: &Configured,
    ) -> BTreeMap<String, Fact> {
        let key = (path.to_path_buf(), cfg.password.clone(), cfg.alias.clone());
        if let Some((_, done)) = self.described.iter().find(|(k, _)| *k == key) {
            return done.clone();
        }
        let mut out = BTreeMap::new();
        match open_cached(ctx, path, cfg.password.as_deref().ok()) {
            Ok(store) => describe(&store, cfg, &mut out),
            Err(e) => {
                let e = super::under_home(&e, home, path);
                for (what, _, _) in STORE_FACTS
                    .iter()
                    .filter(|(w, _, _)| !matches!(*w, "file" | "mode" | "exists"))
                {
                    out.insert(what.to_string(), Fact::unavailable(e.clone()));
                }
                out.insert("localhost-certs".into(), Fact::unavailable(e));
            }
        }
        self.described.push((key, out.clone()));
        out
    }
}

/// Every fact of one store, keyed by the name without the store prefix.
fn store_facts(
    ctx: &Context,
    home: &Path,
    (store, reads_file): (&str, bool),
    passwords: &BTreeMap<String, String>,
    opened: &mut Opened,
) -> BTreeMap<String, Fact> {
    let cfg = match configured(ctx, store, passwords) {
        Ok(c) => c,
        Err(e) => return all_unavailable(&e),
    };
    let path = home.join(&cfg.file);
    let mut out = BTreeMap::new();
    let file_fact = Fact::value(Value::Str(cfg.file.clone())).at(cfg.file_at.clone());
    out.insert("file".to_string(), file_fact);
    out.insert("mode".to_string(), file_mode(&path));
    // A missing file is an observation (the rule fails), not a probe failure.
    // Only "not found" is an answer; a folder we may not read leaves it unknown.
    let exists = match std::fs::symlink_metadata(&path) {
        Ok(_) => Fact::value(Value::Bool(true)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Fact::value(Value::Bool(false)),
        Err(e) => Fact::unavailable(super::under_home(
            &format!("cannot stat {}: {e}", path.display()),
            home,
            &path,
        )),
    };
    out.insert("exists".to_string(), exists);
    if reads_file {
        out.extend(opened.facts(ctx, home, &path, &cfg));
    }
    out
}

fn all_unavailable(reason: &str) -> BTreeMap<String, Fact> {
    STORE_FACTS
        .iter()
        .map(|(w, _, _)| w.to_string())
        .chain(["localhost-certs".to_string()])
        .map(|w| (w, Fact::unavailable(reason)))
        .collect()
}

/// The certificates the product's JVM trusts: every certificate of the `[truststore]` file
/// (default client-truststore.jks, password wso2carbon), trusted-certificate entries and the
/// first certificate of key entries alike, as sun.security.validator.TrustStoreUtil reads a
/// KeyStore. Returns the file (relative to PRODUCT_HOME) and the DER certificates, or why they
/// cannot be read, naming the file; never a fallback to another store.
pub fn truststore_certs(ctx: &Context) -> Result<(String, Vec<Vec<u8>>), String> {
    let home = ctx.home().ok_or("no PRODUCT_HOME given")?;
    let keys = [
        "truststore.password".to_string(),
        "truststore.file_name".to_string(),
    ];
    let raw = deployment::raw_strings(home, &keys)?;
    let cfg = configured(ctx, "truststore", &raw)?;
    let file = cfg.file.clone();
    let password = cfg
        .password
        .map_err(|e| format!("the truststore {file} cannot be opened: {e}"))?;
    let store = open_cached(ctx, &home.join(&file), Some(&password))
        .map_err(|e| format!("the truststore {file} cannot be read: {e}"))?;
    match &store.opens {
        Ok(true) => {}
        Ok(false) => {
            return Err(format!(
                "the truststore {file} does not open with its [truststore] password (the JVM refuses to load it)"
            ));
        }
        Err(e) => return Err(format!("the truststore {file} cannot be read: {e}")),
    }
    if let Some(note) = &store.certs_note {
        return Err(format!("the truststore {file}: {note}"));
    }
    let certs = store
        .entries
        .iter()
        .filter_map(|e| e.cert.clone())
        .collect();
    Ok((file, certs))
}

/// Reads file name, password and alias for `store`; tls and internal fall back to primary.
fn configured(
    ctx: &Context,
    store: &str,
    passwords: &BTreeMap<String, String>,
) -> Result<Configured, String> {
    let fallback = |key: &str| store_keys(store, key);
    let d = ctx.deployment();
    // Fail closed: an unreadable deployment.toml or a value only known at start is an error,
    // never the shipped default.
    let lookup = |key: &str| -> Result<Option<(Value, Location)>, String> {
        let (own, primary) = fallback(key);
        match d.get(&own)? {
            Some(v) => Ok(Some(v.clone())),
            None => match primary {
                Some(p) => Ok(d.get(&p)?.cloned()),
                None => Ok(None),
            },
        }
    };
    let default_file = shipped(store, "file_name");
    let (file_name, file_at) = match lookup("file_name")? {
        Some((Value::Str(s), loc)) => (s, Some(loc)),
        _ => (default_file.to_string(), None),
    };
    let alias = match lookup("alias")? {
        Some((Value::Str(s), _)) => s,
        _ => shipped(store, "alias").to_string(),
    };
    let password = password(
        ctx,
        passwords,
        &fallback("password"),
        shipped(store, "password"),
    );
    Ok(Configured {
        file: format!("{SECURITY_DIR}/{file_name}"),
        file_at,
        password,
        alias,
    })
}

/// The deployment.toml key of `store`'s `key`, and the primary keystore's that tls and internal
/// fall back to.
fn store_keys(store: &str, key: &str) -> (String, Option<String>) {
    let own = format!("{store}.{key}");
    let uses_primary = store.starts_with("keystore.") && store != "keystore.primary";
    (own, uses_primary.then(|| format!("keystore.primary.{key}")))
}

/// What the product uses for `store.key` when deployment.toml sets nothing: the kernel's
/// default.json ([`placeholders::KERNEL_DEFAULTS`]), the primary keystore's where the store
/// has no default of its own (the truststore's alias).
fn shipped(store: &str, key: &str) -> &'static str {
    placeholders::kernel_default(&format!("{store}.{key}"))
        .or_else(|| placeholders::kernel_default(&format!("keystore.primary.{key}")))
        .unwrap_or_default()
}

/// The clear password, read from deployment.toml inside this probe only; a `$secret{}` alias
/// is decrypted by Secure Vault ([`Context::secrets`]).
fn password(
    ctx: &Context,
    raw: &BTreeMap<String, String>,
    keys: &(String, Option<String>),
    default: &str,
) -> Result<String, String> {
    let value = raw
        .get(&keys.0)
        .or_else(|| keys.1.as_ref().and_then(|p| raw.get(p)));
    match value {
        None => Ok(default.to_string()),
        Some(v) => match secret_alias(v) {
            Some(alias) => ctx
                .secrets()
                .secret(alias)
                .map(str::to_string)
                .map_err(|e| format!("the password is a $secret{{}} alias: {e}")),
            None => resolve_placeholder(v),
        },
    }
}

/// The alias of a `$secret{alias}` placeholder.
fn secret_alias(v: &str) -> Option<&str> {
    v.trim()
        .strip_prefix("$secret{")
        .and_then(|r| r.strip_suffix('}'))
        .map(str::trim)
}

/// Resolves `$env{NAME}`; `$secret{}`, `$sys{}` and `$ref{}` cannot be resolved here.
pub fn resolve_placeholder(v: &str) -> Result<String, String> {
    let t = v.trim();
    let inner = |prefix: &str| t.strip_prefix(prefix).and_then(|r| r.strip_suffix('}'));
    if let Some(name) = inner("$env{") {
        return std::env::var(name).map_err(|_| {
            format!("password is $env{{{name}}}, which is not set in preflight's environment")
        });
    }
    if inner("$secret{").is_some() {
        return Err("password is a $secret{} alias; encrypted secrets are not decrypted".into());
    }
    if inner("$sys{").is_some() {
        return Err("password is a $sys{} system property, which preflight cannot see".into());
    }
    if inner("$ref{").is_some() {
        return Err("password is a $ref{} reference, which preflight does not follow".into());
    }
    Ok(v.to_string())
}

fn file_mode(path: &Path) -> Fact {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(path) {
        Ok(m) => Fact::value(Value::Int((m.permissions().mode() & 0o7777) as i64)),
        Err(e) => Fact::unavailable(format!("cannot stat the keystore: {e}")),
    }
}

/// A keystore as read: format, password check, entries.
#[derive(Debug, Clone)]
pub struct Store {
    pub format: Format,
    /// Whether the password verified, or why that could not be told.
    pub opens: Result<bool, String>,
    pub verified_by: String,
    pub entries: Vec<Entry>,
    /// Why certificates may be missing (encrypted and not decrypted).
    pub certs_note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Jks,
    Jceks,
    Pkcs12,
}

impl Format {
    fn name(self) -> &'static str {
        match self {
            Format::Jks => "jks",
            Format::Jceks => "jceks",
            Format::Pkcs12 => "pkcs12",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    PrivateKey,
    TrustedCert,
    SecretKey,
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub alias: String,
    pub kind: EntryKind,
    /// DER of the entry's certificate (the first of a key's chain).
    pub cert: Option<Vec<u8>>,
    /// A private key as stored, still encrypted: decrypted only by [`private_key`].
    pub protected_key: Option<Vec<u8>>,
}

/// The PKCS#8 PrivateKeyInfo of `alias`'s private key, decrypted with `password` the way the
/// JDK's keystore does (JKS: Sun KeyProtector; PKCS#12: the shrouded key bag's PBE).
pub fn private_key(
    keys: &Cache,
    store: &Store,
    alias: &str,
    password: &str,
) -> Result<zeroize::Zeroizing<Vec<u8>>, String> {
    let entry = store
        .entries
        .iter()
        .find(|e| e.kind == EntryKind::PrivateKey && e.alias.eq_ignore_ascii_case(alias))
        .ok_or_else(|| format!("the keystore has no private key entry `{alias}`"))?;
    let protected = entry.protected_key.as_deref().ok_or_else(|| {
        format!(
            "the private key of `{alias}` is not stored encrypted, which preflight does not read"
        )
    })?;
    match store.format {
        Format::Jks => jks::recover_key(protected, password),
        Format::Pkcs12 => pkcs12::recover_key(protected, password, &keys.derivations),
        Format::Jceks => jks::recover_jceks_key(protected, password),
    }
    .map_err(|e| format!("the private key `{alias}` does not decrypt: {e}"))
}

/// Opens a keystore by its magic bytes, never by its file extension.
pub fn open(bytes: &[u8], password: Option<&str>) -> Result<Store, String> {
    open_with(bytes, password, &derive::Derivations::default())
}

/// [`open`], with the run's derived keys.
fn open_with(
    bytes: &[u8],
    password: Option<&str>,
    keys: &derive::Derivations,
) -> Result<Store, String> {
    match bytes.get(..4) {
        Some(m) if m == jks::JKS_MAGIC || m == jks::JCEKS_MAGIC => jks::parse(bytes, password),
        Some([0x30, ..]) => {
            // Every key the file needs (MAC, certificate bag, key bag) is known from its
            // structure before any is derived: a first parse only notes them, they are derived
            // two at a time, and the second parse finds them all.
            let plan = derive::Plan::default();
            let _ = pkcs12::parse(bytes, password, &plan);
            keys.prepare(plan);
            pkcs12::parse(bytes, password, keys)
        }
        _ => Err("not a keystore: neither JKS nor PKCS#12 magic bytes".into()),
    }
}

fn describe(s: &Store, cfg: &Configured, out: &mut BTreeMap<String, Fact>) {
    let mut put = |k: &str, f: Fact| {
        out.insert(k.to_string(), f);
    };
    put("format", Fact::value(Value::Str(s.format.name().into())));
    put(
        "opens",
        match (&cfg.password, &s.opens) {
            (Err(e), _) => Fact::unavailable(e.clone()),
            (_, Ok(b)) => Fact::value(Value::Bool(*b)),
            (_, Err(e)) => Fact::unavailable(e.clone()),
        },
    );
    put(
        "verified-by",
        Fact::value(Value::Str(s.verified_by.clone())),
    );
    let aliases = s
        .entries
        .iter()
        .map(|e| Value::Str(e.alias.clone()))
        .collect();
    put("aliases", Fact::value(Value::List(aliases)));
    let entry = s
        .entries
        .iter()
        .find(|e| e.alias.eq_ignore_ascii_case(&cfg.alias));
    put("alias-present", Fact::value(Value::Bool(entry.is_some())));
    let cert = match entry {
        None => Err(format!("alias `{}` is not in the keystore", cfg.alias)),
        Some(e) => match &e.cert {
            Some(der) => cert::info(der),
            None => Err(s
                .certs_note
                .clone()
                .unwrap_or_else(|| format!("alias `{}` has no certificate", cfg.alias))),
        },
    };
    for (k, f) in cert::facts(&cert) {
        put(k, f);
    }
    put("localhost-certs", localhost_certs(s));
}

/// `alias: subject` of every entry whose certificate is issued to `CN=localhost`, which no public
/// CA issues: in a truststore it is a test or a shipped certificate. Which of them is WSO2's is
/// the rule's to say (rules/wso2-apim/tls.toml). A truststore holds ~100 CA certificates: only
/// those whose DER carries the word `localhost` are parsed.
fn localhost_certs(s: &Store) -> Fact {
    let names_localhost = |der: &[u8]| der.windows(9).any(|w| w == b"localhost");
    let found: Vec<Value> = s
        .entries
        .iter()
        .filter_map(|e| {
            let der = e.cert.as_deref().filter(|d| names_localhost(d))?;
            let c = cert::info(der).ok()?;
            c.subject
                .split(", ")
                .any(|rdn| rdn.eq_ignore_ascii_case("CN=localhost"))
                .then(|| Value::Str(format!("{}: {}", e.alias, c.subject)))
        })
        .collect();
    match &s.certs_note {
        Some(note) if found.is_empty() => Fact::unavailable(note.clone()),
        _ => Fact::value(Value::List(found)),
    }
}

mod cert;

#[cfg(test)]
mod tests;
