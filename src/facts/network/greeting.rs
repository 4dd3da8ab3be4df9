//! Server versions read before any login, by hand from the published protocol specifications:
//! the MySQL/MariaDB initial handshake (`Protocol::HandshakeV10`, MySQL Client/Server Protocol,
//! "Connection Phase"; MariaDB "Connection" page) and the SQL Server PRELOGIN exchange
//! ([MS-TDS] 2.2.6.5 PRELOGIN). No credentials are sent by either.

use std::io::{Read, Write};

/// What a server says about itself before a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    /// `mysql`, `mariadb` or `mssql`.
    pub product: &'static str,
    /// The version as the server reports it, trimmed to numbers and dots (`10.11.19`).
    pub version: String,
    /// Whether the server offers TLS (MySQL `CLIENT_SSL`; TDS encryption other than NOT_SUP).
    pub tls_offered: bool,
}

/// `CLIENT_SSL` in the lower capability flags of HandshakeV10.
const CLIENT_SSL: u16 = 0x0800;

/// Reads one MySQL packet (3-byte little-endian length, sequence id) and parses the greeting.
pub fn mysql(stream: &mut impl Read) -> Result<Greeting, String> {
    let mut header = [0u8; 4];
    stream
        .read_exact(&mut header)
        .map_err(|e| format!("no greeting from the server: {}", io_text(&e)))?;
    let len = u32::from_le_bytes([header[0], header[1], header[2], 0]) as usize;
    if len > 1 << 16 {
        return Err(format!("a {len}-byte greeting is not a MySQL handshake"));
    }
    let mut payload = vec![0u8; len];
    stream
        .read_exact(&mut payload)
        .map_err(|e| format!("greeting cut short: {}", io_text(&e)))?;
    parse_mysql(&payload)
}

/// HandshakeV10: `0x0a`, server version (NUL-terminated), thread id (4), auth data part 1 (8),
/// filler (1), capability flags, lower 2 bytes. An `0xff` ERR packet carries code and message.
fn parse_mysql(p: &[u8]) -> Result<Greeting, String> {
    match p.first() {
        Some(0x0a) => {}
        Some(0xff) => {
            let msg = String::from_utf8_lossy(p.get(3..).unwrap_or_default());
            // Protocol 4.1 ERR: code (2), then `#` and a 5-character SQL state.
            let msg = msg
                .strip_prefix('#')
                .map_or(&*msg, |m| m.get(5..).unwrap_or(m));
            return Err(format!("the server refused the connection: {msg}"));
        }
        Some(v) => return Err(format!("protocol version {v} is not MySQL's HandshakeV10")),
        None => return Err("empty greeting".into()),
    }
    let nul = p[1..]
        .iter()
        .position(|b| *b == 0)
        .ok_or("greeting without a NUL-terminated server version")?;
    let raw = String::from_utf8_lossy(&p[1..1 + nul]).to_string();
    let at = 1 + nul + 1 + 4 + 8 + 1;
    let caps = p
        .get(at..at + 2)
        .map(|b| u16::from_le_bytes([b[0], b[1]]))
        .ok_or("greeting cut short before the capability flags")?;
    // MariaDB 10+ prefixes `5.5.5-` so that old clients accept it.
    let (product, version) = if raw.to_ascii_lowercase().contains("mariadb") {
        ("mariadb", raw.strip_prefix("5.5.5-").unwrap_or(&raw))
    } else {
        ("mysql", raw.as_str())
    };
    Ok(Greeting {
        product,
        version: numeric(version),
        tls_offered: caps & CLIENT_SSL != 0,
    })
}

/// A read error as a person reads it: a read timeout is "no answer in time", not EAGAIN.
pub(super) fn io_text(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => {
            "no answer within the run's network deadline".into()
        }
        _ => e.to_string(),
    }
}

/// The leading `1.2.3` of a version string.
pub fn numeric(v: &str) -> String {
    let end = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    v[..end].trim_end_matches('.').to_string()
}

/// [MS-TDS] 2.2.6.5: a PRELOGIN message (packet type 0x12) with VERSION (token 0x00, 6 bytes)
/// and ENCRYPTION (token 0x01, 1 byte: ENCRYPT_OFF, the client's usual offer).
fn prelogin_request() -> Vec<u8> {
    // Option table: token, offset (u16 BE), length (u16 BE); offsets count from the payload start.
    let options: [u8; 11] = [
        0x00, 0x00, 0x0b, 0x00, 0x06, 0x01, 0x00, 0x11, 0x00, 0x01, 0xff,
    ];
    let data: [u8; 7] = [0, 0, 0, 0, 0, 0, 0x00];
    let len = 8 + options.len() + data.len();
    // Header ([MS-TDS] 2.2.3): type, status 0x01 (end of message), length (BE), SPID, packet id, window.
    let mut msg = vec![0x12, 0x01, (len >> 8) as u8, len as u8, 0, 0, 1, 0];
    msg.extend_from_slice(&options);
    msg.extend_from_slice(&data);
    msg
}

/// Sends PRELOGIN and reads the server's PRELOGIN response (packet type 0x04).
pub fn mssql(stream: &mut (impl Read + Write)) -> Result<Greeting, String> {
    stream
        .write_all(&prelogin_request())
        .map_err(|e| format!("PRELOGIN not sent: {e}"))?;
    let mut header = [0u8; 8];
    stream
        .read_exact(&mut header)
        .map_err(|e| format!("no PRELOGIN response: {}", io_text(&e)))?;
    let len = u16::from_be_bytes([header[2], header[3]]) as usize;
    if header[0] != 0x04 || len < 8 {
        return Err(format!(
            "packet type {:#04x} of {len} bytes is not a TDS PRELOGIN response",
            header[0]
        ));
    }
    let mut payload = vec![0u8; len - 8];
    stream
        .read_exact(&mut payload)
        .map_err(|e| format!("PRELOGIN response cut short: {e}"))?;
    parse_prelogin(&payload)
}

