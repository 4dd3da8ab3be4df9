//! The LDAP user store: one simple bind as `connection_name`, a base-scope search of each search
//! base, and a read of the root DSE to name the directory server. Nothing is written. Over
//! ldaps:// or StartTLS the server's certificate is checked as the product's JNDI client checks
//! it: the chain against the JVM's truststore, and the host name (endpoint identification,
//! JDK 8u181+), recorded for the rules to judge with the JVM's flags.

use super::password::Credentials;
use super::trust::{self, Anchors, JdkVerifier, Name};
use ldap3::{LdapConn, LdapConnSettings, Scope, SearchEntry};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the connection is secured: `None` plain ldap://; otherwise the trust anchors (or why
/// they cannot be read) and whether TLS starts with StartTLS.
pub type Tls = Option<(Result<Arc<Anchors>, String>, bool)>;

/// What the directory answered.
#[derive(Debug, Default, Clone)]
pub struct Directory {
    /// `Err(reason)` when the bind failed.
    pub bind: Option<Result<(), String>>,
    /// Search bases that do not exist (or could not be read), each with the reason.
    pub bases_missing: Option<Vec<String>>,
    /// `OpenLDAP`, `Active Directory`, `ApacheDS 2.0.0-M24`, or the rootDSE's vendorName.
    pub vendor: Option<Result<String, String>>,
    /// Over TLS: `Some(Err(why))` when the certificate does not name the host, `Some(Ok(()))`
    /// when it does; `None` without TLS.
    pub tls_name: Option<Result<(), String>>,
    /// Why the connection the product would open cannot be reproduced (its trust anchors).
    pub unjudged: Option<String>,
}

/// Binds and searches under `until`; `bases` are (setting name, DN) pairs.
pub fn check(
    url: &str,
    creds: &Credentials,
    bases: &[(String, String)],
    (tls, until): (&Tls, Instant),
) -> Directory {
    let mut dir = Directory::default();
    let left = || {
        until
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    };
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut settings = LdapConnSettings::new().set_conn_timeout(left());
    let verifier = match tls {
        None => None,
        Some((Err(why), _)) => {
            dir.unjudged = Some(why.clone());
            return dir;
        }
        Some((Ok(anchors), starttls)) => {
            let v = JdkVerifier::new(Arc::clone(anchors), host_of(url), Name::Record);
            settings = settings
                .set_config(Arc::new(trust::client_config(v.clone())))
                .set_starttls(*starttls);
            Some(v)
        }
    };
    let connected = LdapConn::with_settings(settings, url);
    let seen = verifier.map(|v| v.outcome()).unwrap_or_default();
    dir.tls_name = seen.name;
    let mut ldap = match (connected, seen.chain) {
        (Ok(l), _) => l,
        (Err(_), Some(Err(why))) => {
            dir.bind = Some(Err(why));
            return dir;
        }
        (Err(e), _) => {
            dir.bind = Some(Err(format!("cannot connect to {url}: {e}")));
            return dir;
        }
    };
    if creds.password.is_empty() {
        // RFC 4513 5.1.2: a simple bind with an empty password is an unauthenticated bind,
        // which "succeeds" without checking anything.
        dir.bind = Some(Err("connection_password is empty".into()));
        return dir;
    }
    let bound = ldap
        .with_timeout(left())
        .simple_bind(&creds.user, &creds.password)
        .and_then(|r| r.success());
    if let Err(e) = bound {
        dir.bind = Some(Err(bind_error(&e)));
        let _ = ldap.unbind();
        return dir;
    }
    dir.bind = Some(Ok(()));
    let mut missing = Vec::new();
    for (name, base) in bases {
        let found =
            ldap.with_timeout(left())
                .search(base, Scope::Base, "(objectClass=*)", vec!["1.1"]);
        match found {
            Ok(r) if r.1.rc == 0 && !r.0.is_empty() => {}
            Ok(r) if r.1.rc == 32 => missing.push(format!("{name} {base}: no such object")),
            Ok(r) => missing.push(format!("{name} {base}: {}", result_text(r.1.rc, &r.1.text))),
            Err(e) => missing.push(format!("{name} {base}: {e}")),
        }
    }
    dir.bases_missing = Some(missing);
    dir.vendor = Some(root_dse(&mut ldap, left()));
    let _ = ldap.unbind();
    dir
}

