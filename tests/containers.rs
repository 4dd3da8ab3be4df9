//! Containers: preflight run inside a real cgroup with a memory limit and a CPU quota judges
//! memory and CPUs by the limits, as the JVM would, and says so. The tests make a child cgroup
//! of their own (root is needed, as in CI); where the machine forbids it they say SKIPPED and
//! what could not be run, and the parsing is covered by the unit tests of src/facts/cgroup.rs.

mod common;

use common::result;
use std::path::{Path, PathBuf};

/// A child cgroup of this process's own cgroup in the hierarchy that has `controller`, and
/// the file that limits it; removed when dropped.
struct Cgroup {
    dir: PathBuf,
}

impl Drop for Cgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

/// (mount point, mount root) of the v1 hierarchy with `controller`, or of the v2 hierarchy when
/// it offers the controller.
fn mount_of(controller: &str) -> Option<(PathBuf, String, bool)> {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").ok()?;
    for line in mountinfo.lines() {
        let (left, right) = line.split_once(" - ")?;
        let f: Vec<&str> = left.split(' ').collect();
        let r: Vec<&str> = right.split(' ').collect();
        let (root, point) = (f[3].to_string(), PathBuf::from(f[4]));
        match r[0] {
            "cgroup"
                if r.get(2)
                    .is_some_and(|o| o.split(',').any(|c| c == controller)) =>
            {
                return Some((point, root, false));
            }
            "cgroup2" => {
                let ctrls =
                    std::fs::read_to_string(point.join("cgroup.controllers")).unwrap_or_default();
                if ctrls.split_whitespace().any(|c| c == controller) {
                    return Some((point, root, true));
                }
            }
            _ => {}
        }
    }
    None
}

/// This process's path in the hierarchy (v1 by controller, v2 the `0::` line).
fn own_path(controller: &str, v2: bool) -> Option<String> {
    let text = std::fs::read_to_string("/proc/self/cgroup").ok()?;
    text.lines().find_map(|l| {
        let mut p = l.splitn(3, ':');
        let (id, ctrls, path) = (p.next()?, p.next()?, p.next()?);
        let hit = if v2 {
            id == "0" && ctrls.is_empty()
        } else {
            ctrls.split(',').any(|c| c == controller)
        };
        hit.then(|| path.to_string())
    })
}

/// (file, value) pairs written into the cgroup.
type Limits<'a> = &'a [(&'a str, &'a str)];

/// Makes the child cgroup and writes the limits; `None` (with SKIPPED said) where not allowed.
fn cgroup(controller: &str, v1: Limits, v2_limits: Limits) -> Option<(Cgroup, bool)> {
    let skip = |why: String| {
        eprintln!("SKIPPED: no {controller} cgroup could be made for this test: {why}");
        None
    };
    let Some((point, root, v2)) = mount_of(controller) else {
        return skip(format!(
            "no cgroup hierarchy offers the {controller} controller"
        ));
    };
    let own = own_path(controller, v2).unwrap_or_default();
    let below = own.strip_prefix(root.as_str()).unwrap_or(&own);
    let dir = point.join(below.trim_start_matches('/')).join(format!(
        "preflight-test-{}-{controller}",
        std::process::id()
    ));
    if let Err(e) = std::fs::create_dir(&dir) {
        return skip(format!("mkdir {}: {e}", dir.display()));
    }
    let cg = Cgroup { dir };
    for (file, value) in if v2 { v2_limits } else { v1 } {
        let file = cg.dir.join(file);
        if let Err(e) = std::fs::write(&file, value) {
            return skip(format!("writing {value} to {}: {e}", file.display()));
        }
    }
    Some((cg, v2))
}

/// Runs `preflight check --only ID --format json` as a process that first joins the cgroup.
fn check_inside(dir: &Path, id: &str) -> serde_json::Value {
    let bin = assert_cmd::cargo::cargo_bin("preflight");
    let script = format!(
        "echo $$ > '{}/cgroup.procs' && exec '{}' check --only {id} --format json",
        dir.display(),
        bin.display()
    );
    let out = std::process::Command::new("sh")
        .args(["-c", &script])
        .env_remove("PRODUCT_HOME")
        .env_remove("CARBON_HOME")
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn a_one_gib_memory_limit_is_the_nodes_memory() {
    let v1 = [("memory.limit_in_bytes", "1073741824")];
    let v2 = [("memory.max", "1073741824")];
    let Some((cg, v2)) = cgroup("memory", &v1, &v2) else {
        return;
    };
    let r = check_inside(&cg.dir, "host.memory.total");
    let res = result(&r, "host.memory.total");
    let msg = res["message"].as_str().unwrap();
    assert_eq!(res["status"], "fail", "v2={v2}: {msg}");
    assert!(
        msg.starts_with("1 GiB memory limit of this container (host has "),
        "{msg}"
    );
    // Outside the cgroup the same host passes or warns on its RAM, and says RAM.
    let (_, outside) = common::check_json(&["--only", "host.memory.total"]);
    let m = result(&outside, "host.memory.total")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(m.contains("of RAM") && !m.contains("container"), "{m}");
}

#[test]
fn a_one_cpu_quota_is_the_nodes_cpu_count() {
    if common::check_json(&["--only", "host.cpu.cores"]).1["results"][0]["observed"] == "1" {
        eprintln!("SKIPPED: this machine has one CPU, a quota of one changes nothing");
        return;
    }
    let v1 = [
        ("cpu.cfs_period_us", "100000"),
        ("cpu.cfs_quota_us", "100000"),
    ];
    let v2 = [("cpu.max", "100000 100000")];
    let Some((cg, v2)) = cgroup("cpu", &v1, &v2) else {
        return;
    };
    let r = check_inside(&cg.dir, "host.cpu.cores");
    let res = result(&r, "host.cpu.cores");
    let msg = res["message"].as_str().unwrap();
    assert_eq!(res["status"], "fail", "v2={v2}: {msg}");
    assert!(
        msg.starts_with("1 CPU allowed to this container (host has "),
        "{msg}"
    );
}
