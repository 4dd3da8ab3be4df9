//! Typed values shared by facts and rule conditions: byte sizes, durations, Java-aware versions.

use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::fmt;

/// A value a probe observed. Facts hold these; conditions compare against them.
///
/// In JSON (facts files, reports) it is written `{"type": "str", "value": "..."}`; in the
/// binary form the build script embeds the compiled pack in, as a plain enum (see [`serde_forms`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// The thing looked for is not there (a key absent from a file, no JDK on the host).
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// A size in bytes.
    Bytes(u64),
    /// A duration in milliseconds.
    Duration(u64),
    Version(Version),
    Str(String),
    List(Vec<Value>),
    /// A secret, never shown: only whether it equals a well-known default, and a salted digest.
    Secret(Secret),
}

/// The two serde forms of [`Value`]: tagged for readable formats (JSON, TOML), a plain enum for
/// binary ones (postcard, which cannot read a tag by name).
mod serde_forms {
    use super::{Secret, Value, Version};
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(
        remote = "Value",
        tag = "type",
        content = "value",
        rename_all = "snake_case"
    )]
    enum Tagged {
        Null,
        Bool(bool),
        Int(i64),
        Float(f64),
        Bytes(u64),
        Duration(u64),
        Version(Version),
        Str(String),
        List(Vec<Value>),
        Secret(Secret),
    }

    #[derive(Serialize, Deserialize)]
    #[serde(remote = "Value")]
    enum Plain {
        Null,
        Bool(bool),
        Int(i64),
        Float(f64),
        Bytes(u64),
        Duration(u64),
        Version(Version),
        Str(String),
        List(Vec<Value>),
        Secret(Secret),
    }

    impl Serialize for Value {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            if s.is_human_readable() {
                Tagged::serialize(self, s)
            } else {
                Plain::serialize(self, s)
            }
        }
    }

    impl<'de> Deserialize<'de> for Value {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Value, D::Error> {
            if d.is_human_readable() {
                Tagged::deserialize(d)
            } else {
                Plain::deserialize(d)
            }
        }
    }
}

/// What is kept of a secret after redaction at collection time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Secret {
    /// The well-known default it equals (`admin`, `wso2carbon`, ...), if any. Safe to show.
    pub known_default: Option<String>,
    /// How it is written: `plain`, `secret-ref` (`$secret{}`), `env` (`$env{}`), `sys` (`$sys{}`), `empty`.
    pub form: String,
}

/// Secrets that WSO2 ships or that operators commonly leave in place. A secret fact can only be
/// compared with one of these, so a rule never needs the secret itself.
pub const KNOWN_DEFAULT_SECRETS: &[&str] = &[
    "admin",
    "wso2carbon",
    "password",
    "changeme",
    "secret",
    "dashboard",
    "root",
    "",
    // SHA-256 of "dashboard": the shipped [account_recovery.endpoint.auth] hash.
    "66cd9688a2ae068244ea01e70f0e230f5623b7fa4cdecb65070a09ec06452262",
];

impl Secret {
    /// Redacts `raw`, keeping only which known default it is and how it is written.
    pub fn redact(raw: &str) -> Secret {
        let form = crate::value::placeholder_form(raw).unwrap_or(if raw.is_empty() {
            "empty"
        } else {
            "plain"
        });
        Secret {
            known_default: KNOWN_DEFAULT_SECRETS
                .iter()
                .find(|d| **d == raw)
                .map(|d| d.to_string()),
            form: form.to_string(),
        }
    }
}

/// Classifies a WSO2 placeholder value: `$secret{}`, `$env{}`, `$sys{}`, `$ref{}` or plain `${}`.
pub fn placeholder_form(raw: &str) -> Option<&'static str> {
    let t = raw.trim();
    let whole = |prefix: &str| t.starts_with(prefix) && t.ends_with('}');
    if whole("$secret{") {
        Some("secret-ref")
    } else if whole("$env{") {
        Some("env")
    } else if whole("$sys{") {
        Some("sys")
    } else if whole("$ref{") {
        Some("ref")
    } else if whole("${") {
        Some("carbon-placeholder")
    } else {
        None
    }
}

impl Value {
    /// The name of this value's type, as rule authors see it.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "bool",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Bytes(_) => "bytes",
            Value::Duration(_) => "duration",
            Value::Version(_) => "version",
            Value::Str(_) => "string",
            Value::List(_) => "list",
            Value::Secret(_) => "secret",
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Null => f.write_str("(not set)"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Float(x) => write!(f, "{x}"),
            Value::Bytes(b) => f.write_str(&format_bytes(*b)),
            Value::Duration(ms) => f.write_str(&format_duration(*ms)),
            Value::Version(v) => write!(f, "{v}"),
            Value::Str(s) => f.write_str(s),
            Value::List(items) => {
                let parts: Vec<String> = items.iter().map(|v| v.to_string()).collect();
                write!(f, "[{}]", parts.join(", "))
            }
            Value::Secret(_) => f.write_str("<redacted>"),
        }
    }
}

