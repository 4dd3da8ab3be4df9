//! What one live login is aimed at and what it saw, the TCP connect under the run's deadline,
//! and the TLS verifier that accepts any certificate (for drivers that verify nothing): shared
//! by the live checks and the PostgreSQL and MySQL logins.

use super::jdbc::Endpoint;
use super::password::{Credentials, Unresolved};
use super::trust::{CertCheck, CertPlan};
use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

/// One datasource to log in to.
pub struct Target {
    pub id: String,
    /// deployment.toml's type vocabulary: postgre, mysql, mariadb, mssql, oracle, db2.
    pub kind: String,
    pub endpoint: Endpoint,
    /// The database named in the JDBC URL.
    pub database: Option<String>,
    /// JDBC URL parameters, keys lower-cased.
    pub(super) params: Vec<(String, String)>,
    pub(super) creds: Result<Credentials, Unresolved>,
    /// How the product's driver checks the server's certificate.
    pub(super) cert: CertPlan,
}

impl Target {
    /// A JDBC URL parameter by case-insensitive name, its value lower-cased.
    pub fn param(&self, name: &str) -> Option<String> {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_ascii_lowercase())
    }

    /// A JDBC URL parameter as written (a path, a URL), empty when absent.
    pub fn raw_param(&self, name: &str) -> String {
        self.params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }
}

/// What one datasource's server showed.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    /// postgresql, mysql, mariadb, mssql, db2 (db2-zos, db2-i).
    pub product: Option<String>,
    pub version: Option<String>,
    /// What else the server says it is: DB2's server class (SRVCLSNM, `QDB2/LINUXX8664`).
    pub platform: Option<String>,
    pub tls_offered: Option<bool>,
    /// `Ok(user)` logged in, `Err(server's reason)`; `None` when not tried.
    pub login: Option<Result<String, String>>,
    /// Why no login was tried.
    pub not_tried: Option<Unresolved>,
    /// How the login is a server administrator, if it is.
    pub admin: Option<String>,
    /// Whether the session the product would open is encrypted.
    pub tls: Option<bool>,
    /// Tables of the login's schema, upper case.
    pub tables: Option<Vec<String>>,
    /// Statements that failed after login.
    pub errors: Vec<String>,
    /// The certificate check of the TLS connection, when TLS was attempted.
    pub cert: Option<CertCheck>,
}

impl Seen {
    pub fn failed(&mut self, why: String) {
        self.errors.push(why);
    }
}

/// A TCP connection under the deadline (names resolved on this thread: the caller's thread is
/// abandoned if the resolver hangs).
pub fn connect(ep: &Endpoint, until: Instant) -> Result<TcpStream, String> {
    let addrs = (ep.host.as_str(), ep.port)
        .to_socket_addrs()
        .map_err(|e| format!("{} not resolved: {e}", ep.host))?;
    let mut last = format!("{} has no address", ep.host);
    for addr in addrs {
        let left = until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(format!("{ep}: timed out"));
        }
        match TcpStream::connect_timeout(&addr, left) {
            Ok(s) => return Ok(s),
            Err(e) => last = format!("{ep}: {e}"),
        }
    }
    Err(last)
}

/// A connection every read and write of which ends by the run's deadline: the time left is set
/// as the socket's timeout before each one, so a server that trickles a byte at a time cannot
/// stretch a greeting or a handshake past it (one timeout set once bounds each read, not all).
pub struct Deadlined<'s> {
    stream: &'s mut TcpStream,
    until: Instant,
}

impl<'s> Deadlined<'s> {
    pub fn new(stream: &'s mut TcpStream, until: Instant) -> Deadlined<'s> {
        Deadlined { stream, until }
    }

    fn left(&self) -> io::Result<Duration> {
        let left = self.until.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the run's deadline passed",
            ));
        }
        Ok(left)
    }
}

impl Read for Deadlined<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.left()?;
        self.stream.set_read_timeout(Some(left))?;
        self.stream.read(buf)
    }
}

impl Write for Deadlined<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let left = self.left()?;
        self.stream.set_write_timeout(Some(left))?;
        self.stream.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.flush()
    }
}
