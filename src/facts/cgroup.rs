//! Container limits: the memory, CPU and process (pids) limits of this process's cgroup (v2 and v1), found and
//! read as the JVM does (`/proc/self/mountinfo` for the mounts, `/proc/self/cgroup` for the
//! process's path), so that host facts say what a JVM started here would see.

use std::path::{Path, PathBuf};

/// v1 `memory.limit_in_bytes` at or above this means no limit (the kernel writes
/// 9223372036854771712, a page-rounded i64::MAX).
const V1_UNLIMITED: u64 = 1 << 62;

/// The limits that apply to this process; `None` where there is none.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Limits {
    /// The lowest memory limit of the process's cgroup and its ancestors, in bytes.
    pub memory: Option<u64>,
    /// CPUs the quota allows, rounded up as the JVM rounds them (`quota / period`).
    pub cpu_quota: Option<u64>,
    /// CPUs of the cgroup's cpuset.
    pub cpuset: Option<u64>,
    /// `v1` or `v2`: which hierarchy the memory limit came from.
    pub version: Option<&'static str>,
    /// The lowest `pids.max` of the process's cgroup and its ancestors: processes and threads
    /// together (a JVM's threads count), `None` for `max`.
    pub pids: Option<u64>,
}

/// The limits of this process, from the real /proc and /sys.
pub fn this_process() -> Limits {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    limits(
        &read("/proc/self/cgroup"),
        &read("/proc/self/mountinfo"),
        Path::new("/"),
    )
}

/// One cgroup mount: where it is, the hierarchy path it shows, and its controllers (`None` for
/// the v2 unified hierarchy).
struct Mount {
    point: PathBuf,
    root: String,
    controllers: Option<Vec<String>>,
}

fn mounts(mountinfo: &str, prefix: &Path) -> Vec<Mount> {
    let mut out = Vec::new();
    for line in mountinfo.lines() {
        // `id parent major:minor root point options [optional…] - fstype source super-options`
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let fields: Vec<&str> = left.split(' ').collect();
        let right: Vec<&str> = right.split(' ').collect();
        let (Some(root), Some(point), Some(fstype)) = (fields.get(3), fields.get(4), right.first())
        else {
            continue;
        };
        let point = prefix.join(point.trim_start_matches('/'));
        let controllers = match *fstype {
            "cgroup2" => None,
            "cgroup" => Some(
                right
                    .get(2)
                    .unwrap_or(&"")
                    .split(',')
                    .map(String::from)
                    .collect(),
            ),
            _ => continue,
        };
        out.push(Mount {
            point,
            root: root.to_string(),
            controllers,
        });
    }
    out
}

/// The directory of the process's cgroup in this mount: the mount point plus the process's
/// path below the mount's root (inside a container the mount root is the container's cgroup).
fn dir_of(m: &Mount, path: &str) -> PathBuf {
    let below = if m.root == "/" {
        path
    } else {
        path.strip_prefix(m.root.as_str()).unwrap_or("")
    };
    m.point.join(below.trim_start_matches('/'))
}

fn read_trimmed(p: &Path) -> Option<String> {
    std::fs::read_to_string(p)
        .ok()
        .map(|s| s.trim().to_string())
}

/// The lowest value of `file` in `dir` and its ancestors up to the mount point.
fn lowest(
    dir: &Path,
    point: &Path,
    file: &str,
    parse: &dyn Fn(&str) -> Option<u64>,
) -> Option<u64> {
    let mut best: Option<u64> = None;
    let mut d = Some(dir);
    while let Some(cur) = d {
        if let Some(v) = read_trimmed(&cur.join(file)).as_deref().and_then(parse) {
            best = Some(best.map_or(v, |b| b.min(v)));
        }
        if cur == point {
            break;
        }
        d = cur.parent().filter(|p| p.starts_with(point));
    }
    best
}

/// `0-3,8,10-11` → 7.
fn cpuset_count(list: &str) -> Option<u64> {
    let mut n = 0;
    for part in list.split(',').filter(|p| !p.is_empty()) {
        n += match part.split_once('-') {
            Some((a, b)) => b.parse::<u64>().ok()? - a.parse::<u64>().ok()? + 1,
            None => part.parse::<u64>().map(|_| 1).ok()?,
        };
    }
    (n > 0).then_some(n)
}

