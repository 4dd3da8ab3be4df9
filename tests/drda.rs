//! DB2's release read before login (DRDA EXCSAT) and Oracle's reason, end to end through the
//! binary. No DB2 or Oracle server is available: a loopback server answers EXCSAT with an
//! EXCSATRD laid out byte by byte from the DRDA specification (Vol. 3, DDM terms DSS, EXCSATRD,
//! SRVCLSNM, SRVRLSLV), one accepts and never answers, and an Oracle port counts connections.

mod common;
use common::*;
use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const PASSWORD: &str = "db2-secret-pw";

/// EXCSATRD from the DRDA specification: OBJDSS header (length 0x35, 0xD0, format 0x03,
/// correlation 1), EXCSATRD (length 0x2F, 0x1443) with SRVCLSNM `QDB2/LINUXX8664`, SRVNAM
/// `DB2INST1` and SRVRLSLV `SQL11058`, all EBCDIC (CCSID 500).
fn excsatrd() -> Vec<u8> {
    let mut b = vec![0x00, 0x35, 0xD0, 0x03, 0x00, 0x01, 0x00, 0x2F, 0x14, 0x43];
    b.extend([0x00, 0x13, 0x11, 0x47]);
    b.extend([
        0xD8, 0xC4, 0xC2, 0xF2, 0x61, 0xD3, 0xC9, 0xD5, 0xE4, 0xE7, 0xE7, 0xF8, 0xF6, 0xF6, 0xF4,
    ]);
    b.extend([
        0x00, 0x0C, 0x11, 0x6D, 0xC4, 0xC2, 0xF2, 0xC9, 0xD5, 0xE2, 0xE3, 0xF1,
    ]);
    b.extend([
        0x00, 0x0C, 0x11, 0x5A, 0xE2, 0xD8, 0xD3, 0xF1, 0xF1, 0xF0, 0xF5, 0xF8,
    ]);
    assert_eq!(b.len(), 0x35);
    b
}

/// A loopback DB2 stand-in: reads one request DSS per connection, keeps it, answers EXCSATRD.
fn fake_db2() -> (u16, Arc<Mutex<Vec<Vec<u8>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let kept = seen.clone();
    std::thread::spawn(move || {
        for mut s in listener.incoming().flatten() {
            let mut header = [0u8; 6];
            if s.read_exact(&mut header).is_err() {
                continue;
            }
            let len = u16::from_be_bytes([header[0], header[1]]) as usize;
            let mut body = vec![0u8; len.saturating_sub(6)];
            let _ = s.read_exact(&mut body);
            kept.lock().unwrap().push([&header[..], &body].concat());
            let _ = s.write_all(&excsatrd());
        }
    });
    (port, seen)
}

fn db2_toml(port: u16) -> String {
    ["apim_db", "shared_db"]
        .iter()
        .map(|id| {
            format!(
                "[database.{id}]\ntype = \"db2\"\nurl = \"jdbc:db2://127.0.0.1:{port}/APIMDB\"\nusername = \"db2inst1\"\npassword = \"{PASSWORD}\"\n\n"
            )
        })
        .collect()
}

fn args<'a>(home: &'a std::path::Path, only: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["--product-home", home.to_str().unwrap(), "--timeout", "4"];
    for id in only {
        args.extend(["--only", *id]);
    }
    args
}

