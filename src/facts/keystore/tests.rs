//! Tests of the keystore probe: real WSO2 keystores, generated ones, broken input.
use super::*;
use std::path::PathBuf;

/// The subject (and issuer) of WSO2's shipped self-signed certificate (wso2/carbon-kernel
/// distribution/kernel/carbon-home/repository/resources/security/wso2carbon.jks, alias
/// wso2carbon); keystore.not-default holds it as data (rules/wso2-apim/tls.toml).
const DEFAULT_SUBJECT: &str = "CN=localhost, OU=WSO2, O=WSO2, L=Mountain View, ST=CA, C=US";

fn generated(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/keystores")
        .join(name);
    std::fs::read(p).unwrap()
}

/// A file from WSO2's kernel in /work/shared, or None (with a note) when shared/ is absent.
fn kernel(tag: &str, file: &str) -> Option<Vec<u8>> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/fixtures/wso2/wso2-carbon-kernel")
        .join(tag)
        .join("distribution/kernel/carbon-home/repository/resources/security")
        .join(file);
    match std::fs::read(&p) {
        Ok(b) => Some(b),
        Err(_) => {
            crate::test_support::missing_input(&format!(
                "{} is absent (no shared/ fixtures)",
                p.display()
            ));
            None
        }
    }
}

fn cert_of(s: &Store, alias: &str) -> cert::CertInfo {
    let e = s.entries.iter().find(|e| e.alias == alias).unwrap();
    cert::info(e.cert.as_ref().unwrap()).unwrap()
}

#[test]
fn default_jks_keystore_of_kernel_4_8_1() {
    let Some(bytes) = kernel("v4.8.1", "wso2carbon.jks") else {
        return;
    };
    let s = open(&bytes, Some("wso2carbon")).unwrap();
    assert_eq!(s.format, Format::Jks);
    assert_eq!(s.opens, Ok(true));
    assert_eq!(s.entries.len(), 125);
    let c = cert_of(&s, "wso2carbon");
    assert_eq!(c.subject, DEFAULT_SUBJECT);
    assert_eq!(c.issuer, DEFAULT_SUBJECT);
    assert!(cert::rfc3339(c.not_after).starts_with("2025-05-27T"));
    assert!(c.sha256.starts_with("1B:24:29:B1"), "{}", c.sha256);
    assert_eq!((c.key_type.as_str(), c.key_bits), ("RSA", Some(2048)));
    assert_eq!(c.signature, "sha256WithRSAEncryption");
    assert_eq!(open(&bytes, Some("not-it")).unwrap().opens, Ok(false));
}

#[test]
fn default_pkcs12_keystore_of_kernel_4_9_28_has_no_mac() {
    let Some(bytes) = kernel("v4.9.28", "wso2carbon.jks") else {
        return;
    };
    let s = open(&bytes, Some("wso2carbon")).unwrap();
    assert_eq!(s.format, Format::Pkcs12);
    assert_eq!(s.opens, Ok(true));
    assert_eq!(s.verified_by, "pkcs12-decryption (no MAC)");
    assert_eq!(s.entries.len(), 149);
    let c = cert_of(&s, "wso2carbon");
    assert_eq!(c.subject, DEFAULT_SUBJECT);
    assert!(cert::rfc3339(c.not_after).starts_with("2027-05-19T"));
    assert!(c.sha256.starts_with("1E:1B:CD:EB"), "{}", c.sha256);
    let wrong = open(&bytes, Some("wso2carbon2")).unwrap();
    assert_eq!(wrong.opens, Ok(false));
    // The certificates are not encrypted in this file, so they stay readable.
    assert_eq!(cert_of(&wrong, "wso2carbon").subject, DEFAULT_SUBJECT);
}

#[test]
fn default_truststore_holds_the_default_cert() {
    let Some(bytes) = kernel("v4.8.1", "client-truststore.jks") else {
        return;
    };
    let s = open(&bytes, Some("wso2carbon")).unwrap();
    assert_eq!(s.opens, Ok(true));
    let shipped = Value::Str(format!("wso2carbon: {DEFAULT_SUBJECT}"));
    assert!(localhost(&s).contains(&shipped), "{:?}", localhost(&s));
}

/// The `truststore.localhost-certs` of a store, as a list.
fn localhost(s: &Store) -> Vec<Value> {
    match localhost_certs(s).get() {
        Ok(Value::List(l)) => l.clone(),
        other => panic!("not a list: {other:?}"),
    }
}

