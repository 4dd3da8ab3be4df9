//! Whom a live TLS connection trusts, as the product's Java client would decide it: the trust
//! anchors (the truststore's certificates, or a driver's own root file), a certificate verifier
//! that checks the chain the way the JDK's PKIX validator does and the host name the way the
//! JDK's `HostnameChecker` and the JDBC drivers' host name verifiers do, and what it saw.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// The certificates a client trusts, and where they were read.
#[derive(Debug)]
pub struct Anchors {
    /// The file, as a person finds it (`repository/resources/security/client-truststore.jks`).
    pub from: String,
    certs: Vec<CertificateDer<'static>>,
    roots: RootCertStore,
}

impl Anchors {
    /// Trust anchors from DER certificates; none at all is an error (the JDK refuses every
    /// server then: "the trustAnchors parameter must be non-empty").
    pub fn new(from: String, ders: Vec<Vec<u8>>) -> Result<Anchors, String> {
        if ders.is_empty() {
            return Err(format!("{from} holds no certificate to trust"));
        }
        let certs: Vec<CertificateDer<'static>> =
            ders.into_iter().map(CertificateDer::from).collect();
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(certs.iter().cloned());
        Ok(Anchors { from, certs, roots })
    }

    /// Trust anchors from a PEM file's certificates (pgJDBC `sslrootcert`, MariaDB
    /// `serverSslCert`).
    pub fn from_pem(from: String, pem: &[u8]) -> Result<Anchors, String> {
        let ders: Vec<Vec<u8>> = x509_parser::pem::Pem::iter_from_buffer(pem)
            .filter_map(Result::ok)
            .filter(|p| p.label == "CERTIFICATE")
            .map(|p| p.contents)
            .collect();
        Anchors::new(from, ders)
    }
}

/// The driver's certificate check, with its trust anchors read.
#[derive(Debug, Clone)]
pub enum CertPlan {
    /// The driver verifies nothing: the setting that says so.
    NotVerified(String),
    /// The chain (and the host name when `name`) against `anchors`, or why they cannot be read.
    Verifies {
        by: String,
        name: bool,
        anchors: Result<Arc<Anchors>, String>,
    },
}

/// What became of the certificate check of the connection the product would open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertCheck {
    /// TLS without verification by the driver: the setting that says so.
    NotVerified(String),
    /// Verified as the driver would: the setting.
    Trusted(String),
    /// The driver would refuse the handshake: why.
    Refused(String),
    /// The driver's trust anchors cannot be read: why.
    Unknown(String),
}

/// The certificate check as the driver would have ended it (`None` when no certificate came).
pub fn judged(plan: &CertPlan, verifier: Option<&JdkVerifier>) -> Option<CertCheck> {
    match (plan, verifier) {
        (CertPlan::NotVerified(by), _) => Some(CertCheck::NotVerified(by.clone())),
        (CertPlan::Verifies { by, name, .. }, Some(v)) => {
            let seen = v.outcome();
            let name_refused = seen.name.filter(|_| *name).and_then(Result::err);
            match (seen.chain, name_refused) {
                (None, _) => None,
                (Some(Err(why)), _) | (_, Some(why)) => {
                    Some(CertCheck::Refused(format!("{why} ({by})")))
                }
                (Some(Ok(())), None) => Some(CertCheck::Trusted(by.clone())),
            }
        }
        (CertPlan::Verifies { .. }, None) => None,
    }
}

/// How the host name is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Name {
    /// Not checked (VERIFY_CA, verify-ca).
    Skip,
    /// A mismatch refuses the handshake (VERIFY_IDENTITY, verify-full).
    Enforce,
    /// Checked and recorded, the handshake goes on: JNDI's endpoint identification depends on a
    /// JVM flag, which the rules judge.
    Record,
}

/// What the verifier found: the chain, then the name (each `None` when not checked).
#[derive(Debug, Default, Clone)]
pub struct Outcome {
    pub chain: Option<Result<(), String>>,
    pub name: Option<Result<(), String>>,
}

