//! deployment.toml, read and parsed once per run: every key path with its value as the product
//! will use it (placeholders resolved, secrets redacted) and its line and column, the facts
//! about the file as a whole ([`super::config_derived`]), and why the file cannot be used.

use super::config_derived::Derived;
use super::placeholders::{self, Resolved, Resolver, StartEnv};
use super::{LineIndex, Location, line_col, under_home};
use crate::io::read_capped;
use crate::value::{Secret, Value};
use preflight_rules::names::{DEPLOYMENT_TOML, join, split_path};
use preflight_rules::redact::inline as redact_inline;
use preflight_rules::redact::is_secret_path;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use toml::de::{DeTable, DeValue};

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
    fn this_run() -> StartsWith {
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
    pub(crate) fn parse_in(text: &str, start: &StartsWith) -> Deployment {
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
pub(crate) fn shown_key(path: &str) -> String {
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
        let quoted = preflight_rules::names::canonical_path(
            "synapse_properties.'limit_java_class_access_in_scripts.enable'",
        )
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

/// The facts about the file as a whole, as the parse computes them.
#[cfg(test)]
mod derived_tests {
    use super::*;
    use crate::facts::config_derived::Derived;

    const FILE: &str = r#"
[server]
hostname = "apim.example.com"

[super_admin]
username = "ops"
password = "$secret{admin_password}"

[database.apim_db]
url = "jdbc:mysql://db:3306/am"
username = "$env{PREFLIGHT_TEST_SURELY_UNSET}"
password = "Sup3rUnique"

[keystore.tls]
password = "$secret{missing_alias}"
key_password = "${keystore.password}"

[[apim.gateway.environment]]
name = "Default"
service_url = "https://localhost:${mgt.transport.https.port}/services/"
http_endpoint = "http://gw.example.com:8280"
ws_endpoint = "ws://127.0.0.1:9099"
wss_endpoint = "wss://LOCALHOST.:8099"
websub_event_receiver_http_endpoint = "http://[0:0:0:0:0:0:0:1]:9021"
other_endpoint = "https://127.1/x"
remote_endpoint = "https://api.example.com:8243"
username = "$ref{super_admin.username}"
password = "$ref{super_admin.nope}"

[apim.throttling]
throttle_decision_endpoints = ["tcp://tm.example.com:5672", "tcp://localhost:5672"]

[encryption]
key = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

[[tomcat.filter]]
name = "HttpHeaderSecurityFilter"
class = "org.apache.catalina.filters.HttpHeaderSecurityFilter"
[tomcat.filter.init_params]
hstsEnabled = true

[[tomcat.filter_mapping]]
name = "HttpHeaderSecurityFilter"
url_pattern = "/*"

[secrets]
admin_password = "[Sup3rUnique]"
other = "c2VjcmV0"
"#;

    fn derived(text: &str) -> Derived {
        Deployment::parse(text).derived
    }

    fn names(items: &[(String, Location)]) -> Vec<&str> {
        items.iter().map(|(s, _)| s.as_str()).collect()
    }

    #[test]
    fn secrets_position_and_plain_aliases() {
        let d = derived(FILE);
        let (last, at) = d.secrets_last.clone().unwrap();
        assert!(last);
        assert_eq!(
            at.line,
            crate::facts::line_col(FILE, FILE.find("[secrets]").unwrap()).0
        );
        assert_eq!(names(&d.secrets_plain), ["admin_password"]);
        let moved = FILE.replace("[secrets]", "[secrets]\nx = \"y\"\n[later]");
        assert!(!derived(&moved).secrets_last.unwrap().0);
        assert!(
            derived("[server]\nhostname = \"a\"\n")
                .secrets_last
                .is_none()
        );
    }

    #[test]
    fn unresolved_placeholders_name_the_key_never_the_value() {
        let d = derived(FILE);
        let known = Ok(crate::facts::placeholders::KERNEL_DEFAULTS);
        let (un, unknown) = d.unresolved(&|v| v == "SET_VAR", &known);
        let un = names(&un);
        assert_eq!(
            un,
            [
                "$env{PREFLIGHT_TEST_SURELY_UNSET} at database.apim_db.username is not set in the environment the product starts with",
                "$secret{missing_alias} at keystore.tls.password has no alias in [secrets]",
                "$ref{super_admin.nope} at apim.gateway.environment.0.password names a key neither this file nor the version's defaults set",
            ]
        );
        assert!(unknown.is_empty());
        // $ref{keystore.primary.file_name} without [keystore.primary]: the kernel default.
        let shipped = derived("[keystore.tls]\nfile_name = \"$ref{keystore.primary.file_name}\"\n");
        assert!(shipped.unresolved(&|_| false, &known).0.is_empty());
        let (un, unknown) =
            shipped.unresolved(&|_| false, &Err("APIM 9.9 defaults unknown".into()));
        assert!(un.is_empty());
        assert_eq!(
            names(&unknown),
            [
                "$ref{keystore.primary.file_name} at keystore.tls.file_name: APIM 9.9 defaults unknown"
            ]
        );
        assert!(!format!("{d:?}").contains("Sup3rUnique"));
    }

    #[test]
    fn plain_passwords_localhost_urls_key_form_and_hsts() {
        let d = derived(FILE);
        assert_eq!(names(&d.plaintext_passwords), ["database.apim_db.password"]);
        assert_eq!(
            names(&d.localhost_urls),
            [
                "apim.gateway.environment.0.service_url",
                "apim.gateway.environment.0.ws_endpoint",
                "apim.gateway.environment.0.wss_endpoint",
                "apim.gateway.environment.0.websub_event_receiver_http_endpoint",
                "apim.gateway.environment.0.other_endpoint",
                "apim.throttling.throttle_decision_endpoints",
            ]
        );
        assert_eq!(d.encryption_key.as_ref().unwrap().0, "plain-hex");
        assert!(d.hsts.as_ref().unwrap().0);
        let off = FILE.replace("hstsEnabled = true", "hstsEnabled = false");
        assert!(!derived(&off).hsts.unwrap().0);
        let short = FILE.replace("0123456789abcdef0123", "zz");
        assert_eq!(derived(&short).encryption_key.unwrap().0, "invalid");
    }
}
