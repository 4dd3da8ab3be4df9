//! PostgreSQL: one login with the datasource's user, as the product's pgjdbc would open it
//! (`sslmode` from the JDBC URL, pgjdbc's default `prefer`), then read-only catalogue queries.

use super::password::Credentials;
use super::session::{Seen, Target};
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
    let mut client = match cfg.connect(tls()) {
        Ok(c) => c,
        Err(e) => {
            seen.login = Some(Err(error_text(&e)));
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

/// TLS as the product's driver does it for `require`/`prefer`: encrypted, the certificate not
/// checked (pgjdbc verifies only under verify-ca/verify-full, with the product's truststore,
/// which preflight does not judge here).
fn tls() -> tokio_postgres_rustls::MakeRustlsConnect {
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("ring supports the default TLS versions")
    .dangerous()
    .with_custom_certificate_verifier(Arc::new(super::session::AnyCert))
    .with_no_client_auth();
    tokio_postgres_rustls::MakeRustlsConnect::new(config)
}
