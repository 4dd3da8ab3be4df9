//! Endpoints of JDBC and LDAP URLs in every form WSO2 deployments use.

/// A database or directory server address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
}

impl std::fmt::Display for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.host.contains(':') {
            write!(f, "[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{}:{}", self.host, self.port)
        }
    }
}

/// What a JDBC URL says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jdbc {
    /// The type in deployment.toml's vocabulary: mysql, mariadb, postgre, oracle, mssql, db2, h2.
    pub kind: &'static str,
    /// None for embedded H2.
    pub endpoint: Option<Endpoint>,
    /// What the URL's TLS switches ask for, read as the type's driver reads them.
    pub tls: JdbcTls,
    /// TLS turned off or only optional (`tls` is `Off` or `Optional`): `useSSL=false|no|0`,
    /// `sslMode=DISABLED|PREFERRED`, `useSSL=true` without `requireSSL=true` (PREFERRED: TLS
    /// first, not off, but plain text when the server or a man in the middle declines it),
    /// `sslmode=disable|allow|prefer`, `encrypt=false|no|optional`, `sslConnection=false`, an
    /// Oracle address without TCPS, a MariaDB or DB2 URL without a TLS switch.
    pub tls_disabled: bool,
    /// What decides `tls`, in words: the switch as the driver reads it (`useSSL=false`,
    /// `sslmode=allow`) or the driver default that applies (`no TCPS in the address`).
    pub tls_decided_by: String,
}

/// What a JDBC URL's TLS switches ask of the driver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JdbcTls {
    /// Plain text: TLS turned off.
    Off,
    /// TLS only if the server offers it: a man in the middle can downgrade it to plain text.
    Optional,
    /// TLS or no connection.
    Required,
    /// No switch in the URL: the driver's default applies.
    Unstated,
}

/// The default port of a database type (deployment.toml vocabulary).
pub fn default_port(kind: &str) -> Option<u16> {
    Some(match kind {
        "mysql" | "mariadb" => 3306,
        "postgre" | "postgres" | "postgresql" => 5432,
        "oracle" => 1521,
        "mssql" => 1433,
        "db2" => 50000,
        "h2" => 9092,
        _ => return None,
    })
}

/// Parses a JDBC URL; `&amp;` (as written for WSO2's XML templates) counts as `&`.
pub fn parse(url: &str) -> Result<Jdbc, String> {
    let url = url.trim().replace("&amp;", "&");
    let rest = url
        .strip_prefix("jdbc:")
        .ok_or("not a JDBC URL (no `jdbc:` prefix)")?;
    let (sub, tail) = rest
        .split_once(':')
        .ok_or("JDBC URL without a subprotocol")?;
    let kind = match sub.to_ascii_lowercase().as_str() {
        "mysql" => "mysql",
        "mariadb" => "mariadb",
        "postgresql" => "postgre",
        "oracle" => "oracle",
        "sqlserver" => "mssql",
        "db2" => "db2",
        "h2" => "h2",
        other => return Err(format!("unknown JDBC subprotocol `{other}`")),
    };
    let endpoint = match kind {
        "oracle" => oracle(tail)?,
        "mssql" => sqlserver(tail)?,
        "h2" => h2(tail)?,
        _ => Some(authority(after_slashes(tail)?, kind)?),
    };
    let (tls, tls_decided_by) = jdbc_tls(kind, &url);
    Ok(Jdbc {
        kind,
        endpoint,
        tls,
        tls_disabled: matches!(tls, JdbcTls::Off | JdbcTls::Optional),
        tls_decided_by,
    })
}

/// `//host:port/...` after an optional sub-subprotocol (`mysql:loadbalance://`).
fn after_slashes(tail: &str) -> Result<&str, String> {
    tail.find("//")
        .map(|i| &tail[i + 2..])
        .ok_or_else(|| "no `//host` in the URL".to_string())
}

/// The first host of an authority (`user:pw@h1:3306,h2:3306/db?...`), port defaulted.
fn authority(s: &str, kind: &str) -> Result<Endpoint, String> {
    let end = s.find(['/', '?', ';']).unwrap_or(s.len());
    let auth = &s[..end];
    let auth = auth.rsplit_once('@').map_or(auth, |(_, h)| h);
    let first = auth.split(',').next().unwrap_or("");
    host_port(first, default_port(kind).unwrap_or(0))
}

