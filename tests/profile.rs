//! The node's profile read where an operator sets it, end to end through the binary: the
//! `-Dprofile=` of the systemd unit's start command (found through
//! `$PREFLIGHT_SYSTEMD_UNIT_DIRS`) and a `-Dprofile=` in the JAVA_OPTS the start script passes to
//! java (the unit's `Environment=`, a file the script sources). `db.not-h2` is judged per
//! profile: a gateway worker needs only shared_db on a production database, the all-in-one also
//! apim_db.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// WSO2's 4.2.0 deployment.toml with shared_db on MySQL and apim_db left on the shipped H2, and
/// WSO2's 4.2.0 api-manager.sh.
fn home_420(dir: &Path) -> Option<PathBuf> {
    let fx = wso2_fixtures()?;
    let text = real_420_deployment_toml()?;
    let shared = "[database.shared_db]\ntype = \"mysql\"\nurl = \"jdbc:mysql://mysql.example.com:3306/shared_db\"\nusername = \"apim\"\npassword = \"$secret{shared_db_password}\"\n\n";
    let text = text.replacen("[database.shared_db]", "[database.old_shared_db]", 1);
    let home = stage_home(dir, "4.2.0", &format!("{shared}{text}"));
    std::fs::copy(
        fx.join("wso2-product-apim/v4.2.0/modules/distribution/product/src/main/startup-scripts/api-manager.sh"),
        home.join("bin/api-manager.sh"),
    )
    .unwrap();
    Some(home)
}

/// A unit that starts `home` with `exec_args`, and `environment` lines.
fn unit(units: &Path, home: &Path, exec_args: &str, environment: &str) {
    let text = format!(
        "[Unit]\nDescription=WSO2 API Manager\n\n[Service]\nUser=wso2\n{environment}ExecStart={}/bin/api-manager.sh {exec_args}\n\n[Install]\nWantedBy=multi-user.target\n",
        home.display()
    );
    write(&units.join("wso2am.service"), text.as_bytes());
}

/// `product.profile` and db.not-h2's status and message with the units of `units`.
fn judged(home: &Path, units: &Path) -> (String, String, String) {
    let mut cmd = preflight();
    cmd.env("PREFLIGHT_SYSTEMD_UNIT_DIRS", units).args([
        "check",
        "--product-home",
        home.to_str().unwrap(),
        "--offline",
        "--only",
        "db.not-h2",
        "--format",
        "json",
    ]);
    let (_, report, _) = run_json(&mut cmd);
    let r = result(&report, "db.not-h2");
    let mut facts = preflight();
    facts.env("PREFLIGHT_SYSTEMD_UNIT_DIRS", units).args([
        "facts",
        "--offline",
        "--product-home",
        home.to_str().unwrap(),
    ]);
    let out = facts.output().unwrap();
    let f: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let profile = f["facts"]["product.profile"]["value"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    (
        profile,
        r["status"].as_str().unwrap().to_string(),
        r["message"].as_str().unwrap_or_default().to_string(),
    )
}

#[test]
fn dprofile_of_the_systemd_unit_makes_a_gateway_worker() {
    let dir = tempfile::tempdir().unwrap();
    let Some(home) = home_420(dir.path()) else {
        return;
    };
    let units = dir.path().join("units");
    std::fs::create_dir_all(&units).unwrap();
    // No unit: the all-in-one, whose apim_db is still H2.
    let (profile, status, msg) = judged(&home, &units);
    assert_eq!(
        (profile.as_str(), status.as_str()),
        ("all-in-one", "fail"),
        "{msg}"
    );
    assert!(msg.contains("apim_db"), "{msg}");

    unit(&units, &home, "-Dprofile=gateway-worker", "");
    let (profile, status, msg) = judged(&home, &units);
    assert_eq!(
        (profile.as_str(), status.as_str()),
        ("gateway-worker", "pass"),
        "{msg}"
    );

    // A unit starting another home does not count.
    let other = dir.path().join("elsewhere");
    unit(&units, &other, "-Dprofile=gateway-worker", "");
    let (profile, status, _) = judged(&home, &units);
    assert_eq!((profile.as_str(), status.as_str()), ("all-in-one", "fail"));
}

#[test]
fn dprofile_in_java_opts_makes_a_gateway_worker() {
    let dir = tempfile::tempdir().unwrap();
    let Some(home) = home_420(dir.path()) else {
        return;
    };
    let units = dir.path().join("units");
    std::fs::create_dir_all(&units).unwrap();
    // The unit's Environment= JAVA_OPTS, which api-manager.sh puts on the java command line.
    unit(
        &units,
        &home,
        "start",
        "Environment=\"JAVA_OPTS=-Xms2g -Dprofile=gateway-worker\"\n",
    );
    let (profile, status, msg) = judged(&home, &units);
    assert_eq!(
        (profile.as_str(), status.as_str()),
        ("gateway-worker", "pass"),
        "{msg}"
    );

    // A file the start script sources sets JAVA_OPTS (no unit at all).
    std::fs::remove_file(units.join("wso2am.service")).unwrap();
    let script = home.join("bin/api-manager.sh");
    let text = std::fs::read_to_string(&script).unwrap();
    let text = text.replacen(
        "\n# ----- Process the input command",
        "\n. \"$CARBON_HOME/bin/setenv.sh\"\n# ----- Process the input command",
        1,
    );
    assert!(text.contains("bin/setenv.sh"), "api-manager.sh changed");
    std::fs::write(&script, text).unwrap();
    write(
        &home.join("bin/setenv.sh"),
        b"export JAVA_OPTS=\"-Dprofile=traffic-manager\"\n",
    );
    let (profile, status, msg) = judged(&home, &units);
    // A traffic manager uses apim_db too: still H2, so it fails, naming apim_db.
    assert_eq!(
        (profile.as_str(), status.as_str()),
        ("traffic-manager", "fail"),
        "{msg}"
    );
    assert!(msg.contains("apim_db"), "{msg}");
}