/// A server certificate verifier with the JDK's semantics over [`Anchors`].
#[derive(Debug)]
pub struct JdkVerifier {
    anchors: Arc<Anchors>,
    host: String,
    name: Name,
    seen: Mutex<Outcome>,
}

impl JdkVerifier {
    pub fn new(anchors: Arc<Anchors>, host: &str, name: Name) -> Arc<JdkVerifier> {
        Arc::new(JdkVerifier {
            anchors,
            host: host.to_string(),
            name,
            seen: Mutex::new(Outcome::default()),
        })
    }

    /// What the handshake's certificate check found (nothing when no certificate came).
    pub fn outcome(&self) -> Outcome {
        self.seen.lock().map(|o| o.clone()).unwrap_or_default()
    }

    /// sun.security.validator.PKIXValidator.engineValidate: a certificate that is itself in the
    /// trust store is accepted as it is; otherwise the chain must lead to one of them, every
    /// certificate in its validity period.
    fn chain(
        &self,
        ee: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<(), String> {
        if self.anchors.certs.iter().any(|c| c.as_ref() == ee.as_ref()) {
            return Ok(());
        }
        let parsed = rustls::server::ParsedCertificate::try_from(ee)
            .map_err(|e| refused(ee, &e, &self.anchors.from))?;
        rustls::client::verify_server_cert_signed_by_trust_anchor(
            &parsed,
            &self.anchors.roots,
            intermediates,
            now,
            provider().signature_verification_algorithms.all,
        )
        .map_err(|e| refused(ee, &e, &self.anchors.from))
    }
}

impl ServerCertVerifier for JdkVerifier {
    fn verify_server_cert(
        &self,
        ee: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let chain = self.chain(ee, intermediates, now);
        let name = (self.name != Name::Skip).then(|| host_matches(ee, &self.host));
        if let Ok(mut seen) = self.seen.lock() {
            *seen = Outcome {
                chain: Some(chain.clone()),
                name: name.clone(),
            };
        }
        chain.map_err(rustls::Error::General)?;
        match name {
            Some(Err(e)) if self.name == Name::Enforce => Err(rustls::Error::General(e)),
            _ => Ok(ServerCertVerified::assertion()),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        schemes()
    }
}

/// Accepts any server certificate: the drivers the product uses do not verify under
/// `require`/`PREFERRED`, and that check is whether TLS is negotiated, not whom it trusts. The
/// handshake's own signatures are still checked, as by every verifier here.
#[derive(Debug)]
pub struct AnyCert;

impl ServerCertVerifier for AnyCert {
    fn verify_server_cert(
        &self,
        _: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        schemes()
    }
}

/// The handshake's TLS 1.2 signature, checked by rustls with ring's algorithms.
fn tls12_signature(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let algs = &provider().signature_verification_algorithms;
    rustls::crypto::verify_tls12_signature(message, cert, dss, algs)
}

/// The handshake's TLS 1.3 signature, checked by rustls with ring's algorithms.
fn tls13_signature(
    message: &[u8],
    cert: &CertificateDer<'_>,
    dss: &DigitallySignedStruct,
) -> Result<HandshakeSignatureValid, rustls::Error> {
    let algs = &provider().signature_verification_algorithms;
    rustls::crypto::verify_tls13_signature(message, cert, dss, algs)
}

fn schemes() -> Vec<SignatureScheme> {
    provider()
        .signature_verification_algorithms
        .supported_schemes()
}

/// A rustls client configuration that verifies with `verifier`.
pub fn client_config(verifier: Arc<dyn ServerCertVerifier>) -> rustls::ClientConfig {
    rustls::ClientConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default TLS versions")
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth()
}

fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Why the chain is refused, naming the certificate, in the words a person looks for.
fn refused(ee: &CertificateDer<'_>, e: &rustls::Error, from: &str) -> String {
    let (subject, issuer) = names(ee);
    let why = match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => {
                format!("unknown CA: neither it nor its issuer is in {from}")
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                "expired".to_string()
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                "not yet valid".to_string()
            }
            CertificateError::BadSignature => "its signature does not verify".to_string(),
            // webpki's CaUsedAsEndEntity: a self-signed CA certificate that the JDK would
            // accept only if it were itself in the store, which it is not.
            CertificateError::Other(o) if o.to_string().contains("CaUsedAsEndEntity") => {
                format!("unknown CA: it is not in {from}")
            }
            other => format!("{other:?}"),
        },
        other => other.to_string(),
    };
    format!("the server's certificate {subject} (issued by {issuer}) is not trusted: {why}")
}

