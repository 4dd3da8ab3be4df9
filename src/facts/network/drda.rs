//! DB2's server release read before any login, by hand from the Open Group DRDA specification,
//! Volume 3 "Distributed Data Management (DDM) Architecture" (DRDA V5). DDM is a dictionary of
//! terms; the sections followed here are its terms DSS (the 6-byte header), EXCSAT (Exchange
//! Server Attributes, codepoint 0x1041), EXCSATRD (Server Attributes Reply Data, 0x1443),
//! EXTNAM, SRVNAM, SRVCLSNM, MGRLVLLS, SRVRLSLV and PRDID (the `pppvvrrm` release format).
//! One EXCSAT goes out and one EXCSATRD is read back; EXCSAT comes before ACCSEC/SECCHK, so no
//! user or password is sent. The byte layout was cross-checked (not copied) against pydrda
//! (nakagami/pydrda d10c67a drda/ddm.py: `packEXCSAT`, `read_dss`).

use super::greeting::io_text;
use std::io::{Read, Write};

/// DDM codepoints (each DDM term's "codepoint").
const EXCSAT: u16 = 0x1041;
const EXCSATRD: u16 = 0x1443;
const EXTNAM: u16 = 0x115E;
const SRVNAM: u16 = 0x116D;
const SRVCLSNM: u16 = 0x1147;
const SRVRLSLV: u16 = 0x115A;
const MGRLVLLS: u16 = 0x1404;
/// DSS: the byte after the length is always 0xD0 (DDM term DSS, "C-byte").
const DSS_MAGIC: u8 = 0xD0;
/// The correlation id of our one request DSS; the reply carries it back.
const CORRELATION: u16 = 1;
/// MGRLVLLS: (manager, level) pairs the request offers: AGENT 7, SQLAM 7, CMNTCPIP 5, RDB 7,
/// SECMGR 7. No UNICODEMGR, so the server answers in its default EBCDIC (CCSID 500).
const MANAGERS: [(u16, u16); 5] = [
    (0x1403, 7),
    (0x2407, 7),
    (0x1474, 5),
    (0x240F, 7),
    (0x1440, 7),
];

/// What a DB2 server says about itself in EXCSATRD.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Excsat {
    /// `db2` (Db2 for Linux, UNIX and Windows: PRDID `SQL`), `db2-zos` (`DSN`), `db2-i` (`QSQ`).
    pub product: &'static str,
    /// The release as `version.release.modification` (`SQL11058` is `11.5.8`).
    pub version: String,
    /// SRVRLSLV as sent (`SQL11058`).
    pub release_level: String,
    /// SRVCLSNM (`QDB2/LINUXX8664`), when the server sends it.
    pub class_name: Option<String>,
}

/// Sends EXCSAT and reads the EXCSATRD reply (the caller sets the read timeout).
pub fn db2(stream: &mut (impl Read + Write)) -> Result<Excsat, String> {
    stream
        .write_all(&excsat_request())
        .map_err(|e| format!("EXCSAT not sent: {e}"))?;
    let mut header = [0u8; 6];
    stream
        .read_exact(&mut header)
        .map_err(|e| format!("no reply to EXCSAT: {}", io_text(&e)))?;
    let len = dss_length(&header)?;
    let mut body = vec![0u8; len - header.len()];
    stream
        .read_exact(&mut body)
        .map_err(|e| format!("EXCSATRD cut short: {}", io_text(&e)))?;
    parse_reply(&body)
}

/// One DDM parameter or object: 2-byte length (itself included), 2-byte codepoint, data.
fn ddm(codepoint: u16, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(4 + data.len());
    out.extend_from_slice(&((4 + data.len()) as u16).to_be_bytes());
    out.extend_from_slice(&codepoint.to_be_bytes());
    out.extend_from_slice(data);
    out
}