#[test]
fn generated_jks() {
    let b = generated("gateway.jks");
    let s = open(&b, Some("Sup3r-Store")).unwrap();
    assert_eq!(s.opens, Ok(true));
    let c = cert_of(&s, "gateway");
    assert_eq!(c.subject, "CN=gw.example.com, O=Example, C=DE");
    assert!(cert::rfc3339(c.not_after).starts_with("2034-12-30T"));
    assert!(c.sha256.starts_with("58:8B:7D:BC"));
    assert_eq!(open(&b, Some("wso2carbon")).unwrap().opens, Ok(false));
    // The key as the JDK's KeyProtector recovers it: PKCS#8 DER, and only with its password.
    let key = private_key(&Cache::default(), &s, "gateway", "Sup3r-Store").unwrap();
    assert_eq!(der::read(&key).unwrap().0.tag, 0x30);
    let wrong = private_key(&Cache::default(), &s, "gateway", "Sup3r-Storf").unwrap_err();
    assert!(wrong.contains("wrong key password"), "{wrong}");
    assert_eq!(localhost(&s), []);
    let t = open(&generated("truststore.jks"), Some("trust-me")).unwrap();
    assert_eq!(t.entries[0].kind, EntryKind::TrustedCert);
    // gateway's certificate under the alias wso2carbon: no certificate for localhost (the rule
    // still warns on the alias, from `truststore.aliases`).
    assert_eq!(localhost(&t), []);
}

#[test]
fn generated_pkcs12_with_sha256_mac_and_encrypted_certs() {
    let b = generated("tls.p12");
    let s = open(&b, Some("changeit-2")).unwrap();
    assert_eq!(
        (s.opens.clone(), s.verified_by.as_str()),
        (Ok(true), "pkcs12-mac-sha256")
    );
    let c = cert_of(&s, "tls");
    assert_eq!(c.subject, "CN=api.example.com");
    assert_eq!((c.key_type.as_str(), c.key_bits), ("EC", Some(384)));
    assert_eq!(c.signature, "ecdsa-with-SHA384");
    let wrong = open(&b, Some("changeit")).unwrap();
    assert_eq!(wrong.opens, Ok(false));
    assert!(wrong.entries.iter().all(|e| e.cert.is_none()));
    assert!(wrong.certs_note.unwrap().contains("could not be decrypted"));
}

#[test]
fn generated_pkcs12_legacy_and_without_mac() {
    let legacy = open(&generated("legacy-sha1.p12"), Some("legacy-pass")).unwrap();
    assert_eq!(
        (legacy.opens.clone(), legacy.verified_by.as_str()),
        (Ok(true), "pkcs12-mac-sha1")
    );
    // keytool before 8u301/11.0.12 and `openssl -legacy`: RC2-40 certificates, 3DES key.
    assert_eq!(legacy.certs_note, None);
    assert_eq!(
        cert_of(&legacy, "gateway").subject,
        "CN=gw.example.com, O=Example, C=DE"
    );
    let key = private_key(&Cache::default(), &legacy, "gateway", "legacy-pass").unwrap();
    assert_eq!(der::read(&key).unwrap().0.tag, 0x30);
    assert!(private_key(&Cache::default(), &legacy, "gateway", "wrong").is_err());
    let wrong = open(&generated("legacy-sha1.p12"), Some("wrong")).unwrap();
    assert_eq!(wrong.opens, Ok(false));
    assert!(wrong.certs_note.unwrap().contains("could not be decrypted"));
    let b = generated("nomac.p12");
    let s = open(&b, Some("nomac-pass")).unwrap();
    assert_eq!(s.opens, Ok(true));
    assert_eq!(
        cert_of(&s, "gateway").subject,
        "CN=gw.example.com, O=Example, C=DE"
    );
    assert_eq!(open(&b, Some("nomac")).unwrap().opens, Ok(false));
}

#[test]
fn garbage_is_not_a_keystore() {
    assert!(open(b"hello world", Some("x")).is_err());
    assert!(open(&[0x30, 0x82, 0xff, 0xff, 0x02], Some("x")).is_err());
    let b = generated("tls.p12");
    assert!(open(&b[..b.len() / 2], Some("changeit-2")).is_err());
}