/// `host`, `host:port`, `[v6]:port`.
pub fn host_port(s: &str, default: u16) -> Result<Endpoint, String> {
    let (host, port) = if let Some(v6) = s.strip_prefix('[') {
        let (h, rest) = v6.split_once(']').ok_or("unclosed `[` in host")?;
        (h, rest.strip_prefix(':'))
    } else {
        match s.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (s, None),
        }
    };
    if host.is_empty() {
        return Err("no host in the URL".into());
    }
    let port = match port {
        None | Some("") => default,
        Some(p) => p
            .parse::<u16>()
            .map_err(|_| format!("port `{p}` is not a number"))?,
    };
    if port == 0 {
        return Err("no port in the URL and no default for its type".into());
    }
    Ok(Endpoint {
        host: host.to_string(),
        port,
    })
}

/// `thin:@host:port:sid`, `thin:@host:port/service`, `thin:@//host:port/service`,
/// `thin:user/pw@host:port:sid`, and `(DESCRIPTION=(ADDRESS=(HOST=…)(PORT=…)))`.
fn oracle(tail: &str) -> Result<Option<Endpoint>, String> {
    let (_, target) = tail.rsplit_once('@').ok_or("Oracle URL without `@host`")?;
    let target = target.trim();
    if target.starts_with('(') {
        return descriptor(target).map(Some);
    }
    let target = target.strip_prefix("//").unwrap_or(target);
    let end = target.find(['/', '?']).unwrap_or(target.len());
    let hp = &target[..end];
    // host:port:sid — drop the SID.
    let hp = match hp.matches(':').count() {
        2 if !hp.starts_with('[') => hp.rsplit_once(':').map_or(hp, |(a, _)| a),
        _ => hp,
    };
    host_port(hp, 1521).map(Some)
}

fn descriptor(d: &str) -> Result<Endpoint, String> {
    let find = |key: &str| {
        let upper = d.to_ascii_uppercase();
        let at = upper.find(&format!("({key}="))?;
        let v = &d[at + key.len() + 2..];
        v.split(')').next().map(|s| s.trim().to_string())
    };
    let host = find("HOST").ok_or("Oracle descriptor without HOST")?;
    let port = find("PORT").map_or(Ok(1521), |p| {
        p.parse::<u16>()
            .map_err(|_| format!("port `{p}` is not a number"))
    })?;
    Ok(Endpoint { host, port })
}