/// A request DSS (format 0x01 RQSDSS, not chained) holding EXCSAT with EXTNAM, SRVNAM,
/// SRVCLSNM (EBCDIC `preflight`) and MGRLVLLS.
fn excsat_request() -> Vec<u8> {
    let name = to_ebcdic("preflight");
    let levels: Vec<u8> = MANAGERS
        .iter()
        .flat_map(|(m, l)| [m.to_be_bytes(), l.to_be_bytes()].concat())
        .collect();
    let mut params = ddm(EXTNAM, &name);
    params.extend(ddm(SRVNAM, &name));
    params.extend(ddm(SRVCLSNM, &name));
    params.extend(ddm(MGRLVLLS, &levels));
    let object = ddm(EXCSAT, &params);
    let mut dss = ((6 + object.len()) as u16).to_be_bytes().to_vec();
    dss.extend_from_slice(&[DSS_MAGIC, 0x01]);
    dss.extend_from_slice(&CORRELATION.to_be_bytes());
    dss.extend(object);
    dss
}

/// The DSS header of the reply: its total length, after checking it is a DRDA reply.
fn dss_length(h: &[u8; 6]) -> Result<usize, String> {
    if h[2] != DSS_MAGIC {
        return Err(format!(
            "byte {:#04x} where a DRDA reply has 0xd0: the server does not speak DRDA (not DB2)",
            h[2]
        ));
    }
    let len = u16::from_be_bytes([h[0], h[1]]) as usize;
    if len & 0x8000 != 0 {
        return Err("a continued DSS (over 32,767 bytes) is not an EXCSATRD".into());
    }
    // Format: 2 RPYDSS, 3 OBJDSS (EXCSATRD is reply data, sent as an object).
    let format = h[3] & 0x0f;
    if !(2..=3).contains(&format) {
        return Err(format!("DSS type {format} is not a reply"));
    }
    let correlation = u16::from_be_bytes([h[4], h[5]]);
    if correlation != CORRELATION {
        return Err(format!(
            "reply correlation id {correlation} does not match EXCSAT's {CORRELATION}"
        ));
    }
    if len < 10 {
        return Err(format!(
            "a {len}-byte DSS is too short to hold a DDM object"
        ));
    }
    Ok(len)
}

/// The DSS body: one DDM object, EXCSATRD, whose parameters name the server's release.
fn parse_reply(body: &[u8]) -> Result<Excsat, String> {
    let (codepoint, params) = object(body)?;
    if codepoint != EXCSATRD {
        return Err(format!(
            "the server answered EXCSAT with {} instead of EXCSATRD",
            reply_name(codepoint)
        ));
    }
    let (mut release, mut class) = (None, None);
    for (cp, data) in parameters(params)? {
        match cp {
            SRVRLSLV => release = Some(text(data, "SRVRLSLV")?),
            SRVCLSNM => class = Some(text(data, "SRVCLSNM")?),
            _ => {}
        }
    }
    let release = release.ok_or("EXCSATRD without SRVRLSLV (the server's release level)")?;
    let (product, version) = release_level(&release, class.as_deref())?;
    Ok(Excsat {
        product,
        version,
        release_level: release,
        class_name: class,
    })
}

/// The one DDM object filling a DSS body: its codepoint and its parameters' bytes.
fn object(body: &[u8]) -> Result<(u16, &[u8]), String> {
    let head = body.get(..4).ok_or("DSS body shorter than a DDM header")?;
    let len = u16::from_be_bytes([head[0], head[1]]) as usize;
    if len & 0x8000 != 0 {
        return Err("an extended-length DDM object is not an EXCSATRD".into());
    }
    if len != body.len() {
        return Err(format!(
            "DDM object length {len} does not fill its {}-byte DSS",
            body.len()
        ));
    }
    Ok((u16::from_be_bytes([head[2], head[3]]), &body[4..]))
}

/// Every (codepoint, data) parameter, each length checked against what is left.
fn parameters(mut p: &[u8]) -> Result<Vec<(u16, &[u8])>, String> {
    let mut out = Vec::new();
    while !p.is_empty() {
        let head = p
            .get(..4)
            .ok_or("EXCSATRD ends inside a parameter header")?;
        let len = u16::from_be_bytes([head[0], head[1]]) as usize;
        let cp = u16::from_be_bytes([head[2], head[3]]);
        if len < 4 || len > p.len() {
            return Err(format!(
                "EXCSATRD parameter {cp:#06x} claims {len} bytes, {} are left",
                p.len()
            ));
        }
        out.push((cp, &p[4..len]));
        p = &p[len..];
    }
    Ok(out)
}

