//! PKCS#12 (RFC 7292): MAC verification with the appendix B key derivation, decryption of
//! shrouded keys and encrypted certificate bags (PBES2, and the legacy appendix C PBE schemes
//! keytool wrote before 8u301/11.0.12: 3DES and RC2), and the bags' aliases and certificates.

use super::der::{self, Tlv};
use super::derive::{Input, Keys, Purpose, Scheme};
use super::{Entry, EntryKind, Format, Store};
use hmac::{KeyInit, Mac};
use sha1::Sha1;
use sha2::Sha256;
use zeroize::Zeroizing;

const DATA: &str = "1.2.840.113549.1.7.1";
const ENCRYPTED_DATA: &str = "1.2.840.113549.1.7.6";
const KEY_BAG: &str = "1.2.840.113549.1.12.10.1.1";
const SHROUDED_KEY_BAG: &str = "1.2.840.113549.1.12.10.1.2";
const CERT_BAG: &str = "1.2.840.113549.1.12.10.1.3";
const SECRET_BAG: &str = "1.2.840.113549.1.12.10.1.5";
const X509_CERT: &str = "1.2.840.113549.1.9.22.1";
const FRIENDLY_NAME: &str = "1.2.840.113549.1.9.20";
const LOCAL_KEY_ID: &str = "1.2.840.113549.1.9.21";
const PBES2: &str = "1.2.840.113549.1.5.13";
const PBKDF2: &str = "1.2.840.113549.1.5.12";
/// RFC 7292 appendix C: pbeWithSHAAnd3-KeyTripleDES-CBC, pbeWithSHAAnd128BitRC2-CBC and
/// pbeWithSHAAnd40BitRC2-CBC, the JDK's PKCS#12 defaults before 8u301/11.0.12
/// (`keystore.pkcs12.keyProtectionAlgorithm` / `certProtectionAlgorithm`).
const PBE_SHA1_3DES: &str = "1.2.840.113549.1.12.1.3";
const PBE_SHA1_RC2_128: &str = "1.2.840.113549.1.12.1.5";
const PBE_SHA1_RC2_40: &str = "1.2.840.113549.1.12.1.6";
/// More iterations than any real keystore uses; refused so a hostile file cannot stall a run.
const MAX_ITERATIONS: u64 = 1_000_000;

/// One bag as read: what it is, its attributes and (for certificates) the DER.
struct Bag {
    kind: EntryKind,
    name: Option<String>,
    key_id: Option<Vec<u8>>,
    cert: Option<Vec<u8>>,
    /// A shrouded key bag's EncryptedPrivateKeyInfo body, decrypted only when a rule needs it.
    key: Option<Vec<u8>>,
}

/// What the walk over the authenticated safe found.
#[derive(Default)]
struct Walk {
    bags: Vec<Bag>,
    /// Whether some protected content decrypted with the password (None: nothing tried).
    decrypted: Option<bool>,
    note: Option<String>,
    /// Whether to decrypt shrouded keys to tell the password: only when the file has no MAC.
    check_keys: bool,
}

/// Parses a PKCS#12 file, verifying `password` by its MAC, or without one by decryption.
pub fn parse(bytes: &[u8], password: Option<&str>, d: &dyn Keys) -> Result<Store, String> {
    let (pfx, _) = der::expect(bytes, 0x30)?;
    let parts = der::children(pfx.body)?;
    if parts.len() < 2 || der::uint(&parts[0])? != 3 {
        return Err("not a version 3 PKCS#12 file".into());
    }
    let auth_safe = content_data(&parts[1])?;
    let mut walk = Walk {
        check_keys: parts.get(2).is_none(),
        ..Walk::default()
    };
    walk_safe(&auth_safe, password, d, &mut walk)?;
    let (opens, verified_by) = match (parts.get(2), password) {
        (_, None) => (Err("no password to check".to_string()), "none".to_string()),
        (Some(mac), Some(p)) => {
            let (ok, how) = verify_mac(mac, p, &auth_safe, d)?;
            (Ok(ok), how)
        }
        (None, Some(_)) => match walk.decrypted {
            Some(ok) => (Ok(ok), "pkcs12-decryption (no MAC)".to_string()),
            None => (Ok(true), "none (no MAC, nothing encrypted)".to_string()),
        },
    };
    Ok(Store {
        format: Format::Pkcs12,
        opens,
        verified_by,
        entries: entries(walk.bags),
        certs_note: walk.note,
    })
}