const BYTE_UNITS: &[(&str, u64)] = &[
    ("tib", 1 << 40),
    ("gib", 1 << 30),
    ("mib", 1 << 20),
    ("kib", 1 << 10),
    ("tb", 1_000_000_000_000),
    ("gb", 1_000_000_000),
    ("mb", 1_000_000),
    ("kb", 1_000),
    ("t", 1 << 40),
    ("g", 1 << 30),
    ("m", 1 << 20),
    ("k", 1 << 10),
    ("b", 1),
];

/// Parses `4GiB`, `512MiB`, `10GB`, `1024m` (JVM style, binary) or a plain number of bytes.
pub fn parse_bytes(text: &str) -> Option<u64> {
    let t = text.trim().replace('_', "");
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let unit = unit.trim().to_ascii_lowercase();
    let factor = if unit.is_empty() {
        1
    } else {
        BYTE_UNITS.iter().find(|(u, _)| *u == unit)?.1
    };
    if num.contains('.') {
        let x: f64 = num.parse().ok()?;
        (x >= 0.0).then(|| (x * factor as f64).round() as u64)
    } else {
        num.parse::<u64>().ok()?.checked_mul(factor)
    }
}

/// Shows a byte count in the largest binary unit that keeps it readable: `3.8 GiB`.
pub fn format_bytes(b: u64) -> String {
    const UNITS: &[(&str, u64)] = &[
        ("TiB", 1 << 40),
        ("GiB", 1 << 30),
        ("MiB", 1 << 20),
        ("KiB", 1 << 10),
    ];
    for (name, size) in UNITS {
        if b >= *size {
            let x = b as f64 / *size as f64;
            return if b % size == 0 {
                format!("{} {name}", b / size)
            } else {
                format!("{x:.1} {name}")
            };
        }
    }
    format!("{b} B")
}

/// Parses `30s`, `500ms`, `5m`, `2h`, `1d` into milliseconds.
pub fn parse_duration(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: u64 = num.parse().ok()?;
    let factor = match unit.trim() {
        "ms" => 1,
        "s" | "" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        _ => return None,
    };
    n.checked_mul(factor)
}

/// Shows milliseconds as `1.5s`, `250ms`, `3d`.
pub fn format_duration(ms: u64) -> String {
    match ms {
        0..1000 => format!("{ms}ms"),
        1000..60_000 if ms % 1000 == 0 => format!("{}s", ms / 1000),
        1000..60_000 => format!("{:.1}s", ms as f64 / 1000.0),
        60_000..86_400_000 if ms % 3_600_000 == 0 => format!("{}h", ms / 3_600_000),
        60_000..86_400_000 => format!("{}m", ms / 60_000),
        _ => format!("{}d", ms / 86_400_000),
    }
}

/// A version that orders Java's schemes correctly: `1.8.0_151` < `1.8.0_161` < `11.0.2` <
/// `11.0.20+8` < `17` < `21.0.2-ea` < `21.0.2`. Product versions (`4.2.0`) use it too.
#[derive(Debug, Clone, Eq, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Version {
    /// Numeric components with Java's legacy `1.x` folded: `1.8.0_151` is `[8, 0, 0, 151]`.
    pub parts: Vec<u64>,
    /// Pre-release tag (`ea`, `beta`); a pre-release orders before its release.
    pub pre: Option<String>,
    /// Build number (`+8`, `-b12`); orders last.
    pub build: Option<u64>,
    /// The text as it was read.
    pub text: String,
}

impl Version {
    /// Parses Java (`1.8.0_151-b12`, `11.0.20+8`, `21-ea`, `8u151`) and plain dotted versions.
    pub fn parse(text: &str) -> Option<Version> {
        let raw = text.trim().trim_matches('"');
        if raw.is_empty() || !raw.starts_with(|c: char| c.is_ascii_digit()) {
            return None;
        }
        let (core, build) = split_build(raw);
        let (core, pre) = match core.split_once('-') {
            Some((c, p)) if !p.is_empty() => (c, Some(p.to_string())),
            _ => (core, None),
        };
        let mut parts = Vec::new();
        for piece in core.split(['.', '_', 'u']) {
            parts.push(piece.parse::<u64>().ok()?);
        }
        // Java's legacy scheme: 1.8.0_151 is feature 8 update 151.
        if parts.len() >= 2 && parts[0] == 1 && core.starts_with("1.") {
            parts.remove(0);
        }
        if core.contains('u') && !core.contains('.') && parts.len() == 2 {
            // 8u151 -> 8.0.0.151
            parts = vec![parts[0], 0, 0, parts[1]];
        }
        if core.contains('_') && parts.len() == 3 {
            // 1.8.0_151 -> after folding: [8, 0, 151] -> [8, 0, 0, 151]
            let update = parts.pop().unwrap_or(0);
            parts.extend([0, update]);
        }
        Some(Version {
            parts,
            pre,
            build,
            text: raw.to_string(),
        })
    }

