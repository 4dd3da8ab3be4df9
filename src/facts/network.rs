//! Network probe: database endpoints from `[database.*]`, the LDAP user store from
//! `[user_store]`, whether each answers a TCP connection, and (live.rs) what each server shows
//! to one login or bind, all under one deadline.

mod drda;
mod driver_tls;
mod greeting;
pub mod jdbc;
mod ldap_bind;
mod live;
mod live_facts;
mod mysql_login;
mod password;
mod pg_login;
mod reach;
mod session;
mod trust;

use super::deployment::Deployment;
use super::{Context, Fact, Location};
use crate::value::Value;
use jdbc::Endpoint;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Databases every API Manager has; when deployment.toml has no section for one, it is H2.
const REQUIRED_DBS: &[&str] = &["apim_db", "shared_db"];
/// Per-database facts, as `db.<id>.<what>`.
const DB_FACTS: &[&str] = &["type", "endpoint", "url-tls-disabled", "username"];
/// How long reachability checks may take, at most.
const CONNECT_DEADLINE: Duration = Duration::from_secs(3);
/// The reason the engine turns into a skip.
const OFFLINE: &str = "skipped: --offline";

/// One `[database.<id>]` as this probe reads it.
#[derive(Debug, Clone)]
struct Db {
    kind: String,
    endpoint: Result<Option<Endpoint>, String>,
    at: Option<Location>,
    tls_disabled: bool,
    /// The URL leaves TLS to mssql-jdbc's default (no `encrypt=`), which the jar's version decides.
    tls_driver_default: bool,
    /// What decides the TLS of the connection: the URL's switch or the driver's default.
    tls_decided_by: String,
    /// The configured `username`, as written. Which names are administrators is the rule's
    /// to say (db.privileged-user in rules/wso2-apim/db.toml).
    user: Option<(String, Location)>,
    /// Why a setting of this database is only known at start, if one is: its facts are then
    /// unavailable rather than judged on what the file literally says.
    unknown: Option<String>,
}

pub fn probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    let d = ctx.deployment();
    if let Some(reason) = d.unusable() {
        return names
            .iter()
            .map(|n| (n.clone(), Fact::unavailable(reason.clone())))
            .collect();
    }
    let dbs = databases(d);
    let ldap = ldap(d);
    let wants_reach = names
        .iter()
        .any(|n| n == "db.unreachable" || n == "userstore.ldap.unreachable");
    let deadline = ctx.deadline.min(CONNECT_DEADLINE);
    let wants_live = names
        .iter()
        .any(|n| live_facts::NAMES.contains(&n.as_str()));
    // The logins run beside the TCP checks, inside the family's deadline (with a margin for
    // reporting back).
    let until = std::time::Instant::now() + ctx.deadline.saturating_sub(Duration::from_millis(300));
    let (live, down) = std::thread::scope(|s| {
        // live::run returns by `until` whatever its own threads answered.
        let live = match (wants_live && !ctx.offline, ctx.home()) {
            (true, Some(home)) => {
                let (dbs, ldap) = (&dbs, &ldap);
                let env = ctx.start_env();
                let decrypt = move |l: password::Lookup<'_>| match l {
                    password::Lookup::Secret(alias) => vault_secret(ctx, alias),
                    password::Lookup::Env(name) => env
                        .get(name)
                        .map(|v| zeroize::Zeroizing::new(v.to_string()))
                        .ok_or_else(|| password::Unresolved::Failed(format!("{name} is not set"))),
                };
                let read = std::sync::OnceLock::new();
                let truststore = move || {
                    read.get_or_init(|| {
                        let (file, certs) = super::keystore::truststore_certs(ctx)?;
                        trust::Anchors::new(file, certs).map(std::sync::Arc::new)
                    })
                    .clone()
                };
                Some(s.spawn(move || live::run(home, &decrypt, (d, &truststore), dbs, ldap, until)))
            }
            _ => None,
        };
        let down = (wants_reach && !ctx.offline).then(|| check(&dbs, &ldap, deadline));
        (live.and_then(|h| h.join().ok()), down)
    });
    names
        .iter()
        .map(|n| {
            let f = if live_facts::NAMES.contains(&n.as_str()) {
                live_facts::fact(ctx, n, &dbs, live.as_ref())
            } else {
                fact(ctx, n, &dbs, &ldap, down.as_ref())
            };
            (n.clone(), f)
        })
        .collect()
}

