//! Secure Vault end to end: keystores made by `keytool` and `openssl`, `[secrets]` encrypted by
//! independent producers (the JDK's `javax.crypto.Cipher`, as ciphertool.sh does, and
//! `openssl pkeyutl`), then `preflight check` must decrypt them, open keystores whose passwords
//! are `$secret{}` aliases, never show a clear value, and never touch the product's password
//! files.

mod common;
use common::*;
use std::path::{Path, PathBuf};
use std::process::Command;

const KS_PASSWORD: &str = "Ks-Vault-Pw-31c7";
const DB_PASSWORD: &str = "Db-Clear-Value-8e21";
const ADMIN_PASSWORD: &str = "Admin-Clear-Value-5a90";

/// What ciphertool.sh does: the certificate of the keystore's key, `Cipher.getInstance(t)`,
/// `doFinal` over the UTF-8 bytes, base64 (wso2/cipher-tool KeyStoreUtil.initializeCipher,
/// Utils.doEncryption).
const ENCRYPTOR: &str = r#"
import java.io.FileInputStream;
import java.security.KeyStore;
import java.util.Base64;
import javax.crypto.Cipher;

public class Enc {
    public static void main(String[] a) throws Exception {
        KeyStore ks = KeyStore.getInstance(a[1]);
        try (FileInputStream in = new FileInputStream(a[0])) { ks.load(in, a[2].toCharArray()); }
        Cipher c = Cipher.getInstance(a[4]);
        for (int i = 5; i < a.length; i++) {
            c.init(Cipher.ENCRYPT_MODE, ks.getCertificate(a[3]));
            System.out.println(Base64.getEncoder().encodeToString(c.doFinal(a[i].getBytes("UTF-8"))));
        }
    }
}
"#;

/// Whether `tool` can run here; without it the test is skipped with a message, except under CI.
fn have(tool: &str) -> bool {
    let ok = Command::new(tool)
        // keytool has no `-version` (it exits 1 on JDK 17); `-help` exits 0 on every JDK.
        .arg(match tool {
            "openssl" => "version",
            "keytool" => "-help",
            _ => "-version",
        })
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        common::missing_input(&format!(
            "{tool} is not installed; Secure Vault tests did not run"
        ));
    }
    ok
}

