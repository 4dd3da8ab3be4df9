//! Secure Vault: the keystore password (`--keystore-password-file`, `$PREFLIGHT_KEYSTORE_PASSWORD`
//! or the product's own `password` / `password-tmp` / `password-persist`), and every `[secrets]`
//! value of deployment.toml decrypted in memory as the product does at start. Clear values leave
//! this module only through [`Vault::secret`], to probes that must use them (keystore passwords,
//! database logins, LDAP binds); facts say only which aliases decrypt.
//!
//! How the product does it (read from the sources at the versions APIM 3.2-4.7 ship, not recalled):
//! - `bin/ciphertool.sh -Dconfigure` encrypts each `[secrets]` value with the certificate of the
//!   *internal* keystore's key (`[keystore.internal]`, falling back to `[keystore.primary]`) and
//!   writes base64 of the raw RSA ciphertext. The transformation is `Cipher.getInstance("RSA")`
//!   (SunJCE: RSA/ECB/PKCS1Padding) unless `-Dorg.wso2.CipherTransformation=` is given on
//!   ciphertool.sh's own command line: wso2/cipher-tool v1.1.15 (APIM 3.2-4.1) `KeyStoreUtil.java`
//!   lines 58-62, `CipherTool.java` lines 113-118; v1.1.28 (4.6) `KeyStoreUtil.java` lines 95-99.
//!   The shipped script passes no such option (`ciphertool.sh` line 127 at v1.1.15, 118 at
//!   v1.1.28), and cipher-tool reads no carbon.properties.
//! - The `org.wso2.CipherTransformation = RSA/ECB/OAEPwithSHA1andMGF1Padding` (3.2-4.6;
//!   `AES/GCM/NoPadding` on 4.7) of repository/conf/carbon.properties (product-apim v4.2.0
//!   modules/distribution/product/src/main/conf/carbon.properties line 17; rendered from
//!   carbon-kernel v4.8.1 default.json line 209 by carbon.properties.j2) is not Secure Vault's:
//!   the server copies carbon.properties into System properties (carbon-kernel v4.6.0
//!   Bootstrap.java lines 56, 78-107; v4.8.1 Main.java lines 107, 245-263), where `CryptoUtil`
//!   (v4.8.1 lines 160, 288) reads it for the server's internal encryption. Secure Vault never
//!   reads that property.
//! - With the option given, cipher-tool records it as `secretRepositories.file.algorithm` in
//!   repository/conf/security/secret-conf.properties: v1.1.15 `Utils.java` lines 215-218, v1.1.26
//!   and v1.1.28 lines 263-266; v1.1.20 (APIM 4.2) and v1.1.23 (4.3) do not write it (restored by
//!   commit f21d1b7, first in v1.1.24), so there a value encrypted with the option fails in the
//!   product too. A value that decrypts only under the other RSA padding is reported as such.
//! - At start org.wso2.securevault's `FileBaseSecretRepository.init` (wso2/carbon-secvault v1.1.3
//!   lines 93-98 for kernel 4.6.x, v1.1.5 for 4.8.1, v1.1.7 for 4.9.x, v1.2.0 lines 121-131 for
//!   4.11.18) decrypts every alias with that property, default `RSA`, base64 input, through
//!   `Cipher.getInstance(algorithm)` (`BaseCipher.java` line 112 at v1.1.3); the properties come
//!   from secret-conf.properties alone (carbon-kernel v4.8.1 `SecretManagerInitializer.java`
//!   lines 87-106). `encryptionMode=symmetric` (v1.1.9+) and `key.based.symmetric.encryption`
//!   (v1.2.0) switch to AES/GCM with a self-contained JSON ciphertext, which preflight does not
//!   decrypt.
//! - The keystore password comes from `DefaultSecretCallbackHandler` (carbon-kernel v4.9.0
//!   core/org.wso2.carbon.securevault/.../DefaultSecretCallbackHandler.java lines 73-131): the
//!   first line of PRODUCT_HOME/`password`, else `password-tmp`, else `password-persist`, else the
//!   console. The product renames or deletes the first two; preflight only reads them. Started
//!   with `-Dkey.password=true`, the product reads the private key's own password from the second
//!   line (`readPassword`, lines 166-180); preflight uses a second line of any source the same way.

