//! Config probe: repository/conf/deployment.toml as a flat map of key paths to values with
//! their file, line and column; secrets redacted as the file is read.

use super::config_derived::{Derived, located_list};
use super::placeholders::{self, Resolved, Resolver, StartEnv};
use super::{Context, Fact, LineIndex, Location, line_col, read_capped, under_home};
use crate::value::{Secret, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use toml::de::{DeTable, DeValue};

/// The path of deployment.toml inside PRODUCT_HOME.
pub const DEPLOYMENT_TOML: &str = "repository/conf/deployment.toml";
/// No real deployment.toml comes close to this; a larger file is refused, not read.
pub const MAX_CONFIG_BYTES: u64 = 8 << 20;

/// deployment.toml, loaded once per run.
#[derive(Debug)]
pub struct Deployment {
    /// Why the file cannot be used, with where the problem is.
    pub error: Option<(String, Option<Location>)>,
    /// Every key path (`server.hostname`, `apim.gateway.environment.0.name`) and its value.
    pub keys: BTreeMap<String, (Value, Location)>,
    /// Facts about the file as a whole, computed while it is parsed.
    pub derived: Derived,
    /// Key paths whose value the product only knows at start, or cannot resolve, and why.
    pub unknown: BTreeMap<String, String>,
    /// The names (never the values) of the variables set in the environment the product
    /// starts with.
    pub env_names: BTreeSet<String>,
    /// The version's config defaults, or why they are not known.
    pub defaults: placeholders::Defaults,
}

impl Default for Deployment {
    fn default() -> Deployment {
        Deployment {
            error: None,
            keys: BTreeMap::new(),
            derived: Derived::default(),
            unknown: BTreeMap::new(),
            env_names: BTreeSet::new(),
            defaults: Ok(placeholders::KERNEL_DEFAULTS),
        }
    }
}

/// What placeholders resolve against: the environment the product starts with and the
/// version's config defaults.
pub struct StartsWith {
    pub env: StartEnv,
    pub defaults: placeholders::Defaults,
}

impl StartsWith {
    /// This run's environment and the defaults of the versions this preflight knows (for
    /// tests and tools that have no product to ask).
    pub fn this_run() -> StartsWith {
        StartsWith {
            env: StartEnv::of_this_run(),
            defaults: Ok(placeholders::KERNEL_DEFAULTS),
        }
    }
}

impl Deployment {
    pub fn load(home: Option<&Path>, start: &StartsWith) -> Deployment {
        let Some(home) = home else {
            return Deployment::failed("no PRODUCT_HOME given", None);
        };
        let path = home.join(DEPLOYMENT_TOML);
        let text = match read_capped(&path, MAX_CONFIG_BYTES) {
            Ok(t) => t,
            Err(e) => return Deployment::failed(&under_home(&e, home, &path), None),
        };
        Deployment::parse_in(&text, start)
    }

    fn failed(reason: &str, location: Option<Location>) -> Deployment {
        Deployment {
            error: Some((reason.to_string(), location)),
            ..Deployment::default()
        }
    }

    /// Parses deployment.toml text against this run's environment.
    pub fn parse(text: &str) -> Deployment {
        Deployment::parse_in(text, &StartsWith::this_run())
    }

    /// Parses deployment.toml text, placeholders resolved as the product will resolve them; a
    /// syntax error (duplicate keys included) is kept with its line and column.
    pub fn parse_in(text: &str, start: &StartsWith) -> Deployment {
        // Every WSO2 pack ships it with [server], [super_admin], [database.*], [keystore.*]:
        // a file with no setting at all was cut short or never written, not "all defaults".
        if text
            .lines()
            .all(|l| l.trim().is_empty() || l.trim_start().starts_with('#'))
        {
            return Deployment::failed(
                "the file sets nothing (empty or only comments); WSO2 ships it with [server], [super_admin] and [database.*] settings, so it was cut short or never written",
                None,
            );
        }
        match DeTable::parse(text) {
            Ok(root) => {
                let index = LineIndex::new(text);
                // Raw scalars, for $ref{} and $secret{}: held only while the file is parsed.
                let mut raw = BTreeMap::new();
                raw_scalars(root.get_ref(), "", &mut raw);
                let r = Resolver {
                    file: &raw,
                    defaults: &start.defaults,
                    env: &start.env,
                };
                let mut flat = Flat {
                    index: &index,
                    resolver: &r,
                    keys: BTreeMap::new(),
                    unknown: BTreeMap::new(),
                };
                flat.table(root.get_ref(), "");
                let derived = Derived::compute(&index, root.get_ref(), &r);
                Deployment {
                    error: None,
                    keys: flat.keys,
                    derived,
                    unknown: flat.unknown,
                    env_names: start.env.names(),
                    defaults: start.defaults.clone(),
                }
            }
            Err(e) => {
                let offset = e.span().map_or(0, |s| s.start);
                let (line, column) = line_col(text, offset);
                let first = e
                    .message()
                    .lines()
                    .next()
                    .unwrap_or("invalid TOML")
                    .trim()
                    .to_string();
                let loc = Location {
                    file: DEPLOYMENT_TOML.into(),
                    line,
                    column,
                };
                Deployment::failed(&format!("invalid TOML: {first}"), Some(loc))
            }
        }
    }

    /// The value at a key path (`server.hostname`), if the file sets it. Probes that judge a
    /// value use `get`, which fails closed.
    pub fn lookup(&self, path: &str) -> Option<&(Value, Location)> {
        self.keys.get(path)
    }

    /// The value the product will use at a key path: `Ok(None)` when the file does not set it,
    /// `Err` when the file cannot be read or the value is only known at start — never the
    /// shipped default in place of a file that could not be read.
    pub fn get(&self, path: &str) -> Result<Option<&(Value, Location)>, String> {
        if let Some(why) = self.unusable() {
            return Err(why);
        }
        if let Some(why) = self.unknown.get(path) {
            return Err(format!("{}: {why}", shown_key(path)));
        }
        Ok(self.keys.get(path))
    }

    /// Why the file cannot be used at all, if it cannot: "deployment.toml could not be read: …".
    pub fn unusable(&self) -> Option<String> {
        let (msg, loc) = self.error.as_ref()?;
        let at = loc
            .as_ref()
            .map(|l| format!(" (line {})", l.line))
            .unwrap_or_default();
        Some(format!("deployment.toml could not be read: {msg}{at}"))
    }
}

/// `[server] hostname` for `server.hostname`: how the user finds the key in the file.
fn shown_key(path: &str) -> String {
    match path.rsplit_once('.') {
        Some((table, key)) => format!("[{table}] {key}"),
        None => path.to_string(),
    }
}

/// Every scalar of the file as text, by canonical key path (what `$ref{}` and `$secret{}`
/// resolve against). Array items are not addressable by `$ref{}`.
fn raw_scalars(table: &DeTable<'_>, prefix: &str, out: &mut BTreeMap<String, String>) {
    for (key, value) in table.iter() {
        let path = join(prefix, key.get_ref());
        match value.get_ref() {
            DeValue::Table(t) => raw_scalars(t, &path, out),
            DeValue::String(s) => {
                out.insert(path, s.to_string());
            }
            DeValue::Integer(i) => {
                out.insert(path, i.as_str().replace('_', ""));
            }
            DeValue::Float(f) => {
                out.insert(path, f.as_str().to_string());
            }
            DeValue::Boolean(b) => {
                out.insert(path, b.to_string());
            }
            _ => {}
        }
    }
}

/// The clear-text strings at `paths`, re-read from deployment.toml. Only for probes that must
/// use a secret themselves (a keystore password to open the keystore); the result must never be
/// put into a fact. Paths the file does not set as strings are absent from the map.
pub fn raw_strings(home: &Path, paths: &[String]) -> Result<BTreeMap<String, String>, String> {
    let path = home.join(DEPLOYMENT_TOML);
    let text = read_capped(&path, MAX_CONFIG_BYTES).map_err(|e| under_home(&e, home, &path))?;
    let root = DeTable::parse(&text)
        .map_err(|e| format!("deployment.toml is invalid TOML: {}", e.message().trim()))?;
    let mut out = BTreeMap::new();
    for p in paths {
        if let Some(s) = raw_at(root.get_ref(), p) {
            out.insert(p.clone(), s);
        }
    }
    Ok(out)
}

fn raw_at(table: &DeTable<'_>, path: &str) -> Option<String> {
    let segs = split_path(path)?;
    let (last, parents) = segs.split_last()?;
    let mut current = table;
    for seg in parents {
        match child(current, seg)? {
            DeValue::Table(t) => current = t,
            _ => return None,
        }
    }
    match child(current, last)? {
        DeValue::String(s) => Some(s.to_string()),
        _ => None,
    }
}

fn child<'t, 'i>(table: &'t DeTable<'i>, key: &str) -> Option<&'t DeValue<'i>> {
    table
        .iter()
        .find(|(k, _)| k.get_ref() == key)
        .map(|(_, v)| v.get_ref())
}

pub fn probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    let d = ctx.deployment();
    names
        .iter()
        .map(|n| {
            let f = match n.as_str() {
                "config.hostname.resolves" => hostname_resolves(ctx, d),
                "config.generated-files-edited" => super::generated::edited(ctx.home()),
                "config.encryption-key.digest" => encryption_key_digest(ctx, d),
                "config.https.weak-protocols" => super::tls_config::https_weak_protocols(d),
                _ => fact(d, n),
            };
            (n.clone(), f)
        })
        .collect()
}