    /// The feature release: 8 for `1.8.0_151`, 17 for `17.0.6`.
    pub fn feature(&self) -> u64 {
        self.parts.first().copied().unwrap_or(0)
    }
}

fn split_build(raw: &str) -> (&str, Option<u64>) {
    if let Some((core, b)) = raw.split_once('+') {
        return (
            core,
            b.split(|c: char| !c.is_ascii_digit())
                .next()
                .and_then(|d| d.parse().ok()),
        );
    }
    if let Some(idx) = raw.find("-b") {
        let digits = &raw[idx + 2..];
        if !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()) {
            return (&raw[..idx], digits.parse().ok());
        }
    }
    (raw, None)
}

impl PartialEq for Version {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        let n = self.parts.len().max(other.parts.len());
        for i in 0..n {
            let a = self.parts.get(i).copied().unwrap_or(0);
            let b = other.parts.get(i).copied().unwrap_or(0);
            match a.cmp(&b) {
                Ordering::Equal => {}
                o => return o,
            }
        }
        match (&self.pre, &other.pre) {
            (None, Some(_)) => return Ordering::Greater,
            (Some(_), None) => return Ordering::Less,
            (Some(a), Some(b)) if a != b => return a.cmp(b),
            _ => {}
        }
        self.build.unwrap_or(0).cmp(&other.build.unwrap_or(0))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl From<Version> for String {
    fn from(v: Version) -> String {
        v.text
    }
}

impl TryFrom<String> for Version {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Version::parse(&s).ok_or_else(|| format!("`{s}` is not a version"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    #[test]
    fn java_versions_order_across_schemes() {
        let ordered = [
            "1.7.0_80",
            "1.8.0_151",
            "1.8.0_161",
            "8u171",
            "11.0.2",
            "11.0.20+8",
            "17",
            "17.0.6",
            "21.0.2-ea",
            "21.0.2",
            "21.0.2+13",
        ];
        for pair in ordered.windows(2) {
            assert!(v(pair[0]) < v(pair[1]), "{} < {}", pair[0], pair[1]);
        }
        assert_eq!(v("1.8.0_151").feature(), 8);
        assert_eq!(v("17.0.6").feature(), 17);
        assert_eq!(v("17"), v("17.0.0"));
        assert_eq!(v("1.8.0_151-b12").build, Some(12));
    }

    #[test]
    fn product_versions_compare_numerically() {
        assert!(v("4.10.0") > v("4.9.28"));
        assert!(v("4.2.0") < v("4.7"));
        assert!(Version::parse("wso2").is_none());
    }

    #[test]
    fn byte_units_are_binary_or_decimal_as_written() {
        assert_eq!(parse_bytes("4GiB"), Some(4 << 30));
        assert_eq!(parse_bytes("10GB"), Some(10_000_000_000));
        assert_eq!(parse_bytes("1024m"), Some(1 << 30));
        assert_eq!(parse_bytes("512"), Some(512));
        assert_eq!(parse_bytes("1.5GiB"), Some(3 << 29));
        assert_eq!(parse_bytes("4 parsecs"), None);
        assert_eq!(format_bytes(4 << 30), "4 GiB");
        assert_eq!(format_bytes(3_900_000_000), "3.6 GiB");
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("3s"), Some(3000));
        assert_eq!(parse_duration("250ms"), Some(250));
        assert_eq!(parse_duration("30d"), Some(30 * 86_400_000));
        assert_eq!(parse_duration("3 fortnights"), None);
        assert_eq!(format_duration(3000), "3s");
    }

    #[test]
    fn secrets_keep_only_known_defaults() {
        let s = Secret::redact("admin");
        assert_eq!(s.known_default.as_deref(), Some("admin"));
        let s = Secret::redact("S3cr3t-unique");
        assert_eq!(s.known_default, None);
        assert_eq!(s.form, "plain");
        assert_eq!(Secret::redact("$secret{admin_pw}").form, "secret-ref");
        assert_eq!(Value::Secret(s).to_string(), "<redacted>");
    }
}