fn run(tool: &str, args: &[&str]) -> String {
    let out = Command::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A keystore with one RSA key `alias`, made by keytool.
fn keytool_store(path: &Path, store_type: &str, alias: &str) {
    keytool_store_with(path, store_type, alias, KS_PASSWORD);
}

/// A keystore with one RSA key `alias` whose password is `key_password`.
fn keytool_store_with(path: &Path, store_type: &str, alias: &str, key_password: &str) {
    let p = path.to_str().unwrap();
    run(
        "keytool",
        &[
            "-genkeypair",
            "-keystore",
            p,
            "-storetype",
            store_type,
            "-storepass",
            KS_PASSWORD,
            "-keypass",
            key_password,
            "-alias",
            alias,
            "-keyalg",
            "RSA",
            "-keysize",
            "2048",
            "-validity",
            "365",
            "-dname",
            "CN=apim.example.com, O=Example",
        ],
    );
}

/// Encrypts each value with the JDK, as ciphertool.sh does.
fn jdk_encrypt(
    dir: &Path,
    store: &Path,
    ty: &str,
    alias: &str,
    transformation: &str,
    values: &[&str],
) -> Vec<String> {
    let src = dir.join("Enc.java");
    std::fs::write(&src, ENCRYPTOR).unwrap();
    let mut args = vec![
        src.to_str().unwrap(),
        store.to_str().unwrap(),
        ty,
        KS_PASSWORD,
        alias,
        transformation,
    ];
    args.extend(values);
    run("java", &args).lines().map(str::to_string).collect()
}

/// Encrypts `value` for the key in a PKCS#12 file with `openssl pkeyutl` (`oaep` or `pkcs1`).
/// An OAEP value (openssl) whose raw RSA block is not also a well-formed PKCS#1 v1.5 block.
/// About 1 OAEP block in 350 starts 00 02 with a zero byte after eight non-zero ones, and then
/// PKCS#1 v1.5 "decrypts" it to garbage, in the JDK as in preflight; a test that expects the
/// wrong padding to fail draws again in that case (OAEP is randomised). The raw block comes
/// from openssl with no padding, not from preflight.
fn openssl_oaep_not_pkcs1(dir: &Path, p12: &Path, value: &str) -> String {
    let key = dir.join("key.pem");
    let pass = format!("pass:{KS_PASSWORD}");
    let key_s = key.to_str().unwrap();
    let p12_s = p12.to_str().unwrap();
    let args = [
        "pkcs12", "-in", p12_s, "-passin", &pass, "-nocerts", "-nodes", "-out", key_s,
    ];
    run("openssl", &args);
    loop {
        let b64 = openssl_encrypt(dir, p12, "oaep", value);
        let ct = dir.join("ct.bin");
        let raw = dir.join("raw.bin");
        let args = [
            "pkeyutl",
            "-decrypt",
            "-inkey",
            key_s,
            "-pkeyopt",
            "rsa_padding_mode:none",
            "-in",
            ct.to_str().unwrap(),
            "-out",
            raw.to_str().unwrap(),
        ];
        run("openssl", &args);
        let block = std::fs::read(&raw).unwrap();
        let pkcs1 = block[..2] == [0, 2]
            && block[2..10].iter().all(|&b| b != 0)
            && block[10..].contains(&0);
        if !pkcs1 {
            return b64;
        }
    }
}

fn openssl_encrypt(dir: &Path, p12: &Path, padding: &str, value: &str) -> String {
    let pass = format!("pass:{KS_PASSWORD}");
    let cert = dir.join("cert.pem");
    let cert_s = cert.to_str().unwrap();
    run(
        "openssl",
        &[
            "pkcs12",
            "-in",
            p12.to_str().unwrap(),
            "-passin",
            &pass,
            "-nokeys",
            "-clcerts",
            "-out",
            cert_s,
        ],
    );
    let pubkey = dir.join("pub.pem");
    std::fs::write(
        &pubkey,
        run("openssl", &["x509", "-in", cert_s, "-pubkey", "-noout"]),
    )
    .unwrap();
    let plain = dir.join("plain.txt");
    std::fs::write(&plain, value).unwrap();
    let ct = dir.join("ct.bin");
    run(
        "openssl",
        &[
            "pkeyutl",
            "-encrypt",
            "-pubin",
            "-inkey",
            pubkey.to_str().unwrap(),
            "-pkeyopt",
            &format!("rsa_padding_mode:{padding}"),
            "-in",
            plain.to_str().unwrap(),
            "-out",
            ct.to_str().unwrap(),
        ],
    );
    run("openssl", &["base64", "-A", "-in", ct.to_str().unwrap()])
        .trim()
        .to_string()
}

/// A 4.2.0 home whose keystores all use `$secret{}` passwords.
fn hardened_home(dir: &Path, file: &str, secrets: &[(&str, String)]) -> PathBuf {
    let mut toml = format!(
        r#"[server]
hostname = "apim.example.com"

[keystore.primary]
file_name = "{file}"
password = "$secret{{keystore_password}}"
alias = "apim"
key_password = "$secret{{keystore_password}}"

[keystore.tls]
file_name = "{file}"
password = "$secret{{keystore_password}}"
alias = "apim"
key_password = "$secret{{keystore_password}}"

[truststore]
file_name = "{file}"
password = "$secret{{keystore_password}}"

[database.apim_db]
type = "mysql"
url = "jdbc:mysql://db.example.com:3306/apim_db"
username = "apim"
password = "$secret{{db_password}}"

[secrets]
"#
    );
    for (alias, value) in secrets {
        toml.push_str(&format!("{alias} = \"{value}\"\n"));
    }
    let home = stage_home(dir, "4.2.0", &toml);
    std::fs::create_dir_all(home.join("repository/resources/security")).unwrap();
    home
}

/// A home whose internal keystore is a fresh JKS store (`apim`, the key under `key_password`
/// when given, else the store's password) and whose `[secrets]` hold `db_password` encrypted by
/// the JDK with plain RSA, the product's default transformation.
fn jks_home_with_db_secret(dir: &Path, key_password: Option<&str>) -> PathBuf {
    let store = dir.join("apim.jks");
    match key_password {
        Some(pw) => keytool_store_with(&store, "JKS", "apim", pw),
        None => keytool_store(&store, "JKS", "apim"),
    }
    let ct = jdk_encrypt(dir, &store, "JKS", "apim", "RSA", &[DB_PASSWORD]);
    let home = hardened_home(dir, "apim.jks", &[("db_password", ct[0].clone())]);
    std::fs::copy(&store, security(&home, "apim.jks")).unwrap();
    home
}

fn security(home: &Path, file: &str) -> PathBuf {
    home.join("repository/resources/security").join(file)
}

fn check(home: &Path, extra: &[&str], env: &[(&str, &str)]) -> (i32, serde_json::Value, String) {
    let only = ["--only", "config.secrets.decrypt", "--only", "keystore"];
    let args: Vec<&str> = only.iter().chain(extra).copied().collect();
    common::check_home(home, &args, env)
}

fn assert_no_clear_values(text: &str) {
    common::assert_absent(
        "the output",
        text.as_bytes(),
        &[KS_PASSWORD, DB_PASSWORD, ADMIN_PASSWORD],
    );
}

#[test]
fn jks_secrets_encrypted_by_the_jdk_decrypt_and_open_secret_keystores() {
    if !have("keytool") || !have("java") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("apim.jks");
    keytool_store(&store, "JKS", "apim");
    // No secret-conf.properties: Secure Vault's default `RSA` (PKCS#1 v1.5), like ciphertool.
    let ct = jdk_encrypt(
        dir.path(),
        &store,
        "JKS",
        "apim",
        "RSA",
        &[KS_PASSWORD, DB_PASSWORD, ADMIN_PASSWORD],
    );
    let secrets = [
        ("keystore_password", ct[0].clone()),
        ("db_password", ct[1].clone()),
        ("admin_password", ct[2].clone()),
        ("still_plain", "[not-yet-encrypted]".to_string()),
    ];
    let home = hardened_home(dir.path(), "apim.jks", &secrets);
    std::fs::copy(&store, security(&home, "apim.jks")).unwrap();
    let persist = home.join("password-persist");
    std::fs::write(&persist, format!("{KS_PASSWORD}\n")).unwrap();

    let (_, report, text) = check(&home, &[], &[]);
    let r = result(&report, "config.secrets.decrypt");
    assert_eq!(r["status"], "pass", "{r}");
    let msg = r["message"].as_str().unwrap();
    assert!(
        msg.contains("admin_password") && msg.contains("db_password"),
        "{msg}"
    );
    // The keystores' passwords are $secret{} aliases: they open now.
    assert_eq!(
        result(&report, "keystore.readable")["status"],
        "pass",
        "{}",
        result(&report, "keystore.readable")
    );
    assert_eq!(result(&report, "keystore.cert-expiry")["status"], "pass");
    assert_no_clear_values(&text);
    // The product's file is read, never changed.
    assert_eq!(
        std::fs::read_to_string(&persist).unwrap(),
        format!("{KS_PASSWORD}\n")
    );
}

#[test]
fn pkcs12_oaep_secrets_from_openssl_and_a_foreign_key_fail() {
    if !have("keytool") || !have("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("apim.p12");
    keytool_store(&store, "PKCS12", "apim");
    let other = dir.path().join("other.p12");
    keytool_store(&other, "PKCS12", "other");
    let good = openssl_oaep_not_pkcs1(dir.path(), &store, DB_PASSWORD);
    let ks = openssl_oaep_not_pkcs1(dir.path(), &store, KS_PASSWORD);
    let foreign = openssl_encrypt(dir.path(), &other, "oaep", ADMIN_PASSWORD);
    let secrets = [
        ("keystore_password", ks),
        ("db_password", good),
        ("admin_password", foreign),
    ];
    let home = hardened_home(dir.path(), "apim.p12", &secrets);
    std::fs::copy(&store, security(&home, "apim.p12")).unwrap();
    // ciphertool.sh -Dorg.wso2.CipherTransformation=… records the transformation here.
    std::fs::create_dir_all(home.join("repository/conf/security")).unwrap();
    std::fs::write(
        home.join("repository/conf/security/secret-conf.properties"),
        "secretRepositories=file\nsecretRepositories.file.algorithm=RSA/ECB/OAEPwithSHA1andMGF1Padding\n",
    )
    .unwrap();
    let pw_file = dir.path().join("ks-password");
    std::fs::write(&pw_file, KS_PASSWORD).unwrap();

    let (code, report, text) = check(
        &home,
        &["--keystore-password-file", pw_file.to_str().unwrap()],
        &[],
    );
    let r = result(&report, "config.secrets.decrypt");
    assert_eq!(r["status"], "fail", "{r}");
    assert_eq!(code, 1);
    let msg = r["message"].as_str().unwrap();
    assert!(
        msg.contains("admin_password") && !msg.contains("db_password:"),
        "{msg}"
    );
    assert!(msg.contains("OAEP"), "{msg}");
    assert_eq!(result(&report, "keystore.readable")["status"], "pass");
    assert_no_clear_values(&text);

    // The wrong padding: the same values under PKCS#1 v1.5 do not decrypt.
    std::fs::write(
        home.join("repository/conf/security/secret-conf.properties"),
        "secretRepositories.file.algorithm=RSA\n",
    )
    .unwrap();
    let (_, report, _) = check(&home, &[], &[("PREFLIGHT_KEYSTORE_PASSWORD", KS_PASSWORD)]);
    let msg = result(&report, "config.secrets.decrypt")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("db_password") && msg.contains("PKCS1"),
        "{msg}"
    );
}

#[test]
fn without_a_password_the_rule_is_skipped_and_says_how_to_supply_one() {
    if !have("keytool") || !have("java") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("apim.jks");
    keytool_store(&store, "JKS", "apim");
    let ct = jdk_encrypt(
        dir.path(),
        &store,
        "JKS",
        "apim",
        "RSA/ECB/OAEPwithSHA1andMGF1Padding",
        &[DB_PASSWORD],
    );
    let home = hardened_home(dir.path(), "apim.jks", &[("db_password", ct[0].clone())]);
    std::fs::copy(&store, security(&home, "apim.jks")).unwrap();
    let (_, report, _) = check(&home, &[], &[]);
    let r = result(&report, "config.secrets.decrypt");
    assert_eq!(r["status"], "skip", "{r}");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("--keystore-password-file"),
        "{r}"
    );
    // The keystore rules cannot open the store: error with the way out, never a pass.
    let ks = result(&report, "keystore.readable");
    assert_eq!(ks["status"], "error", "{ks}");
    assert!(
        ks["message"]
            .as_str()
            .unwrap()
            .contains("--keystore-password-file"),
        "{ks}"
    );

    // password-tmp is read (the product would delete it at start; preflight leaves it).
    let tmp = home.join("password-tmp");
    std::fs::write(&tmp, KS_PASSWORD).unwrap();
    std::fs::write(
        home.join("repository/conf/deployment.toml"),
        std::fs::read_to_string(home.join("repository/conf/deployment.toml"))
            .unwrap()
            .replace("$secret{keystore_password}", KS_PASSWORD),
    )
    .unwrap();
    std::fs::create_dir_all(home.join("repository/conf/security")).unwrap();
    std::fs::write(
        home.join("repository/conf/security/secret-conf.properties"),
        "secretRepositories.file.algorithm=RSA/ECB/OAEPwithSHA1andMGF1Padding\n",
    )
    .unwrap();
    let (_, report, _) = check(&home, &[], &[]);
    assert_eq!(result(&report, "config.secrets.decrypt")["status"], "pass");
    assert_eq!(std::fs::read_to_string(&tmp).unwrap(), KS_PASSWORD);
}