/// Whether `[server] hostname` resolves on this host; not set when the file sets none.
fn hostname_resolves(ctx: &Context, d: &Deployment) -> Fact {
    if let Some(offline) = ctx.offline_reason() {
        return offline;
    }
    if let Some((msg, _)) = &d.error {
        return Fact::unavailable(format!("deployment.toml cannot be used: {msg}"));
    }
    match d.lookup("server.hostname") {
        Some((Value::Str(h), loc)) if !h.contains("${") && !h.contains("$env{") => {
            super::host::resolves(h, ctx.deadline).at(Some(loc.clone()))
        }
        Some((_, loc)) => Fact::value(Value::Null).at(Some(loc.clone())),
        None => Fact::value(Value::Null),
    }
}

/// The environment variable holding the fleet salt: the same secret value on every node, so
/// secrets can be compared across nodes by a salted digest and never shipped in clear.
pub const FLEET_SALT_ENV: &str = "PREFLIGHT_FLEET_SALT";

/// `config.encryption-key.digest`: HMAC-SHA256 of the `[encryption] key` under the fleet salt.
/// The key is resolved (plain hex, `$env{}`, `$secret{}` still in `[plain text]` form) only
/// here and dropped; nothing but the digest leaves this function.
fn encryption_key_digest(ctx: &Context, d: &Deployment) -> Fact {
    if let Some((msg, _)) = &d.error {
        return Fact::unavailable(format!("deployment.toml cannot be used: {msg}"));
    }
    let Some((_, loc)) = &d.derived.encryption_key else {
        return Fact::value(Value::Null);
    };
    let salt = std::env::var(FLEET_SALT_ENV).unwrap_or_default();
    if salt.is_empty() {
        return Fact::unavailable(format!(
            "{FLEET_SALT_ENV} is not set: give every node the same secret salt to compare `[encryption] key` across nodes by salted digest"
        ));
    }
    let Some(home) = ctx.home() else {
        return Fact::unavailable("no PRODUCT_HOME given");
    };
    let raw = |path: &str| -> Result<Option<String>, String> {
        Ok(raw_strings(home, &[path.to_string()])?.remove(path))
    };
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let digest = raw("encryption.key")
        .and_then(|key| key.ok_or_else(|| "`[encryption] key` is not a string".to_string()))
        .and_then(|key| resolve_secret(&key, &raw, &env))
        .map(|key| salted_digest(&salt, &key));
    match digest {
        Ok(d) => Fact::value(Value::Str(d)).at(Some(loc.clone())),
        Err(why) => Fact::unavailable(format!("`[encryption] key` cannot be digested: {why}")),
    }
}