/// `//host[\instance][:port];databaseName=x` or `//;serverName=h;portNumber=p`.
fn sqlserver(tail: &str) -> Result<Option<Endpoint>, String> {
    let s = after_slashes(tail)?;
    let (hp, props) = s.split_once(';').unwrap_or((s, ""));
    let prop = |name: &str| {
        props.split(';').find_map(|kv| {
            let (k, v) = kv.split_once('=')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    let hp = if hp.is_empty() {
        prop("serverName").ok_or("SQL Server URL without a host")?
    } else {
        hp.to_string()
    };
    let mut ep = host_port(&hp.replace('\\', "\u{0}"), 1433)?;
    ep.host = ep.host.split('\u{0}').next().unwrap_or("").to_string();
    if let Some(p) = prop("portNumber").or_else(|| prop("port")) {
        ep.port = p
            .parse()
            .map_err(|_| format!("port `{p}` is not a number"))?;
    }
    Ok(Some(ep))
}

/// Embedded H2 has no endpoint; `h2:tcp://host:port/…` and `h2:ssl://…` do.
fn h2(tail: &str) -> Result<Option<Endpoint>, String> {
    let lower = tail.to_ascii_lowercase();
    if lower.starts_with("tcp:") || lower.starts_with("ssl:") {
        return authority(after_slashes(tail)?, "h2").map(Some);
    }
    Ok(None)
}

/// The URL's parameters (`?a=b&c=d`, `;a=b;`, DB2's `:a=b;`), keys and values lower-cased,
/// in order (a later one overrides an earlier one, as the drivers read them).
fn params(url: &str) -> Vec<(String, String)> {
    url.split(['?', '&', ';'])
        // DB2 puts its first property after a `:` (`/AM:sslConnection=false;`).
        .filter_map(|seg| seg.rsplit(':').next())
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_ascii_lowercase()))
        .collect()
}

/// A boolean connection property as the drivers parse it (Connector/J and MariaDB take
/// true/false/yes/no, MariaDB also 1/0).
fn boolean(v: &str) -> Option<bool> {
    match v {
        "true" | "yes" | "1" | "on" => Some(true),
        "false" | "no" | "0" | "off" => Some(false),
        _ => None,
    }
}

/// The TLS a JDBC URL asks for, by the switches the type's driver reads, and what decides it:
/// - MySQL Connector/J `sslMode` over the legacy `useSSL`/`requireSSL`/`verifyServerCertificate`
///   (`useSSL=true` alone is PREFERRED: TLS first, not off); no switch is PREFERRED too.
/// - MariaDB Connector/J `sslMode` (3.x) or `useSsl` (2.x); no switch is plain text.
/// - pgjdbc `sslmode`: `disable` and `allow` (plain text first) are off, `prefer` (also the
///   default, with no switch) tries TLS first; `ssl=true` is verify-full, `ssl=false` leaves prefer.
/// - mssql-jdbc `encrypt`: `false`/`no`/`optional` are off; no switch is the driver's default
///   (false before 10.1, true from 10.1), which the URL cannot tell: `Unstated`.
/// - Oracle thin: TLS only over TCPS (`@tcps://…` or `(PROTOCOL=TCPS)`); plain TCP otherwise.
/// - IBM DB2 JCC `sslConnection`; no switch is plain text.
///
/// An unknown value is `Unstated`, never `Required`.
pub fn jdbc_tls(kind: &str, url: &str) -> (JdbcTls, String) {
    use JdbcTls::*;
    let params = params(url);
    let get = |key: &str| -> Option<&str> {
        params
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    };
    let said = |name: &str, v: &str| format!("{name}={v}");
    match kind {
        "mysql" | "mariadb" => mysql_tls(kind, &get),
        "postgre" => match (get("sslmode"), get("ssl")) {
            (Some("disable"), _) => (Off, said("sslmode", "disable")),
            (Some("allow"), _) => (Off, "sslmode=allow, which tries plain text first".into()),
            (Some(m @ "prefer"), _) => (Optional, said("sslmode", m)),
            (Some(m @ ("require" | "verify-ca" | "verify-full")), _) => {
                (Required, said("sslmode", m))
            }
            (_, Some(v)) => match boolean(v) {
                Some(false) => (Optional, said("ssl", v)),
                _ => (Required, said("ssl", v)),
            },
            // pgjdbc's default is prefer: the same fallback to plain text as `sslmode=prefer`.
            _ => (Optional, "no sslmode: pgjdbc's default, prefer".into()),
        },
        "mssql" => match get("encrypt") {
            Some(v @ ("false" | "no" | "optional")) => (Off, said("encrypt", v)),
            Some(v @ ("true" | "yes" | "mandatory" | "strict")) => (Required, said("encrypt", v)),
            _ => (Unstated, "no encrypt=: mssql-jdbc's default decides".into()),
        },
        "oracle" => {
            let upper = url.to_ascii_uppercase();
            let tcps =
                upper.contains("@TCPS://") || upper.replace(' ', "").contains("(PROTOCOL=TCPS)");
            match tcps {
                true => (Required, "TCPS in the address".into()),
                false => (
                    Off,
                    "no TCPS in the address: Oracle thin connects over plain TCP".into(),
                ),
            }
        }
        "db2" => match get("sslconnection").map(|v| (v, boolean(v))) {
            Some((v, Some(true))) => (Required, said("sslConnection", v)),
            Some((v, Some(false))) => (Off, said("sslConnection", v)),
            _ => (
                Off,
                "no sslConnection=true: the DB2 JCC driver's default is plain text".into(),
            ),
        },
        _ => (Unstated, String::new()),
    }
}

/// MySQL Connector/J and MariaDB Connector/J: `sslMode` first, then the legacy switches.
fn mysql_tls<'a>(kind: &str, get: &dyn Fn(&str) -> Option<&'a str>) -> (JdbcTls, String) {
    use JdbcTls::*;
    if let Some(m) = get("sslmode") {
        let said = format!("sslMode={m}");
        match m {
            "disabled" | "disable" => return (Off, said),
            "preferred" | "prefer" => return (Optional, said),
            "required" | "verify_ca" | "verify_identity" | "trust" | "verify-ca"
            | "verify-full" => {
                return (Required, said);
            }
            _ => {}
        }
    }
    let on = |k: &str| get(k).and_then(boolean);
    match (get("usessl"), on("usessl")) {
        (Some(v), Some(false)) => (Off, format!("useSSL={v}")),
        (Some(v), None) => (
            Unstated,
            format!("useSSL={v}, not a value the driver reads"),
        ),
        (_, Some(true))
            if on("requiressl") == Some(true) || on("verifyservercertificate") == Some(true) =>
        {
            (
                Required,
                "useSSL=true with requireSSL=true or verifyServerCertificate=true".into(),
            )
        }
        (_, Some(true)) if kind == "mariadb" => (Required, "useSsl=true".into()),
        // Connector/J: useSSL=true without requireSSL=true is sslMode=PREFERRED.
        (_, Some(true)) => (
            Optional,
            "useSSL=true without requireSSL=true: PREFERRED, TLS first".into(),
        ),
        _ if kind == "mariadb" => (
            Off,
            "no sslMode or useSsl: MariaDB Connector/J's default is plain text".into(),
        ),
        // Connector/J's default is PREFERRED: the same fallback as `sslMode=PREFERRED`.
        _ => (
            Optional,
            "no sslMode or useSSL: Connector/J's default, PREFERRED".into(),
        ),
    }
}