fn home_with(toml: &str, files: &[(&str, &str)]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().to_path_buf();
    let sec = home.join(SECURITY_DIR);
    std::fs::create_dir_all(&sec).unwrap();
    std::fs::create_dir_all(home.join("repository/conf")).unwrap();
    std::fs::write(home.join(preflight_rules::names::DEPLOYMENT_TOML), toml).unwrap();
    for (src, dst) in files {
        std::fs::write(sec.join(dst), generated(src)).unwrap();
    }
    (dir, home)
}

fn facts(home: &Path, names: &[&str]) -> BTreeMap<String, Fact> {
    let ctx = Context::new(Some(home.to_path_buf()), false, None);
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    probe(&ctx, &names).into_iter().collect()
}

#[test]
fn probe_reads_deployment_toml_and_falls_back_to_primary() {
    let toml = r#"
[keystore.primary]
file_name = "gateway.jks"
password = "Sup3r-Store"
alias = "gateway"

[keystore.tls]
file_name = "tls.p12"
password = "$env{PREFLIGHT_TEST_TLS_PW}"
alias = "tls"

[truststore]
password = "$secret{truststore_pw}"
"#;
    let (_d, home) = home_with(
        toml,
        &[
            ("gateway.jks", "gateway.jks"),
            ("tls.p12", "tls.p12"),
            ("truststore.jks", "client-truststore.jks"),
        ],
    );
    // SAFETY: only this test reads this variable.
    unsafe { std::env::set_var("PREFLIGHT_TEST_TLS_PW", "changeit-2") };
    let f = facts(
        &home,
        &[
            "keystore.primary.opens",
            "keystore.internal.file",
            "keystore.internal.alias-present",
            "keystore.tls.format",
            "keystore.tls.opens",
            "keystore.tls.cert.key-bits",
            "keystore.tls.cert.days-left",
            "keystore.tls.mode",
            "truststore.opens",
            "truststore.localhost-certs",
            "truststore.aliases",
        ],
    );
    let v = |n: &str| f[n].get().cloned();
    assert_eq!(v("keystore.primary.opens"), Ok(Value::Bool(true)));
    assert_eq!(
        v("keystore.internal.file"),
        Ok(Value::Str(
            "repository/resources/security/gateway.jks".into()
        ))
    );
    assert_eq!(
        f["keystore.internal.file"].location.as_ref().unwrap().line,
        3
    );
    assert_eq!(v("keystore.internal.alias-present"), Ok(Value::Bool(true)));
    assert_eq!(v("keystore.tls.format"), Ok(Value::Str("pkcs12".into())));
    assert_eq!(v("keystore.tls.opens"), Ok(Value::Bool(true)));
    assert_eq!(v("keystore.tls.cert.key-bits"), Ok(Value::Int(384)));
    assert!(matches!(
        v("keystore.tls.cert.days-left"),
        Ok(Value::Int(_))
    ));
    assert!(matches!(v("keystore.tls.mode"), Ok(Value::Int(_))));
    // A $secret{} password without a keystore password for Secure Vault: unknown, and how to
    // supply one.
    let why = v("truststore.opens").unwrap_err();
    assert!(
        why.contains("$secret{") && why.contains("--keystore-password-file"),
        "{why}"
    );
    assert_eq!(v("truststore.localhost-certs"), Ok(Value::List(vec![])));
    assert_eq!(
        v("truststore.aliases"),
        Ok(Value::List(vec![Value::Str("wso2carbon".into())]))
    );
}

#[test]
fn probe_reports_missing_files_and_defaults() {
    let (_d, home) = home_with("[server]\nhostname = \"a\"\n", &[]);
    let f = facts(
        &home,
        &[
            "keystore.primary.opens",
            "keystore.primary.file",
            "truststore.bogus",
        ],
    );
    let reason = f["keystore.primary.opens"].get().unwrap_err();
    assert!(
        reason.contains("PRODUCT_HOME/repository/resources/security/wso2carbon.jks"),
        "{reason}"
    );
    assert_eq!(
        f["keystore.primary.file"].get(),
        Ok(&Value::Str(
            "repository/resources/security/wso2carbon.jks".into()
        ))
    );
    assert!(f["truststore.bogus"].get().is_err());
    assert!(crate::facts::lookup("keystore.tls.cert.sha256").is_some());
    assert!(crate::facts::lookup("truststore.localhost-certs").is_some());
}

