//! The facts of the live checks (live.rs), one per name, with why each could not be seen. No
//! password, no statement result beyond what the rules read, ever reaches a fact.

use super::ldap_bind::Directory;
use super::live::Live;
use super::password::Unresolved;
use super::session::Seen;
use super::trust::CertCheck;
use super::{Db, OFFLINE};
use crate::facts::{Context, Fact};
use crate::value::{Value, Version};
use std::collections::BTreeMap;

/// What one datasource contributes to a list fact: an item, nothing, or why it cannot be seen.
type PerDb<'a> = dyn Fn(&str, &Seen) -> Result<Option<String>, Unresolved> + 'a;

pub const NAMES: &[&str] = &[
    "db.login.failed",
    "db.servers",
    "db.apim_db.server",
    "db.apim_db.server-version",
    "db.shared_db.server",
    "db.shared_db.server-version",
    "db.apim_db.tables",
    "db.shared_db.tables",
    "db.admin-logins",
    "db.tls.not-negotiated",
    "userstore.ldap.bind-failed",
    "userstore.ldap.bases-missing",
    "userstore.ldap.vendor",
    "db.tls.untrusted",
    "db.tls.unverified",
    "userstore.ldap.tls-name-mismatch",
];

pub fn fact(ctx: &Context, name: &str, dbs: &BTreeMap<String, Db>, live: Option<&Live>) -> Fact {
    let Some(live) = live else {
        return if ctx.offline {
            Fact::offline(OFFLINE)
        } else {
            Fact::not_applicable("no PRODUCT_HOME given")
        };
    };
    let by_db = |f: &PerDb<'_>| over(live, dbs, false, f);
    match name {
        "db.login.failed" => over(live, dbs, true, &|id, s| login_failed(id, dbs, s)),
        "db.servers" => by_db(&|id, s| {
            Ok(s.version.as_ref().map(|v| {
                let ep = endpoint(dbs, id);
                let platform = s.platform.as_ref().map(|p| format!(" ({p})"));
                let product = s.product.as_deref().unwrap_or("?");
                format!(
                    "{id}: {product} {v}{} at {ep}",
                    platform.unwrap_or_default()
                )
            }))
        }),
        "db.admin-logins" => by_db(&|id, s| {
            logged_in(s)?;
            Ok(s.admin.as_ref().map(|a| format!("{id} ({a})")))
        }),
        "db.tls.not-negotiated" => by_db(&|id, s| tls(id, s)),
        "db.tls.untrusted" => by_db(&|id, s| untrusted(id, s)).at(refused_at(live, dbs)),
        "db.tls.unverified" => by_db(&|id, s| unverified(id, s)),
        "userstore.ldap.bind-failed" => ldap(live, |d| {
            let bind = d.bind.clone().ok_or("the bind was not tried")?;
            Ok(Value::List(
                bind.err().into_iter().map(Value::Str).collect(),
            ))
        }),
        "userstore.ldap.bases-missing" => ldap(live, |d| {
            let missing = d.bases_missing.clone().ok_or_else(|| not_bound(d))?;
            Ok(Value::List(missing.into_iter().map(Value::Str).collect()))
        }),
        "userstore.ldap.tls-name-mismatch" => ldap(live, |d| {
            Ok(Value::List(match &d.tls_name {
                Some(Err(why)) => vec![Value::Str(why.clone())],
                _ => Vec::new(),
            }))
        }),
        "userstore.ldap.vendor" => ldap(live, |d| {
            let vendor = d.vendor.clone().ok_or_else(|| not_bound(d))?;
            vendor.map(Value::Str)
        }),
        _ => one_db(name, dbs, live),
    }
}

