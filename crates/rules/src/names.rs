//! How fact names are spelled: deployment.toml key paths, and which names hold secrets.

/// Splits `a.'b.c'.d` into `["a", "b.c", "d"]`.
pub fn split_path(path: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let mut chars = path.chars().peekable();
    loop {
        let mut seg = String::new();
        match chars.peek() {
            Some(q @ ('\'' | '"')) => {
                let q = *q;
                chars.next();
                loop {
                    match chars.next()? {
                        c if c == q => break,
                        c => seg.push(c),
                    }
                }
            }
            _ => {
                while let Some(&c) = chars.peek() {
                    if c == '.' {
                        break;
                    }
                    seg.push(c);
                    chars.next();
                }
                if seg.is_empty() {
                    return None;
                }
            }
        }
        out.push(seg);
        match chars.next() {
            None => return Some(out),
            Some('.') => continue,
            Some(_) => return None,
        }
    }
}

/// The path of deployment.toml inside PRODUCT_HOME.
pub const DEPLOYMENT_TOML: &str = "repository/conf/deployment.toml";

fn needs_quotes(segment: &str) -> bool {
    segment.is_empty()
        || !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// `prefix.key`, the key quoted (`'a.b'`) where it is not a bare TOML key.
pub fn join(prefix: &str, key: &str) -> String {
    let seg = if needs_quotes(key) {
        format!("'{key}'")
    } else {
        key.to_string()
    };
    if prefix.is_empty() {
        seg
    } else {
        format!("{prefix}.{seg}")
    }
}

/// The path as the flattened map spells it (quotes only where a segment needs them).
pub fn canonical_path(path: &str) -> Option<String> {
    let segs = split_path(path)?;
    Some(segs.iter().fold(String::new(), |acc, s| join(&acc, s)))
}

/// Whether a key path names a secret (`super_admin.password`, `secrets.*`, `encryption.key`).
pub fn is_secret_path(path: &str) -> bool {
    let path = path.strip_prefix("deployment.").unwrap_or(path);
    // Called for every key of deployment.toml: a plain dotted path is read in place, and only
    // a path with quoted segments (`a.'b.c'`) is split into owned segments.
    let owned;
    let (first, last, nested) = if path.contains(['\'', '"']) {
        owned = split_path(path).unwrap_or_default();
        match (owned.first(), owned.last()) {
            (Some(first), Some(last)) => (first.as_str(), last.as_str(), owned.len() > 1),
            _ => return false,
        }
    } else {
        if path.split('.').any(str::is_empty) {
            return false;
        }
        let first = path.split('.').next().unwrap_or(path);
        let last = path.rsplit('.').next().unwrap_or(path);
        (first, last, path.contains('.'))
    };
    (first == "secrets" && nested) || crate::redact::is_secret_name(last)
}

/// Whether a system property holds a secret (`javax.net.ssl.keyStorePassword`, `dd.api-key`).
pub fn is_secret_sysprop(name: &str) -> bool {
    crate::redact::is_secret_name(name)
}

#[cfg(test)]
mod tests {
    use super::is_secret_path;

    #[test]
    fn secret_paths_plain_quoted_and_in_any_case() {
        for secret in [
            "super_admin.password",
            "deployment.super_admin.Password",
            "secrets.admin_password",
            "encryption.key",
            "encryption.KEY",
            "database.apim_db.password",
            "'a.b'.password",
            "apim.key_manager.client_secret",
            "keystore.tls.KeyPassword",
            "x.密码password",
            "x.key",
            "apim.ai.token",
            "apim.ai.key",
            "a.passphrase",
            "a.api_key",
            "a.credentials",
        ] {
            assert!(is_secret_path(secret), "{secret}");
        }
        for plain in [
            "server.hostname",
            "secrets",
            "keystore.primary.file_name",
            "apim.key_manager.type",
            "a..password",
            "",
            "x.pässwörd",
            "'unclosed.password",
        ] {
            assert!(!is_secret_path(plain), "{plain}");
        }
    }
}
