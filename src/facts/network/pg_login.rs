//! PostgreSQL: one login with the datasource's user, as the product's pgjdbc would open it
//! (`sslmode` from the JDBC URL, pgjdbc's default `prefer`; the server's certificate checked as
//! pgjdbc would, see driver_tls.rs), then read-only catalogue queries.

use super::password::Credentials;
use super::session::{Seen, Target};
use super::trust::{self, CertCheck, CertPlan, JdkVerifier, Name};
use std::sync::Arc;
use std::time::Duration;

/// The statements run after login; all read the catalogue, none writes.
pub const STATEMENTS: &[&str] = &[
    "SELECT current_setting('server_version'), (SELECT rolsuper FROM pg_roles WHERE rolname = current_user), COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
    "SELECT upper(table_name) FROM information_schema.tables WHERE table_schema = ANY (current_schemas(false))",
];

pub fn login(t: &Target, creds: &Credentials, left: Duration) -> Seen {
    let mut seen = Seen {
        product: Some("postgresql".into()),
        ..Seen::default()
    };
    let mode = match t.param("sslmode").as_deref() {
        Some("disable") => postgres::config::SslMode::Disable,
        Some("require" | "verify-ca" | "verify-full") => postgres::config::SslMode::Require,
        // pgjdbc: `ssl=true` alone means verify-full.
        _ if t.param("ssl").as_deref() == Some("true") => postgres::config::SslMode::Require,
        _ => postgres::config::SslMode::Prefer,
    };
    let mut cfg = postgres::Config::new();
    cfg.host(&t.endpoint.host)
        .port(t.endpoint.port)
        .user(&creds.user)
        .password(creds.password.as_bytes())
        .dbname(t.database.as_deref().unwrap_or(&creds.user))
        .ssl_mode(mode)
        .connect_timeout(left)
        .application_name("preflight");
    let (config, verifier) = match tls(t) {
        Ok(v) => v,
        Err(why) => {
            seen.cert = Some(CertCheck::Unknown(why.clone()));
            seen.not_tried = Some(super::password::Unresolved::Failed(why));
            return seen;
        }
    };
    let connected = cfg.connect(tokio_postgres_rustls::MakeRustlsConnect::new(config));
    seen.cert = trust::judged(&t.cert, verifier.as_deref());
    let mut client = match connected {
        Ok(c) => c,
        Err(e) => {
            seen.login = Some(Err(match &seen.cert {
                Some(CertCheck::Refused(why)) => why.clone(),
                _ => error_text(&e),
            }));
            return seen;
        }
    };
    seen.login = Some(Ok(creds.user.clone()));
    match client.query_one(STATEMENTS[0], &[]) {
        Ok(row) => {
            let version: String = row.get(0);
            seen.version = Some(super::greeting::numeric(&version));
            if row.get::<_, Option<bool>>(1).unwrap_or(false) {
                seen.admin = Some(format!("{}: rolsuper", creds.user));
            }
            seen.tls = Some(row.get(2));
        }
        Err(e) => seen.failed(error_text(&e)),
    }
    match client.query(STATEMENTS[1], &[]) {
        Ok(rows) => seen.tables = Some(rows.iter().map(|r| r.get::<_, String>(0)).collect()),
        Err(e) => seen.failed(error_text(&e)),
    }
    seen
}

/// The server's own message (e.g. `password authentication failed for user "x"`) when it sent one.
fn error_text(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => db.message().to_string(),
        None => {
            let mut s = e.to_string();
            let mut src = std::error::Error::source(e);
            while let Some(inner) = src {
                s = format!("{s}: {inner}");
                src = inner.source();
            }
            s
        }
    }
}

/// TLS as the product's pgjdbc opens it: no certificate check for disable … require (or
/// NonValidatingFactory); for verify-ca / verify-full, the chain (and the name) against the
/// driver's roots. Err: the roots cannot be read.
fn tls(t: &Target) -> Result<(rustls::ClientConfig, Option<Arc<JdkVerifier>>), String> {
    match &t.cert {
        CertPlan::NotVerified(_) => Ok((trust::client_config(Arc::new(trust::AnyCert)), None)),
        CertPlan::Verifies { anchors, name, .. } => {
            let name = if *name { Name::Enforce } else { Name::Skip };
            let v = JdkVerifier::new(Arc::clone(anchors.as_ref()?), &t.endpoint.host, name);
            Ok((trust::client_config(v.clone()), Some(v)))
        }
    }
}
