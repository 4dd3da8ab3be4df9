//! X.509 certificate details for the keystore facts, read with `x509-parser`.

use super::super::Fact;
use crate::value::Value;
use sha2::{Digest, Sha256};
use x509_parser::prelude::*;

/// What the facts report about one certificate.
#[derive(Debug, Clone)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// Expiry, seconds since the epoch.
    pub not_after: i64,
    pub key_type: String,
    pub key_bits: Option<i64>,
    pub signature: String,
    pub sha256: String,
}

pub fn info(der: &[u8]) -> Result<CertInfo, String> {
    let (_, cert) =
        X509Certificate::from_der(der).map_err(|e| format!("certificate does not parse: {e}"))?;
    let (key_type, key_bits) = key(&cert);
    Ok(CertInfo {
        subject: name(cert.subject()),
        issuer: name(cert.issuer()),
        not_after: cert.validity().not_after.timestamp(),
        key_type,
        key_bits,
        signature: oid_name(&cert.signature_algorithm.algorithm),
        sha256: fingerprint(der),
    })
}

/// The facts `cert.*` for a certificate, or all unavailable with the reason.
pub fn facts(cert: &Result<CertInfo, String>) -> Vec<(&'static str, Fact)> {
    let c = match cert {
        Ok(c) => c,
        Err(e) => {
            return [
                "cert.subject",
                "cert.issuer",
                "cert.not-after",
                "cert.days-left",
                "cert.key-type",
                "cert.key-bits",
                "cert.signature",
                "cert.sha256",
            ]
            .into_iter()
            .map(|k| (k, Fact::unavailable(e.clone())))
            .collect();
        }
    };
    let s = |v: &str| Fact::value(Value::Str(v.to_string()));
    let now = chrono::Utc::now().timestamp();
    vec![
        ("cert.subject", s(&c.subject)),
        ("cert.issuer", s(&c.issuer)),
        ("cert.not-after", s(&rfc3339(c.not_after))),
        (
            "cert.days-left",
            Fact::value(Value::Int((c.not_after - now).div_euclid(86_400))),
        ),
        ("cert.key-type", s(&c.key_type)),
        (
            "cert.key-bits",
            c.key_bits.map_or_else(
                || Fact::unavailable("key size unknown for this key type"),
                |b| Fact::value(Value::Int(b)),
            ),
        ),
        ("cert.signature", s(&c.signature)),
        ("cert.sha256", s(&c.sha256)),
    ]
}

pub fn rfc3339(ts: i64) -> String {
    chrono::DateTime::from_timestamp(ts, 0)
        .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .unwrap_or_else(|| ts.to_string())
}

/// A distinguished name in keytool's order: `CN=localhost, OU=WSO2, …, C=US`.
fn name(n: &X509Name<'_>) -> String {
    let reg = oid_registry();
    n.iter_rdn()
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .flat_map(|rdn| rdn.iter())
        .map(|a| {
            let key = oid2abbrev(a.attr_type(), reg)
                .map(str::to_string)
                .unwrap_or_else(|_| a.attr_type().to_id_string());
            let key = if key == "stateOrProvinceName" {
                "ST".into()
            } else {
                key
            };
            let value = a
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|_| format!("#{}", hex(a.as_slice(), "")));
            format!("{key}={value}")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn key(cert: &X509Certificate<'_>) -> (String, Option<i64>) {
    let spki = cert.public_key();
    let curve = spki
        .algorithm
        .parameters
        .as_ref()
        .and_then(|p| p.as_oid().ok())
        .map(|o| oid_name(&o));
    match spki.parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(r)) => ("RSA".into(), Some(r.key_size() as i64)),
        Ok(x509_parser::public_key::PublicKey::EC(p)) => {
            let bits = match curve.as_deref() {
                Some("prime256v1" | "secp256r1") => 256,
                Some("secp384r1") => 384,
                Some("secp521r1") => 521,
                _ => p.key_size() as i64,
            };
            ("EC".into(), Some(bits))
        }
        Ok(x509_parser::public_key::PublicKey::DSA(y)) => (
            "DSA".into(),
            Some((y.iter().skip_while(|b| **b == 0).count() * 8) as i64),
        ),
        _ => (oid_name(&spki.algorithm.algorithm), None),
    }
}

fn oid_name(oid: &x509_parser::der_parser::oid::Oid<'_>) -> String {
    match oid.to_id_string().as_str() {
        "1.3.101.112" => return "Ed25519".into(),
        "1.3.101.113" => return "Ed448".into(),
        _ => {}
    }
    oid2sn(oid, oid_registry())
        .map(str::to_string)
        .unwrap_or_else(|_| oid.to_id_string())
}

fn fingerprint(der: &[u8]) -> String {
    hex(&Sha256::digest(der), ":")
}

fn hex(bytes: &[u8], sep: &str) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(sep)
}