use super::{Context, Fact, keystore};
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::Path;
use zeroize::Zeroizing;

/// The environment variable that may hold the keystore password.
const PASSWORD_ENV: &str = "PREFLIGHT_KEYSTORE_PASSWORD";
/// The product's own password files, in the order DefaultSecretCallbackHandler reads them.
const PRODUCT_PASSWORD_FILES: [&str; 3] = ["password", "password-tmp", "password-persist"];
const SECRET_CONF: &str = "repository/conf/security/secret-conf.properties";
/// Password files and secret-conf.properties are a few lines.
const MAX_SMALL_FILE: u64 = 64 << 10;
/// How to give preflight the keystore password, for skip reasons and errors.
const HOW_TO_SUPPLY: &str = "give the internal keystore's password with --keystore-password-file FILE or $PREFLIGHT_KEYSTORE_PASSWORD (or keep the product's password-persist file)";

/// The keystore password, the private key's own password if one was given, and their source.
struct Supplied {
    source: &'static str,
    store: Zeroizing<String>,
    /// The second line: the key's password when it differs (`-Dkey.password=true`).
    key: Option<Zeroizing<String>>,
}

/// A `[secrets]` value in clear, or why it does not decrypt.
type Decrypted = Result<Zeroizing<String>, String>;
/// Every encrypted alias of `[secrets]`.
type Secrets = BTreeMap<String, Decrypted>;

/// The Secure Vault as preflight sees it, built once per run by [`Context::secrets`].
pub struct Vault {
    /// Where the keystore password came from (`none` without one), or why that is unknown.
    source: Result<&'static str, String>,
    /// Alias → clear value, or why it does not decrypt. `[plain text]` aliases are left out.
    secrets: Secrets,
    /// Why no alias could be tried (no password, keystore unreadable, key not recovered).
    problem: Option<String>,
    /// Whether `problem` means "nothing to judge" (no password, no encrypted alias): `skip`.
    not_applicable: bool,
}

impl std::fmt::Debug for Vault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the values: only which aliases decrypt.
        f.debug_struct("Vault")
            .field("source", &self.source)
            .field("aliases", &self.secrets.keys().collect::<Vec<_>>())
            .field("problem", &self.problem)
            .finish()
    }
}

impl Vault {
    /// The clear value of a `[secrets]` alias, or why it is not known.
    pub fn secret(&self, alias: &str) -> Result<&str, String> {
        match self.secrets.get(alias) {
            Some(Ok(v)) => Ok(v.as_str()),
            Some(Err(e)) => Err(format!("$secret{{{alias}}} does not decrypt: {e}")),
            None => Err(match &self.problem {
                Some(p) => format!("$secret{{{alias}}} was not decrypted: {p}"),
                None => format!("$secret{{{alias}}} is not an encrypted alias of [secrets]"),
            }),
        }
    }

    /// Whether nothing could be decrypted because no keystore password was given (or there is
    /// no encrypted alias): what needs a clear value does not apply (`skip`), it is no error.
    pub fn lacks_password(&self) -> bool {
        self.not_applicable
    }

    /// Whether loading may take long enough to deserve a thread of its own: a password is
    /// there to recover the key with (from the environment or the product's password files),
    /// and `--keystore-password-file` has not already started it at the start of the run.
    pub fn worth_a_thread(ctx: &Context) -> bool {
        let Some(home) = ctx.home() else {
            return false;
        };
        ctx.keystore_password_file.is_none()
            && (std::env::var_os(PASSWORD_ENV).is_some()
                || PRODUCT_PASSWORD_FILES
                    .iter()
                    .any(|name| std::fs::symlink_metadata(home.join(name)).is_ok()))
    }

