//! Ports probe: the ports the profile will open (`[server] offset` applied), whether each can be
//! bound, and which process holds the busy ones (/proc/net/tcp{,6} → socket inode → pid).

use super::{Context, Fact};
use crate::value::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

/// Default ports (offset 0) and the profiles that open them (wso2-domain §7). The profile
/// subsets follow each port's purpose: servlet and JMX everywhere; pass-through, WebSocket and
/// WebSub on gateways; binary receiver, AMQP broker and its JMX (8999) where the traffic manager runs (the 4.x
/// control plane embeds it). Not listed: 8005 (Tomcat shutdown; whether Carbon's embedded
/// Tomcat opens it and offsets it is not established), 7611/7711 (Thrift, disabled by default),
/// 10389/8000 (embedded LDAP/KDC only), 4000/45564 (clustering, only when enabled).
/// (default port, purpose, deployment.toml key that sets it, profiles that open it).
const PORTS: &[(u16, &str, &str, &[&str])] = &[
    (
        9443,
        "HTTPS servlet",
        "transport.https.properties.port",
        ALL,
    ),
    (9763, "HTTP servlet", "transport.http.properties.port", ALL),
    (
        8280,
        "pass-through HTTP",
        "transport.passthru_http.listener.parameters.port",
        GATEWAY,
    ),
    (
        8243,
        "pass-through HTTPS",
        "transport.passthru_https.listener.parameters.port",
        GATEWAY,
    ),
    (
        9999,
        "JMX RMI registry",
        "monitoring.jmx.rmi_registry_port",
        ALL,
    ),
    (
        11111,
        "JMX RMI server",
        "monitoring.jmx.rmi_server_port",
        ALL,
    ),
    (
        9611,
        "binary receiver TCP",
        "transport.binary.receiver.tcpPort",
        TM,
    ),
    (
        9711,
        "binary receiver SSL",
        "transport.binary.receiver.sslPort",
        TM,
    ),
    (
        5672,
        "AMQP broker",
        "broker.transport.amqp.default_connection.port",
        TM,
    ),
    (
        8672,
        "AMQP broker SSL",
        "broker.transport.amqp.ssl_connection.port",
        TM,
    ),
    (9099, "WebSocket", "apim.ws.port", GATEWAY),
    (8099, "WebSocket secure", "apim.wss.port", GATEWAY),
    (9021, "WebSub HTTP", "", GATEWAY),
    (8021, "WebSub HTTPS", "apim.webhooks.https.port", GATEWAY),
    // The broker's JMX management port, on by default where the broker runs (default.json
    // `qpid.management.jmxport`, 4.0+; the static qpid-config.xml on 3.2).
    (8999, "broker JMX", "qpid.management.jmxport", TM),
];
const ALL: &[&str] = &[
    "all-in-one",
    "gateway-worker",
    "traffic-manager",
    "control-plane",
    "key-manager",
];
const GATEWAY: &[&str] = &["all-in-one", "gateway-worker"];
const TM: &[&str] = &["all-in-one", "traffic-manager", "control-plane"];
/// /proc/<pid>/cmdline is read up to this many bytes.
const CMDLINE_CAP: u64 = 4096;
/// /proc/net/tcp on a busy host can be long.
const NET_TCP_CAP: u64 = 32 << 20;

pub fn probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    let offset = offset(ctx);
    // A port key only known at start makes the expected ports unknown, not the default.
    let unknown_port = PORTS
        .iter()
        .find_map(|(_, _, key, _)| ctx.deployment().get(key).err());
    let offset = match unknown_port {
        Some(why) => Err(why),
        None => offset,
    };
    let expected = offset
        .as_ref()
        .map(|o| expected_ports(ctx.node_profile(), *o, |k| configured(ctx, k)));
    let mut busy: Option<Fact> = None;
    names
        .iter()
        .map(|n| {
            let f = match (n.as_str(), &offset, &expected) {
                (_, Err(e), _) => Fact::unavailable(e.clone()),
                ("ports.offset", Ok(o), _) => Fact::value(Value::Int(*o)),
                ("ports.expected", _, Ok(ports)) => Fact::value(ints(ports)),
                ("ports.privileged", _, Ok(ports)) => {
                    let low: Vec<u16> = ports.iter().copied().filter(|p| *p < 1024).collect();
                    Fact::value(ints(&low))
                }
                ("ports.busy", _, Ok(ports)) => busy
                    .get_or_insert_with(|| busy_fact(ports, ctx.home(), ctx.deadline))
                    .clone(),
                (other, _, _) => {
                    Fact::unavailable(format!("the ports probe does not know `{other}`"))
                }
            };
            (n.clone(), f)
        })
        .collect()
}

