//! Values read the way the product reads them: loopback host names in every spelling, Tomcat
//! `protocols` lists as `SSLHostConfig.setProtocols` builds them, and user names compared as the
//! user store compares them. Rules judge these results, never the literal text.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Whether a host name or address, as written in a URL or `[server] hostname`, names this
/// machine only: empty, `localhost` in any case and with a trailing dot, `*.localhost`
/// (RFC 6761), `ip6-localhost` / `ip6-loopback`, `localhost.localdomain`, 127.0.0.0/8 in every
/// form `inet_aton` accepts (`127.1`, `127.0.1.1`, `0x7f.1`, `2130706433`), `::1` in every form
/// (also in brackets, with a zone, or IPv4-mapped), and the unspecified `0.0.0.0` / `::`.
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim();
    let h = h
        .strip_prefix('[')
        .and_then(|r| r.strip_suffix(']'))
        .unwrap_or(h);
    let h = h.split('%').next().unwrap_or(h).trim();
    let h = h.strip_suffix('.').unwrap_or(h).to_ascii_lowercase();
    if h.is_empty() {
        return true;
    }
    if matches!(
        h.as_str(),
        "localhost" | "localhost.localdomain" | "ip6-localhost" | "ip6-loopback" | "localhost6"
    ) || h.ends_with(".localhost")
        || h.starts_with("localhost6.")
    {
        return true;
    }
    if let Ok(v6) = h.parse::<Ipv6Addr>() {
        return v6.is_loopback()
            || v6.is_unspecified()
            || v6.to_ipv4_mapped().is_some_and(v4_local);
    }
    inet_aton(&h).is_some_and(v4_local)
}

/// Why `host` cannot be the host part of a URL as written, or `None`: a control character
/// (newline, tab, ESC, …), white space anywhere (also leading or trailing: nothing trims it), or
/// a character that ends or splits a URL's authority (`/ ? # @ \\ ,` and the like). Letters of
/// any script, digits, `-`, `.`, `_`, and the `[`, `]`, `:`, `%` of IPv6 literals are accepted.
pub fn not_a_host_name(host: &str) -> Option<String> {
    let bad = host
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '.' | '_' | '[' | ']' | ':' | '%')))?;
    let what = match bad {
        '\n' => "a newline".to_string(),
        '\r' => "a carriage return".to_string(),
        '\t' => "a tab".to_string(),
        c if c.is_control() => "a control character".to_string(),
        c if c.is_whitespace() => "white space".to_string(),
        c => format!("`{c}`"),
    };
    Some(format!(
        "it contains {what} (U+{:04X}), so no URL built from it names a host",
        u32::from(bad)
    ))
}

fn v4_local(v4: Ipv4Addr) -> bool {
    v4.is_loopback() || v4.is_unspecified()
}

/// An IPv4 address as `inet_aton` (and Java's resolver for numeric names) reads it: one to four
/// parts, each decimal, `0x` hex or `0` octal; the last part fills the remaining bytes.
pub fn inet_aton(s: &str) -> Option<Ipv4Addr> {
    let parts: Vec<&str> = s.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut nums = Vec::with_capacity(parts.len());
    for p in &parts {
        nums.push(aton_part(p)?);
    }
    let (last, head) = nums.split_last()?;
    if head.iter().any(|&n| n > 255) {
        return None;
    }
    let rest_bits = 8 * (4 - head.len() as u32);
    if rest_bits < 32 && *last >= 1u64 << rest_bits {
        return None;
    }
    let mut addr: u64 = 0;
    for (i, n) in head.iter().enumerate() {
        addr |= n << (24 - 8 * i as u32);
    }
    Some(Ipv4Addr::from((addr | last) as u32))
}

fn aton_part(p: &str) -> Option<u64> {
    if p.is_empty() {
        return None;
    }
    let (digits, radix) = if let Some(h) = p.strip_prefix("0x").or_else(|| p.strip_prefix("0X")) {
        (h, 16)
    } else if p.len() > 1 && p.starts_with('0') {
        (&p[1..], 8)
    } else {
        (p, 10)
    };
    if digits.is_empty() {
        return (radix == 16).then_some(0);
    }
    u64::from_str_radix(digits, radix)
        .ok()
        .filter(|&n| n <= u32::MAX as u64)
}

