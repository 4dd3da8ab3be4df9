//! The EXCSAT reader against byte sequences laid out by hand from the DRDA specification (Vol. 3,
//! DDM terms DSS, EXCSATRD, SRVRLSLV, SRVCLSNM): no DB2 server is available to the tests.

use super::*;
use std::io::Cursor;

/// EBCDIC (CCSID 500) `SQL11058`: Db2 11.5.8 for Linux, UNIX and Windows.
const SQL11058: [u8; 8] = [0xE2, 0xD8, 0xD3, 0xF1, 0xF1, 0xF0, 0xF5, 0xF8];
/// EBCDIC `QDB2/LINUXX8664`, Db2 LUW's server class on x86-64 Linux.
const QDB2_LINUX: [u8; 15] = [
    0xD8, 0xC4, 0xC2, 0xF2, 0x61, 0xD3, 0xC9, 0xD5, 0xE4, 0xE7, 0xE7, 0xF8, 0xF6, 0xF6, 0xF4,
];

/// An EXCSATRD as a DB2 server sends it: OBJDSS header (length 0x58, 0xD0, format 0x03,
/// correlation 1), the EXCSATRD object (length 0x52, 0x1443) and its parameters EXTNAM,
/// MGRLVLLS, SRVCLSNM, SRVNAM and SRVRLSLV, every length counted by hand.
fn excsatrd_from_the_spec() -> Vec<u8> {
    let mut b = vec![0x00, 0x58, 0xD0, 0x03, 0x00, 0x01, 0x00, 0x52, 0x14, 0x43];
    // EXTNAM `db2sysc`, 4 + 7 bytes.
    b.extend([
        0x00, 0x0B, 0x11, 0x5E, 0x84, 0x82, 0xF2, 0xA2, 0xA8, 0xA2, 0x83,
    ]);
    // MGRLVLLS: AGENT 10, SQLAM 11, CMNTCPIP 8, RDB 12, SECMGR 10; 4 + 20 bytes.
    b.extend([0x00, 0x18, 0x14, 0x04]);
    b.extend([0x14, 0x03, 0x00, 0x0A, 0x24, 0x07, 0x00, 0x0B, 0x14, 0x74]);
    b.extend([0x00, 0x08, 0x24, 0x0F, 0x00, 0x0C, 0x14, 0x40, 0x00, 0x0A]);
    // SRVCLSNM, 4 + 15 bytes.
    b.extend([0x00, 0x13, 0x11, 0x47]);
    b.extend(QDB2_LINUX);
    // SRVNAM `DB2INST1`, 4 + 8 bytes.
    b.extend([
        0x00, 0x0C, 0x11, 0x6D, 0xC4, 0xC2, 0xF2, 0xC9, 0xD5, 0xE2, 0xE3, 0xF1,
    ]);
    // SRVRLSLV, 4 + 8 bytes.
    b.extend([0x00, 0x0C, 0x11, 0x5A]);
    b.extend(SQL11058);
    assert_eq!(b.len(), 0x58);
    b
}

/// A socket stand-in: reads come from `reply`, writes are kept.
struct Wire {
    reply: Cursor<Vec<u8>>,
    sent: Vec<u8>,
}

impl Read for Wire {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        self.reply.read(buf)
    }
}

