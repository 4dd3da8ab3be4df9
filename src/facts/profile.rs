//! Which profile this node runs, decided once per run from the command line, the version
//! records, the systemd unit, the start script's JVM options and deployment.toml; probes read it through
//! [`Context::node_profile`](super::Context::node_profile), never from another probe.

use super::Context;
use super::catalogue::PROFILES;
use super::product::Detected;
use crate::value::{Value, Version};

/// The profile, decided as the product does: `--profile`; else the split distribution (4.5+
/// gateway and traffic manager); else the `-Dprofile=` the systemd unit starts with, where the
/// start script honours it (see [`start_profile`]), or one in the JVM options the start script
/// passes on (JAVA_OPTS, see [`jvm_profile`]); else the control plane distribution; else
/// `[server] server_role`; else all-in-one.
pub fn infer(ctx: &Context, d: &Detected) -> String {
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
    let version = d.version.as_ref().map(|v| &v.0);
    if let Some(p) = exec.and_then(|e| start_profile(e, dist, version)) {
        return p.into();
    }
    if let Some(p) = jvm_profile(ctx).and_then(|arg| selected(&arg, dist, version)) {
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
    selected(arg, dist, version)
}

/// The last `-Dprofile=` among the JVM options the start script launches java with: JAVA_OPTS
/// of the environment, of the systemd unit's `Environment=` or of a file the script sources
/// (the JVM probe's reading). The JVM then has `profile` as a System property, which Carbon
/// takes as the running profile (carbon-kernel v4.8.1 `Main.java` lines 86-104 set the default
/// only when it is unset).
fn jvm_profile(ctx: &Context) -> Option<String> {
    let (_, flags) = super::jvm::effective_flags(ctx).ok()?;
    flags
        .iter()
        .rev()
        .find_map(|f| f.text.strip_prefix("-Dprofile="))
        .map(str::to_string)
}

/// The profile `-Dprofile=arg` selects on this distribution and version, where it selects one.
fn selected(arg: &str, dist: Option<&str>, version: Option<&Version>) -> Option<&'static str> {
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
}