/// A `$secret{}` alias's clear value from the Secure Vault; without a keystore password the
/// login is not tried (skip), an alias that does not decrypt is an error.
fn vault_secret(
    ctx: &Context,
    alias: &str,
) -> Result<zeroize::Zeroizing<String>, password::Unresolved> {
    let vault = ctx.secrets();
    match vault.secret(alias) {
        Ok(v) => Ok(zeroize::Zeroizing::new(v.to_string())),
        Err(_) if vault.lacks_password() => Err(password::Unresolved::NeedsKeystore(format!(
            "password is $secret{{{alias}}}: supply the keystore password (--keystore-password-file FILE or $PREFLIGHT_KEYSTORE_PASSWORD) to decrypt it"
        ))),
        Err(e) => Err(password::Unresolved::Failed(e)),
    }
}

/// Connects to every distinct endpoint at once; returns why each one that failed did.
fn check(dbs: &BTreeMap<String, Db>, ldap: &Ldap, deadline: Duration) -> BTreeMap<String, String> {
    let mut all: Vec<Endpoint> = dbs
        .values()
        .filter_map(|db| db.endpoint.clone().ok().flatten())
        .collect();
    if let Some((Ok((eps, _)), _)) = ldap {
        all.extend(eps.iter().cloned());
    }
    let mut unique: Vec<Endpoint> = Vec::new();
    for e in all {
        if !unique.contains(&e) {
            unique.push(e);
        }
    }
    reach::unreachable(&unique, deadline)
        .into_iter()
        .map(|(e, why)| (e.to_string(), why))
        .collect()
}

type Ldap = Option<(Result<(Vec<Endpoint>, bool), String>, (String, Location))>;

fn fact(
    ctx: &Context,
    name: &str,
    dbs: &BTreeMap<String, Db>,
    ldap: &Ldap,
    down: Option<&BTreeMap<String, String>>,
) -> Fact {
    let str_list =
        |v: Vec<String>| Fact::value(Value::List(v.into_iter().map(Value::Str).collect()));
    if let Some(why) = unknown_for(name, dbs) {
        return Fact::unavailable(why);
    }
    match name {
        "db.endpoints" => str_list(
            dbs.iter()
                .filter_map(|(id, db)| Some(format!("{id}={}", db.endpoint.clone().ok()??)))
                .collect(),
        ),
        "db.unreachable" => match down {
            None if ctx.offline => Fact::offline(OFFLINE),
            None => Fact::unavailable("reachability was not checked"),
            Some(down) => str_list(
                dbs.iter()
                    .filter_map(|(id, db)| {
                        let ep = db.endpoint.clone().ok()??.to_string();
                        down.get(&ep).map(|why| format!("{id} {ep}: {why}"))
                    })
                    .collect(),
            ),
        },
        "db.tls-disabled" => tls_list(dbs, |db| db.tls_disabled),
        "db.tls-driver-default" => tls_list(dbs, |db| db.tls_driver_default),
        "db.users" => {
            let users: Vec<(&String, &(String, Location))> = dbs
                .iter()
                .filter_map(|(id, db)| Some((id, db.user.as_ref()?)))
                .collect();
            let at = users.first().map(|(_, (_, at))| at.clone());
            str_list(
                users
                    .iter()
                    .map(|(id, (u, _))| format!("{id} ({u})"))
                    .collect(),
            )
            .at(at)
        }
        "userstore.ldap.url" => match ldap {
            Some((Err(e), (_, at))) => Fact::unavailable(e.clone()).at(Some(at.clone())),
            Some((_, (url, at))) => Fact::value(Value::Str(url.clone())).at(Some(at.clone())),
            None => Fact::value(Value::Null),
        },
        "userstore.ldap.tls" => match ldap {
            Some((Ok((_, tls)), (_, at))) => Fact::value(Value::Bool(*tls)).at(Some(at.clone())),
            Some((Err(e), _)) => Fact::unavailable(e.clone()),
            None => Fact::value(Value::Null),
        },
        "userstore.ldap.unreachable" => match (ldap, down) {
            (_, None) if ctx.offline => Fact::offline(OFFLINE),
            (None, _) => str_list(Vec::new()),
            (Some((Err(e), _)), _) => Fact::unavailable(e.clone()),
            (_, None) => Fact::unavailable("reachability was not checked"),
            (Some((Ok((eps, _)), _)), Some(down)) => str_list(
                eps.iter()
                    .filter_map(|e| {
                        let ep = e.to_string();
                        down.get(&ep).map(|why| format!("{ep}: {why}"))
                    })
                    .collect(),
            ),
        },
        _ => db_fact(name, dbs),
    }
}