/// The clear value a secret setting stands for: itself (64-hex keys lower-cased), the
/// environment variable of `$env{}`, or the `[secrets]` alias of `$secret{}` while it is still
/// `[plain text]`. Cipher-tool-encrypted aliases and `$sys{}` cannot be resolved before start.
pub fn resolve_secret(
    raw: &str,
    read: &dyn Fn(&str) -> Result<Option<String>, String>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<String, String> {
    let t = raw.trim();
    let inner = |prefix: &str| {
        t.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix('}'))
            .map(str::trim)
    };
    match crate::value::placeholder_form(t) {
        None => Ok(normalize_key(t)),
        Some("env") => {
            let name = inner("$env{").unwrap_or_default();
            env(name)
                .map(|v| normalize_key(v.trim()))
                .ok_or_else(|| format!("$env{{{name}}} is not set in this environment"))
        }
        Some("secret-ref") => {
            let alias = inner("$secret{").unwrap_or_default();
            let value = read(&join("secrets", alias))?
                .ok_or_else(|| format!("$secret{{{alias}}} has no alias in [secrets]"))?;
            let v = value.trim();
            match v.strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                Some(plain) => resolve_secret(plain, &|_| Ok(None), env),
                None => Err(format!(
                    "$secret{{{alias}}} is encrypted with the cipher tool and each node's ciphertext differs; pass the key as $env{{}} to compare it across nodes"
                )),
            }
        }
        Some(other) => Err(format!(
            "a `{other}` placeholder is resolved only when the server starts"
        )),
    }
}