fn ints(ports: &[u16]) -> Value {
    Value::List(ports.iter().map(|p| Value::Int(*p as i64)).collect())
}

/// `[server] offset` of deployment.toml (0 when absent); an integer or a numeric string.
fn offset(ctx: &Context) -> Result<i64, String> {
    let n = match ctx.deployment().get("server.offset")? {
        None => return Ok(0),
        Some((Value::Int(n), _)) => Some(*n),
        Some((Value::Str(s), _)) => s.trim().parse().ok(),
        Some(_) => None,
    };
    match n {
        Some(n) if (0..=65535 - 11111).contains(&n) => Ok(n),
        _ => Err("[server] offset in deployment.toml is not a usable port offset".to_string()),
    }
}

/// An integer port set in deployment.toml under `key`.
fn configured(ctx: &Context, key: &str) -> Option<i64> {
    match ctx.deployment().lookup(key)? {
        (Value::Int(n), _) => Some(*n),
        (Value::Str(s), _) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The profile's ports (configured, else default, plus the offset), ascending. An unknown
/// profile gets every port.
fn expected_ports(
    profile: &str,
    offset: i64,
    configured: impl Fn(&str) -> Option<i64>,
) -> Vec<u16> {
    let set: BTreeSet<u16> = PORTS
        .iter()
        .filter(|(_, _, _, profiles)| profiles.contains(&profile) || !ALL.contains(&profile))
        .map(|(p, _, key, _)| configured(key).unwrap_or(*p as i64) + offset)
        .filter_map(|p| u16::try_from(p).ok())
        .collect();
    set.into_iter().collect()
}

fn busy_fact(ports: &[u16], home: Option<&Path>, deadline: Duration) -> Fact {
    let busy: Vec<u16> = ports.iter().copied().filter(|p| in_use(*p)).collect();
    if busy.is_empty() {
        return Fact::value(Value::List(Vec::new()));
    }
    let until = Instant::now() + deadline;
    let inodes = listen_inodes(&busy);
    let holders = holders(&inodes, until);
    let homes = home.map(home_spellings).unwrap_or_default();
    let mut out = Vec::new();
    for port in busy {
        let holder = inodes
            .iter()
            .filter(|(_, p)| **p == port)
            .find_map(|(inode, _)| holders.get(inode));
        match holder {
            Some((_, cmd)) if homes.iter().any(|h| is_own_jvm(cmd, h)) => {}
            Some((pid, cmd)) => out.push(format!("{port} held by pid {pid} ({})", short(cmd))),
            None => out.push(format!("{port} held by a process not visible to this user")),
        }
    }
    Fact::value(Value::List(out.into_iter().map(Value::Str).collect()))
}

/// Whether binding 0.0.0.0:port fails because something holds it (the listener is dropped at once).
fn in_use(port: u16) -> bool {
    match TcpListener::bind(("0.0.0.0", port)) {
        Ok(_) => false,
        Err(e) => e.kind() == std::io::ErrorKind::AddrInUse,
    }
}

/// Socket inodes in LISTEN state on one of `ports`, from /proc/net/tcp and tcp6.
fn listen_inodes(ports: &[u16]) -> BTreeMap<u64, u16> {
    let mut out = BTreeMap::new();
    for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
        let Ok(text) = crate::io::read_capped(Path::new(file), NET_TCP_CAP) else {
            continue;
        };
        for (port, inode) in parse_net_tcp(&text) {
            if ports.contains(&port) {
                out.insert(inode, port);
            }
        }
    }
    out
}

/// (local port, inode) of each LISTEN (state 0A) line of /proc/net/tcp{,6}.
fn parse_net_tcp(text: &str) -> Vec<(u16, u64)> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.get(3) != Some(&"0A") {
                return None;
            }
            let port = u16::from_str_radix(f.get(1)?.rsplit(':').next()?, 16).ok()?;
            let inode = f.get(9)?.parse().ok()?;
            Some((port, inode))
        })
        .collect()
}