    /// Reads the password, the keystore and `[secrets]`, and decrypts every alias.
    pub fn load(ctx: &Context) -> Vault {
        let Some(home) = ctx.home() else {
            return Vault::failed(Err("no PRODUCT_HOME given".into()), "no PRODUCT_HOME given");
        };
        let password = match supplied_password(ctx.keystore_password_file.as_deref(), home) {
            Ok(Some(p)) => p,
            Ok(None) => {
                return Vault::not_applicable(
                    Ok("none"),
                    &format!("no keystore password: {HOW_TO_SUPPLY}"),
                );
            }
            Err(e) => return Vault::failed(Err(e.clone()), &e),
        };
        let source = Ok(password.source);
        let encrypted = match encrypted_aliases(home) {
            Ok(a) => a,
            Err(e) => return Vault::failed(source, &e),
        };
        if encrypted.is_empty() {
            return Vault::not_applicable(
                source,
                "deployment.toml has no encrypted [secrets] value",
            );
        }
        match Decryptor::new(ctx, home, &password) {
            Ok(d) => Vault {
                source,
                secrets: d.decrypt_all(&encrypted),
                problem: None,
                not_applicable: false,
            },
            Err(e) => Vault::failed(source, &e),
        }
    }

    fn failed(source: Result<&'static str, String>, problem: &str) -> Vault {
        Vault {
            source,
            secrets: BTreeMap::new(),
            problem: Some(problem.to_string()),
            not_applicable: false,
        }
    }

    fn not_applicable(source: Result<&'static str, String>, why: &str) -> Vault {
        Vault {
            not_applicable: true,
            ..Vault::failed(source, why)
        }
    }

    /// The `vault.*` facts.
    pub fn fact(&self, name: &str) -> Fact {
        let list =
            |ok: bool| {
                let items = self.secrets.iter().filter(|(_, v)| v.is_ok() == ok).map(
                    |(alias, v)| match v {
                        Ok(_) => Value::Str(alias.clone()),
                        Err(e) => Value::Str(format!("{alias}: {e}")),
                    },
                );
                Fact::value(Value::List(items.collect()))
            };
        match (name, &self.problem) {
            ("vault.password-source", _) => match &self.source {
                Ok(s) => Fact::value(Value::Str((*s).to_string())),
                Err(e) => Fact::unavailable(e.clone()),
            },
            ("vault.secrets.decrypted" | "vault.secrets.undecryptable", Some(p)) => {
                if self.not_applicable {
                    Fact::not_applicable(p.clone())
                } else {
                    Fact::unavailable(p.clone())
                }
            }
            ("vault.secrets.decrypted", None) => list(true),
            ("vault.secrets.undecryptable", None) => list(false),
            _ => Fact::unavailable(format!("the keystore probe does not know `{name}`")),
        }
    }
}

/// The keystore password and where it came from: the option's file, the environment, then the
/// product's own files in the product's order. The first line is the keystore's password, a
/// second line the private key's, as DefaultSecretCallbackHandler reads them.
fn supplied_password(option: Option<&Path>, home: &Path) -> Result<Option<Supplied>, String> {
    if let Some(file) = option {
        let text = Zeroizing::new(
            crate::io::read_input(file, MAX_SMALL_FILE)
                .map_err(|e| format!("--keystore-password-file: {e}"))?,
        );
        return Ok(Some(lines("option", &text)));
    }
    if let Ok(p) = std::env::var(PASSWORD_ENV) {
        return Ok(Some(lines("env", &Zeroizing::new(p))));
    }
    for name in PRODUCT_PASSWORD_FILES {
        let path = home.join(name);
        if std::fs::symlink_metadata(&path).is_err() {
            continue;
        }
        let text = crate::io::read_capped(&path, MAX_SMALL_FILE)
            .map(Zeroizing::new)
            .map_err(|e| super::under_home(&e, home, &path))?;
        return Ok(Some(lines(name, &text)));
    }
    Ok(None)
}