/// Why a db fact cannot be known before start: a setting it depends on is a placeholder that
/// resolves only then. Facts over every database depend on all of them.
fn unknown_for(name: &str, dbs: &BTreeMap<String, Db>) -> Option<String> {
    let rest = name.strip_prefix("db.")?;
    let one = dbs.iter().find(|(id, _)| {
        rest.strip_prefix(id.as_str())
            .is_some_and(|r| r.starts_with('.'))
    });
    match one {
        Some((_, db)) => db.unknown.clone(),
        None => dbs.values().find_map(|db| db.unknown.clone()),
    }
}

fn db_fact(name: &str, dbs: &BTreeMap<String, Db>) -> Fact {
    let parsed = name.strip_prefix("db.").and_then(|rest| {
        DB_FACTS
            .iter()
            .find_map(|w| rest.strip_suffix(w)?.strip_suffix('.').map(|id| (id, *w)))
    });
    let Some((id, what)) = parsed else {
        return Fact::unavailable(format!("the network probe does not know `{name}`"));
    };
    let Some(db) = dbs.get(id) else {
        return Fact::value(Value::Null);
    };
    match what {
        "type" => Fact::value(Value::Str(db.kind.clone())),
        "endpoint" => match &db.endpoint {
            Ok(Some(e)) => Fact::value(Value::Str(e.to_string())).at(db.at.clone()),
            Ok(None) => Fact::value(Value::Null),
            Err(e) => Fact::unavailable(e.clone()),
        },
        "url-tls-disabled" => Fact::value(Value::Bool(db.tls_disabled)).at(db.at.clone()),
        _ => match &db.user {
            Some((u, at)) => Fact::value(Value::Str(u.clone())).at(Some(at.clone())),
            None => Fact::value(Value::Null),
        },
    }
}

/// Every `[database.<id>]` that deployment.toml sets, plus apim_db and shared_db (H2 when absent).
fn databases(d: &Deployment) -> BTreeMap<String, Db> {
    let mut ids: BTreeSet<String> = REQUIRED_DBS.iter().map(|s| s.to_string()).collect();
    for key in d.keys.keys() {
        let Some(rest) = key.strip_prefix("database.") else {
            continue;
        };
        for leaf in ["url", "type", "hostname"] {
            if let Some(id) = rest.strip_suffix(leaf).and_then(|r| r.strip_suffix('.')) {
                ids.insert(id.to_string());
            }
        }
    }
    ids.into_iter()
        .map(|id| {
            let db = database(d, &id);
            (id, db)
        })
        .collect()
}

/// The databases whose connection `pick` selects, as `id (what decides its TLS)`, located at
/// the first one's URL.
fn tls_list(dbs: &BTreeMap<String, Db>, pick: impl Fn(&Db) -> bool) -> Fact {
    let hits: Vec<(&String, &Db)> = dbs.iter().filter(|(_, db)| pick(db)).collect();
    let at = hits.first().and_then(|(_, db)| db.at.clone());
    let items = hits
        .iter()
        .map(|(id, db)| Value::Str(format!("{id} ({})", db.tls_decided_by)))
        .collect();
    Fact::value(Value::List(items)).at(at)
}

