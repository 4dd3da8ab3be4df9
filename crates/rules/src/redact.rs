//! Redaction: which names hold secrets, and hiding credentials written inside other values.
//! The one place every probe and fact family (deployment.toml, XML, .properties, JVM flags and
//! system properties, URLs, proxies) asks, so that no secret reaches facts or any report.
//!
//! A key is a secret when the **last word** of its name is, or ends with, one of [`SECRET_WORDS`]
//! (`key` only as a whole word or a known compound, see [`KEY_COMPOUNDS`]). Names are split into
//! words at `.`, `_`, `-`, spaces and camelCase humps and compared lowercase, so
//! `keyStorePassword`, `key_store_password` and `KEY-STORE-PASSWORD` are one name. Only the last
//! word decides: `password_java_regex`, `token_endpoint`, `key_manager` and `keystore.file_name`
//! name settings *about* secrets, not secrets, and stay readable (rules judge them).

/// Words that make a key a secret when its name ends with them.
pub const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "pwd",
    "pass",
    "passphrase",
    "secret",
    "token",
    "credential",
    "credentials",
    "hash",
];

/// One-word spellings ending in `key` that are secrets (`apikey`); `key` as a word of its own
/// (`api_key`, `license_key`, `encryption.key`) is always one. Other words ending in `key`
/// (`hotkey`, `monkey`) are not.
pub const KEY_COMPOUNDS: &[&str] = &[
    "apikey",
    "accesskey",
    "secretkey",
    "privatekey",
    "licensekey",
    "signingkey",
    "masterkey",
    "encryptionkey",
    "clientkey",
    "authkey",
    "sharedkey",
];

/// The words of a name, lowercase: `dd.api-key` → `dd api key`, `keyStorePass` → `key store pass`.
fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Whether a key, attribute, element, property or flag name holds a secret (see the module).
pub fn is_secret_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    // `password1`, `pwd2`: a numbered secret is still one.
    let last = last.trim_end_matches(|c: char| c.is_ascii_digit());
    last == "key"
        || KEY_COMPOUNDS.contains(&last)
        || SECRET_WORDS
            .iter()
            .any(|w| last == *w || (w.len() > 4 && last.ends_with(w)))
}

/// Whether a fact, by its name, holds a secret: a deployment.toml key path, a system property,
/// the attribute or element an `xml.*` path ends in, or a `properties.*` key.
pub fn is_secret_fact(name: &str) -> bool {
    if name.starts_with("deployment.") {
        return is_secret_path(name);
    }
    if let Some(prop) = name.strip_prefix("jvm.sysprops.") {
        return is_secret_name(prop);
    }
    if let Some(rest) = name.strip_prefix("xml.") {
        // `xml.<file>./A/B[@x='y']/@attr`: the last step, predicates dropped.
        let path = rest.split_once('.').map_or(rest, |(_, p)| p);
        let last = path.rsplit('/').next().unwrap_or(path);
        let last = last.split('[').next().unwrap_or(last);
        return is_secret_name(last.trim_start_matches('@'));
    }
    if let Some(rest) = name.strip_prefix("properties.") {
        return rest
            .split_once('.')
            .is_some_and(|(_, key)| is_secret_name(key));
    }
    false
}

/// A value as it may be kept when its name says it is a secret: nothing stays nothing, anything
/// else (string, number, bool, list) becomes a [`Secret`](crate::value::Secret).
pub fn secret_value(v: crate::value::Value) -> crate::value::Value {
    use crate::value::{Secret, Value};
    match v {
        Value::Null | Value::Secret(_) => v,
        Value::Str(s) => Value::Secret(Secret::redact(&s)),
        other => Value::Secret(Secret::redact(&other.to_string())),
    }
}

/// Hides credentials written inside other values: URL user info (`jdbc:mysql://u:p@h`,
/// `thin:scott/tiger@`) and `name=value` parameters whose name is a secret (`password=`,
/// `password1=`, `api_key=`), wherever they appear.
pub fn inline(s: &str) -> String {
    use std::sync::OnceLock;
    // Each pattern needs its own literal (`=`, or `@`): most values skip both.
    let param_may = s.contains('=');
    let userinfo_may = s.contains('@');
    if !param_may && !userinfo_may {
        return s.to_string();
    }
    static PARAM: OnceLock<regex_lite::Regex> = OnceLock::new();
    static USERINFO: OnceLock<regex_lite::Regex> = OnceLock::new();
    let param = PARAM.get_or_init(|| {
        regex_lite::Regex::new(r"([A-Za-z0-9_.\-]+)=([^&;:)\s,]*)").expect("static regex")
    });
    let userinfo = USERINFO.get_or_init(|| {
        regex_lite::Regex::new(r"(://|thin:)([^/@:\s]+)[:/]([^/@\s]+)@").expect("static regex")
    });
    let s = match param_may {
        true => param.replace_all(s, |c: &regex_lite::Captures<'_>| {
            match is_secret_name(&c[1]) {
                true => format!("{}=<redacted>", &c[1]),
                false => c[0].to_string(),
            }
        }),
        false => std::borrow::Cow::Borrowed(s),
    };
    match userinfo_may {
        true => userinfo
            .replace_all(&s, "${1}${2}:<redacted>@")
            .into_owned(),
        false => s.into_owned(),
    }
}