/// The first line without its line terminator, as `BufferedReader.readLine` returns it.
fn first_line(text: &str) -> Zeroizing<String> {
    let line = text.split(['\n', '\r']).next().unwrap_or_default();
    Zeroizing::new(line.to_string())
}

/// The store password (first line) and a non-empty second line as the key's password.
fn lines(source: &'static str, text: &str) -> Supplied {
    let rest = text
        .split_once("\r\n")
        .or_else(|| text.split_once(['\n', '\r']))
        .map(|(_, rest)| rest);
    Supplied {
        source,
        store: first_line(text),
        key: rest.map(first_line).filter(|k| !k.is_empty()),
    }
}

/// The `[secrets]` aliases whose values are cipher-tool output (not `[plain text]`), read from
/// deployment.toml inside this module only.
fn encrypted_aliases(home: &Path) -> Result<Vec<(String, Zeroizing<String>)>, String> {
    let path = home.join(preflight_rules::names::DEPLOYMENT_TOML);
    let text = Zeroizing::new(
        crate::io::read_capped(&path, super::deployment::MAX_CONFIG_BYTES)
            .map_err(|e| super::under_home(&e, home, &path))?,
    );
    let root: toml::Table = toml::from_str(&text)
        .map_err(|e| format!("deployment.toml is invalid TOML: {}", e.message().trim()))?;
    let Some(toml::Value::Table(secrets)) = root.get("secrets") else {
        return Ok(Vec::new());
    };
    Ok(secrets
        .iter()
        .filter_map(|(k, v)| {
            v.as_str()
                .map(|s| (k.clone(), Zeroizing::new(s.trim().to_string())))
        })
        .filter(|(_, v)| !(v.starts_with('[') && v.ends_with(']')))
        .collect())
}

/// The padding the product decrypts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Padding {
    Pkcs1,
    OaepSha1,
    OaepSha256,
}

/// Maps a JCE transformation to its padding; SunJCE's `OAEPWith<digest>AndMGF1Padding` keeps
/// MGF1 on SHA-1 whatever the digest (OpenJDK `RSACipher.engineInit`).
fn padding(transformation: &str) -> Result<Padding, String> {
    let t = transformation
        .trim()
        .to_ascii_uppercase()
        .replace("SHA-", "SHA");
    match t.as_str() {
        "RSA" | "RSA/ECB/PKCS1PADDING" | "RSA/NONE/PKCS1PADDING" => Ok(Padding::Pkcs1),
        "RSA/ECB/OAEPWITHSHA1ANDMGF1PADDING"
        | "RSA/ECB/OAEPPADDING"
        | "RSA/NONE/OAEPWITHSHA1ANDMGF1PADDING" => Ok(Padding::OaepSha1),
        "RSA/ECB/OAEPWITHSHA256ANDMGF1PADDING" => Ok(Padding::OaepSha256),
        _ => Err(format!(
            "secretRepositories.file.algorithm = {transformation} is not a transformation preflight decrypts"
        )),
    }
}