/// pid and command line of the processes owning each inode, scanning /proc until `until`.
fn holders(inodes: &BTreeMap<u64, u16>, until: Instant) -> BTreeMap<u64, (u32, String)> {
    let mut out = BTreeMap::new();
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in procs.flatten() {
        if Instant::now() > until || out.len() == inodes.len() {
            break;
        }
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(fds) = std::fs::read_dir(entry.path().join("fd")) else {
            continue;
        };
        for fd in fds.flatten() {
            let Some(inode) = socket_inode(&fd.path()) else {
                continue;
            };
            if inodes.contains_key(&inode) {
                out.insert(inode, (pid, cmdline(&entry.path())));
            }
        }
    }
    out
}

fn socket_inode(fd: &Path) -> Option<u64> {
    let link = std::fs::read_link(fd).ok()?;
    let s = link.to_str()?;
    s.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
}

/// /proc/<pid>/cmdline with NULs as spaces, at most CMDLINE_CAP bytes, lossily decoded.
fn cmdline(proc_dir: &Path) -> String {
    let mut bytes = Vec::new();
    if let Ok(f) = std::fs::File::open(proc_dir.join("cmdline")) {
        let _ = f.take(CMDLINE_CAP).read_to_end(&mut bytes);
    }
    let s = String::from_utf8_lossy(&bytes).replace('\0', " ");
    preflight_rules::redact::inline(s.trim())
}

fn short(cmd: &str) -> String {
    const MAX: usize = 80;
    match cmd.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &cmd[..i]),
        None if cmd.is_empty() => "command line not readable".to_string(),
        None => cmd.to_string(),
    }
}

fn home_spellings(home: &Path) -> Vec<String> {
    let mut v = vec![home.display().to_string()];
    if let Ok(c) = std::fs::canonicalize(home) {
        v.push(c.display().to_string());
    }
    for s in &mut v {
        while s.len() > 1 && s.ends_with('/') {
            s.pop();
        }
    }
    v
}