/// A 64-hex key in lower case, so that `AB…` and `ab…` digest alike; anything else as written.
fn normalize_key(t: &str) -> String {
    if t.len() == 64 && t.chars().all(|c| c.is_ascii_hexdigit()) {
        t.to_ascii_lowercase()
    } else {
        t.to_string()
    }
}

/// `hmac-sha256:<64 hex>` of `value` keyed by `salt`: equal on nodes with the same value and
/// salt, and worthless for guessing the value without the salt.
pub fn salted_digest(salt: &str, value: &str) -> String {
    use hmac::{KeyInit, Mac};
    let mut mac = <hmac::Hmac<sha2::Sha256> as KeyInit>::new_from_slice(salt.as_bytes())
        .expect("HMAC takes keys of any length");
    mac.update(value.as_bytes());
    let bytes = mac.finalize().into_bytes();
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!("hmac-sha256:{hex}")
}

fn fact(d: &Deployment, name: &str) -> Fact {
    if name == "config.parse-error" {
        return match &d.error {
            Some((msg, loc)) => Fact::value(Value::Str(msg.clone())).at(loc.clone()),
            None => Fact::value(Value::Null),
        };
    }
    if let Some(why) = d.unusable() {
        return Fact::unavailable(why);
    }
    if name.starts_with("config.") {
        return derived_fact(d, name);
    }
    let Some(path) = name.strip_prefix("deployment.") else {
        return Fact::unavailable(format!("the config probe does not know `{name}`"));
    };
    let Some(canonical) = canonical_path(path) else {
        return Fact::unavailable(format!("`{path}` is not a valid key path"));
    };
    match d.get(&canonical) {
        Ok(Some((v, loc))) => Fact::value(v.clone()).at(Some(loc.clone())),
        Ok(None) => Fact::value(Value::Null),
        Err(why) => Fact::unavailable(why).at(d.lookup(&canonical).map(|(_, l)| l.clone())),
    }
}

/// Whether `[server] hostname`, resolved, names this machine only (absent: the product's
/// `localhost`).
fn hostname_loopback(d: &Deployment) -> Fact {
    match d.get("server.hostname") {
        Ok(Some((Value::Str(h), loc))) => {
            Fact::value(Value::Bool(super::product_parse::is_loopback(h))).at(Some(loc.clone()))
        }
        Ok(Some((_, loc))) => {
            Fact::unavailable("[server] hostname is not a string").at(Some(loc.clone()))
        }
        Ok(None) => Fact::value(Value::Bool(true)),
        Err(why) => Fact::unavailable(why),
    }
}

