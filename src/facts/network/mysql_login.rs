//! MySQL and MariaDB: the server's greeting (version, TLS offered) read before any login, then
//! one login as the product's Connector/J would open it (TLS per the JDBC URL's `sslMode` /
//! `useSSL`), then read-only statements.

use super::greeting;
use super::password::Credentials;
use super::session::{Seen, Target};
use mysql::prelude::Queryable;
use std::time::{Duration, Instant};

/// The statements run after login; none writes.
pub const STATEMENTS: &[&str] = &[
    "SELECT VERSION()",
    "SHOW GRANTS",
    "SHOW SESSION STATUS LIKE 'Ssl_cipher'",
    "SELECT UPPER(table_name) FROM information_schema.tables WHERE table_schema = DATABASE()",
];

/// Reads the greeting on a connection of its own, which then closes without logging in.
pub fn greet(t: &Target, until: Instant) -> Result<greeting::Greeting, String> {
    let mut stream = super::session::connect(&t.endpoint, until)?;
    let left = until
        .saturating_duration_since(Instant::now())
        .max(Duration::from_millis(1));
    stream
        .set_read_timeout(Some(left))
        .map_err(|e| e.to_string())?;
    greeting::mysql(&mut stream)
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