#[test]
fn a_wrong_keystore_password_is_an_error_not_a_verdict() {
    if !have("keytool") || !have("java") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = jks_home_with_db_secret(dir.path(), None);
    let (_, report, _) = check(
        &home,
        &[],
        &[("PREFLIGHT_KEYSTORE_PASSWORD", "not-the-password")],
    );
    let r = result(&report, "config.secrets.decrypt");
    assert_eq!(r["status"], "error", "{r}");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("PREFLIGHT_KEYSTORE_PASSWORD"),
        "{r}"
    );
}

/// The CI PostgreSQL's application login (.ci/services.sh; loopback, throw-away).
const PG_APP_PASSWORD: &str = "preflight-app-pw";

/// `check` with the live checks on (no `--offline`), the keystore password in the environment.
fn check_live(home: &Path, only: &[&str]) -> (i32, serde_json::Value, String) {
    let mut cmd = preflight();
    cmd.env("PREFLIGHT_KEYSTORE_PASSWORD", KS_PASSWORD);
    cmd.args(["check", "--product-home", home.to_str().unwrap()]);
    cmd.args(["--timeout", "4", "--format", "json"]);
    for id in only {
        cmd.args(["--only", id]);
    }
    common::run_json(&mut cmd)
}

#[test]
fn a_secret_alias_decrypted_by_the_vault_logs_in_to_the_ci_postgresql() {
    if !have("keytool") || !have("java") || !service(5432, "PostgreSQL") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("apim.jks");
    keytool_store(&store, "JKS", "apim");
    let wrong = "Wrong-Db-Password-77f1";
    // Encrypted as ciphertool.sh does (default `RSA`): the right password and a wrong one.
    let ct = jdk_encrypt(
        dir.path(),
        &store,
        "JKS",
        "apim",
        "RSA",
        &[KS_PASSWORD, PG_APP_PASSWORD, wrong],
    );
    let stage = |name: &str, db_secret: &str| {
        let sub = dir.path().join(name);
        std::fs::create_dir_all(&sub).unwrap();
        let home = hardened_home(
            &sub,
            "apim.jks",
            &[
                ("keystore_password", ct[0].clone()),
                ("db_password", db_secret.to_string()),
            ],
        );
        std::fs::copy(&store, security(&home, "apim.jks")).unwrap();
        let toml = home.join("repository/conf/deployment.toml");
        let text = std::fs::read_to_string(&toml).unwrap().replace(
            "type = \"mysql\"\nurl = \"jdbc:mysql://db.example.com:3306/apim_db\"\nusername = \"apim\"",
            "type = \"postgre\"\nurl = \"jdbc:postgresql://127.0.0.1:5432/preflight_apim\"\nusername = \"preflight_app\"",
        );
        assert!(text.contains("preflight_apim"), "{text}");
        std::fs::write(&toml, text).unwrap();
        home
    };

    let home = stage("right", &ct[1]);
    let (code, report, text) = check_live(&home, &["db.login", "config.secrets.decrypt"]);
    let r = result(&report, "db.login");
    assert_eq!((code, r["status"].as_str()), (0, Some("pass")), "{r}");
    assert!(r["message"].as_str().unwrap().contains("apim_db"), "{r}");
    assert_eq!(result(&report, "config.secrets.decrypt")["status"], "pass");
    assert!(
        !text.contains(PG_APP_PASSWORD),
        "the clear password was shown: {text}"
    );
    assert_no_clear_values(&text);

    // The alias decrypts, to a password the server refuses: the login fails, nothing is shown.
    let home = stage("wrong", &ct[2]);
    let (code, report, text) = check_live(&home, &["db.login"]);
    let r = result(&report, "db.login");
    assert_eq!((code, r["status"].as_str()), (1, Some("fail")), "{r}");
    let msg = r["message"].as_str().unwrap();
    assert!(msg.contains("apim_db") && msg.contains("password"), "{msg}");
    assert!(
        !text.contains(wrong) && !text.contains(PG_APP_PASSWORD),
        "{text}"
    );
}