/// Whether a key path names a secret (`super_admin.password`, `secrets.*`, `encryption.key`).
pub fn is_secret_path(path: &str) -> bool {
    let path = path.strip_prefix("deployment.").unwrap_or(path);
    // Called for every key of deployment.toml: a plain dotted path is read in place, and only
    // a path with quoted segments (`a.'b.c'`) is split into owned segments.
    let owned;
    let (first, last, nested) = if path.contains(['\'', '"']) {
        owned = crate::names::split_path(path).unwrap_or_default();
        match (owned.first(), owned.last()) {
            (Some(first), Some(last)) => (first.as_str(), last.as_str(), owned.len() > 1),
            _ => return false,
        }
    } else {
        if path.split('.').any(str::is_empty) {
            return false;
        }
        let first = path.split('.').next().unwrap_or(path);
        let last = path.rsplit('.').next().unwrap_or(path);
        (first, last, path.contains('.'))
    };
    (first == "secrets" && nested) || is_secret_name(last)
}

/// Whether a system property holds a secret (`javax.net.ssl.keyStorePassword`, `dd.api-key`).
pub fn is_secret_sysprop(name: &str) -> bool {
    is_secret_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_secret_family_in_every_spelling() {
        for secret in [
            "password",
            "Password",
            "connection_password",
            "keyStorePassword",
            "KEY-STORE-PASSWORD",
            "key_store_password",
            "passwd",
            "pwd",
            "admin_pwd",
            "passphrase",
            "key.store.pass",
            "secret",
            "client_secret",
            "token",
            "auth_token",
            "accessToken",
            "credential",
            "credentials",
            "key",
            "api_key",
            "apikey",
            "apiKey",
            "dd.api-key",
            "access_key",
            "secret_key",
            "private_key",
            "newrelic.config.license_key",
            "password1",
            "keystorePass",
        ] {
            assert!(is_secret_name(secret), "{secret}");
        }
    }

    #[test]
    fn names_about_secrets_are_not_secrets() {
        for plain in [
            "hostname",
            "file_name",
            "key_manager",
            "keystore",
            "javax.net.ssl.keyStore",
            "keyStoreType",
            "keyAlias",
            "token_endpoint",
            "password_java_regex",
            "enable_password_recovery",
            "monkey",
            "passthru",
            "type",
            "",
        ] {
            assert!(!is_secret_name(plain), "{plain}");
        }
    }

    #[test]
    fn credentials_inside_values_are_hidden() {
        assert_eq!(
            inline("jdbc:mysql://db:3306/am?user=am&password1=S3cr3t&useSSL=true"),
            "jdbc:mysql://db:3306/am?user=am&password1=<redacted>&useSSL=true"
        );
        assert_eq!(
            inline("jdbc:postgresql://u:S3cr3t@db:5432/x"),
            "jdbc:postgresql://u:<redacted>@db:5432/x"
        );
        assert_eq!(inline("a;PWD=x;b=c"), "a;PWD=<redacted>;b=c");
        assert_eq!(inline("-Ddd.api-key=abc"), "-Ddd.api-key=<redacted>");
        assert_eq!(inline("useSSL=false"), "useSSL=false");
    }

    #[test]
    fn secret_paths_plain_quoted_and_in_any_case() {
        for secret in [
            "super_admin.password",
            "deployment.super_admin.Password",
            "secrets.admin_password",
            "encryption.key",
            "encryption.KEY",
            "database.apim_db.password",
            "'a.b'.password",
            "apim.key_manager.client_secret",
            "keystore.tls.KeyPassword",
            "x.密码password",
            "x.key",
            "apim.ai.token",
            "apim.ai.key",
            "a.passphrase",
            "a.api_key",
            "a.credentials",
        ] {
            assert!(is_secret_path(secret), "{secret}");
        }
        for plain in [
            "server.hostname",
            "secrets",
            "keystore.primary.file_name",
            "apim.key_manager.type",
            "a..password",
            "",
            "x.pässwörd",
            "'unclosed.password",
        ] {
            assert!(!is_secret_path(plain), "{plain}");
        }
    }
}