/// `db.<apim_db|shared_db>.<server|server-version|tables>`.
fn one_db(name: &str, dbs: &BTreeMap<String, Db>, live: &Live) -> Fact {
    let rest = name.strip_prefix("db.").unwrap_or(name);
    let (id, what) = rest.split_once('.').unwrap_or((rest, ""));
    let Some(seen) = live.dbs.get(id) else {
        // No such datasource, or embedded H2: nothing to see.
        return match dbs.get(id) {
            Some(db) if db.endpoint.is_err() => {
                Fact::unavailable(db.endpoint.clone().err().unwrap_or_default())
            }
            _ => Fact::value(Value::Null),
        };
    };
    let seen = match seen {
        Ok(s) => s,
        Err(late) => return Fact::timed_out(format!("{id}: {late}")),
    };
    let why = || why_not_seen(id, seen);
    match what {
        "server" => match &seen.product {
            Some(p) if seen.version.is_some() => Fact::value(Value::Str(p.clone())),
            _ => why(),
        },
        "server-version" => match seen.version.as_deref().and_then(Version::parse) {
            Some(v) => Fact::value(Value::Version(v)),
            None => why(),
        },
        _ => match &seen.tables {
            Some(t) => Fact::value(Value::List(t.iter().cloned().map(Value::Str).collect())),
            None => why(),
        },
    }
}

/// Why a datasource's version or tables are not known: the login failed or was not tried.
fn why_not_seen(id: &str, s: &Seen) -> Fact {
    if let Some(Err(e)) = &s.login {
        return Fact::unavailable(format!("{id}: the login failed: {e}"));
    }
    if let Some(u) = &s.not_tried {
        return unresolved(id, u);
    }
    match s.errors.first() {
        Some(e) => Fact::unavailable(format!("{id}: {e}")),
        None => Fact::unavailable(format!("{id}: the server did not say")),
    }
}

fn unresolved(id: &str, u: &Unresolved) -> Fact {
    match u {
        Unresolved::NeedsKeystore(r) => Fact::not_applicable(format!("{id}: {r}")),
        Unresolved::Failed(r) => Fact::unavailable(format!("{id}: {r}")),
    }
}

fn endpoint(dbs: &BTreeMap<String, Db>, id: &str) -> String {
    dbs.get(id)
        .and_then(|d| d.endpoint.clone().ok().flatten())
        .map(|e| e.to_string())
        .unwrap_or_default()
}

fn login_failed(
    id: &str,
    dbs: &BTreeMap<String, Db>,
    s: &Seen,
) -> Result<Option<String>, Unresolved> {
    match &s.login {
        Some(Err(e)) => {
            let kind = dbs.get(id).map(|d| d.kind.as_str()).unwrap_or("?");
            Ok(Some(format!("{id} {kind} {}: {e}", endpoint(dbs, id))))
        }
        Some(Ok(_)) => Ok(None),
        None => Err(s
            .not_tried
            .clone()
            .unwrap_or_else(|| Unresolved::Failed("the login was not tried".into()))),
    }
}

fn logged_in(s: &Seen) -> Result<(), Unresolved> {
    match (&s.login, &s.not_tried) {
        (Some(Ok(_)), _) => Ok(()),
        (Some(Err(e)), _) => Err(Unresolved::Failed(format!("the login failed: {e}"))),
        (None, Some(u)) => Err(u.clone()),
        (None, None) => Err(Unresolved::Failed("the login was not tried".into())),
    }
}

/// Whether the session is encrypted: from the session itself after login, else (no login) only
/// when the server offers no TLS at all, which settles it.
fn tls(id: &str, s: &Seen) -> Result<Option<String>, Unresolved> {
    match (s.tls, s.tls_offered) {
        (Some(true), _) => Ok(None),
        (Some(false), Some(false)) => Ok(Some(format!("{id}: the server offers no TLS"))),
        (Some(false), _) => Ok(Some(format!(
            "{id}: the session is not encrypted (the JDBC URL's TLS settings)"
        ))),
        (None, Some(false)) => Ok(Some(format!("{id}: the server offers no TLS"))),
        (None, _) => logged_in(s).and_then(|_| {
            Err(Unresolved::Failed(
                s.errors
                    .first()
                    .cloned()
                    .unwrap_or("the session's TLS state was not read".into()),
            ))
        }),
    }
}

