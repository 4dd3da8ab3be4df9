//! The config probe: facts read from deployment.toml as parsed by [`super::deployment`] — key
//! values, the facts derived from the whole file, whether `[server] hostname` resolves, the
//! salted digest of `[encryption] key`.

use super::config_derived::located_list;
use super::deployment::{Deployment, raw_strings, shown_key};
use super::{Context, Fact, Location};
use crate::value::Value;
use preflight_rules::names::{canonical_path, join};

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
            super::dns::resolves(h, ctx.deadline).at(Some(loc.clone()))
        }
        Some((_, loc)) => Fact::value(Value::Null).at(Some(loc.clone())),
        None => Fact::value(Value::Null),
    }
}

/// The environment variable holding the fleet salt: the same secret value on every node, so
/// secrets can be compared across nodes by a salted digest and never shipped in clear.
const FLEET_SALT_ENV: &str = "PREFLIGHT_FLEET_SALT";

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
fn resolve_secret(
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
fn salted_digest(salt: &str, value: &str) -> String {
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

/// Why `[server] hostname`, resolved, is no host name at all (`null` when it is one, or unset).
/// Carbon copies the text into carbon.xml's `<HostName>` and builds URLs from it as written
/// (`ServerConfiguration.readChildElements` does not trim), so a newline, a space, a control
/// character or a URL delimiter makes every URL built from it invalid, whatever its first line
/// says.
fn hostname_invalid(d: &Deployment) -> Fact {
    match d.get("server.hostname") {
        Ok(Some((Value::Str(h), loc))) => {
            let why = super::product_parse::not_a_host_name(h).map_or(Value::Null, Value::Str);
            Fact::value(why).at(Some(loc.clone()))
        }
        Ok(Some((_, loc))) => {
            Fact::unavailable("[server] hostname is not a string").at(Some(loc.clone()))
        }
        Ok(None) => Fact::value(Value::Null),
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
        "config.hostname.invalid" => hostname_invalid(dep),
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

#[cfg(test)]
mod tests {
    use super::*;

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
}