#[test]
fn cert_subject_is_unknown_when_the_certificate_cannot_be_read() {
    let toml = r#"
[keystore.primary]
file_name = "tls.p12"
password = "$secret{keystore_password}"
alias = "tls"
"#;
    let (_d, home) = home_with(toml, &[("tls.p12", "tls.p12")]);
    let f = facts(&home, &["keystore.primary.cert.subject"]);
    let reason = f["keystore.primary.cert.subject"].get().unwrap_err();
    assert!(!reason.is_empty());
}

/// The hardened 4.7.0 home of tests/fixtures/homes (two PKCS#12 stores under passwords, four
/// `[secrets]`), copied with its `$env{}` store passwords written out, so that no test has to
/// set the environment; with `vault`, Secure Vault gets its keystore password from a file.
fn hardened_47(vault: bool) -> (tempfile::TempDir, Context) {
    let src =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/homes/apim-4.7.0-hardened");
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("home");
    for rel in [
        preflight_rules::names::DEPLOYMENT_TOML,
        "repository/conf/security/secret-conf.properties",
        "repository/resources/security/apim.p12",
        "repository/resources/security/client-truststore.p12",
    ] {
        std::fs::create_dir_all(home.join(rel).parent().unwrap()).unwrap();
        std::fs::copy(src.join(rel), home.join(rel)).unwrap();
    }
    let toml = std::fs::read_to_string(home.join(preflight_rules::names::DEPLOYMENT_TOML)).unwrap();
    let toml = toml
        .replace("$env{APIM_KEYSTORE_PASSWORD}", "Hardened-KS-47")
        .replace("$env{APIM_TRUSTSTORE_PASSWORD}", "Hardened-TS-47");
    std::fs::write(home.join(preflight_rules::names::DEPLOYMENT_TOML), toml).unwrap();
    let mut ctx = Context::new(Some(home), true, None);
    if vault {
        let pw = dir.path().join("vault-password");
        std::fs::write(&pw, "Hardened-KS-47\n").unwrap();
        ctx.keystore_password_file = Some(pw);
    }
    (dir, ctx)
}

/// Every keystore and Secure Vault fact the shipped pack reads.
fn pack_keystore_facts() -> Vec<String> {
    let mut names: Vec<String> = crate::rules::embedded_reads()
        .iter()
        .flat_map(|(_, _, facts)| facts.iter())
        .filter(|f| {
            crate::facts::lookup(f).is_some_and(|s| s.family == crate::facts::Family::Keystore)
        })
        .map(|f| f.to_string())
        .collect();
    names.sort();
    names.dedup();
    names
}

fn count(done: &[derive::Done], purpose: derive::Purpose) -> usize {
    done.iter().filter(|d| d.purpose == purpose).count()
}

#[test]
fn each_key_is_derived_once_per_file_and_password() {
    let (_d, ctx) = hardened_47(true);
    let names = pack_keystore_facts();
    let f: BTreeMap<String, Fact> = probe(&ctx, &names).into_iter().collect();
    // The run really needed all three: both stores open, certificates read, [secrets] decrypted.
    assert_eq!(f["keystore.primary.opens"].get(), Ok(&Value::Bool(true)));
    assert_eq!(f["truststore.opens"].get(), Ok(&Value::Bool(true)));
    assert_eq!(
        f["keystore.tls.cert.subject"].get(),
        Ok(&Value::Str("CN=apim.example.com, O=Example, C=DE".into()))
    );
    assert_eq!(
        f["truststore.localhost-certs"].get(),
        Ok(&Value::List(vec![]))
    );
    assert!(ctx.secrets().secret("admin_password").is_ok());
    let done = ctx.keystores().derivations.performed();
    // Per file and password the store MAC and the certificate bag; the key bag of apim.p12 once
    // for Secure Vault; the three stores that name apim.p12 share its derivations.
    let mut salts: Vec<(derive::Purpose, &[u8])> = done
        .iter()
        .map(|d| (d.purpose, d.salt.as_slice()))
        .collect();
    salts.sort_by_key(|(p, s)| (format!("{p:?}"), s.to_vec()));
    salts.dedup();
    assert_eq!(
        salts.len(),
        done.len(),
        "a derivation was repeated: {done:?}"
    );
    assert_eq!(count(&done, derive::Purpose::Mac), 2, "{done:?}");
    assert_eq!(count(&done, derive::Purpose::CertBag), 2, "{done:?}");
    assert_eq!(count(&done, derive::Purpose::KeyBag), 1, "{done:?}");
    // Asking again in the same run, from the probe or for the key, derives nothing more.
    let again: BTreeMap<String, Fact> = probe(&ctx, &names).into_iter().collect();
    assert_eq!(again.len(), f.len());
    let home = ctx.home().unwrap().join(SECURITY_DIR).join("apim.p12");
    let store = open_cached(&ctx, &home, Some("Hardened-KS-47")).unwrap();
    private_key(
        ctx.keystores(),
        &store,
        "apim.example.com",
        "Hardened-KS-47",
    )
    .unwrap();
    assert_eq!(ctx.keystores().derivations.performed(), done);
}

