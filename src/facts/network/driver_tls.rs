//! Whether the product's JDBC driver verifies the database server's certificate, and against
//! what, read from the JDBC URL's parameters as each driver reads them:
//!
//! - pgJDBC (https://jdbc.postgresql.org/documentation/ssl/ and /use/): `sslmode` disable,
//!   allow, prefer (the default), require accept any certificate; verify-ca checks the chain,
//!   verify-full the chain and the host name; `ssl=true` without `sslmode` means verify-full
//!   (pgJDBC 42.2.5+). The roots are `sslrootcert` (default `~/.postgresql/root.crt` of the user
//!   running the product, through LibPQFactory); `sslfactory=org.postgresql.ssl.DefaultJavaSSLFactory`
//!   uses the JVM's truststore, `sslfactory=…NonValidatingFactory` verifies nothing.
//! - MySQL Connector/J 8 (https://dev.mysql.com/doc/connector-j/en/connector-j-connp-props-security.html,
//!   connector-j-server-authentication.html): `sslMode` DISABLED, PREFERRED (the default),
//!   REQUIRED verify nothing; VERIFY_CA the chain; VERIFY_IDENTITY the chain and the host name.
//!   Without `sslMode`, the legacy `useSSL=true` + `verifyServerCertificate=true` is VERIFY_CA.
//!   The roots are `trustCertificateKeyStoreUrl`, else (`fallbackToSystemTrustStore`, default
//!   true) the JVM's truststore.
//! - MariaDB Connector/J 3 (https://mariadb.com/kb/en/about-mariadb-connector-j/#tls-parameters):
//!   `sslMode` disable (the default), trust (no verification), verify-ca, verify-full; the
//!   legacy `useSsl=true` is verify-full, verify-ca with `disableSslHostnameVerification=true`,
//!   trust with `trustServerCertificate=true`. The roots are `serverSslCert`, else the JVM's
//!   truststore.

use super::session::Target;
use super::trust::{Anchors, CertPlan};
use std::path::Path;
use std::sync::Arc;

/// What the driver checks of the server's certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing: the setting that says so (`sslmode=require`).
    NotVerified(String),
    /// The chain (and the host name when `name`) against `roots`; `by` is the setting.
    Verifies {
        by: String,
        name: bool,
        roots: Roots,
    },
}

/// Where the driver's trusted certificates come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Roots {
    /// The JVM's truststore: `[truststore]` of deployment.toml (Carbon sets javax.net.ssl.trustStore).
    Truststore,
    /// A PEM file (pgJDBC `sslrootcert`, MariaDB `serverSslCert`).
    Pem(String),
    /// A keystore at a `file:` URL with its password (Connector/J trustCertificateKeyStoreUrl).
    Keystore {
        url: String,
        password: Option<String>,
    },
    /// The driver reads a place preflight does not: why.
    Unknown(String),
}

/// The verification plan of `t`'s driver.
pub fn plan(t: &Target) -> Plan {
    match t.kind.as_str() {
        "postgre" => pgjdbc(t),
        "mysql" => connector_j(t),
        "mariadb" => mariadb(t),
        other => Plan::NotVerified(format!(
            "preflight does not model the `{other}` driver's certificate checks"
        )),
    }
}

fn pgjdbc(t: &Target) -> Plan {
    let factory = t.param("sslfactory").unwrap_or_default();
    if factory.ends_with("nonvalidatingfactory") {
        return Plan::NotVerified(format!("sslfactory={}", t.raw_param("sslfactory")));
    }
    let (mode, by) = match t.param("sslmode") {
        Some(m) => (m.clone(), format!("sslmode={m}")),
        None if t.param("ssl").is_some_and(|s| s != "false") => (
            "verify-full".to_string(),
            "ssl=true (pgJDBC: verify-full)".to_string(),
        ),
        None => (
            "prefer".into(),
            "sslmode not set: pgJDBC's default prefer".into(),
        ),
    };
    let name = match mode.as_str() {
        "verify-full" => true,
        "verify-ca" => false,
        _ => return Plan::NotVerified(by),
    };
    let roots = if factory.ends_with("defaultjavasslfactory") {
        Roots::Truststore
    } else if t.param("sslrootcert").is_some() {
        Roots::Pem(t.raw_param("sslrootcert"))
    } else {
        Roots::Unknown(format!(
            "{by} without sslrootcert: pgJDBC trusts ~/.postgresql/root.crt of the user running the product, which preflight does not read; name the file with sslrootcert="
        ))
    };
    Plan::Verifies { by, name, roots }
}

