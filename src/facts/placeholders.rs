//! WSO2 placeholders resolved as the config mapper resolves them, so rules judge the value the
//! product will use: `$env{}` from the environment the product starts with (this run's plus the
//! systemd unit's `Environment=`/`EnvironmentFile=`), `$ref{}` against deployment.toml merged
//! with the version's defaults, `$secret{}` as "a secret", `$sys{}` as "only known at start".

use super::systemd::{Unit, split_words};
use crate::value::Version;
use std::collections::BTreeMap;

/// What a value with placeholders stands for when the product starts.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    /// The text the product will use.
    Text(String),
    /// A `[secrets]` alias: its clear text when still `[plain text]`, else unknown but secret.
    Secret(Option<String>),
    /// Not knowable before the product starts, or not resolvable at all; the reason says which.
    Unknown(String),
}

/// The kernel's `repository/resources/conf/default.json` entries that `$ref{}`s in WSO2's own
/// files and in deployment.toml rely on. Identical in wso2/carbon-kernel
/// `distribution/kernel/carbon-home/repository/resources/conf/default.json` at v4.6.0 (lines
/// 110–128), v4.6.1, v4.6.2, v4.6.3, v4.8.1, v4.9.26–v4.9.28, v4.9.33 and v4.11.18 (lines
/// 119–137): the kernels of APIM 3.2.0 (4.6.0), 4.0.0 (4.6.2), 4.1.0 (4.6.3), 4.2.0 (4.8.1),
/// 4.3.0 (4.9.26), 4.4.0 (4.9.27), 4.5.0 (4.9.28), 4.6.0 (4.9.33) and 4.7.0 (4.11.18), per
/// `<carbon.kernel.version>` of product-apim's pom.xml (all-in-one-apim/pom.xml from 4.5.0).
pub const KERNEL_DEFAULTS: &[(&str, &str)] = &[
    ("keystore.primary.file_name", "wso2carbon.jks"),
    ("keystore.primary.type", "JKS"),
    ("keystore.primary.password", "wso2carbon"),
    ("keystore.primary.alias", "wso2carbon"),
    ("keystore.primary.key_password", "wso2carbon"),
    (
        "keystore.internal.file_name",
        "$ref{keystore.primary.file_name}",
    ),
    ("keystore.internal.type", "$ref{keystore.primary.type}"),
    (
        "keystore.internal.password",
        "$ref{keystore.primary.password}",
    ),
    ("keystore.internal.alias", "$ref{keystore.primary.alias}"),
    (
        "keystore.internal.key_password",
        "$ref{keystore.primary.key_password}",
    ),
    ("keystore.tls.file_name", "$ref{keystore.primary.file_name}"),
    ("keystore.tls.type", "$ref{keystore.primary.type}"),
    ("keystore.tls.password", "$ref{keystore.primary.password}"),
    ("keystore.tls.alias", "$ref{keystore.primary.alias}"),
    (
        "keystore.tls.key_password",
        "$ref{keystore.primary.key_password}",
    ),
    ("truststore.file_name", "client-truststore.jks"),
    ("truststore.type", "JKS"),
    ("truststore.password", "wso2carbon"),
    ("super_admin.admin_role", "admin"),
    ("user_store.type", "database"),
];

/// The kernel's default for a key path, its `$ref{}`s followed (`keystore.tls.alias` →
/// `wso2carbon`); `None` when default.json sets none.
pub fn kernel_default(path: &str) -> Option<&'static str> {
    let mut value = KERNEL_DEFAULTS.iter().find(|(k, _)| *k == path)?.1;
    // default.json's chains are one `$ref{}` deep; the bound only guards against a loop.
    for _ in 0..KERNEL_DEFAULTS.len() {
        let Some(target) = value
            .strip_prefix("$ref{")
            .and_then(|r| r.strip_suffix('}'))
        else {
            return Some(value);
        };
        value = KERNEL_DEFAULTS.iter().find(|(k, _)| *k == target)?.1;
    }
    None
}

/// A version's config defaults (key path, value as default.json writes it), or why they are
/// not known.
pub type Defaults = Result<&'static [(&'static str, &'static str)], String>;

/// The default table of a product version: known for APIM 3.2 to 4.7 (see `KERNEL_DEFAULTS`).
pub fn defaults_for(
    version: Option<&Version>,
) -> Result<&'static [(&'static str, &'static str)], String> {
    let Some(v) = version else {
        return Err("the product version is not known, so neither are its config defaults".into());
    };
    let (major, minor) = (v.parts.first().copied(), v.parts.get(1).copied());
    match (major, minor) {
        (Some(3), Some(2)) | (Some(4), Some(0..=7)) => Ok(KERNEL_DEFAULTS),
        _ => Err(format!(
            "the config defaults of APIM {v} are not known to this preflight (known: 3.2 to 4.7)"
        )),
    }
}