/// The octets of a `ContentInfo` of type data.
fn content_data(ci: &Tlv<'_>) -> Result<Vec<u8>, String> {
    let kids = der::children(ci.body)?;
    if kids.len() != 2 || der::oid(&kids[0])? != DATA {
        return Err(
            "PKCS#12 content is not of type data (public-key integrity is not supported)".into(),
        );
    }
    der::octets(&der::explicit0(&kids[1])?)
}

fn walk_safe(
    auth_safe: &[u8],
    password: Option<&str>,
    d: &dyn Keys,
    walk: &mut Walk,
) -> Result<(), String> {
    let (seq, _) = der::expect(auth_safe, 0x30)?;
    for ci in der::children(seq.body)? {
        let kids = der::children(ci.body)?;
        let ty = der::oid(kids.first().ok_or("empty ContentInfo")?)?;
        let content = der::explicit0(kids.get(1).ok_or("ContentInfo without content")?)?;
        match ty.as_str() {
            DATA => read_bags(&der::octets(&content)?, password, d, walk)?,
            ENCRYPTED_DATA => encrypted_bags(&content, password, d, walk)?,
            other => walk.note = Some(format!("content of type {other} was not read")),
        }
    }
    Ok(())
}

fn encrypted_bags(
    content: &Tlv<'_>,
    password: Option<&str>,
    d: &dyn Keys,
    walk: &mut Walk,
) -> Result<(), String> {
    // EncryptedData ::= SEQUENCE { version, EncryptedContentInfo }
    let kids = der::children(content.body)?;
    let eci = der::children(kids.get(1).ok_or("EncryptedData without content")?.body)?;
    let (alg, ct) = match (eci.get(1), eci.get(2)) {
        (Some(a), Some(c)) => (a, der::octets(c)?),
        _ => return Err("EncryptedContentInfo is incomplete".into()),
    };
    let Some(password) = password else {
        walk.note = Some("certificates are encrypted and no password is known".into());
        return Ok(());
    };
    match decrypt(alg, password, &ct, Purpose::CertBag, d) {
        Ok(plain) => {
            walk.decrypted = Some(walk.decrypted.unwrap_or(true));
            read_bags(&plain, Some(password), d, walk)
        }
        Err(e) => {
            walk.decrypted = Some(false);
            walk.note = Some(format!("certificates could not be decrypted: {e}"));
            Ok(())
        }
    }
}

fn read_bags(
    safe_contents: &[u8],
    password: Option<&str>,
    d: &dyn Keys,
    walk: &mut Walk,
) -> Result<(), String> {
    let (seq, _) = der::expect(safe_contents, 0x30)?;
    for bag in der::children(seq.body)? {
        let kids = der::children(bag.body)?;
        let id = der::oid(kids.first().ok_or("empty SafeBag")?)?;
        let value = der::explicit0(kids.get(1).ok_or("SafeBag without value")?)?;
        let (name, key_id) = match kids.get(2) {
            Some(attrs) => attributes(attrs)?,
            None => (None, None),
        };
        let mut key = None;
        let (kind, cert) = match id.as_str() {
            KEY_BAG => (EntryKind::PrivateKey, None),
            SHROUDED_KEY_BAG => {
                // With a MAC the password is told by the MAC: the key is not decrypted here.
                if let Some(p) = password.filter(|_| walk.check_keys) {
                    let ok = recover_key(value.body, p, d).is_ok();
                    walk.decrypted = Some(walk.decrypted.unwrap_or(true) && ok);
                }
                key = Some(value.body.to_vec());
                (EntryKind::PrivateKey, None)
            }
            CERT_BAG => (EntryKind::TrustedCert, cert_der(&value)?),
            SECRET_BAG => (EntryKind::SecretKey, None),
            _ => continue,
        };
        walk.bags.push(Bag {
            kind,
            name,
            key_id,
            cert,
            key,
        });
    }
    Ok(())
}

fn attributes(set: &Tlv<'_>) -> Result<(Option<String>, Option<Vec<u8>>), String> {
    let (mut name, mut key_id) = (None, None);
    for attr in der::children(set.body)? {
        let kids = der::children(attr.body)?;
        let (Some(id), Some(values)) = (kids.first(), kids.get(1)) else {
            continue;
        };
        let Some(first) = der::children(values.body)?.into_iter().next() else {
            continue;
        };
        match der::oid(id)?.as_str() {
            FRIENDLY_NAME => name = Some(bmp_string(first.body)),
            LOCAL_KEY_ID => key_id = Some(first.body.to_vec()),
            _ => {}
        }
    }
    Ok((name, key_id))
}