#[test]
fn jceks_keystore_secrets_decrypt_with_its_private_key() {
    if !have("keytool") || !have("java") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("apim.jceks");
    keytool_store(&store, "JCEKS", "apim");
    let ct = jdk_encrypt(
        dir.path(),
        &store,
        "JCEKS",
        "apim",
        "RSA",
        &[KS_PASSWORD, DB_PASSWORD],
    );
    let secrets = [
        ("keystore_password", ct[0].clone()),
        ("db_password", ct[1].clone()),
    ];
    let home = hardened_home(dir.path(), "apim.jceks", &secrets);
    std::fs::copy(&store, security(&home, "apim.jceks")).unwrap();
    // A JCEKS key takes the JDK's 400,000 MD5 rounds: about 0.6 s of CPU in a debug build, more
    // than the default 3 s deadline on a loaded CI host. Correctness is tested here, not speed.
    let slow = ["--timeout", "30"];
    let (_, report, text) = check(
        &home,
        &slow,
        &[("PREFLIGHT_KEYSTORE_PASSWORD", KS_PASSWORD)],
    );
    let r = result(&report, "config.secrets.decrypt");
    assert_eq!(r["status"], "pass", "{r}");
    assert!(
        r["message"].as_str().unwrap().contains("db_password"),
        "{r}"
    );
    assert_no_clear_values(&text);

    // The wrong store password: the JCEKS integrity check refuses it, an error not a verdict.
    let (_, report, _) = check(&home, &slow, &[("PREFLIGHT_KEYSTORE_PASSWORD", "not-it")]);
    assert_eq!(result(&report, "config.secrets.decrypt")["status"], "error");
}

