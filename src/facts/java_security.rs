//! The JDK's own TLS policy: the protocols `jdk.tls.disabledAlgorithms` of its java.security
//! disables (`conf/security/java.security` from JDK 9, `jre/lib/security/java.security` on 8).
//! A `-Djava.security.properties` override on the java command line is not read.

use super::Fact;
use crate::io::read_capped;
use crate::value::Value;
use std::path::Path;

/// java.security is some 60 KiB; a file many times that size is not one.
const MAX_BYTES: u64 = 4 << 20;

/// Protocol names as they appear in `jdk.tls.disabledAlgorithms`.
const PROTOCOLS: &[&str] = &[
    "SSLv2Hello",
    "SSLv2",
    "SSLv3",
    "TLSv1",
    "TLSv1.1",
    "DTLSv1.0",
];

/// `jdk.tls.disabled-protocols` of the JDK at `home`: the protocols its java.security disables,
/// in the order the file names them.
pub fn disabled_protocols(home: &Path) -> Fact {
    let candidates = [
        home.join("conf/security/java.security"),
        home.join("jre/lib/security/java.security"),
        home.join("lib/security/java.security"),
    ];
    let Some(path) = candidates.iter().find(|p| p.is_file()) else {
        return Fact::unavailable(format!(
            "no java.security under {} (looked in conf/security, jre/lib/security and lib/security)",
            home.display()
        ));
    };
    match read_capped(path, MAX_BYTES) {
        Ok(text) => match disabled_algorithms(&text) {
            Some(value) => Fact::value(Value::List(
                protocols_of(&value).into_iter().map(Value::Str).collect(),
            )),
            None => Fact::value(Value::List(Vec::new())),
        },
        Err(e) => Fact::unavailable(format!("{}: {e}", path.display())),
    }
}

/// The value of `jdk.tls.disabledAlgorithms`, its continuation lines joined, as
/// `java.util.Properties` reads it.
fn disabled_algorithms(text: &str) -> Option<String> {
    let props = super::properties::parse_properties(text);
    props
        .get("jdk.tls.disabledAlgorithms")
        .map(|p| p.value.clone())
}

/// The protocol names among the comma-separated entries (constraints such as `keySize < 1024`
/// belong to algorithms, not protocols, and are skipped).
fn protocols_of(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter_map(|e| PROTOCOLS.iter().find(|p| p.eq_ignore_ascii_case(e)))
        .map(|p| p.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Temurin 17.0.15's java.security, the lines of jdk.tls.disabledAlgorithms.
    const JDK17: &str = "# comment\njdk.tls.disabledAlgorithms=SSLv3, TLSv1, TLSv1.1, DTLSv1.0, RC4, DES, \\\n    MD5withRSA, DH keySize < 1024, EC keySize < 224, 3DES_EDE_CBC, anon, NULL, \\\n    ECDH\n";
    /// JDK 8u292 and 11.0.10, before TLSv1/1.1 were disabled (JDK-8202343).
    const JDK11_OLD: &str = "jdk.tls.disabledAlgorithms=SSLv3, RC4, DES, MD5withRSA, \\\n    DH keySize < 1024, EC keySize < 224, 3DES_EDE_CBC, anon, NULL\n";

    #[test]
    fn continuation_lines_are_joined_and_only_protocols_kept() {
        let v = disabled_algorithms(JDK17).unwrap();
        assert_eq!(protocols_of(&v), ["SSLv3", "TLSv1", "TLSv1.1", "DTLSv1.0"]);
        let v = disabled_algorithms(JDK11_OLD).unwrap();
        assert_eq!(protocols_of(&v), ["SSLv3"]);
        assert_eq!(disabled_algorithms("a=b\n"), None);
    }

    #[test]
    fn reads_the_file_of_a_jdk_9_or_8_layout() {
        let dir = tempfile::tempdir().unwrap();
        let modern = dir.path().join("jdk17");
        std::fs::create_dir_all(modern.join("conf/security")).unwrap();
        std::fs::write(modern.join("conf/security/java.security"), JDK17).unwrap();
        assert_eq!(
            disabled_protocols(&modern).get().unwrap(),
            &Value::List(
                ["SSLv3", "TLSv1", "TLSv1.1", "DTLSv1.0"]
                    .iter()
                    .map(|s| Value::Str(s.to_string()))
                    .collect()
            )
        );
        let eight = dir.path().join("jdk8");
        std::fs::create_dir_all(eight.join("jre/lib/security")).unwrap();
        std::fs::write(eight.join("jre/lib/security/java.security"), JDK11_OLD).unwrap();
        assert_eq!(
            disabled_protocols(&eight).get().unwrap(),
            &Value::List(vec![Value::Str("SSLv3".into())])
        );
        let none = disabled_protocols(&dir.path().join("nothing"));
        assert!(none.get().unwrap_err().contains("no java.security"));
    }
}