#[test]
fn db2_release_read_from_excsat_on_a_loopback_server_answering_bytes_from_the_drda_specification() {
    let (port, requests) = fake_db2();
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.6.0", &db2_toml(port));
    let only = ["db.version.tested", "db.login"];
    let (code, r) = check_json(&args(&home, &only));
    assert_eq!(code, 1, "{r:#}");
    let tested = result(&r, "db.version.tested");
    assert_eq!(tested["status"], "warn", "{r:#}");
    let msg = tested["message"].as_str().unwrap();
    assert!(
        msg.starts_with("apim_db db2 11.5.8, shared_db db2 11.5.8; expected"),
        "{msg}"
    );
    let login = result(&r, "db.login");
    assert_eq!(login["status"], "error", "{r:#}");
    assert!(
        login.to_string().contains(
            "preflight has no DB2 client: it reads the release from EXCSAT but does not log in"
        ),
        "{login:#}"
    );
    // One EXCSAT (codepoint 0x1041) per datasource, and nothing of the login in it.
    let requests = requests.lock().unwrap().clone();
    assert_eq!(requests.len(), 2);
    for req in &requests {
        assert_eq!(&req[2..4], &[0xD0, 0x01]);
        assert_eq!(&req[8..10], &[0x10, 0x41]);
        assert_absent("the EXCSAT request", req, &[PASSWORD, "db2inst1"]);
    }
}

#[test]
fn db2_facts_replay_gives_the_same_verdicts_and_carry_no_password() {
    let (port, _) = fake_db2();
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.2.0", &db2_toml(port));
    let stdout = facts_stdout(&["--timeout", "4", "--product-home", home.to_str().unwrap()]);
    assert_absent("the facts file", &stdout, &[PASSWORD]);
    let text = String::from_utf8(stdout).unwrap();
    assert!(
        text.contains("apim_db: db2 11.5.8 (QDB2/LINUXX8664) at 127.0.0.1:"),
        "db.servers"
    );
    let facts = dir.path().join("facts.json");
    std::fs::write(&facts, &text).unwrap();
    let only = ["db.version.tested", "db.login"];
    let mut a = args(&home, &only);
    let (_, live) = check_json(&a);
    a.extend(["--facts", facts.to_str().unwrap()]);
    let (_, replayed) = check_json(&a);
    for id in only {
        for field in ["status", "message", "observed", "reason"] {
            assert_eq!(
                result(&live, id)[field],
                result(&replayed, id)[field],
                "{id}"
            );
        }
    }
    assert_eq!(result(&replayed, "db.version.tested")["status"], "warn");
}

/// A DB2 port that accepts and never answers EXCSAT costs the deadline, not a hang, and says so.
#[test]
fn a_db2_server_that_never_answers_excsat_costs_at_most_the_deadline() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.6.0", &db2_toml(port));
    let started = Instant::now();
    let (code, r) = check_json(&args(&home, &["db.version.tested"]));
    let took = started.elapsed();
    assert!(took < Duration::from_secs(6), "took {took:?}");
    assert_eq!(code, 1, "{r:#}");
    let tested = result(&r, "db.version.tested");
    assert_eq!(tested["status"], "error", "{r:#}");
    assert!(
        tested["reason"]
            .as_str()
            .unwrap()
            .ends_with("no answer within the run's network deadline"),
        "{tested:#}"
    );
    drop(silent);
}

/// Oracle's version needs a login, which preflight cannot make: no connection is opened and the
/// reason says why.
#[test]
fn oracle_is_not_contacted_and_db_version_tested_says_its_version_needs_a_login() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    listener.set_nonblocking(true).unwrap();
    let toml = format!(
        "[database.apim_db]\ntype = \"oracle\"\nurl = \"jdbc:oracle:thin:@127.0.0.1:{port}/ORCLPDB1\"\nusername = \"apim\"\npassword = \"{PASSWORD}\"\n"
    );
    let dir = tempfile::tempdir().unwrap();
    let home = stage_home(dir.path(), "4.4.0", &toml);
    let (code, r) = check_json(&args(&home, &["db.version.tested"]));
    assert_eq!(code, 1, "{r:#}");
    let tested = result(&r, "db.version.tested");
    assert_eq!(tested["status"], "error", "{r:#}");
    assert!(
        tested.to_string().contains(
            "apim_db: Oracle reveals its version only after login; preflight has no Oracle client"
        ),
        "{tested:#}"
    );
    assert!(listener.accept().is_err(), "preflight connected to Oracle");
}