/// The endpoints of an LDAP URL list (`ldap://h:389 ldaps://h2`), and whether all use TLS.
pub fn ldap(urls: &str) -> Result<(Vec<Endpoint>, bool), String> {
    let mut eps = Vec::new();
    let mut tls = true;
    for url in urls.split_whitespace() {
        let lower = url.to_ascii_lowercase();
        let (rest, port, secure) = if let Some(r) = lower.strip_prefix("ldaps://") {
            (&url[url.len() - r.len()..], 636, true)
        } else if let Some(r) = lower.strip_prefix("ldap://") {
            (&url[url.len() - r.len()..], 389, false)
        } else {
            return Err(format!("`{url}` is not an ldap:// or ldaps:// URL"));
        };
        tls &= secure;
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let hp = rest[..end]
            .rsplit_once('@')
            .map_or(&rest[..end], |(_, h)| h);
        // WSO2's embedded LDAP port placeholder.
        let hp = hp.replace("${Ports.EmbeddedLDAP.LDAPServerPort}", "10389");
        eps.push(host_port(&hp, port)?);
    }
    if eps.is_empty() {
        return Err("empty LDAP URL".into());
    }
    Ok((eps, tls))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep(url: &str) -> (String, Option<String>, bool) {
        let j = parse(url).unwrap();
        (
            j.kind.to_string(),
            j.endpoint.map(|e| e.to_string()),
            j.tls_disabled,
        )
    }

    /// Every URL form the drivers accept: (url, type, endpoint, TLS off or optional: by a switch,
    /// or by the driver's default where the URL has none, as for Oracle without TCPS and DB2).
    const JDBC_FORMS: &[(&str, &str, &str, bool)] = &[
        (
            "jdbc:mysql://mysql:3306/WSO2AM_DB?autoReconnect=true&amp;allowPublicKeyRetrieval=true&amp;useSSL=false",
            "mysql",
            "mysql:3306",
            true,
        ),
        (
            "jdbc:mysql://db.example/am",
            "mysql",
            "db.example:3306",
            true,
        ),
        (
            "jdbc:mysql://u:<redacted>@h1:3307,h2:3308/am?sslMode=DISABLED",
            "mysql",
            "h1:3307",
            true,
        ),
        (
            "jdbc:mysql:loadbalance://lb1:3306,lb2:3306/am",
            "mysql",
            "lb1:3306",
            true,
        ),
        (
            "jdbc:mariadb://maria:3310/am?useSSL=true",
            "mariadb",
            "maria:3310",
            false,
        ),
        (
            "jdbc:postgresql://pg.example:5433/am?sslmode=disable",
            "postgre",
            "pg.example:5433",
            true,
        ),
        ("jdbc:postgresql://[::1]/am", "postgre", "[::1]:5432", true),
        (
            "jdbc:postgresql://pg/am?sslmode=require",
            "postgre",
            "pg:5432",
            false,
        ),
        (
            "jdbc:oracle:thin:@ora.example:1522:ORCL",
            "oracle",
            "ora.example:1522",
            true,
        ),
        (
            "jdbc:oracle:thin:@ora.example:1521/orclpdb",
            "oracle",
            "ora.example:1521",
            true,
        ),
        (
            "jdbc:oracle:thin:@//ora.example:1523/svc",
            "oracle",
            "ora.example:1523",
            true,
        ),
        (
            "jdbc:oracle:thin:@ora.example",
            "oracle",
            "ora.example:1521",
            true,
        ),
        (
            "jdbc:oracle:thin:scott/<redacted>@ora:1521:XE",
            "oracle",
            "ora:1521",
            true,
        ),
        (
            "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=rac1)(PORT=1530))(CONNECT_DATA=(SERVICE_NAME=s)))",
            "oracle",
            "rac1:1530",
            true,
        ),
        (
            "jdbc:sqlserver://mssql:1434;databaseName=am;SendStringParametersAsUnicode=false;encrypt=false",
            "mssql",
            "mssql:1434",
            true,
        ),
        (
            "jdbc:sqlserver://mssql\\SQLEXPRESS;databaseName=am",
            "mssql",
            "mssql:1433",
            false,
        ),
        (
            "jdbc:sqlserver://;serverName=ms2;portNumber=1500;databaseName=am",
            "mssql",
            "ms2:1500",
            false,
        ),
        (
            "jdbc:db2://db2.example:50001/AM",
            "db2",
            "db2.example:50001",
            true,
        ),
        (
            "jdbc:db2://db2.example/AM:sslConnection=false;",
            "db2",
            "db2.example:50000",
            true,
        ),
        ("jdbc:h2:tcp://h2srv:9093/~/test", "h2", "h2srv:9093", false),
    ];

    #[test]
    fn every_jdbc_form() {
        for &(url, kind, endpoint, tls_off) in JDBC_FORMS {
            let want = (kind.to_string(), Some(endpoint.to_string()), tls_off);
            assert_eq!(ep(url), want, "{url}");
        }
        assert_eq!(
            ep("jdbc:h2:./repository/database/WSO2AM_DB;DB_CLOSE_ON_EXIT=FALSE"),
            ("h2".to_string(), None, false)
        );
        assert!(parse("mysql://x").is_err());
        assert!(parse("jdbc:sybase://x").is_err());
        assert!(parse("jdbc:mysql://h:99999/db").is_err());
        assert!(parse("jdbc:mysql:///db").is_err());
    }

    /// MySQL Connector/J and MariaDB Connector/J: useSSL, requireSSL, sslMode.
    #[test]
    fn tls_switches_of_mysql_and_mariadb() {
        use JdbcTls::*;
        let tls = |url: &str| parse(url).unwrap().tls;
        let by = |url: &str| parse(url).unwrap().tls_decided_by;
        for v in ["false", "FALSE", "no", "0"] {
            assert_eq!(tls(&format!("jdbc:mysql://d/am?useSSL={v}")), Off, "{v}");
            assert_eq!(tls(&format!("jdbc:mariadb://d/am?useSsl={v}")), Off, "{v}");
        }
        assert_eq!(tls("jdbc:mysql://d/am?useSSL=yes"), Optional);
        assert_eq!(tls("jdbc:mysql://d/am?sslMode=PREFERRED"), Optional);
        assert_eq!(
            tls("jdbc:mysql://d/am?useSSL=false&sslMode=VERIFY_IDENTITY"),
            Required
        );
        // useSSL=true with requireSSL=false is PREFERRED: TLS first, not "off".
        assert_eq!(
            tls("jdbc:mysql://d/am?useSSL=true&requireSSL=false"),
            Optional
        );
        assert_eq!(
            by("jdbc:mysql://d/am?useSSL=true&requireSSL=false"),
            "useSSL=true without requireSSL=true: PREFERRED, TLS first"
        );
        assert_eq!(
            tls("jdbc:mysql://d/am?useSSL=true&requireSSL=true"),
            Required
        );
        assert_eq!(by("jdbc:mysql://d/am?useSSL=false"), "useSSL=false");
        assert_eq!(tls("jdbc:mysql://d/am?useSSL=maybe"), Unstated);
        assert_eq!(tls("jdbc:mariadb://d/am"), Off);
        assert_eq!(tls("jdbc:mariadb://d/am?sslMode=verify-full"), Required);
        // No switch: the drivers' defaults, PREFERRED and prefer.
        assert_eq!(tls("jdbc:mysql://d/am"), Optional);
    }

    /// pgJDBC: sslmode and ssl, the later switch winning.
    #[test]
    fn tls_switches_of_postgresql() {
        use JdbcTls::*;
        let tls = |url: &str| parse(url).unwrap().tls;
        let by = |url: &str| parse(url).unwrap().tls_decided_by;
        for (v, want) in [
            ("disable", Off),
            ("allow", Off),
            ("prefer", Optional),
            ("require", Required),
            ("verify-full", Required),
        ] {
            assert_eq!(
                tls(&format!("jdbc:postgresql://pg/am?sslmode={v}")),
                want,
                "{v}"
            );
        }
        assert_eq!(tls("jdbc:postgresql://pg/am?ssl=false"), Optional);
        assert_eq!(tls("jdbc:postgresql://pg/am?ssl=true"), Required);
        assert_eq!(tls("jdbc:postgresql://pg/am"), Optional);
        // A later switch overrides an earlier one, as the drivers read them.
        assert_eq!(
            tls("jdbc:postgresql://pg/am?sslmode=require&sslmode=allow"),
            Off
        );
        assert_eq!(
            by("jdbc:postgresql://pg/am?sslmode=allow"),
            "sslmode=allow, which tries plain text first"
        );
        assert!(
            parse("jdbc:postgresql://pg/am?sslmode=prefer")
                .unwrap()
                .tls_disabled
        );
        assert!(parse("jdbc:postgresql://pg/am").unwrap().tls_disabled);
        assert!(
            !parse("jdbc:postgresql://pg/am?sslmode=verify-full")
                .unwrap()
                .tls_disabled
        );
    }

    /// mssql-jdbc encrypt=, DB2 sslConnection, Oracle thin TCPS.
    #[test]
    fn tls_switches_of_sqlserver_db2_and_oracle() {
        use JdbcTls::*;
        let tls = |url: &str| parse(url).unwrap().tls;
        let by = |url: &str| parse(url).unwrap().tls_decided_by;
        for (v, want) in [
            ("false", Off),
            ("no", Off),
            ("optional", Off),
            ("true", Required),
            ("strict", Required),
        ] {
            assert_eq!(tls(&format!("jdbc:sqlserver://m;encrypt={v}")), want, "{v}");
        }
        assert_eq!(tls("jdbc:sqlserver://m;databaseName=am"), Unstated);
        assert_eq!(
            by("jdbc:sqlserver://m;databaseName=am"),
            "no encrypt=: mssql-jdbc's default decides"
        );
        assert_eq!(tls("jdbc:db2://d/AM:sslConnection=false;"), Off);
        assert_eq!(tls("jdbc:db2://d/AM:sslConnection=true;"), Required);
        assert_eq!(tls("jdbc:db2://d/AM"), Off);
        // Oracle: TLS only over TCPS.
        assert_eq!(tls("jdbc:oracle:thin:@ora:1521/svc"), Off);
        assert_eq!(tls("jdbc:oracle:thin:@tcps://ora:2484/svc"), Required);
        let desc = "jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL = tcps)(HOST=o)(PORT=2484))(CONNECT_DATA=(SERVICE_NAME=s)))";
        assert_eq!(tls(desc), Required);
        assert_eq!(
            by("jdbc:oracle:thin:@(DESCRIPTION=(ADDRESS=(PROTOCOL=TCP)(HOST=o)(PORT=1521)))"),
            "no TCPS in the address: Oracle thin connects over plain TCP"
        );
    }

    #[test]
    fn ldap_urls() {
        let (e, tls) = ldap("ldap://ldap.example").unwrap();
        assert_eq!((e[0].to_string(), tls), ("ldap.example:389".into(), false));
        let (e, tls) = ldap("ldaps://ad.example").unwrap();
        assert_eq!((e[0].to_string(), tls), ("ad.example:636".into(), true));
        let (e, tls) = ldap("ldaps://a:1636 ldap://b:1389/dc=x").unwrap();
        assert_eq!(e.len(), 2);
        assert_eq!(e[1].to_string(), "b:1389");
        assert!(!tls);
        let (e, _) = ldap("ldap://localhost:${Ports.EmbeddedLDAP.LDAPServerPort}").unwrap();
        assert_eq!(e[0].port, 10389);
        assert!(ldap("http://x").is_err());
    }
}
