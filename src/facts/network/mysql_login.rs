//! MySQL and MariaDB: the server's greeting (version, TLS offered) read before any login, on
//! the same connection the TLS handshake with the server's certificate checked as the
//! product's Connector/J would (driver_tls.rs), then one login as the driver would open it (TLS
//! per the JDBC URL's `sslMode` / `useSSL`), then read-only statements.

use super::greeting;
use super::password::{Credentials, Unresolved};
use super::session::{Deadlined, Seen, Target};
use super::trust::{self, Anchors, CertCheck, CertPlan, JdkVerifier, Name};
use mysql::prelude::Queryable;
use std::io::Write;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The statements run after login; none writes.
pub const STATEMENTS: &[&str] = &[
    "SELECT VERSION()",
    "SHOW GRANTS",
    "SHOW SESSION STATUS LIKE 'Ssl_cipher'",
    "SELECT UPPER(table_name) FROM information_schema.tables WHERE table_schema = DATABASE()",
];

/// The greeting, the certificate check the driver would make, then the login: a certificate
/// the driver refuses stops there (the product could not connect either).
pub fn session(t: &Target, until: Instant) -> Seen {
    let mut greeted = Seen::default();
    match greet(t, until) {
        Ok((g, cert)) => {
            greeted.product = Some(g.product.to_string());
            greeted.version = Some(g.version);
            greeted.tls_offered = Some(g.tls_offered);
            greeted.cert = cert;
        }
        Err(e) => {
            greeted.login = Some(Err(e));
            return greeted;
        }
    }
    match (&greeted.cert, &t.creds) {
        (Some(CertCheck::Refused(why)), _) => greeted.login = Some(Err(why.clone())),
        (Some(CertCheck::Unknown(why)), _) => {
            greeted.not_tried = Some(Unresolved::Failed(why.clone()))
        }
        (_, Ok(c)) => return login(t, c, until, &greeted),
        (_, Err(why)) => greeted.not_tried = Some(why.clone()),
    }
    greeted
}

/// Reads the greeting on a connection of its own and, when the driver would use TLS, makes
/// the TLS handshake on it; the connection then closes without logging in.
fn greet(t: &Target, until: Instant) -> Result<(greeting::Greeting, Option<CertCheck>), String> {
    let mut connection = super::session::connect(&t.endpoint, until)?;
    let mut stream = Deadlined::new(&mut connection, until);
    let g = greeting::mysql(&mut stream)?;
    let uses_tls = g.tls_offered && wants_tls(t) != Some(false);
    let cert = match (&t.cert, uses_tls) {
        (_, false) => None,
        (CertPlan::NotVerified(by), true) => Some(CertCheck::NotVerified(by.clone())),
        (
            CertPlan::Verifies {
                anchors: Err(e), ..
            },
            true,
        ) => Some(CertCheck::Unknown(e.clone())),
        (
            CertPlan::Verifies {
                anchors: Ok(a),
                name,
                ..
            },
            true,
        ) => Some(verify(t, &mut stream, a, *name)),
    };
    Ok((g, cert))
}

/// The TLS handshake after an SSLRequest, with the certificate checked as the driver would.
fn verify(t: &Target, stream: &mut Deadlined, anchors: &Arc<Anchors>, name: bool) -> CertCheck {
    let name = if name { Name::Enforce } else { Name::Skip };
    let v = JdkVerifier::new(Arc::clone(anchors), &t.endpoint.host, name);
    let shook = handshake(stream, &t.endpoint.host, trust::client_config(v.clone()));
    trust::judged(&t.cert, Some(&v)).unwrap_or_else(|| {
        CertCheck::Unknown(format!(
            "the TLS handshake ended before the server's certificate: {}",
            shook.err().unwrap_or_default()
        ))
    })
}

