//! Product probe: which WSO2 product, version, distribution and profile PRODUCT_HOME holds.

use super::{Context, Fact, Location};
use crate::io::read_capped;
use crate::value::{Value, Version};
use std::path::Path;

pub use crate::facts::catalogue::PROFILES;

/// What bin/version.txt and updates/product.txt say.
#[derive(Debug, Default, Clone)]
pub struct Detected {
    pub name: Option<(String, Location)>,
    pub version: Option<(Version, Location)>,
    pub distribution: Option<(String, Location)>,
    /// The Carbon kernel under the product, from bin/wso2carbon-version.txt.
    pub kernel: Option<(Version, Location)>,
    /// Version records that exist but could not be read (unreadable, not UTF-8, too large).
    pub unreadable: Vec<String>,
}

pub fn probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    let Some(home) = ctx.home() else {
        return super::unavailable_all(names, "no PRODUCT_HOME given");
    };
    if !home.is_dir() {
        let reason = format!("PRODUCT_HOME {} is not a directory", home.display());
        return super::unavailable_all(names, &reason);
    }
    let d = ctx.product();
    names.iter().map(|n| (n.clone(), fact(ctx, d, n))).collect()
}

fn fact(ctx: &Context, d: &Detected, name: &str) -> Fact {
    let located = |v: &Option<(String, Location)>| match v {
        Some((s, loc)) => Fact::value(Value::Str(s.clone())).at(Some(loc.clone())),
        None => Fact::value(Value::Null),
    };
    // A record that exists but cannot be read makes "not a WSO2 product" a guess: say why.
    let undetected = match name {
        "product.name" => d.name.is_none(),
        "product.version" => d.version.is_none(),
        _ => false,
    };
    if undetected && !d.unreadable.is_empty() {
        return Fact::unavailable(d.unreadable.join("; "));
    }
    match name {
        "product.name" => located(&d.name),
        "product.distribution" => located(&d.distribution),
        "product.kernel.version" => match &d.kernel {
            Some((v, loc)) => Fact::value(Value::Version(v.clone())).at(Some(loc.clone())),
            None => Fact::value(Value::Null),
        },
        "product.version" => match &d.version {
            Some((v, loc)) => Fact::value(Value::Version(v.clone())).at(Some(loc.clone())),
            None => Fact::value(Value::Null),
        },
        "product.profile" => Fact::value(Value::Str(ctx.node_profile().to_string())),
        other => Fact::unavailable(format!("the product probe does not know `{other}`")),
    }
}

/// Reads the version records of a product home.
pub fn detect(home: &Path) -> Detected {
    let mut d = Detected::default();
    let version_txt = "bin/version.txt";
    if let Some(text) = read_record(home, version_txt, &mut d.unreadable) {
        // "WSO2 API Manager v4.2.0"
        let line = text.lines().next().unwrap_or("").trim();
        if let Some((name, ver)) = line.rsplit_once(" v") {
            let loc = Location {
                file: version_txt.into(),
                line: 1,
                column: 1,
            };
            d.name = Some((name.trim().to_string(), loc.clone()));
            d.version = Version::parse(ver).map(|v| (v, loc));
        }
    }
    let kernel_txt = "bin/wso2carbon-version.txt";
    if let Ok(text) = read_capped(&home.join(kernel_txt), 4096) {
        // "WSO2 Carbon Framework v4.8.1"
        let line = text.lines().next().unwrap_or("").trim();
        let loc = Location {
            file: kernel_txt.into(),
            line: 1,
            column: 1,
        };
        d.kernel = line
            .rsplit_once(" v")
            .and_then(|(_, v)| Version::parse(v))
            .map(|v| (v, loc));
    }
    let product_txt = "updates/product.txt";
    if let Some(text) = read_record(home, product_txt, &mut d.unreadable) {
        // "wso2am-4.2.0", "wso2am-acp-4.7.0", "wso2am-universal-gw-4.7.0", "wso2am-tm-4.7.0"
        let line = text.lines().next().unwrap_or("").trim();
        if let Some((wum, ver)) = line.rsplit_once('-') {
            let loc = Location {
                file: product_txt.into(),
                line: 1,
                column: 1,
            };
            let dist = match wum {
                "wso2am-acp" => "acp",
                "wso2am-universal-gw" => "universal-gw",
                "wso2am-tm" => "tm",
                _ => "all-in-one",
            };
            d.distribution = Some((dist.to_string(), loc.clone()));
            if d.version.is_none() {
                d.version = Version::parse(ver).map(|v| (v, loc.clone()));
            }
            if d.name.is_none() && wum.starts_with("wso2am") {
                d.name = Some(("WSO2 API Manager".to_string(), loc));
            }
        }
    }
    d
}

/// A version record's text; `None` when it is absent, and also when it cannot be read, which is
/// then noted in `problems`.
fn read_record(home: &Path, rel: &str, problems: &mut Vec<String>) -> Option<String> {
    let path = home.join(rel);
    match read_capped(&path, 4096) {
        Ok(text) => Some(text),
        Err(_) if matches!(path.symlink_metadata(), Err(e) if e.kind() == std::io::ErrorKind::NotFound) => {
            None
        }
        Err(e) => {
            problems.push(super::under_home(&e, home, &path));
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_records_of_a_47_gateway() {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path();
        std::fs::create_dir_all(home.join("bin")).unwrap();
        std::fs::create_dir_all(home.join("updates")).unwrap();
        std::fs::write(
            home.join("bin/version.txt"),
            "WSO2 Universal Gateway v4.7.0\n",
        )
        .unwrap();
        std::fs::write(
            home.join("bin/wso2carbon-version.txt"),
            "WSO2 Carbon Framework v4.11.18\n",
        )
        .unwrap();
        std::fs::write(
            home.join("updates/product.txt"),
            "wso2am-universal-gw-4.7.0\n",
        )
        .unwrap();
        let d = detect(home);
        assert_eq!(d.name.unwrap().0, "WSO2 Universal Gateway");
        assert_eq!(d.version.unwrap().0.to_string(), "4.7.0");
        assert_eq!(d.kernel.unwrap().0.to_string(), "4.11.18");
        assert_eq!(d.distribution.unwrap().0, "universal-gw");
    }

    #[test]
    fn product_txt_alone_is_enough() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("updates")).unwrap();
        std::fs::write(dir.path().join("updates/product.txt"), "wso2am-tm-4.7.0\n").unwrap();
        let d = detect(dir.path());
        assert_eq!(d.name.unwrap().0, "WSO2 API Manager");
        assert_eq!(d.version.unwrap().0.to_string(), "4.7.0");
        assert_eq!(d.distribution.unwrap().0, "tm");
        assert!(d.kernel.is_none());
    }
}
