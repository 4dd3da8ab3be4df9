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