/// The environment the product starts with: this run's, overridden by the systemd unit that
/// starts PRODUCT_HOME (`EnvironmentFile=` then `Environment=`, as systemd applies them).
#[derive(Debug, Default, Clone)]
pub struct StartEnv {
    vars: BTreeMap<String, String>,
    /// `EnvironmentFile=`s that could not be read (a `-` prefix makes a missing one fine).
    pub unreadable: Vec<String>,
}

impl StartEnv {
    pub fn of_this_run() -> StartEnv {
        StartEnv {
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
            unreadable: Vec::new(),
        }
    }

    pub fn from_vars(vars: &[(&str, &str)]) -> StartEnv {
        StartEnv {
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            unreadable: Vec::new(),
        }
    }

    /// This run's environment with the unit's settings on top.
    pub fn with_unit(mut self, unit: Option<&Unit>) -> StartEnv {
        let Some(unit) = unit else {
            return self;
        };
        for s in unit.settings.iter().filter(|s| s.key == "EnvironmentFile") {
            let (optional, path) = match s.value.trim().strip_prefix('-') {
                Some(p) => (true, p.trim()),
                None => (false, s.value.trim()),
            };
            match crate::io::read_capped(std::path::Path::new(path), 1 << 20) {
                Ok(text) => self.vars.extend(env_file(&text)),
                Err(_) if optional => {}
                Err(e) => self.unreadable.push(e),
            }
        }
        for (k, v, _) in unit.environment() {
            self.vars.insert(k, v);
        }
        self
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.vars.get(name).map(String::as_str)
    }

    /// The names of the variables set (never their values).
    pub fn names(&self) -> std::collections::BTreeSet<String> {
        self.vars.keys().cloned().collect()
    }
}

/// `KEY=value` lines of an `EnvironmentFile=` (comments, blank lines and quotes as systemd reads them).
fn env_file(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with(';'))
        .filter_map(|l| {
            let (k, v) = l.split_once('=')?;
            let v = split_words(v.trim()).join(" ");
            Some((k.trim().to_string(), v))
        })
        .collect()
}

/// Whether a value holds a WSO2 placeholder the config mapper resolves.
pub fn has_placeholder(s: &str) -> bool {
    s.contains('$')
        && ["$env{", "$sys{", "$secret{", "$ref{"]
            .iter()
            .any(|p| s.contains(p))
}

/// Resolves placeholders in one value.
pub struct Resolver<'a> {
    /// Every scalar of deployment.toml as text, by canonical key path.
    pub file: &'a BTreeMap<String, String>,
    /// The version's default table, or why it is not known.
    pub defaults: &'a Defaults,
    pub env: &'a StartEnv,
}

const MAX_REF_DEPTH: usize = 16;

impl Resolver<'_> {
    pub fn resolve(&self, value: &str) -> Resolved {
        self.resolve_at(value, 0)
    }

    fn resolve_at(&self, value: &str, depth: usize) -> Resolved {
        if depth > MAX_REF_DEPTH {
            return Resolved::Unknown("$ref{} placeholders refer to each other in a loop".into());
        }
        let mut out = String::new();
        let mut rest = value;
        let mut secret = false;
        while let Some((start, kind, name, end)) = next_placeholder(rest) {
            out.push_str(&rest[..start]);
            match self.one(kind, name, depth) {
                Resolved::Text(t) => out.push_str(&t),
                Resolved::Secret(Some(t)) => {
                    secret = true;
                    out.push_str(&t)
                }
                Resolved::Secret(None) => return Resolved::Secret(None),
                unknown @ Resolved::Unknown(_) => return unknown,
            }
            rest = &rest[end..];
        }
        out.push_str(rest);
        match secret {
            true => Resolved::Secret(Some(out)),
            false => Resolved::Text(out),
        }
    }

    fn one(&self, kind: &str, name: &str, depth: usize) -> Resolved {
        match kind {
            "env" => match self.env.get(name) {
                Some(v) => Resolved::Text(v.to_string()),
                None if !self.env.unreadable.is_empty() => Resolved::Unknown(format!(
                    "$env{{{name}}} is not set in this environment and the unit's EnvironmentFile could not be read: {}",
                    self.env.unreadable.join("; ")
                )),
                None => Resolved::Unknown(format!(
                    "$env{{{name}}} is not set in the environment the product starts with"
                )),
            },
            "sys" => Resolved::Unknown(format!(
                "$sys{{{name}}} is a system property, only known when the product starts"
            )),
            "secret" => match self
                .file
                .get(&preflight_rules::names::join("secrets", name))
            {
                None => Resolved::Unknown(format!("$secret{{{name}}} has no alias in [secrets]")),
                Some(v) => match v.trim().strip_prefix('[').and_then(|r| r.strip_suffix(']')) {
                    Some(plain) => Resolved::Secret(Some(plain.to_string())),
                    None => Resolved::Secret(None),
                },
            },
            _ => self.reference(name, depth),
        }
    }

    fn reference(&self, name: &str, depth: usize) -> Resolved {
        let canonical =
            preflight_rules::names::canonical_path(name).unwrap_or_else(|| name.to_string());
        if let Some(v) = self.file.get(&canonical) {
            return self.resolve_at(v, depth + 1);
        }
        match self.defaults {
            Ok(table) => match table.iter().find(|(k, _)| *k == canonical) {
                Some((_, v)) => self.resolve_at(v, depth + 1),
                None => Resolved::Unknown(format!(
                    "$ref{{{name}}} names a key neither deployment.toml nor the version's defaults set"
                )),
            },
            Err(why) => Resolved::Unknown(format!(
                "$ref{{{name}}} is not in deployment.toml and {why}"
            )),
        }
    }
}