/// Whether a command line is this product's JVM: it carries `-Dcarbon.home=<PRODUCT_HOME>`.
fn is_own_jvm(cmd: &str, home: &str) -> bool {
    let flag = format!("-Dcarbon.home={home}");
    cmd.split(' ')
        .any(|w| w.trim_matches('"') == flag || w.trim_matches('"') == format!("{flag}/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<i64> {
        None
    }

    fn random_offset() -> i64 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        20_000 + ((nanos as i64 + std::process::id() as i64) % 10_000)
    }

    fn home_with_offset(offset: i64) -> tempfile::TempDir {
        let home = tempfile::tempdir().unwrap();
        let conf = home.path().join("repository/conf");
        std::fs::create_dir_all(&conf).unwrap();
        std::fs::write(
            conf.join("deployment.toml"),
            format!("[server]\noffset = {offset}\n"),
        )
        .unwrap();
        home
    }

    fn get(facts: &[(String, Fact)], name: &str) -> Value {
        facts
            .iter()
            .find(|(n, _)| n == name)
            .unwrap()
            .1
            .get()
            .unwrap()
            .clone()
    }

    #[test]
    fn profiles_and_offset() {
        let aio = expected_ports("all-in-one", 0, none);
        assert_eq!(aio.len(), 15);
        assert!(aio.contains(&9443) && aio.contains(&8021) && aio.contains(&11111));
        assert!(aio.contains(&8999), "the broker's JMX port");
        let gw = expected_ports("gateway-worker", 1, none);
        assert!(gw.contains(&8281) && gw.contains(&9444) && !gw.contains(&5673));
        let tm = expected_ports("traffic-manager", 0, none);
        assert!(tm.contains(&9611) && tm.contains(&5672) && !tm.contains(&8280));
        assert!(tm.contains(&8999) && !gw.contains(&9000));
        assert_eq!(
            expected_ports("key-manager", 0, none),
            vec![9443, 9763, 9999, 11111]
        );
    }

    #[test]
    fn parses_listen_lines() {
        let text = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n\
           0: 00000000:24E3 00000000:0000 0A 00000000:00000000 00:00000000 00000000  1000        0 4242 1 0\n\
           1: 0100007F:24E3 0100007F:9999 01 00000000:00000000 00:00000000 00000000  1000        0 4343 1 0\n";
        assert_eq!(parse_net_tcp(text), vec![(9443, 4242)]);
    }

    #[test]
    fn own_jvm_is_recognised() {
        let cmd = "/usr/bin/java -Xmx1g -Dcarbon.home=/opt/wso2am-4.2.0 org.wso2.carbon.bootstrap.Bootstrap";
        assert!(is_own_jvm(cmd, "/opt/wso2am-4.2.0"));
        assert!(!is_own_jvm(cmd, "/opt/wso2am"));
    }

    #[test]
    fn a_held_port_is_busy_with_its_holder_then_free() {
        let offset = random_offset();
        let home = home_with_offset(offset);
        let port = (9443 + offset) as u16;
        let ctx = Context::new(
            Some(home.path().to_path_buf()),
            true,
            Some("all-in-one".into()),
        );
        let names: Vec<String> = [
            "ports.offset",
            "ports.expected",
            "ports.busy",
            "ports.privileged",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let Ok(listener) = TcpListener::bind(("0.0.0.0", port)) else {
            crate::test_support::missing_input(&format!(
                "port {port} is already taken on this host"
            ));
            return;
        };
        let started = Instant::now();
        let facts = probe(&ctx, &names);
        eprintln!(
            "ports probe with one busy port took {:?}",
            started.elapsed()
        );
        assert_eq!(get(&facts, "ports.offset"), Value::Int(offset));
        let Value::List(expected) = get(&facts, "ports.expected") else {
            panic!()
        };
        assert!(expected.contains(&Value::Int(port as i64)));
        assert_eq!(get(&facts, "ports.privileged"), Value::List(vec![]));
        let busy = get(&facts, "ports.busy").to_string();
        let me = format!("{port} held by pid {}", std::process::id());
        let hidden = format!("{port} held by a process not visible");
        assert!(busy.contains(&me) || busy.contains(&hidden), "{busy}");
        drop(listener);
        let busy = get(&probe(&ctx, &names), "ports.busy").to_string();
        assert!(!busy.contains(&format!("{port} held")), "{busy}");
    }

    #[test]
    fn privileged_and_bad_offsets() {
        let home = home_with_offset(0);
        let conf = home.path().join("repository/conf/deployment.toml");
        let ctx = Context::new(
            Some(home.path().to_path_buf()),
            true,
            Some("key-manager".into()),
        );
        let names = vec!["ports.privileged".to_string()];
        assert_eq!(
            get(&probe(&ctx, &names), "ports.privileged"),
            Value::List(vec![])
        );
        std::fs::write(&conf, "[server]\noffset = \"many\"\n").unwrap();
        let ctx = Context::new(
            Some(home.path().to_path_buf()),
            true,
            Some("key-manager".into()),
        );
        let facts = probe(&ctx, &names);
        assert!(facts[0].1.get().unwrap_err().contains("offset"));
        // An offset cannot go below zero, so privileged ports come only from explicit config.
        assert!(
            expected_ports("all-in-one", 0, none)
                .iter()
                .all(|p| *p >= 1024)
        );
        std::fs::write(
            &conf,
            "[server]\noffset = 1\n[transport.https.properties]\nport = 442\n",
        )
        .unwrap();
        let ctx = Context::new(
            Some(home.path().to_path_buf()),
            true,
            Some("key-manager".into()),
        );
        let facts = probe(&ctx, &names);
        assert_eq!(facts[0].1.get(), Ok(&Value::List(vec![Value::Int(443)])));
    }
}