#[test]
fn a_key_password_of_its_own_is_read_from_the_second_line_as_the_product_does() {
    if !have("keytool") || !have("java") {
        return;
    }
    let key_password = "Key-Own-Pw-6d02";
    let dir = tempfile::tempdir().unwrap();
    let home = jks_home_with_db_secret(dir.path(), Some(key_password));

    // One line: the key does not open with the store's password; the error says what to do.
    let one = dir.path().join("one-line");
    std::fs::write(&one, format!("{KS_PASSWORD}\n")).unwrap();
    let (_, report, text) = check(
        &home,
        &["--keystore-password-file", one.to_str().unwrap()],
        &[],
    );
    let r = result(&report, "config.secrets.decrypt");
    assert_eq!(r["status"], "error", "{r}");
    assert!(
        r["message"].as_str().unwrap().contains("second line"),
        "{r}"
    );
    assert!(!text.contains(key_password), "{text}");

    // Two lines, as DefaultSecretCallbackHandler reads them under -Dkey.password=true.
    let two = dir.path().join("two-lines");
    std::fs::write(&two, format!("{KS_PASSWORD}\n{key_password}\n")).unwrap();
    let (_, report, text) = check(
        &home,
        &["--keystore-password-file", two.to_str().unwrap()],
        &[],
    );
    let r = result(&report, "config.secrets.decrypt");
    assert_eq!(r["status"], "pass", "{r}");
    assert!(!text.contains(key_password), "{text}");
    assert_no_clear_values(&text);
}