/// The facts derived from the whole file (see `config_derived`).
fn derived_fact(dep: &Deployment, name: &str) -> Fact {
    let d = &dep.derived;
    let list = |items: &[(String, Location)]| {
        let (v, loc) = located_list(items);
        Fact::value(v).at(loc)
    };
    match name {
        "config.hostname.loopback" => hostname_loopback(dep),
        "config.placeholders.defaults-unknown" => list(
            &d.unresolved(&|v| dep.env_names.contains(v), &dep.defaults)
                .1,
        ),
        "config.secrets.last" => match &d.secrets_last {
            Some((last, loc)) => Fact::value(Value::Bool(*last)).at(Some(loc.clone())),
            None => Fact::value(Value::Null),
        },
        "config.secrets.plain" => list(&d.secrets_plain),
        "config.placeholders.unresolved" => list(
            &d.unresolved(&|v| dep.env_names.contains(v), &dep.defaults)
                .0,
        ),
        "config.passwords.plaintext" => list(&d.plaintext_passwords),
        "config.localhost-urls" => match d.unknown_urls.first() {
            Some((path, why, at)) => {
                Fact::unavailable(format!("{}: {why}", shown_key(path))).at(Some(at.clone()))
            }
            None => list(&d.localhost_urls),
        },
        "config.encryption-key" => match &d.encryption_key {
            Some((form, loc)) => Fact::value(Value::Str(form.clone())).at(Some(loc.clone())),
            None => Fact::value(Value::Null),
        },
        "config.hsts" => match &d.hsts {
            Some((on, loc)) => Fact::value(Value::Bool(*on)).at(loc.clone()),
            None => Fact::value(Value::Bool(false)),
        },
        other => Fact::unavailable(format!("the config probe does not know `{other}`")),
    }
}

/// Flattens the file into key paths, resolving placeholders as it goes.
struct Flat<'a> {
    index: &'a LineIndex<'a>,
    resolver: &'a Resolver<'a>,
    keys: BTreeMap<String, (Value, Location)>,
    unknown: BTreeMap<String, String>,
}

impl Flat<'_> {
    fn table(&mut self, table: &DeTable<'_>, prefix: &str) {
        for (key, value) in table.iter() {
            let path = join(prefix, key.get_ref());
            self.value(value.get_ref(), value.span(), &path);
        }
    }

    fn value(&mut self, value: &DeValue<'_>, span: std::ops::Range<usize>, path: &str) {
        let (line, column) = self.index.line_col(span.start);
        let loc = Location {
            file: DEPLOYMENT_TOML.into(),
            line,
            column,
        };
        let v = match value {
            DeValue::Table(t) => {
                self.table(t, path);
                Value::List(
                    t.keys()
                        .map(|k| Value::Str(k.get_ref().to_string()))
                        .collect(),
                )
            }
            DeValue::Array(items)
                if items
                    .iter()
                    .any(|i| matches!(i.get_ref(), DeValue::Table(_))) =>
            {
                for (i, item) in items.iter().enumerate() {
                    self.value(item.get_ref(), item.span(), &format!("{path}.{i}"));
                }
                Value::List((0..items.len()).map(|i| Value::Int(i as i64)).collect())
            }
            other => match scalar(other, is_secret_path(path), self.resolver) {
                Ok(v) => v,
                Err(why) => {
                    self.unknown.insert(path.to_string(), why);
                    // What the file says, redacted, for `lookup`; `get` reports it unknown.
                    scalar_as_written(other, is_secret_path(path))
                }
            },
        };
        self.keys.insert(path.to_string(), (v, loc));
    }
}

/// A scalar as the product will use it: placeholders resolved, secrets redacted.
fn scalar(value: &DeValue<'_>, secret: bool, r: &Resolver<'_>) -> Result<Value, String> {
    match value {
        DeValue::String(s) if placeholders::has_placeholder(s) => resolved(s, secret, r),
        DeValue::Array(items) => items
            .iter()
            .map(|i| scalar(i.get_ref(), secret, r))
            .collect::<Result<Vec<_>, _>>()
            .map(Value::List),
        other => Ok(scalar_as_written(other, secret)),
    }
}

