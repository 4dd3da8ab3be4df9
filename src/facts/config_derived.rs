//! Facts derived from deployment.toml as a whole: where `[secrets]` sits, secrets still in
//! plain form, unresolved placeholders, plain-text passwords, localhost URLs, the `[encryption]
//! key` form, HSTS. Computed from the raw file while it is parsed; only key paths, aliases and
//! placeholder names are kept — never a value that could be a secret.

use super::Location;
use super::placeholders::{Defaults, Resolved, Resolver, has_placeholder};
use preflight_rules::names::{DEPLOYMENT_TOML, join};
use preflight_rules::redact::is_secret_path;

/// Key paths (or messages about them) with where they are.
type Located = Vec<(String, Location)>;
use crate::facts::LineIndex;
use crate::value::{Value, placeholder_form};
use std::collections::{BTreeMap, BTreeSet};
use toml::de::{DeTable, DeValue};

/// One string value of the file, raw, with its key path and location. Held only while the file
/// is parsed, never stored.
struct RawString {
    path: String,
    value: String,
    at: Location,
}

/// One `$env{}`, `$sys{}`, `$secret{}` or `$ref{}` found in a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Placeholder {
    pub kind: String,
    pub name: String,
    pub path: String,
    pub at: Location,
}

/// What the derived facts need, secret-free.
#[derive(Debug, Default, Clone)]
pub struct Derived {
    /// `[secrets]` header: whether it is the last table header, and where it is.
    pub secrets_last: Option<(bool, Location)>,
    /// Aliases of `[secrets]` still written as `"[plain text]"`.
    pub secrets_plain: Vec<(String, Location)>,
    secret_aliases: BTreeSet<String>,
    pub placeholders: Vec<Placeholder>,
    /// Key paths whose password-like value is plain text.
    pub plaintext_passwords: Vec<(String, Location)>,
    /// Key paths of URL values pointing at localhost (placeholders resolved).
    pub localhost_urls: Vec<(String, Location)>,
    /// URL values whose host is only known at start: key path, why, where.
    pub unknown_urls: Vec<(String, String, Location)>,
    /// How `[encryption] key` is written: secret-ref, env, sys, plain-hex, invalid.
    pub encryption_key: Option<(String, Location)>,
    /// A HttpHeaderSecurityFilter with HSTS on, mapped to a URL pattern.
    pub hsts: Option<(bool, Option<Location>)>,
    /// Every key path in the file, for `$ref{}` resolution.
    paths: BTreeSet<String>,
}

impl Derived {
    pub fn compute(index: &LineIndex<'_>, root: &DeTable<'_>, r: &Resolver<'_>) -> Derived {
        let text = index.text();
        let mut strings = Vec::new();
        let mut paths = BTreeSet::new();
        walk(index, root, "", &mut strings, &mut paths);
        // In file order, so lists and their first location follow the file.
        strings.sort_by_key(|s| (s.at.line, s.at.column));
        let mut d = Derived {
            paths,
            ..Derived::default()
        };
        d.secrets_last = secrets_header(text);
        for s in &strings {
            if let Some(alias) = s.path.strip_prefix("secrets.") {
                d.secret_aliases.insert(alias.to_string());
                let t = s.value.trim();
                if t.starts_with('[') && t.ends_with(']') {
                    d.secrets_plain.push((alias.to_string(), s.at.clone()));
                }
                continue;
            }
            d.placeholders.extend(placeholders(s));
            if is_password_key(&s.path)
                && !s.value.trim().is_empty()
                && placeholder_form(&s.value).is_none()
            {
                d.plaintext_passwords.push((s.path.clone(), s.at.clone()));
            }
            let value = match has_placeholder(&s.value) {
                false => Ok(s.value.clone()),
                true => match r.resolve(&s.value) {
                    Resolved::Text(t) => Ok(t),
                    Resolved::Secret(_) => Ok(String::new()),
                    Resolved::Unknown(why) => Err(why),
                },
            };
            match value {
                Ok(v) => {
                    if is_localhost_url(&s.path, &v)
                        && !d.localhost_urls.iter().any(|(p, _)| *p == s.path)
                    {
                        d.localhost_urls.push((s.path.clone(), s.at.clone()));
                    }
                }
                Err(why)
                    if is_url_key(&s.path) && (s.value.contains("://") || names_a_url(&s.path)) =>
                {
                    d.unknown_urls.push((s.path.clone(), why, s.at.clone()));
                }
                Err(_) => {}
            }
            if s.path == "encryption.key" {
                d.encryption_key = Some((key_form(&s.value).to_string(), s.at.clone()));
            }
        }
        for s in strings.iter().filter(|s| s.path.starts_with("secrets.")) {
            d.placeholders.extend(placeholders(s));
        }
        d.hsts = Some(hsts(&strings));
        d
    }

