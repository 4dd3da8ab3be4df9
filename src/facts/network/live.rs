//! Live checks against the servers deployment.toml names: one login per datasource and one LDAP
//! bind, all in parallel under the run's one deadline. Only reached when a rule asks for one of
//! these facts and the run is not `--offline`, so `check --offline` starts no thread or runtime.

use super::driver_tls::{Truststore, cert_plan};
use super::ldap_bind::{self, Directory};
use super::password::{self, Credentials, Unresolved};
use super::session::{Deadlined, Seen, Target, connect};
use super::trust::CertPlan;
use super::{Db, Ldap};
use crate::facts::deployment::Deployment;
use crate::value::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Everything the live checks saw; each entry `Err` when it did not answer in time.
pub struct Live {
    pub dbs: BTreeMap<String, Result<Seen, String>>,
    pub ldap: Option<Result<Directory, Unresolved>>,
}

/// Runs every login and the LDAP bind at once; returns by `until` whatever answered.
pub(super) fn run(
    home: &Path,
    decrypt: &password::Decrypt<'_>,
    (d, truststore): (&Deployment, &Truststore<'_>),
    dbs: &BTreeMap<String, Db>,
    ldap: &Ldap,
    until: Instant,
) -> Live {
    let (tx, rx) = mpsc::channel::<(Option<String>, Result<Seen, Directory>)>();
    let mut waiting: Vec<Option<String>> = Vec::new();
    for t in targets(home, decrypt, (d, truststore), dbs) {
        let tx = tx.clone();
        waiting.push(Some(t.id.clone()));
        std::thread::spawn(move || {
            let seen = datasource(&t, until);
            let _ = tx.send((Some(t.id.clone()), Ok(seen)));
        });
    }
    let mut out = Live {
        dbs: BTreeMap::new(),
        ldap: None,
    };
    if let Some((Ok(_), (url, _))) = ldap {
        match ldap_target(home, decrypt, d, url) {
            Ok((url, creds, bases)) => {
                let tx = tx.clone();
                waiting.push(None);
                let tls = ldap_tls(d, &url, truststore);
                std::thread::spawn(move || {
                    let dir = ldap_bind::check(&url, &creds, &bases, (&tls, until));
                    let _ = tx.send((None, Err(dir)));
                });
            }
            Err(why) => out.ldap = Some(Err(why)),
        }
    }
    drop(tx);
    while !waiting.is_empty() {
        let left = until.saturating_duration_since(Instant::now());
        let Ok((id, result)) = rx.recv_timeout(left + Duration::from_millis(20)) else {
            break;
        };
        waiting.retain(|w| *w != id);
        match (id, result) {
            (Some(id), Ok(seen)) => {
                out.dbs.insert(id, Ok(seen));
            }
            (_, Err(dir)) => out.ldap = Some(Ok(dir)),
            _ => {}
        }
    }
    let late = "no answer within the run's network deadline".to_string();
    for w in waiting {
        match w {
            Some(id) => {
                out.dbs.insert(id, Err(late.clone()));
            }
            None => {
                out.ldap = Some(Ok(Directory {
                    bind: Some(Err(late.clone())),
                    ..Directory::default()
                }))
            }
        }
    }
    out
}

/// One login (or, for servers preflight has no client for, the pre-login greeting only).
fn datasource(t: &Target, until: Instant) -> Seen {
    let not_tried = |product: &str, why: Unresolved| Seen {
        product: Some(product.to_string()),
        not_tried: Some(why),
        ..Seen::default()
    };
    match t.kind.as_str() {
        "postgre" => match &t.creds {
            Ok(c) => {
                let left = until.saturating_duration_since(Instant::now());
                super::pg_login::login(t, c, left.max(Duration::from_millis(1)))
            }
            Err(why) => not_tried("postgresql", why.clone()),
        },
        "mysql" | "mariadb" => super::mysql_login::session(t, until),
        "mssql" => before_login_only(t, until, "mssql", NO_MSSQL_CLIENT, |s| {
            let g = super::greeting::mssql(s)?;
            Ok(Seen {
                version: Some(g.version),
                tls_offered: Some(g.tls_offered),
                ..Seen::default()
            })
        }),
        "db2" => before_login_only(t, until, "db2", NO_DB2_CLIENT, |s| {
            let x = super::drda::db2(s)?;
            Ok(Seen {
                product: Some(x.product.to_string()),
                version: Some(x.version),
                platform: x.class_name,
                ..Seen::default()
            })
        }),
        "oracle" => not_tried("oracle", Unresolved::Failed(NO_ORACLE_CLIENT.into())),
        other => not_tried(
            other,
            Unresolved::Failed(format!(
                "preflight has no client for `{other}`: its login, version and tables are not checked"
            )),
        ),
    }
}

/// Whether the user store's connection is TLS (ldaps://, or the StartTLSEnabled property, as
/// carbon-kernel's LDAPConnectionContext decides), and the truststore's anchors if so.
fn ldap_tls(d: &Deployment, url: &str, truststore: &Truststore<'_>) -> ldap_bind::Tls {
    // wso2/carbon-kernel v4.9.28 core/org.wso2.carbon.user.core/src/main/java/org/wso2/carbon/
    // user/core/ldap/LDAPConnectionContext.java:231,722 (StartTLSEnabled; infer.json:118 false).
    let key = "user_store.properties.StartTLSEnabled";
    let starttls = matches!(d.lookup(key), Some((Value::Bool(true), _)))
        || text(d, key).is_some_and(|v| v.eq_ignore_ascii_case("true"));
    let ldaps = url.to_ascii_lowercase().starts_with("ldaps://");
    (ldaps || starttls).then(|| (truststore(), starttls && !ldaps))
}

/// SQL Server reveals its version and TLS offer in PRELOGIN ([MS-TDS] 2.2.6.5), before login.
const NO_MSSQL_CLIENT: &str = "preflight has no SQL Server client: it reads the version and TLS offer from PRELOGIN but does not log in";
/// DB2 reveals its release in EXCSATRD (DRDA Vol. 3), before login.
const NO_DB2_CLIENT: &str =
    "preflight has no DB2 client: it reads the release from EXCSAT but does not log in";
/// Oracle's TNS ACCEPT carries only the TNS protocol version; the database version is the
/// AUTH_VERSION_NO of the second authentication round trip, after the password is checked
/// (oracle/python-oracledb 3140a83 src/oracledb/impl/thin/messages.pyx: `ConnectMessage.process`
/// reads the protocol version from ACCEPT, `AuthMessage._process_return_parameters` sets the
/// server version in phase two only).
const NO_ORACLE_CLIENT: &str =
    "Oracle reveals its version only after login; preflight has no Oracle client";

/// A server preflight has no client for, read before any login by `read` (which fills what it
/// saw); connecting or reading failing is the datasource's failure, as a login's would be.
fn before_login_only(
    t: &Target,
    until: Instant,
    product: &str,
    no_client: &str,
    read: impl FnOnce(&mut Deadlined) -> Result<Seen, String>,
) -> Seen {
    let seen =
        connect(&t.endpoint, until).and_then(|mut s| read(&mut Deadlined::new(&mut s, until)));
    match seen {
        Ok(seen) => Seen {
            product: seen.product.clone().or_else(|| Some(product.into())),
            not_tried: Some(Unresolved::Failed(no_client.into())),
            ..seen
        },
        Err(e) => Seen {
            product: Some(product.into()),
            login: Some(Err(e)),
            ..Seen::default()
        },
    }
}

/// Every networked `[database.<id>]`, with its credentials resolved.
fn targets(
    home: &Path,
    decrypt: &password::Decrypt<'_>,
    (d, truststore): (&Deployment, &Truststore<'_>),
    dbs: &BTreeMap<String, Db>,
) -> Vec<Target> {
    dbs.iter()
        .filter_map(|(id, db)| {
            let endpoint = db.endpoint.clone().ok()??;
            let url = jdbc_url(home, d, id);
            let (database, params) = url_parts(&url);
            let creds = password::resolve(
                home,
                decrypt,
                d,
                &format!("database.{id}.username"),
                &format!("database.{id}.password"),
            );
            let mut t = Target {
                id: id.clone(),
                kind: db.kind.clone(),
                endpoint,
                database: database.or_else(|| text(d, &format!("database.{id}.name"))),
                params,
                creds,
                cert: CertPlan::NotVerified(String::new()),
            };
            t.cert = cert_plan(&t, home, truststore);
            Some(t)
        })
        .collect()
}

/// `[database.<id>] url` as the driver reads it. deployment.toml's parse redacts secret URL
/// parameters (trustCertificateKeyStorePassword=…); the driver needs them, so such a URL is
/// read again as the file writes it. It stays in the Target, never in a fact.
fn jdbc_url(home: &Path, d: &Deployment, id: &str) -> String {
    let key = format!("database.{id}.url");
    let url = match d.lookup(&key) {
        Some((Value::Str(u), _)) => u.clone(),
        _ => String::new(),
    };
    let url = match url.contains("<redacted>") {
        true => crate::facts::deployment::raw_strings(home, std::slice::from_ref(&key))
            .ok()
            .and_then(|mut raw| raw.remove(&key))
            .unwrap_or(url),
        false => url,
    };
    url.replace("&amp;", "&")
}

fn text(d: &Deployment, key: &str) -> Option<String> {
    match d.lookup(key) {
        Some((Value::Str(s), _)) => Some(s.clone()),
        _ => None,
    }
}

/// A text setting as the product will use it (placeholders resolved), `Ok(None)` when unset,
/// or why it is only known at start.
fn resolved_text(d: &Deployment, key: &str) -> Result<Option<String>, Unresolved> {
    match d.get(key) {
        Ok(Some((Value::Str(s), _))) => Ok(Some(s.clone())),
        Ok(_) => Ok(None),
        Err(why) => Err(Unresolved::Failed(why)),
    }
}

/// The database name and parameters of `jdbc:<sub>://host[:port][,…]/name?k=v&k=v` (`;k=v` too).
fn url_parts(url: &str) -> (Option<String>, Vec<(String, String)>) {
    let Some(after) = url.find("//").map(|i| &url[i + 2..]) else {
        return (None, Vec::new());
    };
    let (path, query) = match after.find(['?', ';']) {
        Some(i) => (&after[..i], &after[i + 1..]),
        None => (after, ""),
    };
    let name = path
        .split_once('/')
        .map(|(_, n)| n.trim().to_string())
        .filter(|n| !n.is_empty() && !n.contains(':'));
    let params = query
        .split(['&', ';', '?'])
        .filter_map(|kv| kv.split_once('='))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    (name, params)
}

/// The LDAP URL (the first of a list), the bind credentials and the (setting, DN) search bases.
type LdapTarget = (String, Credentials, Vec<(String, String)>);

/// The LDAP URL (the first of a list), the bind credentials and the search bases.
fn ldap_target(
    home: &Path,
    decrypt: &password::Decrypt<'_>,
    d: &Deployment,
    url: &str,
) -> Result<LdapTarget, Unresolved> {
    let pick = |flat: &str, prop: &str| {
        if d.lookup(&format!("user_store.{flat}")).is_some() {
            format!("user_store.{flat}")
        } else {
            format!("user_store.properties.{prop}")
        }
    };
    let creds = password::resolve(
        home,
        decrypt,
        d,
        &pick("connection_name", "ConnectionName"),
        &pick("connection_password", "ConnectionPassword"),
    )?;
    let base_dn = resolved_text(d, "user_store.base_dn")?;
    let mut bases = Vec::new();
    for (flat, prop, ou) in [
        ("user_search_base", "UserSearchBase", "Users"),
        ("group_search_base", "GroupSearchBase", "Groups"),
    ] {
        let set = match resolved_text(d, &format!("user_store.{flat}"))? {
            Some(dn) => Some(dn),
            None => resolved_text(d, &format!("user_store.properties.{prop}"))?,
        }
        // infer.json: `UserSearchBase = ou=Users,$ref{user_store.base_dn}`.
        .or_else(|| base_dn.as_ref().map(|b| format!("ou={ou},{b}")));
        match set {
            Some(dn) => bases.push((flat.to_string(), dn)),
            None => {
                return Err(Unresolved::Failed(format!(
                    "[user_store] sets neither {flat} nor base_dn"
                )));
            }
        }
    }
    let first = url.split_whitespace().next().unwrap_or(url).to_string();
    Ok((first, creds, bases))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Oracle's version needs a login (TNS ACCEPT carries no server version), so no connection
    /// is made and the reason says exactly that.
    #[test]
    fn oracle_is_not_contacted_and_the_reason_says_its_version_needs_a_login() {
        let t = Target {
            id: "apim_db".into(),
            kind: "oracle".into(),
            // Were a connection tried, it would be refused and the reason would say so.
            endpoint: crate::facts::network::jdbc::Endpoint {
                host: "127.0.0.1".into(),
                port: 9,
            },
            database: None,
            params: Vec::new(),
            creds: Err(Unresolved::Failed("not needed".into())),
            cert: super::super::trust::CertPlan::NotVerified("not needed".into()),
        };
        let started = Instant::now();
        let seen = datasource(&t, started + Duration::from_secs(5));
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!(seen.product.as_deref(), Some("oracle"));
        assert!(seen.login.is_none() && seen.version.is_none());
        match seen.not_tried {
            Some(Unresolved::Failed(why)) => assert_eq!(
                why,
                "Oracle reveals its version only after login; preflight has no Oracle client"
            ),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn database_names_and_parameters_of_jdbc_urls() {
        let (n, p) =
            url_parts("jdbc:postgresql://pg:5432/apim_db?sslmode=require&ApplicationName=x");
        assert_eq!(n.as_deref(), Some("apim_db"));
        assert_eq!(p[0], ("sslmode".to_string(), "require".to_string()));
        let (n, p) = url_parts(
            "jdbc:mysql://h1:3306,h2:3306/am?useSSL=false&amp;x=1"
                .replace("&amp;", "&")
                .as_str(),
        );
        assert_eq!((n.as_deref(), p.len()), (Some("am"), 2));
        let (n, _) = url_parts("jdbc:sqlserver://ms:1433;databaseName=am;encrypt=true");
        assert_eq!(n, None);
        assert_eq!(url_parts("jdbc:h2:./x").0, None);
    }
}