fn resolved(raw: &str, secret: bool, r: &Resolver<'_>) -> Result<Value, String> {
    let form = Secret::redact(raw).form;
    let as_secret = |plain: Option<&str>| {
        Value::Secret(Secret {
            known_default: plain.and_then(|p| Secret::redact(p).known_default),
            form: form.clone(),
        })
    };
    match r.resolve(raw) {
        Resolved::Text(t) if secret => Ok(as_secret(Some(&t))),
        Resolved::Text(t) => Ok(Value::Str(redact_inline(&t))),
        Resolved::Secret(plain) => Ok(as_secret(plain.as_deref())),
        Resolved::Unknown(why) => Err(why),
    }
}

/// A scalar as the file writes it, secrets redacted.
fn scalar_as_written(value: &DeValue<'_>, secret: bool) -> Value {
    match value {
        DeValue::String(s) if secret => Value::Secret(Secret::redact(s)),
        DeValue::String(s) => Value::Str(redact_inline(s)),
        // `password = 987654321`: a secret whatever its type.
        DeValue::Integer(i) if secret => Value::Secret(Secret::redact(i.as_str())),
        DeValue::Float(f) if secret => Value::Secret(Secret::redact(f.as_str())),
        DeValue::Boolean(b) if secret => Value::Secret(Secret::redact(&b.to_string())),
        DeValue::Datetime(d) if secret => Value::Secret(Secret::redact(&d.to_string())),
        DeValue::Integer(i) => i
            .as_str()
            .replace('_', "")
            .parse::<i64>()
            .map(Value::Int)
            .unwrap_or_else(|_| Value::Str(i.as_str().to_string())),
        DeValue::Float(f) => f.as_str().parse().map(Value::Float).unwrap_or(Value::Null),
        DeValue::Boolean(b) => Value::Bool(*b),
        DeValue::Datetime(d) => Value::Str(d.to_string()),
        DeValue::Array(items) => Value::List(
            items
                .iter()
                .map(|i| scalar_as_written(i.get_ref(), secret))
                .collect(),
        ),
        DeValue::Table(_) => Value::Null,
    }
}

pub use preflight_rules::names::{is_secret_path, split_path};

/// Hides credentials written inside other values (see [`preflight_rules::redact::inline`]).
pub fn redact_inline(s: &str) -> String {
    preflight_rules::redact::inline(s)
}