fn handshake(
    stream: &mut Deadlined,
    host: &str,
    config: rustls::ClientConfig,
) -> Result<(), String> {
    stream
        .write_all(&ssl_request())
        .map_err(|e| format!("SSLRequest not sent: {e}"))?;
    let server = rustls::pki_types::ServerName::try_from(host.to_string())
        .map_err(|e| format!("{host}: {e}"))?;
    let mut tls =
        rustls::ClientConnection::new(Arc::new(config), server).map_err(|e| e.to_string())?;
    while tls.is_handshaking() {
        tls.complete_io(stream).map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Protocol::SSLRequest (MySQL Client/Server Protocol, "Connection Phase"; MariaDB
/// "Connection" page), by hand: capability flags CLIENT_LONG_PASSWORD | CLIENT_PROTOCOL_41 |
/// CLIENT_SSL | CLIENT_SECURE_CONNECTION (4 bytes LE), max packet size (4), character set
/// utf8mb4 (1), 23 zero bytes; in a packet with sequence id 1, after the server's greeting.
fn ssl_request() -> [u8; 36] {
    let mut p = [0u8; 36];
    p[..4].copy_from_slice(&[32, 0, 0, 1]);
    p[4..8].copy_from_slice(&0x0000_8a01u32.to_le_bytes());
    p[8..12].copy_from_slice(&(1u32 << 24).to_le_bytes());
    p[12] = 45;
    p
}

/// TLS as Connector/J decides it: `Some(false)` off, `Some(true)` required, `None` if offered.
fn wants_tls(t: &Target) -> Option<bool> {
    let mode = t.param("sslmode").map(|m| m.to_ascii_lowercase());
    match mode.as_deref() {
        Some("disabled" | "disable") => return Some(false),
        Some(
            "required" | "verify_ca" | "verify_identity" | "trust" | "verify-ca" | "verify-full",
        ) => {
            return Some(true);
        }
        _ => {}
    }
    match t.param("usessl").as_deref() {
        Some("false") => Some(false),
        Some("true") => Some(true),
        // MariaDB Connector/J encrypts only when asked; Connector/J 8 prefers TLS.
        _ if t.kind == "mariadb" => Some(false),
        _ => None,
    }
}

pub fn login(t: &Target, creds: &Credentials, until: Instant, greeted: &Seen) -> Seen {
    let mut seen = Seen {
        product: greeted.product.clone(),
        version: greeted.version.clone(),
        tls_offered: greeted.tls_offered,
        cert: greeted.cert.clone(),
        ..Seen::default()
    };
    let left = until
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    let tls = wants_tls(t).unwrap_or(greeted.tls_offered.unwrap_or(false));
    let mut opts = mysql::OptsBuilder::new()
        .ip_or_hostname(Some(t.endpoint.host.clone()))
        .tcp_port(t.endpoint.port)
        .prefer_socket(false)
        .user(Some(creds.user.clone()))
        .pass(Some(creds.password.to_string()))
        .db_name(t.database.clone())
        .tcp_connect_timeout(Some(left))
        .read_timeout(Some(left))
        .write_timeout(Some(left));
    if tls {
        // The certificate was checked as the driver would, on the greeting's connection
        // (`greet`); this session only has to be encrypted.
        opts = opts.ssl_opts(Some(
            mysql::SslOpts::default()
                .with_danger_accept_invalid_certs(true)
                .with_danger_skip_domain_validation(true),
        ));
    }
    let mut conn = match mysql::Conn::new(opts) {
        Ok(c) => c,
        Err(e) => {
            seen.login = Some(Err(server_message(&e)));
            return seen;
        }
    };
    seen.login = Some(Ok(creds.user.clone()));
    if let Ok(Some(v)) = conn.query_first::<String, _>(STATEMENTS[0]) {
        let g = v.to_ascii_lowercase();
        seen.product = Some(
            if g.contains("mariadb") {
                "mariadb"
            } else {
                "mysql"
            }
            .into(),
        );
        seen.version = Some(greeting::numeric(v.strip_prefix("5.5.5-").unwrap_or(&v)));
    }
    match conn.query::<String, _>(STATEMENTS[1]) {
        Ok(grants) => seen.admin = admin_grant(&grants).map(|g| format!("{}: {g}", creds.user)),
        Err(e) => seen.failed(server_message(&e)),
    }
    match conn.query_first::<(String, String), _>(STATEMENTS[2]) {
        Ok(row) => seen.tls = Some(row.is_some_and(|(_, cipher)| !cipher.is_empty())),
        Err(e) => seen.failed(server_message(&e)),
    }
    match conn.query::<String, _>(STATEMENTS[3]) {
        Ok(tables) => seen.tables = Some(tables),
        Err(e) => seen.failed(server_message(&e)),
    }
    seen
}

/// The grant that makes the login a server administrator: ALL PRIVILEGES or SUPER on `*.*`.
fn admin_grant(grants: &[String]) -> Option<String> {
    grants.iter().find_map(|g| {
        let upper = g.to_ascii_uppercase();
        let global = upper.contains(" ON *.* ");
        let privs = upper.split(" ON ").next().unwrap_or("");
        let superuser = privs.contains("ALL PRIVILEGES")
            || privs.split([',', ' ']).any(|p| p.trim() == "SUPER");
        (global && superuser).then(|| {
            if privs.contains("ALL PRIVILEGES") {
                "ALL PRIVILEGES ON *.*".to_string()
            } else {
                "SUPER ON *.*".to_string()
            }
        })
    })
}

fn server_message(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => m.message.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_administrator_grants() {
        let g = |s: &[&str]| admin_grant(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>());
        assert_eq!(
            g(&["GRANT ALL PRIVILEGES ON *.* TO `root`@`localhost` WITH GRANT OPTION"]).as_deref(),
            Some("ALL PRIVILEGES ON *.*")
        );
        assert_eq!(
            g(&["GRANT SELECT, SUPER, PROCESS ON *.* TO `ops`@`%`"]).as_deref(),
            Some("SUPER ON *.*")
        );
        assert_eq!(
            g(&[
                "GRANT USAGE ON *.* TO `am`@`%`",
                "GRANT ALL PRIVILEGES ON `apim_db`.* TO `am`@`%`"
            ]),
            None
        );
        assert_eq!(g(&["GRANT SUPER_READ_ONLY ON *.* TO `x`@`%`"]), None);
    }
}