impl Write for Wire {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.sent.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn over_the_wire(reply: Vec<u8>) -> (Result<Excsat, String>, Vec<u8>) {
    let mut wire = Wire {
        reply: Cursor::new(reply),
        sent: Vec::new(),
    };
    (db2(&mut wire), wire.sent)
}

#[test]
fn db2_release_read_from_an_excsatrd_built_from_the_drda_specification() {
    let (got, _) = over_the_wire(excsatrd_from_the_spec());
    assert_eq!(
        got.unwrap(),
        Excsat {
            product: "db2",
            version: "11.5.8".into(),
            release_level: "SQL11058".into(),
            class_name: Some("QDB2/LINUXX8664".into()),
        }
    );
}

#[test]
fn excsat_request_is_laid_out_as_the_drda_specification_says() {
    let (_, sent) = over_the_wire(excsatrd_from_the_spec());
    // DSS: total length, 0xD0, RQSDSS not chained, correlation 1.
    assert_eq!(u16::from_be_bytes([sent[0], sent[1]]) as usize, sent.len());
    assert_eq!(&sent[2..6], &[0xD0, 0x01, 0x00, 0x01]);
    // One EXCSAT object filling the DSS.
    assert_eq!(
        u16::from_be_bytes([sent[6], sent[7]]) as usize,
        sent.len() - 6
    );
    assert_eq!(&sent[8..10], &[0x10, 0x41]);
    let params = parameters(&sent[10..]).unwrap();
    let cps: Vec<u16> = params.iter().map(|(cp, _)| *cp).collect();
    assert_eq!(cps, [0x115E, 0x116D, 0x1147, 0x1404]);
    // EXTNAM is `preflight` in EBCDIC; no user, password or RDB name is sent.
    let preflight = [0x97, 0x99, 0x85, 0x86, 0x93, 0x89, 0x87, 0x88, 0xA3];
    assert_eq!(params[0].1, preflight);
    assert_eq!(params[3].1.len() % 4, 0);
    assert_eq!(&params[3].1[..4], &[0x14, 0x03, 0x00, 0x07]);
    assert!(
        !params
            .iter()
            .any(|(cp, _)| [0x11A0, 0x11A1, 0x2110].contains(cp))
    );
}

#[test]
fn release_levels_of_db2_for_luw_z_os_and_i_and_an_ascii_reply() {
    assert_eq!(
        release_level("SQL12010", None),
        Ok(("db2", "12.1.0".into()))
    );
    assert_eq!(
        release_level("DSN12015", Some("DB2")),
        Ok(("db2-zos", "12.1.5".into()))
    );
    assert_eq!(
        release_level("QSQ07050", Some("QAS")),
        Ok(("db2-i", "7.5.0".into()))
    );
    // A server that answers in ASCII/UTF-8 is read as such.
    let mut reply = excsatrd_from_the_spec();
    let at = reply.len() - 8;
    reply[at..].copy_from_slice(b"SQL11059");
    assert_eq!(over_the_wire(reply).0.unwrap().version, "11.5.9");
}

/// Each malformed reply is an error saying what was wrong.
#[test]
fn malformed_excsatrd_replies_are_errors_that_say_what_was_wrong() {
    let good = excsatrd_from_the_spec();
    let with = |f: &dyn Fn(&mut Vec<u8>)| {
        let mut b = good.clone();
        f(&mut b);
        over_the_wire(b).0.unwrap_err()
    };
    let cases: Vec<(String, &str)> = vec![
        (with(&|b| b.truncate(0)), "no reply to EXCSAT"),
        (with(&|b| b.truncate(40)), "EXCSATRD cut short"),
        (with(&|b| b[2] = b'T'), "does not speak DRDA"),
        (with(&|b| b[0] = 0x80), "continued DSS"),
        (with(&|b| b[3] = 0x01), "DSS type 1 is not a reply"),
        (with(&|b| b[5] = 0x07), "correlation id 7"),
        (with(&|b| b[7] = 0x51), "does not fill its 82-byte DSS"),
        (with(&|b| b[11] = 0x60), "claims 96 bytes, 78 are left"),
        (
            with(&|b| b[8..10].copy_from_slice(&[0x12, 0x50])),
            "CMDNSPRM",
        ),
        (with(&|b| b[79] = 0x5B), "without SRVRLSLV"),
        (
            with(&|b| b[80] = 0xC3),
            "SRVRLSLV `CQL11058` (SRVCLSNM `QDB2/LINUXX8664`)",
        ),
        (with(&|b| b[84] = 0xC1), "is not `pppvvrrm`"),
        (with(&|b| b[85] = 0xFF), "SRVRLSLV byte 5 (0xff)"),
        (
            over_the_wire(vec![0x00, 0x06, 0xD0, 0x03, 0x00, 0x01])
                .0
                .unwrap_err(),
            "too short",
        ),
    ];
    for (err, want) in cases {
        assert!(err.contains(want), "`{err}` does not say `{want}`");
    }
}

#[test]
fn ebcdic_invariant_characters_round_trip() {
    let s = "QDB2/LINUXX8664 db2inst1 SQL11058 a.b-c_d:e#f@g";
    let e = to_ebcdic(s);
    assert_eq!(e.len(), s.len());
    assert_eq!(text(&e, "x").unwrap(), s);
    assert_eq!(text(&QDB2_LINUX, "x").unwrap(), "QDB2/LINUXX8664");
}

/// Every truncation and every single-byte change of the specification's reply gives an answer
/// (a release or an error), never a panic: the reader's bounds hold for whatever a server sends.
#[test]
fn every_truncated_or_altered_excsatrd_is_answered_without_a_panic() {
    let good = excsatrd_from_the_spec();
    for cut in 0..good.len() {
        assert!(
            over_the_wire(good[..cut].to_vec()).0.is_err(),
            "cut at {cut}"
        );
    }
    for at in 0..good.len() {
        for byte in [0x00, 0x01, 0x7F, 0x80, 0xD0, 0xFF] {
            let mut b = good.clone();
            b[at] = byte;
            let _ = over_the_wire(b);
        }
    }
}