fn needs_quotes(segment: &str) -> bool {
    segment.is_empty()
        || !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

pub(crate) fn join(prefix: &str, key: &str) -> String {
    let seg = if needs_quotes(key) {
        format!("'{key}'")
    } else {
        key.to_string()
    };
    if prefix.is_empty() {
        seg
    } else {
        format!("{prefix}.{seg}")
    }
}

/// The path as the flattened map spells it (quotes only where a segment needs them).
pub fn canonical_path(path: &str) -> Option<String> {
    let segs = split_path(path)?;
    Some(segs.iter().fold(String::new(), |acc, s| join(&acc, s)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
[server]
hostname = "localhost"
offset = 1

[super_admin]
username = "admin"
password = "admin"

[database.apim_db]
type = "mysql"
url = "jdbc:mysql://db:3306/am?user=x&password=Sup3rUnique&useSSL=false"

[[apim.gateway.environment]]
name = "Default"

[synapse_properties]
'limit_java_class_access_in_scripts.enable' = true
"#;

    #[test]
    fn keys_carry_line_and_column() {
        let d = Deployment::parse(SAMPLE);
        let (v, loc) = d.lookup("server.hostname").unwrap();
        assert_eq!(v, &Value::Str("localhost".into()));
        assert_eq!((loc.line, loc.column), (3, 12));
        assert_eq!(d.lookup("server.offset").unwrap().0, Value::Int(1));
        assert_eq!(
            d.lookup("apim.gateway.environment.0.name").unwrap().0,
            Value::Str("Default".into())
        );
        let quoted =
            canonical_path("synapse_properties.'limit_java_class_access_in_scripts.enable'")
                .unwrap();
        assert_eq!(d.lookup(&quoted).unwrap().0, Value::Bool(true));
    }

    #[test]
    fn secrets_are_redacted_when_read() {
        let d = Deployment::parse(SAMPLE);
        let (v, _) = d.lookup("super_admin.password").unwrap();
        assert!(matches!(v, Value::Secret(s) if s.known_default.as_deref() == Some("admin")));
        let (url, _) = d.lookup("database.apim_db.url").unwrap();
        let url = url.to_string();
        assert!(!url.contains("Sup3rUnique"), "{url}");
        assert!(url.contains("password=<redacted>"), "{url}");
        assert_eq!(
            redact_inline("ldap://cn=admin:hunter2@ldap:389"),
            "ldap://cn=admin:<redacted>@ldap:389"
        );
    }

    #[test]
    fn encryption_keys_resolve_for_the_salted_digest() {
        let key = "ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789";
        let none = |_: &str| Ok(None);
        let no_env = |_: &str| None;
        let plain = resolve_secret(key, &none, &no_env).unwrap();
        assert_eq!(plain, key.to_ascii_lowercase());
        let env = |n: &str| (n == "ENC_KEY").then(|| key.to_string());
        assert_eq!(resolve_secret("$env{ENC_KEY}", &none, &env).unwrap(), plain);
        assert!(resolve_secret("$env{OTHER}", &none, &env).is_err());
        let plain_secret = |p: &str| Ok((p == "secrets.enc").then(|| format!("[{key}]")));
        assert_eq!(
            resolve_secret("$secret{enc}", &plain_secret, &no_env).unwrap(),
            plain
        );
        let ciphered = |_: &str| Ok(Some("kXbC0ffee==".to_string()));
        let err = resolve_secret("$secret{enc}", &ciphered, &no_env).unwrap_err();
        assert!(err.contains("cipher tool"), "{err}");
        assert!(resolve_secret("$sys{k}", &none, &no_env).is_err());

        let a = salted_digest("salt-1", &plain);
        assert_eq!(a, salted_digest("salt-1", &plain));
        assert_ne!(a, salted_digest("salt-2", &plain));
        assert_ne!(a, salted_digest("salt-1", "0000"));
        assert!(a.starts_with("hmac-sha256:") && a.len() == 12 + 64, "{a}");
        assert!(!a.contains(&plain));
    }

    #[test]
    fn syntax_errors_keep_their_line() {
        let d = Deployment::parse("[server]\nhostname = \"a\"\noffset = = 3\n");
        let (msg, loc) = d.error.unwrap();
        assert!(msg.starts_with("invalid TOML"), "{msg}");
        assert_eq!(loc.unwrap().line, 3);
    }
}

#[cfg(test)]
mod fail_closed_tests {
    use super::*;

    fn parse_with(text: &str, env: &[(&str, &str)]) -> Deployment {
        Deployment::parse_in(
            text,
            &StartsWith {
                env: StartEnv::from_vars(env),
                defaults: Ok(placeholders::KERNEL_DEFAULTS),
            },
        )
    }

    #[test]
    fn a_duplicate_key_makes_the_file_unusable() {
        let d = Deployment::parse("[server]\nhostname = \"a\"\nhostname = \"b\"\n");
        let why = d.unusable().expect("duplicate key refused");
        assert!(
            why.starts_with("deployment.toml could not be read: "),
            "{why}"
        );
        assert_eq!(d.get("server.hostname").unwrap_err(), why);
    }

    #[test]
    fn values_are_the_ones_the_product_will_use() {
        let d = parse_with(
            "[server]\nhostname = \"$env{HN}\"\n[super_admin]\npassword = \"$env{ADMPW}\"\n[x]\np = \"$sys{p}\"\n",
            &[("HN", "localhost"), ("ADMPW", "admin")],
        );
        assert_eq!(
            d.get("server.hostname").unwrap().unwrap().0,
            Value::Str("localhost".into())
        );
        match &d.get("super_admin.password").unwrap().unwrap().0 {
            Value::Secret(s) => {
                assert_eq!(s.known_default.as_deref(), Some("admin"));
                assert_eq!(s.form, "env");
            }
            other => panic!("{other:?}"),
        }
        let why = d.get("x.p").unwrap_err();
        assert!(why.contains("only known when the product starts"), "{why}");
        // `lookup` still shows what the file says, for messages.
        assert!(d.lookup("x.p").is_some());
    }
}