fn bmp_string(body: &[u8]) -> String {
    let units: Vec<u16> = body
        .chunks_exact(2)
        .map(|c| u16::from_be_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

fn cert_der(value: &Tlv<'_>) -> Result<Option<Vec<u8>>, String> {
    let kids = der::children(value.body)?;
    let Some(id) = kids.first() else {
        return Ok(None);
    };
    if der::oid(id)? != X509_CERT {
        return Ok(None);
    }
    let inner = der::explicit0(kids.get(1).ok_or("CertBag without value")?)?;
    der::octets(&inner).map(Some)
}

/// Joins key bags with their certificates (same localKeyId) and lists named certificates.
fn entries(bags: Vec<Bag>) -> Vec<Entry> {
    let key_ids: Vec<Vec<u8>> = bags
        .iter()
        .filter(|b| b.kind == EntryKind::PrivateKey)
        .filter_map(|b| b.key_id.clone())
        .collect();
    let cert_for = |id: &Option<Vec<u8>>| {
        bags.iter()
            .find(|b| b.kind == EntryKind::TrustedCert && b.key_id.is_some() && &b.key_id == id)
            .and_then(|b| b.cert.clone())
    };
    let mut out = Vec::new();
    for b in &bags {
        let paired = b.key_id.as_ref().is_some_and(|k| key_ids.contains(k));
        match b.kind {
            EntryKind::TrustedCert if paired => continue,
            EntryKind::TrustedCert if b.name.is_none() => continue,
            EntryKind::PrivateKey => out.push(Entry {
                alias: b.name.clone().unwrap_or_default(),
                kind: EntryKind::PrivateKey,
                cert: cert_for(&b.key_id),
                protected_key: b.key.clone(),
            }),
            _ => out.push(Entry {
                alias: b.name.clone().unwrap_or_default(),
                kind: b.kind,
                cert: b.cert.clone(),
                protected_key: None,
            }),
        }
    }
    out
}

/// The PKCS#8 PrivateKeyInfo of a shrouded key bag (its EncryptedPrivateKeyInfo body).
pub fn recover_key(
    protected: &[u8],
    password: &str,
    d: &dyn Keys,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let kids = der::children(protected)?;
    let (Some(alg), Some(ct)) = (kids.first(), kids.get(1)) else {
        return Err("the shrouded key bag is incomplete".into());
    };
    decrypt(alg, password, &der::octets(ct)?, Purpose::KeyBag, d)
}

/// Decrypts PBES2 (PBKDF2 with HMAC-SHA1/SHA-2, AES-CBC) or legacy PKCS#12 PBE (3DES, RC2)
/// content; the plaintext must be DER.
fn decrypt(
    alg: &Tlv<'_>,
    password: &str,
    ct: &[u8],
    purpose: Purpose,
    d: &dyn Keys,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let kids = der::children(alg.body)?;
    let id = der::oid(kids.first().ok_or("empty AlgorithmIdentifier")?)?;
    let params = kids.get(1).ok_or("encryption without parameters")?;
    let plain = match id.as_str() {
        PBES2 => pbes2(params, password, ct, (purpose, d))?,
        PBE_SHA1_3DES | PBE_SHA1_RC2_128 | PBE_SHA1_RC2_40 => {
            legacy_pbe(&id, params, password, ct, (purpose, d))?
        }
        _ => {
            return Err(format!(
                "encryption {} is not supported",
                algorithm_name(&id)
            ));
        }
    };
    match der::read(&plain) {
        Ok((t, rest)) if t.tag == 0x30 && rest.is_empty() => Ok(plain),
        _ => Err("wrong password (decrypted content is not DER)".into()),
    }
}

/// What a key is derived for, and where keys come from (the run's derivations, or a plan).
type For<'a> = (Purpose, &'a dyn Keys);

fn pbes2(
    params: &Tlv<'_>,
    password: &str,
    ct: &[u8],
    purpose: For<'_>,
) -> Result<Zeroizing<Vec<u8>>, String> {
    let params = der::children(params.body)?;
    let (kdf, scheme) = match (params.first(), params.get(1)) {
        (Some(k), Some(s)) => (der::children(k.body)?, der::children(s.body)?),
        _ => return Err("PBES2 parameters are incomplete".into()),
    };
    let cipher = der::oid(scheme.first().ok_or("no encryption scheme")?)?;
    let key_len = match cipher.as_str() {
        "2.16.840.1.101.3.4.1.2" => 16,
        "2.16.840.1.101.3.4.1.22" => 24,
        "2.16.840.1.101.3.4.1.42" => 32,
        other => return Err(format!("cipher {other} is not supported")),
    };
    let iv = der::octets(scheme.get(1).ok_or("no IV")?)?;
    let key = pbkdf2_key(&kdf, password, key_len, purpose)?;
    aes_cbc_decrypt(&key, &iv, ct)
}

/// RFC 7292 appendix C: key (ID 1) and IV (ID 2) from the appendix B derivation with SHA-1
/// over the BMPString password, then 3DES-CBC or RC2-CBC with PKCS#7 padding.
fn legacy_pbe(
    id: &str,
    params: &Tlv<'_>,
    password: &str,
    ct: &[u8],
    (purpose, d): For<'_>,
) -> Result<Zeroizing<Vec<u8>>, String> {
    use cbc::cipher::{BlockModeDecrypt, InnerIvInit, KeyIvInit, block_padding::Pkcs7};
    let p = der::children(params.body)?;
    let salt = der::octets(p.first().ok_or("PBE without salt")?)?;
    let rounds = der::uint(p.get(1).ok_or("PBE without iterations")?)?;
    if rounds > MAX_ITERATIONS {
        return Err(format!(
            "{rounds} PBE iterations is more than preflight will run"
        ));
    }
    let pw = Zeroizing::new(bmp_password(password));
    let derive = |id: u8, len: usize| {
        d.key(
            purpose,
            Input {
                scheme: Scheme::Pkcs12Sha1(id),
                password: &pw,
                salt: &salt,
                rounds,
                len,
            },
        )
    };
    let iv = derive(2, 8);
    let mut buf = Zeroizing::new(ct.to_vec());
    let bad = |_| "wrong password (bad padding)".to_string();
    let len = if id == PBE_SHA1_3DES {
        let key = derive(1, 24);
        cbc::Decryptor::<des::TdesEde3>::new_from_slices(&key, &iv)
            .map_err(|_| "bad 3DES key or IV length")?
            .decrypt_padded::<Pkcs7>(&mut buf)
            .map_err(bad)?
            .len()
    } else {
        let bits = if id == PBE_SHA1_RC2_40 { 40 } else { 128 };
        let key = derive(1, bits / 8);
        let rc2 = rc2::Rc2::new_with_eff_key_len(&key, bits);
        cbc::Decryptor::<rc2::Rc2>::inner_iv_slice_init(rc2, &iv)
            .map_err(|_| "bad RC2 IV length")?
            .decrypt_padded::<Pkcs7>(&mut buf)
            .map_err(bad)?
            .len()
    };
    buf.truncate(len);
    Ok(buf)
}

fn pbkdf2_key(
    kdf: &[Tlv<'_>],
    password: &str,
    len: usize,
    (purpose, d): For<'_>,
) -> Result<Zeroizing<Vec<u8>>, String> {
    if der::oid(kdf.first().ok_or("no key derivation")?)? != PBKDF2 {
        return Err("key derivation is not PBKDF2".into());
    }
    let p = der::children(kdf.get(1).ok_or("PBKDF2 without parameters")?.body)?;
    let salt = der::octets(p.first().ok_or("PBKDF2 without salt")?)?;
    let rounds = der::uint(p.get(1).ok_or("PBKDF2 without iterations")?)?;
    if rounds > MAX_ITERATIONS {
        return Err(format!(
            "{rounds} PBKDF2 iterations is more than preflight will run"
        ));
    }
    let prf = p
        .iter()
        .skip(2)
        .find(|t| t.tag == 0x30)
        .map(|t| der::children(t.body).and_then(|k| der::oid(k.first().ok_or("empty PRF")?)))
        .transpose()?
        .unwrap_or_else(|| "1.2.840.113549.2.7".into());
    let scheme = match prf.as_str() {
        "1.2.840.113549.2.7" => Scheme::Pbkdf2Sha1,
        "1.2.840.113549.2.9" => Scheme::Pbkdf2Sha256,
        "1.2.840.113549.2.10" => Scheme::Pbkdf2Sha384,
        "1.2.840.113549.2.11" => Scheme::Pbkdf2Sha512,
        other => return Err(format!("PBKDF2 PRF {other} is not supported")),
    };
    let input = Input {
        scheme,
        password: password.as_bytes(),
        salt: &salt,
        rounds,
        len,
    };
    Ok(d.key(purpose, input))
}

fn aes_cbc_decrypt(key: &[u8], iv: &[u8], ct: &[u8]) -> Result<Zeroizing<Vec<u8>>, String> {
    use cbc::cipher::{BlockModeDecrypt, KeyIvInit, block_padding::Pkcs7};
    let mut buf = Zeroizing::new(ct.to_vec());
    let bad = |_| "wrong password (bad padding)".to_string();
    let len = match key.len() {
        16 => cbc::Decryptor::<aes::Aes128>::new_from_slices(key, iv)
            .map_err(|_| "bad AES key or IV length")?
            .decrypt_padded::<Pkcs7>(&mut buf)
            .map_err(bad)?
            .len(),
        24 => cbc::Decryptor::<aes::Aes192>::new_from_slices(key, iv)
            .map_err(|_| "bad AES key or IV length")?
            .decrypt_padded::<Pkcs7>(&mut buf)
            .map_err(bad)?
            .len(),
        _ => cbc::Decryptor::<aes::Aes256>::new_from_slices(key, iv)
            .map_err(|_| "bad AES key or IV length")?
            .decrypt_padded::<Pkcs7>(&mut buf)
            .map_err(bad)?
            .len(),
    };
    buf.truncate(len);
    Ok(buf)
}

fn algorithm_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.12.1.3" => "pbeWithSHAAnd3-KeyTripleDES-CBC".into(),
        "1.2.840.113549.1.12.1.6" => "pbeWithSHAAnd40BitRC2-CBC".into(),
        "1.2.840.113549.1.12.1.5" => "pbeWithSHAAnd128BitRC2-CBC".into(),
        other => other.into(),
    }
}