/// The transformation Secure Vault decrypts `[secrets]` with: `secretRepositories.file.algorithm`
/// of secret-conf.properties, or `None` when the file or the key is absent (then
/// FileBaseSecretRepository's default `RSA`). carbon.properties' `org.wso2.CipherTransformation`
/// plays no part (see the module documentation).
fn transformation(home: &Path) -> Result<Option<String>, String> {
    let path = home.join(SECRET_CONF);
    let text = match crate::io::read_capped(&path, MAX_SMALL_FILE) {
        Ok(t) => t,
        Err(_) if !path.exists() => return Ok(None),
        Err(e) => return Err(super::under_home(&e, home, &path)),
    };
    let prop = |key: &str| {
        text.lines()
            .map(str::trim)
            .filter(|l| !l.starts_with('#') && !l.starts_with('!'))
            .filter_map(|l| l.split_once(['=', ':']))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().to_string())
    };
    match prop("secretRepositories.file.encryptionMode").as_deref() {
        // wso2/cipher-tool 1.1.x SymmetricCipher.java: base64 of JSON {cipherText, iv} under
        // AES/GCM/NoPadding (128-bit tag) with a secret-key entry of the keystore.
        Some("symmetric") => Err("secret-conf.properties sets encryptionMode=symmetric: [secrets] values are then AES/GCM/NoPadding under a secret-key entry of the keystore (cipher-tool's SymmetricCipher), which preflight does not decrypt; only the RSA modes are supported".into()),
        // wso2/carbon-secvault v1.2.0 FileBaseSecretRepository.java lines 122-124, 156-158:
        // AES/GCM under a key given to the server, not a keystore entry.
        Some("key.based.symmetric.encryption") => Err("secret-conf.properties sets encryptionMode=key.based.symmetric.encryption: [secrets] values are then AES/GCM/NoPadding under an encryption key given to the server (org.wso2.securevault 1.2.0), which preflight does not decrypt; only the RSA modes are supported".into()),
        _ => Ok(prop("secretRepositories.file.algorithm")),
    }
}

/// The JCE name of a padding, as messages print it.
fn padding_name(p: Padding) -> &'static str {
    match p {
        Padding::Pkcs1 => "RSA/ECB/PKCS1Padding",
        Padding::OaepSha1 => "RSA/ECB/OAEPWithSHA1AndMGF1Padding",
        Padding::OaepSha256 => "RSA/ECB/OAEPWithSHA-256AndMGF1Padding",
    }
}

/// The internal keystore's private key and the padding, ready to decrypt `[secrets]` values.
struct Decryptor {
    key: rsa::PrivateKey,
    padding: Padding,
    /// Whether secret-conf.properties names the transformation (else the default `RSA`).
    named: bool,
}

impl Decryptor {
    fn new(ctx: &Context, home: &Path, password: &Supplied) -> Result<Decryptor, String> {
        use rsa::pkcs8::DecodePrivateKey;
        let named = transformation(home)?;
        let padding = padding(named.as_deref().unwrap_or("RSA"))?;
        let (file, alias) = internal_keystore(ctx);
        let path = home.join(keystore::SECURITY_DIR).join(&file);
        let store = keystore::open_cached(ctx, &path, Some(&password.store))
            .map_err(|e| super::under_home(&e, home, &path))?;
        if store.opens != Ok(true) {
            return Err(format!(
                "the keystore password from {} does not open PRODUCT_HOME/{}/{file}",
                describe_source(password.source),
                keystore::SECURITY_DIR
            ));
        }
        let keys = ctx.keystores();
        let der = match &password.key {
            Some(key) => keystore::private_key(keys, &store, &alias, key)
                .map_err(|e| format!("{e} (with the key password, the second line)"))?,
            None => keystore::private_key(keys, &store, &alias, &password.store).map_err(|e| {
                format!(
                    "{e} with the keystore password; a key with a password of its own (the product started with -Dkey.password=true) needs it as the second line of the password file"
                )
            })?,
        };
        let key = rsa::PrivateKey::from_pkcs8_der(&der)
            .map_err(|e| format!("the private key `{alias}` is not an RSA key: {e}"))?;
        Ok(Decryptor {
            key,
            padding,
            named: named.is_some(),
        })
    }