fn database(d: &Deployment, id: &str) -> Db {
    let unknown = ["type", "url", "hostname", "port", "username"]
        .iter()
        .find_map(|k| d.get(&format!("database.{id}.{k}")).err());
    Db {
        unknown,
        ..database_as_written(d, id)
    }
}

fn database_as_written(d: &Deployment, id: &str) -> Db {
    let get = |k: &str| d.lookup(&format!("database.{id}.{k}"));
    let text = |k: &str| match get(k) {
        Some((Value::Str(s), loc)) => Some((s.clone(), loc.clone())),
        Some((Value::Int(i), loc)) => Some((i.to_string(), loc.clone())),
        _ => None,
    };
    let configured_kind = text("type").map(|(t, _)| t.to_ascii_lowercase());
    let user = text("username");
    if let Some((url, at)) = text("url") {
        let parsed = jdbc::parse(&url);
        let kind = configured_kind
            .or_else(|| parsed.as_ref().ok().map(|j| j.kind.to_string()))
            .unwrap_or_else(|| "unknown".into());
        let tls = parsed
            .as_ref()
            .ok()
            .map(|j| (j.tls, j.tls_decided_by.clone()));
        let (tls, tls_decided_by) = tls.unwrap_or((jdbc::JdbcTls::Unstated, String::new()));
        return Db {
            kind,
            tls_disabled: matches!(tls, jdbc::JdbcTls::Off | jdbc::JdbcTls::Optional),
            tls_driver_default: tls == jdbc::JdbcTls::Unstated
                && parsed.as_ref().is_ok_and(|j| j.kind == "mssql"),
            tls_decided_by,
            endpoint: parsed.map(|j| j.endpoint),
            at: Some(at),
            user,
            unknown: None,
        };
    }
    let kind = configured_kind.unwrap_or_else(|| "h2".into());
    let endpoint = match (text("hostname"), kind.as_str()) {
        (None, "h2") => Ok(None),
        (None, _) => Err(format!("[database.{id}] sets neither url nor hostname")),
        (Some((host, _)), k) => {
            let port = text("port")
                .and_then(|(p, _)| p.parse::<u16>().ok())
                .or_else(|| jdbc::default_port(k));
            match port {
                Some(port) => Ok(Some(Endpoint { host, port })),
                None => Err(format!("no port for [database.{id}] of type `{k}`")),
            }
        }
    };
    // The config mapper builds the URL from hostname/port/name with no TLS switch (infer.json:
    // `jdbc:mysql://$ref{…hostname}:$ref{…port}/$ref{…name}`), so the driver's default decides.
    let (tls, by) = match kind.as_str() {
        "h2" => (jdbc::JdbcTls::Unstated, String::new()),
        k => jdbc::jdbc_tls(k, ""),
    };
    let by = format!("{by}; URL built from hostname by the config mapper");
    Db {
        tls_disabled: matches!(tls, jdbc::JdbcTls::Off | jdbc::JdbcTls::Optional)
            && endpoint.as_ref().is_ok_and(|e| e.is_some()),
        tls_driver_default: tls == jdbc::JdbcTls::Unstated && kind == "mssql",
        tls_decided_by: by,
        kind,
        endpoint,
        at: text("hostname").map(|(_, at)| at),
        user,
        unknown: None,
    }
}

/// The LDAP connection URL, from `[user_store] connection_url` or `[user_store.properties] ConnectionURL`,
/// placeholders resolved as the product resolves them; a URL only known at start (`$sys{}`, an
/// unset `$env{}`) is an error, never parsed as written (`ldaps://$sys{h}` is not TLS to a host).
fn ldap(d: &Deployment) -> Ldap {
    [
        "user_store.connection_url",
        "user_store.properties.ConnectionURL",
    ]
    .iter()
    .find_map(|k| match d.get(k) {
        Ok(Some((Value::Str(s), loc))) => Some((jdbc::ldap(s), (s.clone(), loc.clone()))),
        Ok(_) => None,
        Err(why) => match d.lookup(k)? {
            (Value::Str(s), loc) => Some((Err(why), (s.clone(), loc.clone()))),
            (_, loc) => Some((Err(why), (String::new(), loc.clone()))),
        },
    })
}

#[cfg(test)]
mod tests;
