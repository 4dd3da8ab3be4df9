//! Credentials for live logins: the user and password of a datasource or of the LDAP user store,
//! resolved from deployment.toml the way the product resolves them at start (`$secret{}` through
//! the Secure Vault, vault.rs). Passwords stay in memory (`Zeroizing`), are used for one login
//! and never become facts.

use super::super::deployment::{Deployment, raw_strings};
use super::super::placeholders::{KERNEL_DEFAULTS, has_placeholder};
use crate::value::Value;
use std::path::Path;
use zeroize::Zeroizing;

/// Why a credential cannot be used here; the first form makes the rule `skip`, the second `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unresolved {
    /// Known, but not decryptable without the keystore password (a `$secret{}` alias).
    NeedsKeystore(String),
    /// Unusable: unset variable, missing key, a placeholder only the running server resolves.
    Failed(String),
}

/// A user name and its password, resolved.
pub struct Credentials {
    pub user: String,
    pub password: Zeroizing<String>,
}

/// What a placeholder names, for the caller to answer from the run's context.
pub enum Lookup<'a> {
    /// `$env{NAME}`: from the environment the product starts with (this run's plus the systemd
    /// unit's `Environment=`/`EnvironmentFile=`, facts::placeholders::StartEnv).
    Env(&'a str),
    /// An encrypted `[secrets]` alias: its clear value from the Secure Vault.
    Secret(&'a str),
}

/// Answers a [`Lookup`]: the clear value, or why it is not known.
pub type Decrypt<'a> = dyn Fn(Lookup<'_>) -> Result<Zeroizing<String>, Unresolved> + 'a;

/// Reads `<user_key>` and `<password_key>` from deployment.toml in clear text and resolves
/// `$env{}`, `$ref{}`, plain-text `[secrets]` aliases and (through `decrypt`) encrypted ones.
/// A user name that is not a secret is taken as the config probe resolved it (`d`), so a DN
/// such as `uid=$env{LDAP_USER},ou=system` binds as the product would.
pub fn resolve(
    home: &Path,
    decrypt: &Decrypt<'_>,
    d: &Deployment,
    user_key: &str,
    password_key: &str,
) -> Result<Credentials, Unresolved> {
    let raw = raw_strings(home, &[user_key.to_string(), password_key.to_string()])
        .map_err(Unresolved::Failed)?;
    let user = match (d.get(user_key), raw.get(user_key)) {
        (Err(why), _) => return Err(Unresolved::Failed(why)),
        (Ok(Some((Value::Str(u), _))), _) => Zeroizing::new(u.clone()),
        (_, Some(u)) => resolve_value(home, decrypt, u, user_key, 0)?,
        (_, None) => {
            return Err(Unresolved::Failed(format!(
                "`{user_key}` is not set in deployment.toml"
            )));
        }
    };
    let password = match raw.get(password_key) {
        Some(p) => resolve_value(home, decrypt, p, password_key, 0)?,
        None => Zeroizing::new(String::new()),
    };
    Ok(Credentials {
        user: user.to_string(),
        password,
    })
}

/// One value: as written, `$env{NAME}`, or `$secret{alias}`: a `[plain text]` entry as is, a
/// cipher-tool-encrypted one decrypted by the Secure Vault.
fn resolve_value(
    home: &Path,
    decrypt: &Decrypt<'_>,
    raw: &str,
    key: &str,
    depth: usize,
) -> Result<Zeroizing<String>, Unresolved> {
    let t = raw.trim();
    let inner = |prefix: &str| {
        t.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix('}'))
            .map(str::trim)
    };
    match crate::value::placeholder_form(t) {
        None if has_placeholder(t) => Err(Unresolved::Failed(format!(
            "`{key}` mixes text with a placeholder; preflight uses a credential only when it is one whole placeholder or plain text"
        ))),
        None => Ok(Zeroizing::new(raw.to_string())),
        Some("ref") => {
            let target = inner("$ref{").unwrap_or_default();
            resolve_ref(home, decrypt, key, target, depth)
        }
        Some("env") => {
            let name = inner("$env{").unwrap_or_default();
            decrypt(Lookup::Env(name)).map_err(|_| {
                Unresolved::Failed(format!(
                    "`{key}` is $env{{{name}}}, which is not set in the environment the product starts with"
                ))
            })
        }
        Some("secret-ref") => {
            let alias = inner("$secret{").unwrap_or_default();
            let path = format!("secrets.{alias}");
            let value = raw_strings(home, std::slice::from_ref(&path))
                .map_err(Unresolved::Failed)?
                .remove(&path)
                .map(Zeroizing::new)
                .ok_or_else(|| {
                    Unresolved::Failed(format!(
                        "`{key}` is $secret{{{alias}}}, which has no entry in [secrets]"
                    ))
                })?;
            match value
                .trim()
                .strip_prefix('[')
                .and_then(|r| r.strip_suffix(']'))
            {
                Some(plain) => Ok(Zeroizing::new(plain.to_string())),
                None => decrypt(Lookup::Secret(alias)),
            }
        }
        Some(other) => Err(Unresolved::Failed(format!(
            "`{key}` is a `{other}` placeholder, resolved only when the server starts"
        ))),
    }
}

/// How many `$ref{}`s one credential may follow (a loop ends here).
const MAX_REF_DEPTH: usize = 8;