    /// Every alias, half of them on a second thread: an RSA private-key operation is the
    /// costliest step of a run with Secure Vault (about 4 ms for a 3072-bit key).
    fn decrypt_all(&self, encrypted: &[(String, Zeroizing<String>)]) -> Secrets {
        let run = |part: &[(String, Zeroizing<String>)]| -> Vec<(String, Decrypted)> {
            part.iter()
                .map(|(alias, value)| (alias.clone(), self.decrypt(value)))
                .collect()
        };
        let (first, second) = encrypted.split_at(encrypted.len() / 2);
        std::thread::scope(|s| {
            // A host that refuses a thread gets both halves on this one.
            let other = std::thread::Builder::new()
                .spawn_scoped(s, || run(first))
                .ok();
            let mut out: Secrets = run(second).into_iter().collect();
            let first_done = other
                .and_then(|t| t.join().ok())
                .unwrap_or_else(|| run(first));
            out.extend(first_done);
            out
        })
    }

    /// One `[secrets]` value: base64 of the RSA ciphertext, as the cipher tool writes it.
    fn decrypt(&self, value: &str) -> Result<Zeroizing<String>, String> {
        use base64::Engine;
        let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
        let ct = base64::engine::general_purpose::STANDARD
            .decode(compact.as_bytes())
            .map_err(|_| "not base64 cipher-tool output".to_string())?;
        let clear = self
            .with(self.padding, &ct)
            .map_err(|_| self.why_not(&ct))?;
        Ok(Zeroizing::new(String::from_utf8_lossy(&clear).into_owned()))
    }

    fn with(&self, padding: Padding, ct: &[u8]) -> rsa::Result<Zeroizing<Vec<u8>>> {
        match padding {
            Padding::Pkcs1 => pkcs1v15_strict(&self.key, ct),
            Padding::OaepSha1 => self.key.decrypt(rsa::Oaep::<sha1::Sha1>::new(), ct),
            Padding::OaepSha256 => self.key.decrypt(
                rsa::Oaep::<sha2::Sha256, sha1::Sha1>::new_with_mgf_hash(),
                ct,
            ),
        }
        .map(Zeroizing::new)
    }

    /// Why a value does not decrypt: the key, or a value encrypted under the other RSA padding
    /// (ciphertool.sh run with or without `-Dorg.wso2.CipherTransformation`, the transformation
    /// not recorded in secret-conf.properties, as cipher-tool 1.1.20-1.1.23 leave it).
    fn why_not(&self, ct: &[u8]) -> String {
        let configured = if self.named {
            "secretRepositories.file.algorithm of secret-conf.properties"
        } else {
            "Secure Vault's default `RSA`: secret-conf.properties names no secretRepositories.file.algorithm"
        };
        let used = padding_name(self.padding);
        let other = match self.padding {
            Padding::Pkcs1 => Padding::OaepSha1,
            Padding::OaepSha1 | Padding::OaepSha256 => Padding::Pkcs1,
        };
        if self.with(other, ct).is_ok() {
            format!(
                "was encrypted with {} but the product decrypts with {used} ({configured}); re-encrypt it, or record the transformation ciphertool.sh used as secretRepositories.file.algorithm",
                padding_name(other)
            )
        } else {
            format!("does not decrypt with the internal keystore's key ({used}, {configured})")
        }
    }
}

fn describe_source(source: &str) -> String {
    match source {
        "option" => "--keystore-password-file".into(),
        "env" => format!("${PASSWORD_ENV}"),
        file => format!("PRODUCT_HOME/{file}"),
    }
}

/// The internal keystore's file name and key alias: `[keystore.internal]`, falling back to
/// `[keystore.primary]` and then the shipped defaults (carbon-kernel default.json
/// `keystore.internal.* = $ref{keystore.primary.*}`).
fn internal_keystore(ctx: &Context) -> (String, String) {
    let d = ctx.deployment();
    let get = |key: &str, default: &str| {
        ["keystore.internal", "keystore.primary"]
            .iter()
            .find_map(|s| match d.lookup(&format!("{s}.{key}")) {
                Some((Value::Str(v), _)) => Some(v.clone()),
                _ => None,
            })
            .unwrap_or_else(|| default.to_string())
    };
    (
        get("file_name", "wso2carbon.jks"),
        get("alias", "wso2carbon"),
    )
}