#[test]
fn symmetric_aes_gcm_mode_is_an_error_that_names_what_is_not_supported() {
    if !have("keytool") || !have("java") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = jks_home_with_db_secret(dir.path(), None);
    std::fs::create_dir_all(home.join("repository/conf/security")).unwrap();
    std::fs::write(
        home.join("repository/conf/security/secret-conf.properties"),
        "secretRepositories.file.encryptionMode=symmetric\nsecretRepositories.file.algorithm=AES/GCM/NoPadding\n",
    )
    .unwrap();
    let (_, report, _) = check(&home, &[], &[("PREFLIGHT_KEYSTORE_PASSWORD", KS_PASSWORD)]);
    let r = result(&report, "config.secrets.decrypt");
    assert_eq!(r["status"], "error", "{r}");
    let msg = r["message"].as_str().unwrap();
    assert!(
        msg.contains("encryptionMode=symmetric") && msg.contains("AES/GCM"),
        "{msg}"
    );
}

/// secret-conf.properties as cipher-tool writes it for a keystore (`Utils.
/// writeToSecureConfPropertyFile`, wso2/cipher-tool v1.1.20 lines 222-247, key names from
/// `Constants.SecureVault`), with `secretRepositories.file.algorithm` only when ciphertool.sh was
/// given `-Dorg.wso2.CipherTransformation=`.
fn cipher_tool_secret_conf(home: &Path, store: &str, algorithm: Option<&str>) {
    let mut text = format!(
        "secVault.enabled=true\n\
         carbon.secretProvider=org.wso2.securevault.secret.handler.SecretManagerSecretCallbackHandler\n\
         secretRepositories=file\n\
         secretRepositories.file.provider=org.wso2.securevault.secret.repository.FileBaseSecretRepositoryProvider\n\
         secretRepositories.file.location=repository/conf/security/cipher-text.properties\n\
         keystore.identity.location={}\n\
         keystore.identity.type=JKS\n\
         keystore.identity.alias=apim\n\
         keystore.identity.store.password=identity.store.password\n\
         keystore.identity.store.secretProvider=org.wso2.carbon.securevault.DefaultSecretCallbackHandler\n\
         keystore.identity.key.password=identity.key.password\n\
         keystore.identity.key.secretProvider=org.wso2.carbon.securevault.DefaultSecretCallbackHandler\n",
        security(home, store).display()
    );
    if let Some(a) = algorithm {
        text.push_str(&format!("secretRepositories.file.algorithm={a}\n"));
    }
    common::write(
        &home.join("repository/conf/security/secret-conf.properties"),
        text.as_bytes(),
    );
}