/// What Tomcat's `all` stands for (`SSLHostConfig.SSL_PROTO_ALL_SET`, Tomcat 9: SSLv2Hello,
/// TLSv1, TLSv1.1, TLSv1.2, TLSv1.3).
const TOMCAT_ALL: [&str; 5] = ["SSLv2Hello", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"];

/// The protocol set a Tomcat `protocols` value enables, built as
/// `org.apache.tomcat.util.net.SSLHostConfig#setProtocols` builds it (Tomcat 9.0.x): the text
/// is split before every `+`, `-` and `,`; from an empty set, `+X` adds, `-X` removes, `X` or
/// `,X` adds; `all` (any case) is `TOMCAT_ALL`; a token of one character is ignored. Names are
/// kept as written (the JSSE drops the ones it does not support).
pub fn tomcat_protocols(input: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    let mut tokens = Vec::new();
    let mut start = 0;
    for (i, c) in input.char_indices() {
        if i > 0 && matches!(c, '+' | '-' | ',') {
            tokens.push(&input[start..i]);
            start = i;
        }
    }
    tokens.push(&input[start..]);
    for token in tokens {
        let t = token.trim();
        if t.chars().count() <= 1 {
            continue;
        }
        let (add, name) = match t.as_bytes()[0] {
            b'+' => (true, t[1..].trim()),
            b'-' => (false, t[1..].trim()),
            b',' => (true, t[1..].trim()),
            _ => (true, t),
        };
        let names: Vec<String> = if name.eq_ignore_ascii_case("all") {
            TOMCAT_ALL.iter().map(|s| s.to_string()).collect()
        } else {
            vec![name.to_string()]
        };
        for n in names {
            if add {
                set.insert(n);
            } else {
                set.remove(&n);
            }
        }
    }
    set
}

/// The protocols of a Tomcat `protocols` value that are older than TLS 1.2 (SSLv2Hello, SSLv2,
/// SSLv3, TLSv1, TLSv1.1), in the set's order. Empty when the list enables none of them.
pub fn weak_protocols(enabled: &BTreeSet<String>) -> Vec<String> {
    enabled
        .iter()
        .filter(|p| {
            let l = p.to_ascii_lowercase();
            l.starts_with("ssl") || l == "tlsv1" || l == "tlsv1.1"
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_in_every_spelling() {
        for h in [
            "",
            " ",
            "localhost",
            "LOCALHOST",
            "localhost.",
            "LocalHost.LocalDomain",
            "ip6-localhost",
            "ip6-loopback",
            "api.localhost",
            "127.0.0.1",
            "127.0.1.1",
            "127.1",
            "127.255.255.254",
            "0x7f.1",
            "0177.0.0.1",
            "2130706433",
            "0.0.0.0",
            "0",
            "::1",
            "[::1]",
            "0:0:0:0:0:0:0:1",
            "[0000:0000:0000:0000:0000:0000:0000:0001]",
            "::0001",
            "::1%lo",
            "::",
            "::ffff:127.0.0.1",
            "[::ffff:7f00:1]",
        ] {
            assert!(is_loopback(h), "{h:?} is loopback");
        }
        for h in [
            "apim.example.com",
            "10.0.0.1",
            "128.0.0.1",
            "localhost.example.com",
            "mylocalhost",
            "::2",
            "[2001:db8::1]",
            "127.0.0.1.example.com",
            "1.2.3.4.5",
            "256.0.0.1",
        ] {
            assert!(!is_loopback(h), "{h:?} is not loopback");
        }
    }

    fn set(items: &[&str]) -> BTreeSet<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn tomcat_protocol_lists_as_tomcat_reads_them() {
        assert_eq!(tomcat_protocols("all"), set(&TOMCAT_ALL));
        assert_eq!(tomcat_protocols("+all"), set(&TOMCAT_ALL));
        assert_eq!(
            tomcat_protocols("+all,-TLSv1,-TLSv1.1, -SSLv2Hello"),
            set(&["TLSv1.2", "TLSv1.3"])
        );
        assert_eq!(
            tomcat_protocols("+TLSv1.2,+TLSv1.3"),
            set(&["TLSv1.2", "TLSv1.3"])
        );
        assert_eq!(
            tomcat_protocols("TLSv1.2+TLSv1.3"),
            set(&["TLSv1.2", "TLSv1.3"])
        );
        assert_eq!(
            tomcat_protocols("TLSv1,TLSv1.1,TLSv1.2"),
            set(&["TLSv1", "TLSv1.1", "TLSv1.2"])
        );
        assert_eq!(tomcat_protocols("-TLSv1"), set(&[]));
        assert_eq!(tomcat_protocols("SSLv3"), set(&["SSLv3"]));
        assert_eq!(tomcat_protocols("ALL-all+TLSv1.3"), set(&["TLSv1.3"]));
        assert_eq!(tomcat_protocols("+,-,TLSv1.2"), set(&["TLSv1.2"]));
        assert_eq!(
            weak_protocols(&tomcat_protocols("all")),
            ["SSLv2Hello", "TLSv1", "TLSv1.1"]
        );
        assert!(weak_protocols(&tomcat_protocols("+all-TLSv1-TLSv1.1-SSLv2Hello")).is_empty());
        assert_eq!(
            weak_protocols(&tomcat_protocols("+TLSv1.2,+SSLv3")),
            ["SSLv3"]
        );
    }
}
