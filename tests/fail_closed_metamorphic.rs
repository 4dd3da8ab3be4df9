//! Metamorphic property of fail-closed: take a staged home and the rules that do not pass on it,
//! remove information from the home (truncate or garble deployment.toml, make it unreadable,
//! replace a value by an unresolvable placeholder, delete a file) — none of those rules may
//! become `pass`. Mutations come from a seeded generator: `PF_SEED=<n>` replays or varies them.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A home that fails or warns on many rules at once: every value here is one WSO2 ships or one
/// people get wrong.
const BAD_HOME: &str = r#"[server]
hostname = "localhost"
offset = 0

[super_admin]
username = "admin"
password = "admin"

[database.apim_db]
type = "mysql"
url = "jdbc:mysql://db.example:3306/am?useSSL=false"
username = "root"
password = "apim-db-pw"

[keystore.tls]
file_name = "wso2carbon.jks"
password = "wso2carbon"
alias = "wso2carbon"

[transport.https.sslHostConfig.properties]
protocols = "+TLSv1,+TLSv1.1,+TLSv1.2"

[apim.cors]
enable = true
allow_origins = "*"

[[apim.gateway.environment]]
name = "Default"
http_endpoint = "http://localhost:8280"
"#;

/// xorshift64*: small, seeded, reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Statuses by rule id of a full offline check. Rules that read this host's changing state
/// (free ports, disk, memory) are left out: their verdict may change between two runs.
fn statuses(home: &Path) -> BTreeMap<String, (String, String)> {
    let out = common::preflight()
        .args(["check", "--offline", "--format", "json", "--timeout", "30"])
        .arg("--product-home")
        .arg(home)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    report["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let id = r["id"].as_str().unwrap().to_string();
            let st = r["status"].as_str().unwrap().to_string();
            (id, (st, r["message"].as_str().unwrap_or("").to_string()))
        })
        .filter(|(id, _)| !id.starts_with("host.") && id != "ports.free")
        .collect()
}

const TOML: &str = "repository/conf/deployment.toml";

/// One way of removing information from a home; returns what it did, for the failure message.
fn mutate(home: &Path, rng: &mut Rng) -> String {
    let file = home.join(TOML);
    let text = std::fs::read_to_string(&file).unwrap_or_default();
    match rng.below(6) {
        0 => {
            // Cut inside a string value, so the file is incomplete rather than shorter (a file
            // cut at a line end or in a comment is a shorter, valid file: nothing can tell).
            let mut quotes = Vec::new();
            let mut offset = 0;
            for line in text.split_inclusive('\n') {
                if !line.trim_start().starts_with('#') {
                    quotes.extend(line.match_indices('"').map(|(i, _)| offset + i));
                }
                offset += line.len();
            }
            let at = quotes[rng.below(quotes.len() / 2) * 2] + 1;
            std::fs::write(&file, &text[..at]).unwrap();
            format!("truncated deployment.toml at byte {at}")
        }
        1 => {
            let mut bytes = text.into_bytes();
            let at = rng.below(bytes.len());
            bytes.insert(at, 0xFF);
            std::fs::write(&file, bytes).unwrap();
            format!("garbled deployment.toml (0xFF at byte {at})")
        }
        2 => {
            // A folder where the file was: unreadable for every user, root included.
            std::fs::remove_file(&file).unwrap();
            std::fs::create_dir(&file).unwrap();
            "made deployment.toml unreadable".into()
        }
        3 => {
            let lines: Vec<&str> = text.lines().collect();
            let values: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].contains(" = \"") && !lines[i].starts_with("name"))
                .collect();
            let i = values[rng.below(values.len())];
            let key = lines[i].split(" = ").next().unwrap();
            let placeholder = match rng.below(2) {
                0 => "$env{PF_SURELY_UNSET_VARIABLE}",
                _ => "$sys{pf.only.at.start}",
            };
            let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
            out[i] = format!("{key} = \"{placeholder}\"");
            std::fs::write(&file, out.join("\n") + "\n").unwrap();
            format!("replaced `{}` by {placeholder}", lines[i])
        }
        4 => {
            let victim = ["bin/version.txt", "updates/product.txt", TOML][rng.below(3)];
            let _ = std::fs::remove_file(home.join(victim));
            format!("deleted {victim}")
        }
        _ => {
            std::fs::write(&file, "").unwrap();
            "emptied deployment.toml".into()
        }
    }
}

fn stage(dir: &Path, n: usize, toml: &str) -> PathBuf {
    let d = dir.join(format!("m{n}"));
    common::stage_home(&d, "4.2.0", toml)
}

#[test]
fn removing_information_never_turns_a_rule_into_a_pass() {
    let seed: u64 = std::env::var("PF_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x5EED_F00D);
    let mut rng = Rng(seed | 1);
    let mut homes = vec![BAD_HOME.to_string()];
    homes.extend(common::real_420_deployment_toml());
    let dir = tempfile::tempdir().unwrap();
    let mut broken = Vec::new();
    let mut n = 0;
    for toml in &homes {
        let before = statuses(&stage(dir.path(), n, toml));
        let judged: Vec<&String> = before
            .iter()
            .filter(|(_, (st, _))| st != "pass" && st != "skip" && st != "manual")
            .map(|(id, _)| id)
            .collect();
        assert!(
            judged.len() >= 8,
            "the base home fails too little: {judged:?}"
        );
        for _ in 0..8 {
            n += 1;
            let home = stage(dir.path(), n, toml);
            let what = mutate(&home, &mut rng);
            let after = statuses(&home);
            for id in &judged {
                if let Some((st, msg)) = after.get(*id)
                    && st == "pass"
                {
                    broken.push(format!(
                        "{id}: {} before, pass after {what}: {msg}",
                        before[*id].0
                    ));
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "seed {seed}: removing information made rules pass:\n{}",
        broken.join("\n")
    );
}
