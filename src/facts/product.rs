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
        "product.profile" => Fact::value(Value::Str(profile(ctx, d))),
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

/// The profile, decided as the product does: `--profile`; else the split distribution (4.5+
/// gateway and traffic manager); else the `-Dprofile=` the systemd unit starts with, where the
/// start script honours it (see [`start_profile`]); else the control plane distribution; else
/// `[server] server_role`; else all-in-one.
pub fn profile(ctx: &Context, d: &Detected) -> String {
    if let Some(p) = &ctx.profile {
        return p.clone();
    }
    let dist = d.distribution.as_ref().map(|(s, _)| s.as_str());
    match dist {
        Some("universal-gw") => return "gateway-worker".into(),
        Some("tm") => return "traffic-manager".into(),
        _ => {}
    }
    let unit = ctx.systemd_unit().as_ref().ok().and_then(|u| u.as_ref());
    let exec = unit
        .and_then(|u| u.last("ExecStart"))
        .map(|s| s.value.as_str());
    if let Some(p) = exec.and_then(|e| start_profile(e, dist, d.version.as_ref().map(|v| &v.0))) {
        return p.into();
    }
    if dist == Some("acp") {
        return "control-plane".into();
    }
    let role = ctx.deployment().lookup("server.server_role");
    match role.and_then(|(v, _)| {
        if let Value::Str(s) = v {
            Some(s.clone())
        } else {
            None
        }
    }) {
        Some(r) if PROFILES.contains(&r.as_str()) => r,
        Some(r) if r.contains("gateway") => "gateway-worker".into(),
        Some(r) if r.contains("traffic") => "traffic-manager".into(),
        Some(r) if r.contains("key-manager") || r.contains("km") => "key-manager".into(),
        Some(r) if r.contains("control-plane") => "control-plane".into(),
        _ => "all-in-one".into(),
    }
}

/// The profile a `-Dprofile=X` in the start command selects. `api-manager.sh` passes it to
/// `profileSetup.sh`, which starts only that profile's components and (without
/// `--skipConfigOptimization`) copies `deployment-templates/X.toml` over deployment.toml
/// (product-apim v3.2.0 and v4.2.0 `startup-scripts/profileSetup.sh`, `api-manager.sh:168-176`).
/// The all-in-one has no profileSetup.sh from 4.5.0 (its `-Dprofile` does nothing); the 4.5+
/// control plane has one, for `-Dprofile=key-manager` only.
fn start_profile(
    exec: &str,
    dist: Option<&str>,
    version: Option<&Version>,
) -> Option<&'static str> {
    let arg = exec.split_whitespace().find_map(|w| {
        w.trim_matches(|c| c == '"' || c == '\'')
            .strip_prefix("-Dprofile=")
    })?;
    let honoured = match dist {
        Some("acp") => arg == "key-manager",
        _ => version.is_none_or(|v| *v < Version::parse("4.5.0").expect("a version")),
    };
    if !honoured {
        return None;
    }
    match arg {
        "gateway-worker" => Some("gateway-worker"),
        "traffic-manager" => Some("traffic-manager"),
        "control-plane" => Some("control-plane"),
        "api-key-manager"
        | "api-key-manager-deprecated"
        | "api-key-manager-node"
        | "key-manager" => Some("key-manager"),
        // 3.2's api-publisher / api-devportal use apim_db and shared_db like the all-in-one.
        "api-publisher" | "api-devportal" => Some("all-in-one"),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dprofile_of_the_start_command_where_the_script_honours_it() {
        let v = |s: &str| Version::parse(s).unwrap();
        let cmd = "/opt/wso2am-4.2.0/bin/api-manager.sh -Dprofile=gateway-worker";
        assert_eq!(
            start_profile(cmd, Some("all-in-one"), Some(&v("4.2.0"))),
            Some("gateway-worker")
        );
        let tm = "/opt/am/bin/wso2server.sh '-Dprofile=traffic-manager' start";
        assert_eq!(
            start_profile(tm, None, Some(&v("3.2.0"))),
            Some("traffic-manager")
        );
        let km = "/opt/am/bin/api-manager.sh -Dprofile=api-key-manager-node";
        assert_eq!(
            start_profile(km, None, Some(&v("4.3.0"))),
            Some("key-manager")
        );
        // The 4.5+ all-in-one ships no profileSetup.sh: the flag selects nothing.
        assert_eq!(
            start_profile(cmd, Some("all-in-one"), Some(&v("4.7.0"))),
            None
        );
        let acp = "/opt/acp/bin/api-cp.sh -Dprofile=key-manager";
        assert_eq!(
            start_profile(acp, Some("acp"), Some(&v("4.7.0"))),
            Some("key-manager")
        );
        assert_eq!(
            start_profile("/opt/am/bin/api-manager.sh start", None, None),
            None
        );
        assert_eq!(start_profile("/x -Dprofile=nonsense", None, None), None);
    }

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