/// RSA/ECB/PKCS1Padding as the JDK's Cipher decrypts it: a padding error is an error. The `rsa`
/// crate's own PKCS#1 v1.5 decryption uses implicit rejection (it returns a synthetic message for
/// bad padding, a defence for TLS servers), which would make every foreign or garbled
/// `[secrets]` value "decrypt"; so the raw RSA step is the crate's and the EME-PKCS1-v1_5
/// decoding of RFC 8017 §7.2.2 step 3 is done here, failing on any deviation.
fn pkcs1v15_strict(key: &rsa::PrivateKey, ct: &[u8]) -> rsa::Result<Vec<u8>> {
    use rsa::traits::PublicKeyParts;
    let k = key.size();
    if ct.len() != k || k < 11 {
        return Err(rsa::Error::Decryption);
    }
    let c = rsa::BoxedUint::from_be_slice(ct, key.n_bits_precision())
        .map_err(|_| rsa::Error::Decryption)?;
    let m = rsa::hazmat::rsa_decrypt_and_check(key, None::<&mut NoRng>, &c)?;
    let bytes = Zeroizing::new(m.to_be_bytes());
    let mut em = Zeroizing::new(vec![0u8; k]);
    let take = bytes.len().min(k);
    em[k - take..].copy_from_slice(&bytes[bytes.len() - take..]);
    // EM = 0x00 || 0x02 || PS (at least 8 non-zero octets) || 0x00 || M
    if em[0] != 0 || em[1] != 2 {
        return Err(rsa::Error::Decryption);
    }
    let sep = em[2..]
        .iter()
        .position(|&b| b == 0)
        .ok_or(rsa::Error::Decryption)?;
    if sep < 8 {
        return Err(rsa::Error::Decryption);
    }
    Ok(em[2 + sep + 1..].to_vec())
}

/// No blinding randomness: `rsa_decrypt_and_check` then decrypts unblinded, which is fine for a
/// tool that decrypts its own node's configuration once (it is no decryption oracle).
struct NoRng;

impl rsa::rand_core::TryRng for NoRng {
    type Error = std::convert::Infallible;
    fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
        unreachable!("NoRng is only passed as None")
    }
    fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
        unreachable!("NoRng is only passed as None")
    }
    fn try_fill_bytes(&mut self, _: &mut [u8]) -> Result<(), Self::Error> {
        unreachable!("NoRng is only passed as None")
    }
}

impl rsa::rand_core::TryCryptoRng for NoRng {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transformations_map_to_the_padding_the_jdk_uses() {
        assert_eq!(padding("RSA"), Ok(Padding::Pkcs1));
        assert_eq!(padding("RSA/ECB/PKCS1Padding"), Ok(Padding::Pkcs1));
        assert_eq!(
            padding("RSA/ECB/OAEPwithSHA1andMGF1Padding"),
            Ok(Padding::OaepSha1)
        );
        assert_eq!(
            padding("RSA/ECB/OAEPWithSHA-256AndMGF1Padding"),
            Ok(Padding::OaepSha256)
        );
        assert!(padding("AES/GCM/NoPadding").is_err());
    }

    #[test]
    fn a_second_line_is_the_key_password_as_the_product_reads_it() {
        let s = lines("option", "store\nkey\nignored\n");
        assert_eq!(
            (s.store.as_str(), s.key.as_deref().map(|k| k.as_str())),
            ("store", Some("key"))
        );
        let s = lines("option", "store\r\nkey\r\n");
        assert_eq!(s.key.as_deref().map(|k| k.as_str()), Some("key"));
        assert!(lines("option", "store\n").key.is_none());
        assert!(lines("option", "store").key.is_none());
    }

    #[test]
    fn only_the_first_line_of_a_password_file_counts() {
        assert_eq!(first_line("s3cret\nignored\n").as_str(), "s3cret");
        assert_eq!(first_line("s3cret\r\n").as_str(), "s3cret");
        assert_eq!(first_line("").as_str(), "");
    }
}