/// Checks the MAC: PKCS#12 KDF (ID 3) key, HMAC over the authenticated safe.
fn verify_mac(
    mac: &Tlv<'_>,
    password: &str,
    auth_safe: &[u8],
    d: &dyn Keys,
) -> Result<(bool, String), String> {
    let kids = der::children(mac.body)?;
    let digest_info = der::children(kids.first().ok_or("empty MacData")?.body)?;
    let alg = der::children(digest_info.first().ok_or("MacData without algorithm")?.body)?;
    let alg = der::oid(alg.first().ok_or("empty MAC algorithm")?)?;
    let expected = der::octets(digest_info.get(1).ok_or("MacData without digest")?)?;
    let salt = der::octets(kids.get(1).ok_or("MacData without salt")?)?;
    let rounds = kids.get(2).map(der::uint).transpose()?.unwrap_or(1);
    if rounds > MAX_ITERATIONS {
        return Err(format!(
            "{rounds} MAC iterations is more than preflight will run"
        ));
    }
    let pw = Zeroizing::new(bmp_password(password));
    let key = |scheme, len| {
        let input = Input {
            scheme,
            password: &pw,
            salt: &salt,
            rounds,
            len,
        };
        d.key(Purpose::Mac, input)
    };
    let ok = match alg.as_str() {
        "1.3.14.3.2.26" => {
            let key = key(Scheme::Pkcs12Sha1(3), 20);
            hmac_ok::<hmac::Hmac<Sha1>>(&key, auth_safe, &expected)
        }
        "2.16.840.1.101.3.4.2.1" => {
            let key = key(Scheme::Pkcs12Sha256(3), 32);
            hmac_ok::<hmac::Hmac<Sha256>>(&key, auth_safe, &expected)
        }
        other => return Err(format!("MAC digest {other} is not supported")),
    };
    let how = if alg == "1.3.14.3.2.26" {
        "pkcs12-mac-sha1"
    } else {
        "pkcs12-mac-sha256"
    };
    Ok((ok, how.into()))
}

fn hmac_ok<M: Mac + KeyInit>(key: &[u8], data: &[u8], expected: &[u8]) -> bool {
    let Ok(mut m) = <M as KeyInit>::new_from_slice(key) else {
        return false;
    };
    m.update(data);
    m.verify_slice(expected).is_ok()
}

/// The password as a BMPString with the two-byte terminator, as RFC 7292 appendix B.1 wants.
fn bmp_password(password: &str) -> Vec<u8> {
    let mut out: Vec<u8> = password.encode_utf16().flat_map(u16::to_be_bytes).collect();
    out.extend([0, 0]);
    out
}