/// A certificate the product's driver would refuse (the handshake fails, so does the login).
fn untrusted(id: &str, s: &Seen) -> Result<Option<String>, Unresolved> {
    match &s.cert {
        Some(CertCheck::Refused(why)) => Ok(Some(format!("{id}: {why}"))),
        Some(CertCheck::Unknown(why)) => Err(Unresolved::Failed(why.clone())),
        // No certificate checked: no TLS (db.tls.not-negotiated says so) or no connection
        // (db.login says why).
        _ => Ok(None),
    }
}

/// An encrypted session whose certificate the driver does not check.
fn unverified(id: &str, s: &Seen) -> Result<Option<String>, Unresolved> {
    match (&s.cert, s.tls) {
        (Some(CertCheck::NotVerified(by)), Some(true)) => Ok(Some(format!(
            "{id}: certificate not verified by the driver ({by})"
        ))),
        (Some(CertCheck::NotVerified(_)), None) => logged_in(s).map(|_| None),
        _ => Ok(None),
    }
}

/// The `url` of the first datasource whose certificate the driver would refuse.
fn refused_at(live: &Live, dbs: &BTreeMap<String, Db>) -> Option<crate::facts::Location> {
    live.dbs
        .iter()
        .find(|(_, s)| matches!(s, Ok(s) if matches!(s.cert, Some(CertCheck::Refused(_)))))
        .and_then(|(id, _)| dbs.get(id)?.at.clone())
}

/// A list over every live datasource: problems found decide; otherwise what could not be seen
/// (an error, or a skip for a `$secret{}` password) stops a pass. `late_is_finding`: a server
/// that did not answer in time is itself the problem (a login), not a reason not to judge.
fn over(live: &Live, dbs: &BTreeMap<String, Db>, late_is_finding: bool, f: &PerDb<'_>) -> Fact {
    let mut found = Vec::new();
    let (mut failed, mut skipped) = (Vec::new(), Vec::new());
    for (id, seen) in &live.dbs {
        match seen.as_ref().map(|s| f(id, s)) {
            Ok(Ok(Some(item))) => found.push(Value::Str(item)),
            Ok(Ok(None)) => {}
            Ok(Err(Unresolved::NeedsKeystore(r))) => skipped.push(format!("{id}: {r}")),
            Ok(Err(Unresolved::Failed(r))) => failed.push(format!("{id}: {r}")),
            Err(late) if late_is_finding => {
                let kind = dbs.get(id).map(|d| d.kind.as_str()).unwrap_or("?");
                found.push(Value::Str(format!(
                    "{id} {kind} {}: {late}",
                    endpoint(dbs, id)
                )));
            }
            Err(late) => failed.push(format!("{id}: {late}")),
        }
    }
    if !found.is_empty() {
        return Fact::value(Value::List(found));
    }
    if !failed.is_empty() {
        return Fact::unavailable(failed.join("; "));
    }
    if !skipped.is_empty() {
        return Fact::not_applicable(skipped.join("; "));
    }
    Fact::value(Value::List(Vec::new()))
}

fn ldap(live: &Live, f: impl Fn(&Directory) -> Result<Value, String>) -> Fact {
    match &live.ldap {
        None => Fact::value(Value::Null),
        Some(Err(u)) => unresolved("[user_store]", u),
        Some(Ok(Directory {
            unjudged: Some(why),
            ..
        })) => Fact::unavailable(format!("[user_store] over TLS: {why}")),
        Some(Ok(d)) => match f(d) {
            Ok(v) => Fact::value(v),
            Err(why) => Fact::unavailable(why),
        },
    }
}

fn not_bound(d: &Directory) -> String {
    match &d.bind {
        Some(Err(e)) => format!("the bind failed: {e}"),
        _ => "the bind was not tried".into(),
    }
}