    /// `$env{}` not set in `env`, `$secret{}` without alias, `$ref{}` to a key neither the file
    /// nor the version's `defaults` set; and, apart, `$ref{}`s to keys the file lacks when the
    /// version's defaults are not known (they may or may not resolve).
    pub fn unresolved(
        &self,
        env: &dyn Fn(&str) -> bool,
        defaults: &Defaults,
    ) -> (Located, Located) {
        let (mut out, mut unknown) = (Vec::new(), Vec::new());
        for p in &self.placeholders {
            let shown = format!("${}{{{}}} at {}", p.kind, p.name, p.path);
            let why = match p.kind.as_str() {
                "env" if !env(&p.name) => "is not set in the environment the product starts with",
                "secret" if !self.secret_aliases.contains(&p.name) => "has no alias in [secrets]",
                "ref" if !self.has_path(&p.name) => match defaults {
                    Ok(table) if table.iter().any(|(k, _)| *k == p.name) => continue,
                    Ok(_) => "names a key neither this file nor the version's defaults set",
                    Err(why) => {
                        unknown.push((format!("{shown}: {why}"), p.at.clone()));
                        continue;
                    }
                },
                _ => continue,
            };
            out.push((format!("{shown} {why}"), p.at.clone()));
        }
        (out, unknown)
    }

    fn has_path(&self, dotted: &str) -> bool {
        let canonical = preflight_rules::names::canonical_path(dotted).unwrap_or_default();
        self.paths.contains(&canonical)
    }
}

fn walk(
    text: &LineIndex<'_>,
    table: &DeTable<'_>,
    prefix: &str,
    out: &mut Vec<RawString>,
    paths: &mut BTreeSet<String>,
) {
    for (key, value) in table.iter() {
        let path = join(prefix, key.get_ref());
        walk_value(text, value.get_ref(), value.span(), &path, out, paths);
    }
}

fn walk_value(
    text: &LineIndex<'_>,
    value: &DeValue<'_>,
    span: std::ops::Range<usize>,
    path: &str,
    out: &mut Vec<RawString>,
    paths: &mut BTreeSet<String>,
) {
    paths.insert(path.to_string());
    let at = || {
        let (line, column) = text.line_col(span.start);
        Location {
            file: DEPLOYMENT_TOML.into(),
            line,
            column,
        }
    };
    match value {
        DeValue::Table(t) => walk(text, t, path, out, paths),
        DeValue::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let p = if matches!(item.get_ref(), DeValue::Table(_)) {
                    format!("{path}.{i}")
                } else {
                    path.to_string()
                };
                walk_value(text, item.get_ref(), item.span(), &p, out, paths);
            }
        }
        DeValue::String(s) => out.push(RawString {
            path: path.to_string(),
            value: s.to_string(),
            at: at(),
        }),
        // Booleans and numbers matter only as switches (`hstsEnabled = false`); kept as text.
        DeValue::Boolean(b) => out.push(RawString {
            path: path.to_string(),
            value: b.to_string(),
            at: at(),
        }),
        _ => {}
    }
}

/// The `[secrets]` header line and whether no table header follows it.
fn secrets_header(text: &str) -> Option<(bool, Location)> {
    let mut headers = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix('[') {
            let name = rest
                .trim_start_matches('[')
                .split(']')
                .next()
                .unwrap_or("")
                .trim()
                .to_string();
            let column = (line.len() - t.len()) as u32 + 1;
            headers.push((name, i as u32 + 1, column));
        }
    }
    let pos = headers.iter().rposition(|(n, _, _)| n == "secrets")?;
    let (_, line, column) = headers[pos].clone();
    let last = headers[pos + 1..]
        .iter()
        .all(|(n, _, _)| n.starts_with("secrets."));
    Some((
        last,
        Location {
            file: DEPLOYMENT_TOML.into(),
            line,
            column,
        },
    ))
}