/// The PRELOGIN response payload: option tokens until 0xFF; VERSION is major, minor, build (u16
/// BE), sub-build; ENCRYPTION 0x02 is ENCRYPT_NOT_SUP.
fn parse_prelogin(p: &[u8]) -> Result<Greeting, String> {
    let mut version = None;
    let mut encryption = None;
    let mut i = 0;
    while let Some(&token) = p.get(i) {
        if token == 0xff {
            break;
        }
        let opt = p
            .get(i + 1..i + 5)
            .ok_or("PRELOGIN option table cut short")?;
        let off = u16::from_be_bytes([opt[0], opt[1]]) as usize;
        let len = u16::from_be_bytes([opt[2], opt[3]]) as usize;
        let data = p
            .get(off..off + len)
            .ok_or("PRELOGIN option points outside the message")?;
        match token {
            0x00 if len >= 4 => {
                let build = u16::from_be_bytes([data[2], data[3]]);
                version = Some(format!("{}.{}.{build}", data[0], data[1]));
            }
            0x01 if len >= 1 => encryption = Some(data[0]),
            _ => {}
        }
        i += 5;
    }
    Ok(Greeting {
        product: "mssql",
        version: version.ok_or("PRELOGIN response without VERSION")?,
        tls_offered: encryption.ok_or("PRELOGIN response without ENCRYPTION")? != 0x02,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A HandshakeV10 as MariaDB 10.11 sends it (layout from the MySQL protocol documentation).
    fn handshake(version: &str, caps: u16) -> Vec<u8> {
        let mut p = vec![0x0a];
        p.extend_from_slice(version.as_bytes());
        p.push(0);
        p.extend_from_slice(&7u32.to_le_bytes());
        p.extend_from_slice(b"abcdefgh");
        p.push(0);
        p.extend_from_slice(&caps.to_le_bytes());
        p.extend_from_slice(&[0x2d, 0x02, 0x00]);
        p
    }

    #[test]
    fn mysql_and_mariadb_greetings_built_from_the_protocol_spec_layout() {
        let g = parse_mysql(&handshake("5.5.5-10.11.19-MariaDB-0+deb12u1", 0xfffe)).unwrap();
        assert_eq!(
            (g.product, g.version.as_str(), g.tls_offered),
            ("mariadb", "10.11.19", true)
        );
        let g = parse_mysql(&handshake("8.4.3", 0xf7fe)).unwrap();
        assert_eq!(
            (g.product, g.version.as_str(), g.tls_offered),
            ("mysql", "8.4.3", false)
        );
        let g = parse_mysql(&handshake("5.7.44-log", 0xffff)).unwrap();
        assert_eq!(g.version, "5.7.44");
        // ERR 1130 "Host … is not allowed to connect" (no SQL state before the handshake).
        let mut err = vec![0xff, 0x6a, 0x04];
        err.extend_from_slice(b"Host '10.0.0.9' is not allowed to connect to this MariaDB server");
        assert_eq!(
            parse_mysql(&err).unwrap_err(),
            "the server refused the connection: Host '10.0.0.9' is not allowed to connect to this MariaDB server"
        );
        assert!(parse_mysql(&[0x09, b'x']).is_err());
        assert!(parse_mysql(&handshake("8.0", 0)[..8]).is_err());
    }

    /// A PRELOGIN response laid out byte by byte as [MS-TDS] 2.2.6.5 specifies (option table,
    /// terminator, data): no SQL Server is available to the tests, so the reader is tested
    /// against spec-built bytes, not a server.
    #[test]
    fn mssql_prelogin_response_bytes_built_from_the_ms_tds_spec_no_server() {
        let payload: [u8; 38] = [
            0x00, 0x00, 0x1a, 0x00, 0x06, // VERSION at 26, 6 bytes
            0x01, 0x00, 0x20, 0x00, 0x01, // ENCRYPTION at 32, 1 byte
            0x02, 0x00, 0x21, 0x00, 0x01, // INSTOPT at 33, 1 byte
            0x03, 0x00, 0x22, 0x00, 0x00, // THREADID at 34, 0 bytes
            0x04, 0x00, 0x22, 0x00, 0x01, // MARS at 34, 1 byte
            0xff, // terminator
            0x09, 0x00, 0x05, 0x77, 0x00, 0x00, // 9.0.1399.0
            0x00, // ENCRYPT_OFF
            0x00, // INSTOPT
            0x00, // MARS
            0x00, 0x00, 0x00,
        ];
        let g = parse_prelogin(&payload).unwrap();
        assert_eq!(
            (g.product, g.version.as_str(), g.tls_offered),
            ("mssql", "9.0.1399", true)
        );
        let mut not_sup = payload;
        not_sup[32] = 0x02;
        assert!(!parse_prelogin(&not_sup).unwrap().tls_offered);
        assert!(parse_prelogin(&payload[..7]).is_err());
        let req = prelogin_request();
        assert_eq!((req[0], req.len()), (0x12, 26));
        assert_eq!(u16::from_be_bytes([req[2], req[3]]) as usize, req.len());
    }
}