#[test]
fn no_key_is_derived_that_no_rule_reads() {
    // Without Secure Vault's password the private key is never decrypted: the MAC tells the
    // store password, and the key bag's derivation is not run.
    let (_d, ctx) = hardened_47(false);
    let f: BTreeMap<String, Fact> = probe(&ctx, &pack_keystore_facts()).into_iter().collect();
    assert_eq!(f["keystore.primary.opens"].get(), Ok(&Value::Bool(true)));
    let done = ctx.keystores().derivations.performed();
    assert_eq!(count(&done, derive::Purpose::KeyBag), 0, "{done:?}");
    assert_eq!(done.len(), 4, "{done:?}");
}

#[test]
fn a_store_is_not_opened_for_its_name_mode_or_existence() {
    let (_d, ctx) = hardened_47(true);
    let names: Vec<String> = [
        "keystore.primary.file",
        "truststore.exists",
        "keystore.tls.mode",
    ]
    .map(String::from)
    .to_vec();
    let f: BTreeMap<String, Fact> = probe(&ctx, &names).into_iter().collect();
    assert_eq!(
        f["keystore.primary.file"].get(),
        Ok(&Value::Str(format!("{SECURITY_DIR}/apim.p12")))
    );
    assert_eq!(f["truststore.exists"].get(), Ok(&Value::Bool(true)));
    assert!(matches!(f["keystore.tls.mode"].get(), Ok(Value::Int(_))));
    assert_eq!(ctx.keystores().derivations.performed(), vec![]);
    // The truststore's password alone: its MAC and certificate bag, nothing of apim.p12.
    probe(&ctx, &["truststore.opens".to_string()]);
    let done = ctx.keystores().derivations.performed();
    assert_eq!(count(&done, derive::Purpose::Mac), 1, "{done:?}");
    assert_eq!(done.len(), 2, "{done:?}");
}

#[test]
fn stores_opened_at_the_start_of_a_run_are_not_derived_again() {
    for vault in [false, true] {
        let (_d, ctx) = hardened_47(vault);
        let ctx = Arc::new(ctx);
        let names = pack_keystore_facts();
        start_early(&ctx, &names.iter().cloned().collect());
        assert!(ctx.keystores().started_early());
        // The probe runs at once, while the early threads may still be deriving: it waits for
        // their keys instead of deriving its own.
        let f: BTreeMap<String, Fact> = probe(&ctx, &names).into_iter().collect();
        assert_eq!(f["keystore.primary.opens"].get(), Ok(&Value::Bool(true)));
        assert_eq!(f["truststore.opens"].get(), Ok(&Value::Bool(true)));
        let done = ctx.keystores().derivations.performed();
        assert_eq!(count(&done, derive::Purpose::Mac), 2, "{done:?}");
        assert_eq!(count(&done, derive::Purpose::CertBag), 2, "{done:?}");
        let key_bags = usize::from(vault);
        assert_eq!(count(&done, derive::Purpose::KeyBag), key_bags, "{done:?}");
        assert_eq!(done.len(), 4 + key_bags, "{done:?}");
    }
}

#[test]
fn nothing_starts_early_for_a_store_name_mode_or_existence() {
    let (_d, ctx) = hardened_47(false);
    let ctx = Arc::new(ctx);
    let names = [
        "keystore.primary.file",
        "truststore.exists",
        "keystore.tls.mode",
    ];
    start_early(&ctx, &names.map(String::from).into_iter().collect());
    assert!(!ctx.keystores().started_early());
    let f: BTreeMap<String, Fact> = probe(&ctx, &names.map(String::from)).into_iter().collect();
    assert_eq!(f["truststore.exists"].get(), Ok(&Value::Bool(true)));
    assert_eq!(ctx.keystores().derivations.performed(), vec![]);
}