fn placeholders(s: &RawString) -> Vec<Placeholder> {
    use std::sync::OnceLock;
    static RE: OnceLock<regex_lite::Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        regex_lite::Regex::new(r"\$(env|sys|secret|ref)\{([^}]*)\}").expect("static regex")
    });
    // Every string value passes here; the regex runs only where a `$` is.
    if !s.value.contains('$') {
        return Vec::new();
    }
    re.captures_iter(&s.value)
        .map(|c| Placeholder {
            kind: c[1].to_string(),
            name: c[2].trim().to_string(),
            path: s.path.clone(),
            at: s.at.clone(),
        })
        .collect()
}

/// Password-like keys: `password`, `key_password`, `connection_password`, `app_password`,
/// `*_secret`, `client_secret` — not `[secrets]` entries and not `[encryption] key`.
fn is_password_key(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
    let last = last.trim_matches('\'');
    is_secret_path(path)
        && !path.starts_with("secrets.")
        && (last.ends_with("password") || last.ends_with("_secret"))
}

/// URL-valued keys pointing at this machine, in every spelling of loopback
/// (`product_parse::is_loopback`). JDBC and LDAP URLs have rules of their own.
fn is_localhost_url(path: &str, value: &str) -> bool {
    // Only what can be a URL is looked at.
    let Some((scheme, rest)) = value.trim().split_once("://") else {
        return false;
    };
    if scheme.is_empty()
        || !scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        || path.starts_with("database.")
        || path.starts_with("user_store")
    {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(""),
        None => host_port.rsplit_once(':').map_or(host_port, |(h, _)| h),
    };
    // A host still written as a placeholder is judged once it is resolved, not here.
    !host.contains('$') && super::product_parse::is_loopback(host)
}

/// Keys whose name says they hold URLs (`service_url`, `http_endpoint`, `traffic_manager_urls`),
/// for values that are wholly a placeholder.
fn names_a_url(path: &str) -> bool {
    let last = path.rsplit('.').next().unwrap_or(path).to_ascii_lowercase();
    last.contains("url") || last.contains("endpoint")
}

/// Keys whose URL values config.localhost-urls judges (JDBC and LDAP URLs are the db and
/// userstore rules' own).
fn is_url_key(path: &str) -> bool {
    !path.starts_with("database.") && !path.starts_with("user_store")
}

fn key_form(raw: &str) -> &'static str {
    match placeholder_form(raw) {
        Some("secret-ref") => "secret-ref",
        Some("env") => "env",
        Some("sys") => "sys",
        _ if raw.len() == 64 && raw.chars().all(|c| c.is_ascii_hexdigit()) => "plain-hex",
        _ => "invalid",
    }
}

/// Whether a `[[tomcat.filter]]` of class HttpHeaderSecurityFilter has HSTS on (its default)
/// and a `[[tomcat.filter_mapping]]` maps it.
fn hsts(strings: &[RawString]) -> (bool, Option<Location>) {
    let by_path: BTreeMap<&str, &RawString> =
        strings.iter().map(|s| (s.path.as_str(), s)).collect();
    for s in strings {
        let Some(rest) = s.path.strip_prefix("tomcat.filter.") else {
            continue;
        };
        let Some(index) = rest.strip_suffix(".class") else {
            continue;
        };
        if !s.value.trim().ends_with("HttpHeaderSecurityFilter") {
            continue;
        }
        let off = by_path
            .get(format!("tomcat.filter.{index}.init_params.hstsEnabled").as_str())
            .is_some_and(|v| v.value.trim().eq_ignore_ascii_case("false"));
        let name = by_path
            .get(format!("tomcat.filter.{index}.name").as_str())
            .map(|v| v.value.as_str());
        let mapped = strings.iter().any(|m| {
            m.path.starts_with("tomcat.filter_mapping.")
                && m.path.ends_with(".name")
                && Some(m.value.as_str()) == name
        });
        if !off && mapped {
            return (true, Some(s.at.clone()));
        }
    }
    (false, None)
}

/// Located list facts: the values, and the location of the first.
pub fn located_list(items: &[(String, Location)]) -> (Value, Option<Location>) {
    (
        Value::List(items.iter().map(|(s, _)| Value::Str(s.clone())).collect()),
        items.first().map(|(_, l)| l.clone()),
    )
}