/// Reply messages a server sends instead of EXCSATRD (DDM terms of the same names).
fn reply_name(cp: u16) -> String {
    let name = match cp {
        0x1210 => "MGRLVLRM (manager level conflict)",
        0x1232 => "AGNPRMRM (permanent agent error)",
        0x1245 => "PRCCNVRM (conversational protocol error)",
        0x124C => "SYNTAXRM (data stream syntax error)",
        0x1250 => "CMDNSPRM (command not supported)",
        0x1251 => "PRMNSPRM (parameter not supported)",
        0x1252 => "VALNSPRM (parameter value not supported)",
        _ => return format!("codepoint {cp:#06x}"),
    };
    format!("{name}, codepoint {cp:#06x},")
}

/// PRDID's `pppvvrrm`: product id, 2-digit version, 2-digit release, 1-digit modification.
fn release_level(s: &str, class: Option<&str>) -> Result<(&'static str, String), String> {
    let product = match s.get(..3) {
        Some("SQL") => "db2",
        Some("DSN") => "db2-zos",
        Some("QSQ") => "db2-i",
        _ => {
            return Err(format!(
                "SRVRLSLV `{s}` (SRVCLSNM `{}`) is not a DB2 server's release level",
                class.unwrap_or("not sent")
            ));
        }
    };
    let digits = s
        .get(3..8)
        .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| format!("SRVRLSLV `{s}` is not `pppvvrrm` (as `SQL11058`)"))?;
    let n = |r: std::ops::Range<usize>| digits[r].parse::<u32>().unwrap_or_default();
    Ok((product, format!("{}.{}.{}", n(0..2), n(2..4), n(4..5))))
}

/// A character parameter: printable ASCII as is (a server that negotiated UTF-8), otherwise
/// EBCDIC, DDM's default for character data; trailing blanks and NULs dropped.
fn text(b: &[u8], what: &str) -> Result<String, String> {
    let s = if b.iter().all(|c| (0x20..0x7f).contains(c)) {
        String::from_utf8_lossy(b).into_owned()
    } else {
        b.iter()
            .enumerate()
            .map(|(i, &c)| {
                from_ebcdic(c).ok_or_else(|| {
                    format!("{what} byte {i} ({c:#04x}) is not an EBCDIC letter, digit or sign")
                })
            })
            .collect::<Result<String, String>>()?
    };
    Ok(s.trim_end_matches([' ', '\0']).to_string())
}

/// EBCDIC's invariant characters, the same in CCSID 500 and 037 (and the other Latin EBCDIC
/// code pages): NUL, space, letters, digits and the signs a name or release level holds.
fn from_ebcdic(c: u8) -> Option<char> {
    let offset = |base: u8, first: char| char::from(first as u8 + (c - base));
    Some(match c {
        0x00 => '\0',
        0x40 => ' ',
        0x81..=0x89 => offset(0x81, 'a'),
        0x91..=0x99 => offset(0x91, 'j'),
        0xA2..=0xA9 => offset(0xA2, 's'),
        0xC1..=0xC9 => offset(0xC1, 'A'),
        0xD1..=0xD9 => offset(0xD1, 'J'),
        0xE2..=0xE9 => offset(0xE2, 'S'),
        0xF0..=0xF9 => offset(0xF0, '0'),
        _ => {
            let signs = b".<(+&*);-/,%_>?:#@'=\"";
            let codes = [
                0x4B, 0x4C, 0x4D, 0x4E, 0x50, 0x5C, 0x5D, 0x5E, 0x60, 0x61, 0x6B, 0x6C, 0x6D, 0x6E,
                0x6F, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F,
            ];
            char::from(signs[codes.iter().position(|&x| x == c)?])
        }
    })
}

/// The reverse of `from_ebcdic`, for the request's names (characters outside it are dropped).
fn to_ebcdic(s: &str) -> Vec<u8> {
    s.chars()
        .filter_map(|ch| (0..=255u8).find(|&c| c != 0 && from_ebcdic(c) == Some(ch)))
        .collect()
}

#[cfg(test)]
mod tests;