/// `$ref{target}`: the value deployment.toml sets at `target`, else the kernel default, itself
/// resolved.
fn resolve_ref(
    home: &Path,
    decrypt: &Decrypt<'_>,
    key: &str,
    target: &str,
    depth: usize,
) -> Result<Zeroizing<String>, Unresolved> {
    if depth >= MAX_REF_DEPTH {
        return Err(Unresolved::Failed(format!(
            "`{key}`: $ref{{}} placeholders refer to each other in a loop"
        )));
    }
    let set = raw_strings(home, &[target.to_string()])
        .map_err(Unresolved::Failed)?
        .remove(target);
    let default = || {
        KERNEL_DEFAULTS
            .iter()
            .find(|(k, _)| *k == target)
            .map(|(_, v)| v.to_string())
    };
    match set.or_else(default) {
        Some(v) => resolve_value(home, decrypt, &v, target, depth + 1),
        None => Err(Unresolved::Failed(format!(
            "`{key}` is $ref{{{target}}}, which deployment.toml does not set"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn home(toml: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("repository/conf")).unwrap();
        std::fs::write(dir.path().join("repository/conf/deployment.toml"), toml).unwrap();
        dir
    }

    #[test]
    fn plain_env_plain_secret_and_encrypted_secret() {
        let h = home(
            "[database.apim_db]\nusername = \"am\"\npassword = \"pw1\"\n\n[database.shared_db]\nusername = \"sh\"\npassword = \"$secret{sh_pw}\"\n\n[database.user]\nusername = \"u\"\npassword = \"$secret{enc}\"\n\n[database.x]\nusername = \"x\"\npassword = \"$env{PREFLIGHT_TEST_UNSET_VAR}\"\n\n[database.y]\nusername = \"y\"\npassword = \"$secret{dec}\"\n\n[secrets]\nsh_pw = \"[pw2]\"\nenc = \"c2VjcmV0IGNpcGhlcnRleHQ=\"\ndec = \"ZW5jcnlwdGVk\"\n",
        );
        let vault = |l: Lookup<'_>| match l {
            Lookup::Secret("dec") => Ok(Zeroizing::new("pw3".to_string())),
            Lookup::Secret(alias) => Err(Unresolved::NeedsKeystore(format!(
                "password is $secret{{{alias}}}: supply the keystore password"
            ))),
            Lookup::Env(name) => Err(Unresolved::Failed(format!("{name} is not set"))),
        };
        let text =
            std::fs::read_to_string(h.path().join("repository/conf/deployment.toml")).unwrap();
        let d = Deployment::parse(&text);
        let resolve = |u: &str, p: &str| resolve(h.path(), &vault, &d, u, p);
        let c = resolve("database.apim_db.username", "database.apim_db.password").unwrap();
        assert_eq!((c.user.as_str(), c.password.as_str()), ("am", "pw1"));
        let c = resolve("database.shared_db.username", "database.shared_db.password").unwrap();
        assert_eq!(c.password.as_str(), "pw2");
        let Err(Unresolved::NeedsKeystore(why)) =
            resolve("database.user.username", "database.user.password")
        else {
            panic!("an encrypted alias needs the keystore password");
        };
        assert_eq!(
            why,
            "password is $secret{enc}: supply the keystore password"
        );
        let c = resolve("database.y.username", "database.y.password").unwrap();
        assert_eq!(c.password.as_str(), "pw3");
        let Err(Unresolved::Failed(why)) = resolve("database.x.username", "database.x.password")
        else {
            panic!("an unset variable cannot be used");
        };
        assert!(why.contains("PREFLIGHT_TEST_UNSET_VAR"), "{why}");
    }

    #[test]
    fn ref_placeholders_are_followed_and_mixed_text_is_refused() {
        let h = home(
            "[user_store]\nconnection_name = \"$ref{ldap.bind_dn}\"\nconnection_password = \"$ref{ldap.pw}\"\n\n[database.apim_db]\nusername = \"$ref{keystore.primary.alias}\"\npassword = \"pre$env{PREFLIGHT_TEST_PW}\"\n\n[database.loop]\nusername = \"u\"\npassword = \"$ref{database.loop.password}\"\n\n[ldap]\nbind_dn = \"uid=$env{PREFLIGHT_TEST_LDAP_USER},ou=system\"\npw = \"$ref{ldap.pw2}\"\npw2 = \"s3cret\"\n",
        );
        let text =
            std::fs::read_to_string(h.path().join("repository/conf/deployment.toml")).unwrap();
        let d = Deployment::parse_in(
            &text,
            &crate::facts::deployment::StartsWith {
                env: crate::facts::placeholders::StartEnv::from_vars(&[(
                    "PREFLIGHT_TEST_LDAP_USER",
                    "pf",
                )]),
                defaults: Ok(KERNEL_DEFAULTS),
            },
        );
        let vault = |_: Lookup<'_>| Err(Unresolved::Failed("no".into()));
        let c = resolve(
            h.path(),
            &vault,
            &d,
            "user_store.connection_name",
            "user_store.connection_password",
        )
        .unwrap();
        assert_eq!(
            (c.user.as_str(), c.password.as_str()),
            ("uid=pf,ou=system", "s3cret")
        );
        // The kernel default of keystore.primary.alias, then a password with text around $env{}.
        let Err(Unresolved::Failed(why)) = resolve(
            h.path(),
            &vault,
            &d,
            "database.apim_db.username",
            "database.apim_db.password",
        ) else {
            panic!("a password mixing text and a placeholder is not used as written");
        };
        assert!(why.contains("mixes text with a placeholder"), "{why}");
        let Err(Unresolved::Failed(why)) = resolve(
            h.path(),
            &vault,
            &d,
            "database.loop.username",
            "database.loop.password",
        ) else {
            panic!("a $ref loop ends");
        };
        assert!(why.contains("loop"), "{why}");
    }
}
