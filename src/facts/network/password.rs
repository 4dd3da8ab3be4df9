//! Credentials for live logins: the user and password of a datasource or of the LDAP user store,
//! resolved from deployment.toml the way the product resolves them at start (`$secret{}` through
//! the Secure Vault, vault.rs). Passwords stay in memory (`Zeroizing`), are used for one login
//! and never become facts.

use super::super::deployment::raw_strings;
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
/// `$env{}`, plain-text `[secrets]` aliases and (through `decrypt`) encrypted ones.
pub fn resolve(
    home: &Path,
    decrypt: &Decrypt<'_>,
    user_key: &str,
    password_key: &str,
) -> Result<Credentials, Unresolved> {
    let raw = raw_strings(home, &[user_key.to_string(), password_key.to_string()])
        .map_err(Unresolved::Failed)?;
    let user = match raw.get(user_key) {
        Some(u) => resolve_value(home, decrypt, u, user_key)?,
        None => {
            return Err(Unresolved::Failed(format!(
                "`{user_key}` is not set in deployment.toml"
            )));
        }
    };
    let password = match raw.get(password_key) {
        Some(p) => resolve_value(home, decrypt, p, password_key)?,
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
) -> Result<Zeroizing<String>, Unresolved> {
    let t = raw.trim();
    let inner = |prefix: &str| {
        t.strip_prefix(prefix)
            .and_then(|r| r.strip_suffix('}'))
            .map(str::trim)
    };
    match crate::value::placeholder_form(t) {
        None => Ok(Zeroizing::new(raw.to_string())),
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
        let resolve = |u: &str, p: &str| resolve(h.path(), &vault, u, p);
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
}