/// A default 4.2.0 home ships carbon.properties with `org.wso2.CipherTransformation =
/// RSA/ECB/OAEPwithSHA1andMGF1Padding` (product-apim v4.2.0 line 17), but that System property
/// is CryptoUtil's, not Secure Vault's: ciphertool.sh encrypts with plain `RSA` and
/// FileBaseSecretRepository decrypts with secret-conf.properties' algorithm, default `RSA`. So a
/// PKCS#1 v1.5 value decrypts and an OAEP value (what following carbon.properties would give)
/// does not, with a message that names the padding it was made with; recording the OAEP
/// transformation in secret-conf.properties, as cipher-tool does with the option, flips both.
/// 4.7.0's carbon.properties (AES/GCM/NoPadding) changes nothing either.
#[test]
fn carbon_properties_cipher_transformation_is_not_secure_vaults_padding() {
    if !have("keytool") || !have("java") {
        return;
    }
    let carbon_properties = "modules/distribution/product/src/main/conf/carbon.properties";
    let Some(shipped) = common::product_apim("v4.2.0", carbon_properties) else {
        return;
    };
    assert!(
        shipped.contains("org.wso2.CipherTransformation = RSA/ECB/OAEPwithSHA1andMGF1Padding"),
        "product-apim v4.2.0 carbon.properties changed:\n{shipped}"
    );
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("apim.jks");
    keytool_store(&store, "JKS", "apim");
    let pkcs1 = jdk_encrypt(dir.path(), &store, "JKS", "apim", "RSA", &[DB_PASSWORD]);
    let oaep = jdk_encrypt(
        dir.path(),
        &store,
        "JKS",
        "apim",
        "RSA/ECB/OAEPwithSHA1andMGF1Padding",
        &[ADMIN_PASSWORD],
    );
    let secrets = [
        ("db_password", pkcs1[0].clone()),
        ("admin_password", oaep[0].clone()),
    ];
    let home = hardened_home(dir.path(), "apim.jks", &secrets);
    std::fs::copy(&store, security(&home, "apim.jks")).unwrap();
    common::write(
        &home.join("repository/conf/carbon.properties"),
        shipped.as_bytes(),
    );
    cipher_tool_secret_conf(&home, "apim.jks", None);
    let env = [("PREFLIGHT_KEYSTORE_PASSWORD", KS_PASSWORD)];

    let (code, report, text) = check(&home, &[], &env);
    let r = result(&report, "config.secrets.decrypt");
    assert_eq!((r["status"].as_str(), code), (Some("fail"), 1), "{r}");
    let msg = r["message"].as_str().unwrap();
    assert!(
        msg.contains("admin_password: was encrypted with RSA/ECB/OAEPWithSHA1AndMGF1Padding but the product decrypts with RSA/ECB/PKCS1Padding")
            && msg.contains("names no secretRepositories.file.algorithm")
            && !msg.contains("db_password:"),
        "{msg}"
    );
    assert_no_clear_values(&text);

    // 4.7.0's carbon.properties names AES/GCM/NoPadding (CryptoUtil's): Secure Vault still
    // decrypts [secrets] with RSA, so the verdict is the same.
    let path_47 = "all-in-one-apim/modules/distribution/product/src/main/conf/carbon.properties";
    if let Some(shipped_47) = common::product_apim("v4.7.0", path_47) {
        assert!(
            shipped_47.contains("org.wso2.CipherTransformation = AES/GCM/NoPadding"),
            "product-apim v4.7.0 carbon.properties changed:\n{shipped_47}"
        );
        common::write(
            &home.join("repository/conf/carbon.properties"),
            shipped_47.as_bytes(),
        );
        let (_, report, _) = check(&home, &[], &env);
        let msg = result(&report, "config.secrets.decrypt")["message"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(
            msg.contains("admin_password: was encrypted with RSA/ECB/OAEPWithSHA1AndMGF1Padding")
                && !msg.contains("db_password:"),
            "{msg}"
        );
    }

    // ciphertool.sh -Dorg.wso2.CipherTransformation=RSA/ECB/OAEPwithSHA1andMGF1Padding records it.
    cipher_tool_secret_conf(
        &home,
        "apim.jks",
        Some("RSA/ECB/OAEPwithSHA1andMGF1Padding"),
    );
    let (_, report, text) = check(&home, &[], &env);
    let msg = result(&report, "config.secrets.decrypt")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains("db_password: was encrypted with RSA/ECB/PKCS1Padding but the product decrypts with RSA/ECB/OAEPWithSHA1AndMGF1Padding (secretRepositories.file.algorithm of secret-conf.properties)")
            && !msg.contains("admin_password:"),
        "{msg}"
    );
    assert_no_clear_values(&text);
}

/// APIM 4.7's Secure Vault (org.wso2.securevault 1.2.0) has a key-based AES mode; preflight
/// cannot decrypt it and says so instead of reporting every alias as a wrong RSA value.
#[test]
fn key_based_symmetric_mode_is_an_error_not_a_wrong_rsa_verdict() {
    if !have("keytool") || !have("java") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let home = jks_home_with_db_secret(dir.path(), None);
    common::write(
        &home.join("repository/conf/security/secret-conf.properties"),
        b"secretRepositories.file.encryptionMode=key.based.symmetric.encryption\n",
    );
    let (_, report, _) = check(&home, &[], &[("PREFLIGHT_KEYSTORE_PASSWORD", KS_PASSWORD)]);
    let r = result(&report, "config.secrets.decrypt");
    assert_eq!(r["status"], "error", "{r}");
    assert!(
        r["message"]
            .as_str()
            .unwrap()
            .contains("key.based.symmetric.encryption"),
        "{r}"
    );
}