/// The host of an LDAP URL (`ldaps://host:636/…`), as JNDI checks it against the certificate.
fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split('/').next().unwrap_or(rest);
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or(v6),
        None => authority.rsplit_once(':').map_or(authority, |(h, _)| h),
    }
}

fn root_dse(ldap: &mut LdapConn, left: Duration) -> Result<String, String> {
    let attrs = vec![
        "vendorName",
        "vendorVersion",
        "objectClass",
        "supportedCapabilities",
    ];
    let r = ldap
        .with_timeout(left)
        .search("", Scope::Base, "(objectClass=*)", attrs)
        .map_err(|e| format!("root DSE not read: {e}"))?;
    let entry =
        r.0.into_iter()
            .next()
            .map(SearchEntry::construct)
            .ok_or("the root DSE is not readable")?;
    let first = |k: &str| {
        entry
            .attrs
            .iter()
            .find(|(a, _)| a.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    Ok(identify(
        &first("vendorName"),
        &first("vendorVersion"),
        &first("objectClass"),
        &first("supportedCapabilities"),
    ))
}

/// Names the server from its root DSE (RFC 3045 vendorName/vendorVersion; OpenLDAP's
/// `OpenLDAProotDSE` class; Active Directory's LDAP_CAP_ACTIVE_DIRECTORY_OID capability).
fn identify(vendor: &[String], version: &[String], classes: &[String], caps: &[String]) -> String {
    let vendor = vendor.first().map(String::as_str).unwrap_or("");
    let version = version.first().map(String::as_str).unwrap_or("");
    if vendor.contains("Apache Software Foundation") {
        let v = version
            .strip_prefix("Apache Directory Server ")
            .unwrap_or(version);
        return format!("ApacheDS {v}").trim().to_string();
    }
    if classes
        .iter()
        .any(|c| c.eq_ignore_ascii_case("OpenLDAProotDSE"))
    {
        return "OpenLDAP".into();
    }
    if caps.iter().any(|c| c == "1.2.840.113556.1.4.800") {
        return "Active Directory".into();
    }
    if !vendor.is_empty() {
        return format!("{vendor} {version}").trim().to_string();
    }
    "unknown (the root DSE names no vendor)".into()
}

fn bind_error(e: &ldap3::LdapError) -> String {
    match e {
        ldap3::LdapError::LdapResult { result } => result_text(result.rc, &result.text),
        ldap3::LdapError::Timeout { .. } => "no answer within the run's network deadline".into(),
        other => other.to_string(),
    }
}

fn result_text(rc: u32, text: &str) -> String {
    let name = match rc {
        32 => "noSuchObject",
        34 => "invalidDNSyntax",
        48 => "inappropriateAuthentication",
        49 => "invalidCredentials",
        50 => "insufficientAccessRights",
        53 => "unwillingToPerform",
        _ => "",
    };
    match (name, text.trim()) {
        ("", "") => format!("LDAP result code {rc}"),
        ("", t) => format!("LDAP result code {rc}: {t}"),
        (n, "") => format!("{n} ({rc})"),
        (n, t) => format!("{n} ({rc}): {t}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn directory_servers_by_root_dse() {
        assert_eq!(
            identify(
                &v(&["Apache Software Foundation"]),
                &v(&["2.0.0-M24"]),
                &v(&["top", "extensibleObject"]),
                &[]
            ),
            "ApacheDS 2.0.0-M24"
        );
        assert_eq!(
            identify(&[], &[], &v(&["top", "OpenLDAProotDSE"]), &[]),
            "OpenLDAP"
        );
        assert_eq!(
            identify(
                &[],
                &[],
                &v(&["top"]),
                &v(&["1.2.840.113556.1.4.800", "1.2.840.113556.1.4.1670"])
            ),
            "Active Directory"
        );
        assert_eq!(
            identify(&v(&["389 Project"]), &v(&["389-Directory/2.4.5"]), &[], &[]),
            "389 Project 389-Directory/2.4.5"
        );
        assert!(identify(&[], &[], &[], &[]).starts_with("unknown"));
    }
}