fn quota_cpus(quota: i64, period: i64) -> Option<u64> {
    (quota > 0 && period > 0).then(|| (quota as u64).div_ceil(period as u64))
}

/// The limits given `/proc/self/cgroup`, `/proc/self/mountinfo` and the root the mount points
/// are under (`/`, or a test's folder).
pub fn limits(proc_cgroup: &str, mountinfo: &str, prefix: &Path) -> Limits {
    let mounts = mounts(mountinfo, prefix);
    let mut out = Limits::default();
    for line in proc_cgroup.lines() {
        let mut parts = line.splitn(3, ':');
        let (Some(id), Some(ctrls), Some(path)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        if id == "0" && ctrls.is_empty() {
            if let Some(m) = mounts.iter().find(|m| m.controllers.is_none()) {
                v2(&dir_of(m, path), &m.point, &mut out);
            }
            continue;
        }
        for ctrl in ctrls.split(',') {
            let m = mounts.iter().find(|m| {
                m.controllers
                    .as_ref()
                    .is_some_and(|c| c.iter().any(|x| x == ctrl))
            });
            if let Some(m) = m {
                v1(ctrl, &dir_of(m, path), &m.point, &mut out);
            }
        }
    }
    out
}

fn v2(dir: &Path, point: &Path, out: &mut Limits) {
    let bytes = |s: &str| s.parse::<u64>().ok();
    if let Some(m) = lowest(dir, point, "memory.max", &bytes) {
        out.memory = Some(out.memory.map_or(m, |b| b.min(m)));
        out.version = Some("v2");
    }
    let cpu = |s: &str| {
        let (q, p) = s.split_once(' ')?;
        quota_cpus(q.parse().ok()?, p.parse().ok()?)
    };
    if let Some(c) = lowest(dir, point, "cpu.max", &cpu) {
        out.cpu_quota = Some(c);
    }
    if let Some(n) = lowest(dir, point, "pids.max", &|s| s.parse().ok()) {
        out.pids = Some(out.pids.map_or(n, |p| p.min(n)));
    }
    if let Some(n) = read_trimmed(&dir.join("cpuset.cpus.effective"))
        .as_deref()
        .and_then(cpuset_count)
    {
        out.cpuset = Some(n);
    }
}

fn v1(ctrl: &str, dir: &Path, point: &Path, out: &mut Limits) {
    match ctrl {
        "memory" => {
            let bytes = |s: &str| s.parse::<u64>().ok().filter(|b| *b < V1_UNLIMITED);
            if let Some(m) = lowest(dir, point, "memory.limit_in_bytes", &bytes) {
                out.memory = Some(out.memory.map_or(m, |b| b.min(m)));
                out.version = out.version.or(Some("v1"));
            }
        }
        "cpu" => {
            let quota = read_trimmed(&dir.join("cpu.cfs_quota_us")).and_then(|s| s.parse().ok());
            let period = read_trimmed(&dir.join("cpu.cfs_period_us")).and_then(|s| s.parse().ok());
            if let (Some(q), Some(p)) = (quota, period)
                && let Some(c) = quota_cpus(q, p)
            {
                out.cpu_quota = Some(c);
            }
        }
        "pids" => {
            if let Some(n) = lowest(dir, point, "pids.max", &|s| s.parse().ok()) {
                out.pids = Some(out.pids.map_or(n, |p| p.min(n)));
            }
        }
        "cpuset" => {
            let list = read_trimmed(&dir.join("cpuset.effective_cpus"))
                .or_else(|| read_trimmed(&dir.join("cpuset.cpus")));
            if let Some(n) = list.as_deref().and_then(cpuset_count) {
                out.cpuset = Some(n);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(root: &Path, rel: &str, text: &str) {
        let p = root.join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }

    #[test]
    fn v2_memory_cpu_and_cpuset() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        put(r, "sys/fs/cgroup/memory.max", "max\n");
        put(r, "sys/fs/cgroup/kubepods/pod1/memory.max", "2147483648\n");
        put(r, "sys/fs/cgroup/kubepods/pod1/app/memory.max", "max\n");
        put(
            r,
            "sys/fs/cgroup/kubepods/pod1/app/cpu.max",
            "150000 100000\n",
        );
        put(
            r,
            "sys/fs/cgroup/kubepods/pod1/app/cpuset.cpus.effective",
            "0-3,6\n",
        );
        let mountinfo = "35 24 0:30 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n";
        let l = limits("0::/kubepods/pod1/app\n", mountinfo, r);
        assert_eq!(l.memory, Some(2 << 30), "the parent's limit applies");
        assert_eq!(
            l.cpu_quota,
            Some(2),
            "1.5 CPUs round up, as the JVM counts them"
        );
        assert_eq!(l.cpuset, Some(5));
        assert_eq!(l.version, Some("v2"));
    }

    #[test]
    fn v2_without_limits() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        put(r, "sys/fs/cgroup/user.slice/memory.max", "max\n");
        put(r, "sys/fs/cgroup/user.slice/cpu.max", "max 100000\n");
        let mountinfo = "35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        assert_eq!(limits("0::/user.slice\n", mountinfo, r), Limits::default());
    }

    #[test]
    fn v1_inside_a_container_whose_mount_root_is_its_own_cgroup() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        put(
            r,
            "sys/fs/cgroup/memory/memory.limit_in_bytes",
            "1073741824\n",
        );
        put(r, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "200000\n");
        put(r, "sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        let mountinfo = "\
40 31 0:35 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory
41 31 0:36 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct
";
        let cgroup = "4:memory:/docker/abc\n3:cpu,cpuacct:/docker/abc\n";
        let l = limits(cgroup, mountinfo, r);
        assert_eq!(l.memory, Some(1 << 30));
        assert_eq!(l.cpu_quota, Some(2));
        assert_eq!(l.version, Some("v1"));
    }

    #[test]
    fn v1_unlimited_is_no_limit() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        put(
            r,
            "sys/fs/cgroup/memory/a/memory.limit_in_bytes",
            "9223372036854771712\n",
        );
        put(r, "sys/fs/cgroup/cpu/a/cpu.cfs_quota_us", "-1\n");
        put(r, "sys/fs/cgroup/cpu/a/cpu.cfs_period_us", "100000\n");
        let mountinfo = "\
40 31 0:35 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory
41 31 0:36 / /sys/fs/cgroup/cpu rw - cgroup cgroup rw,cpu
";
        let l = limits("4:memory:/a\n1:cpu:/a\n", mountinfo, r);
        assert_eq!(l, Limits::default());
    }

    #[test]
    fn pids_max_is_the_lowest_of_the_cgroup_and_its_parents_in_v2_and_v1() {
        let t = tempfile::tempdir().unwrap();
        let r = t.path();
        put(r, "sys/fs/cgroup/kubepods/pids.max", "max\n");
        put(r, "sys/fs/cgroup/kubepods/pod1/pids.max", "1024\n");
        put(r, "sys/fs/cgroup/kubepods/pod1/app/pids.max", "max\n");
        let mountinfo = "35 24 0:30 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
        let l = limits("0::/kubepods/pod1/app\n", mountinfo, r);
        assert_eq!(
            l.pids,
            Some(1024),
            "the pod's limit applies to its containers"
        );
        // Only `max` on the way up: no limit.
        assert_eq!(limits("0::/kubepods\n", mountinfo, r).pids, None);
        // v1: the pids controller's own mount.
        put(r, "v1/sys/fs/cgroup/pids/docker/abc/pids.max", "32768\n");
        let mountinfo = "40 31 0:35 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n";
        let l = limits("5:pids:/docker/abc\n", mountinfo, &r.join("v1"));
        assert_eq!(l.pids, Some(32768));
    }

    #[test]
    fn cpuset_lists() {
        assert_eq!(cpuset_count("0-3,8,10-11"), Some(7));
        assert_eq!(cpuset_count("0"), Some(1));
        assert_eq!(cpuset_count(""), None);
        assert_eq!(cpuset_count("x"), None);
    }
}
