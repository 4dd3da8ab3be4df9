//! TLS settings derived from every deployment.toml key that renders into the same listener
//! setting (carbon-kernel `key-mappings.json`), read as the listener reads them.

use super::Fact;
use super::deployment::Deployment;
use super::product_parse::{tomcat_protocols, weak_protocols};
use crate::value::Value;

/// The keys rendered into the 9443 connector's `SSLHostConfig protocols`: the key itself, and
/// `transport.https.properties.protocols`, which kernel key-mappings.json maps onto it (every
/// kernel from 4.6.0, APIM 3.2, to 4.11.18, APIM 4.7).
const HTTPS_PROTOCOL_KEYS: [&str; 2] = [
    "transport.https.sslHostConfig.properties.protocols",
    "transport.https.properties.protocols",
];
/// carbon-kernel `default.json` (4.6.0 line 70 … 4.11.18 line 79).
const HTTPS_PROTOCOLS_DEFAULT: &str = "+TLSv1,+TLSv1.1,+TLSv1.2";

/// `config.https.weak-protocols`: the union of what each key set enables below TLS 1.2 (which
/// of two keys the mapper keeps is not relied on), at the first key that enables one; with no
/// key set, the kernel default's.
pub fn https_weak_protocols(d: &Deployment) -> Fact {
    let mut weak: Vec<String> = Vec::new();
    let mut at = None;
    let mut any = false;
    for key in HTTPS_PROTOCOL_KEYS {
        // Placeholders resolved; a value known only at start, or a file that cannot be read,
        // is an error here, never the default.
        let (value, loc) = match d.get(key) {
            Ok(Some(v)) => v,
            Ok(None) => continue,
            Err(why) => return Fact::unavailable(why),
        };
        any = true;
        let text = match value {
            Value::Str(s) => s.clone(),
            Value::List(items) => items
                .iter()
                .map(|v| v.to_string())
                .collect::<Vec<_>>()
                .join(","),
            other => {
                return Fact::unavailable(format!("{key} is {other}, not a protocol list"))
                    .at(Some(loc.clone()));
            }
        };
        let found = weak_protocols(&tomcat_protocols(&text));
        if !found.is_empty() && at.is_none() {
            at = Some(loc.clone());
        }
        for p in found {
            if !weak.contains(&p) {
                weak.push(p);
            }
        }
    }
    if !any {
        weak = weak_protocols(&tomcat_protocols(HTTPS_PROTOCOLS_DEFAULT));
    }
    Fact::value(Value::List(weak.into_iter().map(Value::Str).collect())).at(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn weak(toml: &str) -> Result<Value, String> {
        let d = Deployment::parse(toml);
        https_weak_protocols(&d)
            .get()
            .cloned()
            .map_err(str::to_string)
    }

    fn list(items: &[&str]) -> Value {
        Value::List(items.iter().map(|s| Value::Str(s.to_string())).collect())
    }

    #[test]
    fn every_key_rendered_into_the_connector_is_read() {
        // A file that sets neither key (an empty file is unusable, not "nothing set").
        let neither = "[server]\nhostname = \"apim.example.com\"\n";
        assert_eq!(
            weak(neither),
            Ok(list(&["TLSv1", "TLSv1.1"])),
            "kernel default"
        );
        let both = "[transport.https.sslHostConfig.properties]\nprotocols = \"+TLSv1.2\"\n\
                    [transport.https.properties]\nprotocols = \"TLSv1.1,TLSv1.2\"\n";
        assert_eq!(weak(both), Ok(list(&["TLSv1.1"])));
        let mapped_only = "[transport.https.properties]\nprotocols = \"+TLSv1.2,+TLSv1.3\"\n";
        assert_eq!(weak(mapped_only), Ok(list(&[])));
        let all = "[transport.https.sslHostConfig.properties]\nprotocols = \"all\"\n";
        assert_eq!(weak(all), Ok(list(&["SSLv2Hello", "TLSv1", "TLSv1.1"])));
        let minus = "[transport.https.sslHostConfig.properties]\nprotocols = \"all,-TLSv1,-TLSv1.1,-SSLv2Hello\"\n";
        assert_eq!(weak(minus), Ok(list(&[])));
    }

    #[test]
    fn a_placeholder_known_only_at_start_or_a_broken_file_is_not_the_default() {
        let sys =
            "[transport.https.sslHostConfig.properties]\nprotocols = \"$sys{tls.protocols}\"\n";
        assert!(
            weak(sys).is_err(),
            "a $sys{{}} value is known only at start"
        );
        let broken = weak("[a\nb = ").unwrap_err();
        assert!(broken.contains("could not be read"), "{broken}");
    }
}