fn names(der: &[u8]) -> (String, String) {
    match x509_parser::parse_x509_certificate(der) {
        Ok((_, c)) => (c.subject().to_string(), c.issuer().to_string()),
        Err(_) => ("(unparsable)".into(), "?".into()),
    }
}

/// sun.security.util.HostnameChecker (and pgJDBC's PGjdbcHostnameVerifier, MariaDB
/// Connector/J's HostnameVerifier): an IP address must be an iPAddress subjectAltName; a host
/// name must match a dNSName subjectAltName, or, when there is none, the most specific CN.
/// A `*` stands for the whole left-most label only.
pub fn host_matches(der: &[u8], host: &str) -> Result<(), String> {
    use x509_parser::extensions::GeneralName;
    let (_, cert) = x509_parser::parse_x509_certificate(der)
        .map_err(|e| format!("the server's certificate does not parse: {e}"))?;
    let sans: Vec<GeneralName<'_>> = match cert.subject_alternative_name() {
        Ok(Some(ext)) => ext.value.general_names.clone(),
        _ => Vec::new(),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = host.parse::<IpAddr>() {
        let ips: Vec<IpAddr> = sans
            .iter()
            .filter_map(|g| match g {
                GeneralName::IPAddress(b) => ip_of(b),
                _ => None,
            })
            .collect();
        if ips.contains(&ip) {
            return Ok(());
        }
        return Err(format!(
            "name mismatch: the server's certificate {} has no iPAddress subjectAltName {host} (it lists {}), and an IP address matches nothing else",
            cert.subject(),
            shown(&ips.iter().map(|i| i.to_string()).collect::<Vec<_>>())
        ));
    }
    let dns: Vec<String> = sans
        .iter()
        .filter_map(|g| match g {
            GeneralName::DNSName(d) => Some(d.to_string()),
            _ => None,
        })
        .collect();
    let (names, kind) = if dns.is_empty() {
        let cn = cert
            .subject()
            .iter_common_name()
            .last()
            .and_then(|a| a.as_str().ok())
            .map(str::to_string);
        (cn.into_iter().collect::<Vec<_>>(), "CN")
    } else {
        (dns, "dNSName subjectAltName")
    };
    if names.iter().any(|n| dns_matches(n, host)) {
        return Ok(());
    }
    Err(format!(
        "name mismatch: the server's certificate {} is for {} ({kind}), not {host}",
        cert.subject(),
        shown(&names)
    ))
}

fn ip_of(b: &[u8]) -> Option<IpAddr> {
    match b.len() {
        4 => Some(IpAddr::from(<[u8; 4]>::try_from(b).ok()?)),
        16 => Some(IpAddr::from(<[u8; 16]>::try_from(b).ok()?)),
        _ => None,
    }
}

fn shown(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

fn dns_matches(pattern: &str, host: &str) -> bool {
    let (p, h) = (pattern.to_ascii_lowercase(), host.to_ascii_lowercase());
    let (p, h) = (p.trim_end_matches('.'), h.trim_end_matches('.'));
    match p.strip_prefix("*.") {
        Some(rest) => h
            .split_once('.')
            .is_some_and(|(label, tail)| !label.is_empty() && tail == rest && rest.contains('.')),
        None => p == h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards_stand_for_one_left_most_label() {
        assert!(dns_matches("*.example.com", "db.example.com"));
        assert!(!dns_matches("*.example.com", "a.db.example.com"));
        assert!(!dns_matches("*.example.com", "example.com"));
        assert!(!dns_matches("*.com", "example.com"));
        assert!(dns_matches("DB.Example.com.", "db.example.com"));
        assert!(!dns_matches("db.example.com", "db2.example.com"));
    }
}
