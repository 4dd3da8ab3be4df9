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

/// Key names whose values are secrets. Everything under `[secrets]` is one too.
const SECRET_KEYS: &[&str] = &[
    "password",
    "key_password",
    "connection_password",
    "app_password",
    "auth_token",
    "client_secret",
    "secret",
    "hash",
    "keystorepassword",
    "truststorepassword",
];

/// Whether a key path names a secret (`super_admin.password`, `secrets.*`, `encryption.key`).
pub fn is_secret_path(path: &str) -> bool {
    let path = path.strip_prefix("deployment.").unwrap_or(path);
    let segments = split_path(path).unwrap_or_default();
    let Some(last) = segments.last() else {
        return false;
    };
    let last = last.to_ascii_lowercase();
    segments
        .first()
        .is_some_and(|s| s == "secrets" && segments.len() > 1)
        || (segments.first().is_some_and(|s| s == "encryption") && last == "key")
        || SECRET_KEYS.contains(&last.as_str())
        || last.ends_with("password")
        || last.ends_with("_secret")
}

/// Whether a system property holds a secret (`javax.net.ssl.keyStorePassword`, `*.secret`).
pub fn is_secret_sysprop(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name).to_ascii_lowercase();
    last.contains("password") || last.contains("secret") || last == "key"
}