fn connector_j(t: &Target) -> Plan {
    let (name, by) = match t.param("sslmode").as_deref() {
        Some("verify_identity") => (true, "sslMode=VERIFY_IDENTITY".to_string()),
        Some("verify_ca") => (false, "sslMode=VERIFY_CA".to_string()),
        Some(m) => return Plan::NotVerified(format!("sslMode={}", m.to_ascii_uppercase())),
        None if t.param("usessl").as_deref() != Some("false")
            && t.param("verifyservercertificate").as_deref() == Some("true") =>
        {
            (
                false,
                "verifyServerCertificate=true (Connector/J: VERIFY_CA)".into(),
            )
        }
        None => {
            return Plan::NotVerified("sslMode not set: Connector/J's default PREFERRED".into());
        }
    };
    let roots = if t.param("trustcertificatekeystoreurl").is_some() {
        Roots::Keystore {
            url: t.raw_param("trustcertificatekeystoreurl"),
            password: t
                .param("trustcertificatekeystorepassword")
                .map(|_| t.raw_param("trustcertificatekeystorepassword")),
        }
    } else if t.param("fallbacktosystemtruststore").as_deref() == Some("false") {
        Roots::Unknown(format!(
            "{by} with fallbackToSystemTrustStore=false and no trustCertificateKeyStoreUrl: Connector/J has no certificate to trust"
        ))
    } else {
        Roots::Truststore
    };
    Plan::Verifies { by, name, roots }
}

fn mariadb(t: &Target) -> Plan {
    let legacy = ["usessl", "usetls"]
        .iter()
        .any(|k| t.param(k).is_some_and(|v| v != "false"));
    let (name, by) = match t.param("sslmode").as_deref() {
        Some("verify-full") => (true, "sslMode=verify-full".to_string()),
        Some("verify-ca") => (false, "sslMode=verify-ca".to_string()),
        Some(m) => return Plan::NotVerified(format!("sslMode={m}")),
        None if legacy && t.param("trustservercertificate").as_deref() == Some("true") => {
            return Plan::NotVerified("useSsl=true with trustServerCertificate=true".into());
        }
        None if legacy && t.param("disablesslhostnameverification").as_deref() == Some("true") => (
            false,
            "useSsl=true with disableSslHostnameVerification=true".into(),
        ),
        None if legacy => (
            true,
            "useSsl=true (MariaDB Connector/J: verify-full)".into(),
        ),
        None => {
            return Plan::NotVerified(
                "no sslMode (MariaDB Connector/J's default is disable)".into(),
            );
        }
    };
    let roots = match t.param("serversslcert") {
        Some(v) if v.starts_with("classpath:") => Roots::Unknown(format!(
            "{by} with serverSslCert={v}: a class-path resource preflight does not read"
        )),
        Some(_) => Roots::Pem(t.raw_param("serversslcert")),
        None => Roots::Truststore,
    };
    Plan::Verifies { by, name, roots }
}

/// The JVM truststore's anchors, read once per run and only when a connection needs them.
pub type Truststore<'a> = dyn Fn() -> Result<Arc<Anchors>, String> + Sync + 'a;

/// [`plan`] with the trust anchors read: the truststore, or the driver's own file (a relative
/// path taken from PRODUCT_HOME, where the product's start script runs).
pub fn cert_plan(t: &Target, home: &Path, truststore: &Truststore<'_>) -> CertPlan {
    match plan(t) {
        Plan::NotVerified(by) => CertPlan::NotVerified(by),
        Plan::Verifies { by, name, roots } => {
            let anchors = match roots {
                Roots::Truststore => truststore(),
                Roots::Pem(file) => pem_roots(home, &file),
                Roots::Keystore { url, password } => keystore_roots(home, &url, password),
                Roots::Unknown(why) => Err(why),
            };
            CertPlan::Verifies { by, name, anchors }
        }
    }
}

/// Big enough for any bundle of CA certificates.
const MAX_ROOTS_BYTES: u64 = 4 << 20;

fn pem_roots(home: &Path, file: &str) -> Result<Arc<Anchors>, String> {
    if file.trim_start().starts_with("-----BEGIN") {
        // MariaDB serverSslCert also takes the certificate itself.
        return Anchors::from_pem("the URL's serverSslCert".into(), file.as_bytes()).map(Arc::new);
    }
    let path = home.join(file.strip_prefix("file:").unwrap_or(file));
    let bytes = crate::io::read_capped_bytes(&path, MAX_ROOTS_BYTES)
        .map_err(|e| format!("the driver's root certificates {file} cannot be read: {e}"))?;
    Anchors::from_pem(file.to_string(), &bytes).map(Arc::new)
}

fn keystore_roots(
    home: &Path,
    url: &str,
    password: Option<String>,
) -> Result<Arc<Anchors>, String> {
    let file = url.strip_prefix("file://").or(url.strip_prefix("file:"));
    let file = file.ok_or_else(|| {
        format!(
            "trustCertificateKeyStoreUrl={url} is not a file: URL, which preflight does not read"
        )
    })?;
    let bytes = crate::io::read_capped_bytes(&home.join(file), MAX_ROOTS_BYTES)
        .map_err(|e| format!("trustCertificateKeyStoreUrl {file} cannot be read: {e}"))?;
    let store = crate::facts::keystore::open(&bytes, password.as_deref())
        .map_err(|e| format!("trustCertificateKeyStoreUrl {file}: {e}"))?;
    if store.opens == Ok(false) {
        return Err(format!(
            "trustCertificateKeyStoreUrl {file} does not open with trustCertificateKeyStorePassword"
        ));
    }
    let certs = store
        .entries
        .iter()
        .filter_map(|e| e.cert.clone())
        .collect();
    Anchors::new(file.to_string(), certs).map(Arc::new)
}