/// The first `$kind{name}` in `s`: its start, kind, name and end.
fn next_placeholder(s: &str) -> Option<(usize, &str, &str, usize)> {
    let mut from = 0;
    while let Some(i) = s[from..].find('$') {
        let start = from + i;
        let tail = &s[start + 1..];
        for kind in ["env", "sys", "secret", "ref"] {
            if let Some(after) = tail.strip_prefix(kind).and_then(|t| t.strip_prefix('{'))
                && let Some(close) = after.find('}')
            {
                let name = after[..close].trim();
                let end = start + 1 + kind.len() + 1 + close + 1;
                return Some((start, kind, name, end));
            }
        }
        from = start + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(file: &[(&str, &str)], env: &[(&str, &str)], value: &str) -> Resolved {
        let file: BTreeMap<String, String> = file
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let env = StartEnv::from_vars(env);
        let defaults = Ok(KERNEL_DEFAULTS);
        Resolver {
            file: &file,
            defaults: &defaults,
            env: &env,
        }
        .resolve(value)
    }

    #[test]
    fn kernel_defaults_follow_their_refs() {
        assert_eq!(kernel_default("keystore.tls.alias"), Some("wso2carbon"));
        assert_eq!(
            kernel_default("keystore.internal.file_name"),
            Some("wso2carbon.jks")
        );
        assert_eq!(
            kernel_default("truststore.file_name"),
            Some("client-truststore.jks")
        );
        assert_eq!(kernel_default("truststore.alias"), None);
    }

    #[test]
    fn env_ref_secret_and_sys_resolve_as_the_config_mapper_does() {
        let t = |s: &str| Resolved::Text(s.to_string());
        assert_eq!(
            resolve(&[], &[("HN", "localhost")], "$env{HN}"),
            t("localhost")
        );
        assert_eq!(
            resolve(&[], &[("P", "9443")], "https://gw:$env{P}/x"),
            t("https://gw:9443/x")
        );
        assert!(
            matches!(resolve(&[], &[], "$env{HN}"), Resolved::Unknown(w) if w.contains("not set"))
        );
        assert!(
            matches!(resolve(&[], &[], "$sys{x}"), Resolved::Unknown(w) if w.contains("only known"))
        );
        let file = [
            ("a.b", "TLSv1"),
            ("secrets.pw", "[admin]"),
            ("secrets.enc", "Zm9v"),
        ];
        assert_eq!(resolve(&file, &[], "$ref{a.b}"), t("TLSv1"));
        assert_eq!(
            resolve(&file, &[], "$secret{pw}"),
            Resolved::Secret(Some("admin".into()))
        );
        assert_eq!(resolve(&file, &[], "$secret{enc}"), Resolved::Secret(None));
        assert!(matches!(
            resolve(&file, &[], "$secret{none}"),
            Resolved::Unknown(_)
        ));
        // WSO2's own files rely on the kernel defaults: [keystore.tls] from [keystore.primary].
        assert_eq!(
            resolve(&[], &[], "$ref{keystore.tls.file_name}"),
            t("wso2carbon.jks")
        );
        assert_eq!(
            resolve(
                &[("keystore.primary.file_name", "own.jks")],
                &[],
                "$ref{keystore.tls.file_name}"
            ),
            t("own.jks")
        );
        let looped = [("a", "$ref{b}"), ("b", "$ref{a}")];
        assert!(
            matches!(resolve(&looped, &[], "$ref{a}"), Resolved::Unknown(w) if w.contains("loop"))
        );
        assert!(matches!(
            resolve(&[], &[], "$ref{no.such}"),
            Resolved::Unknown(_)
        ));
    }

    #[test]
    fn defaults_are_known_for_3_2_to_4_7_only() {
        let v = |s: &str| Version::parse(s).unwrap();
        assert!(defaults_for(Some(&v("3.2.0"))).is_ok());
        assert!(defaults_for(Some(&v("4.7.0"))).is_ok());
        assert!(defaults_for(Some(&v("4.8.0"))).is_err());
        assert!(defaults_for(Some(&v("3.1.0"))).is_err());
        assert!(defaults_for(None).is_err());
    }

    #[test]
    fn environment_files_are_read_as_systemd_reads_them() {
        let vars = env_file("# c\nA=1\nB=\"two words\"\n\nC=x\n");
        assert_eq!(
            vars,
            [
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "two words".to_string()),
                ("C".to_string(), "x".to_string())
            ]
        );
    }
}
