//! CPUs and memory as a JVM started on this host sizes itself by: what the machine has, capped
//! by the cgroup limits of this process (a container's, processes and threads too), for the host
//! probe.

use super::{Fact, Observation, cgroup};
use crate::value::Value;

/// Logical CPUs this process may run on, as `nproc` counts them (CPU affinity respected).
pub fn cpu_cores() -> usize {
    #[cfg(target_os = "linux")]
    // SAFETY: cpu_set_t is plain data; sched_getaffinity only writes into the set we pass.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        if libc::sched_getaffinity(0, std::mem::size_of::<libc::cpu_set_t>(), &mut set) == 0 {
            let n = libc::CPU_COUNT(&set);
            if n > 0 {
                return n as usize;
            }
        }
    }
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The cgroup limits of this process, read once per run.
pub fn limits() -> &'static cgroup::Limits {
    static LIMITS: std::sync::OnceLock<cgroup::Limits> = std::sync::OnceLock::new();
    LIMITS.get_or_init(cgroup::this_process)
}

/// CPUs a JVM started here counts: the CPUs this process may run on, capped by the cgroup's
/// CPU quota (rounded up) and cpuset.
pub fn effective_cpus() -> usize {
    let l = limits();
    [l.cpu_quota, l.cpuset]
        .into_iter()
        .flatten()
        .fold(cpu_cores(), |n, c| n.min(c as usize))
}

/// Memory a JVM started here sizes itself by: physical memory, or the cgroup's memory limit
/// where that is lower (a container's limit).
pub fn memory_total() -> Fact {
    let physical = physical_memory();
    match (&physical.observation, limits().memory) {
        (Observation::Value(Value::Bytes(p)), Some(limit)) if limit < *p => {
            Fact::value(Value::Bytes(limit))
        }
        _ => physical,
    }
}

/// The cgroup's memory limit where it is below physical memory; `Null` otherwise.
pub fn memory_limit() -> Fact {
    let physical = physical_memory();
    match (&physical.observation, limits().memory) {
        (Observation::Value(Value::Bytes(p)), Some(limit)) if limit < *p => {
            Fact::value(Value::Bytes(limit))
        }
        (Observation::Value(_), _) => Fact::value(Value::Null),
        _ => physical,
    }
}

/// Physical memory of the machine (MemTotal), read once per run: three host facts start from
/// it, and each read costs sysinfo's /proc and cgroup reads again (~35 µs here).
pub fn physical_memory() -> Fact {
    static PHYSICAL: std::sync::OnceLock<Fact> = std::sync::OnceLock::new();
    let read = || {
        let mut sys = sysinfo::System::new();
        sys.refresh_memory();
        match sys.total_memory() {
            0 => Fact::unavailable("total memory could not be read"),
            bytes => Fact::value(Value::Bytes(bytes)),
        }
    };
    PHYSICAL.get_or_init(read).clone()
}
