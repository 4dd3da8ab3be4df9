//! Host probe: CPU, memory, free disk, hostname and OS of the machine preflight runs on.

use super::{Context, Fact};
use crate::value::Value;
use std::path::Path;

pub fn probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    names
        .iter()
        .map(|name| (name.clone(), fact(ctx, name)))
        .collect()
}

fn fact(ctx: &Context, name: &str) -> Fact {
    match name {
        "host.cpu.cores" => Fact::value(Value::Int(cpu_cores() as i64)),
        "host.memory.total" => memory_total(),
        "host.disk.free" => disk_free(ctx.home().unwrap_or(Path::new("/"))),
        "host.hostname" => match sysinfo::System::host_name() {
            Some(h) => Fact::value(Value::Str(h)),
            None => Fact::unavailable("the hostname could not be read"),
        },
        "host.os.name" => Fact::value(Value::Str(std::env::consts::OS.to_string())),
        other => Fact::unavailable(format!("the host probe does not know `{other}`")),
    }
}

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

fn memory_total() -> Fact {
    let mut sys = sysinfo::System::new();
    sys.refresh_memory();
    match sys.total_memory() {
        0 => Fact::unavailable("total memory could not be read"),
        bytes => Fact::value(Value::Bytes(bytes)),
    }
}

/// Bytes available to unprivileged users on the filesystem holding `path` (as `df` shows).
fn disk_free(path: &Path) -> Fact {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c_path) = std::ffi::CString::new(path.as_os_str().as_bytes()) else {
        return Fact::unavailable(format!("{} contains a NUL byte", path.display()));
    };
    // SAFETY: statvfs writes into the zeroed struct we own; the path is a valid C string.
    unsafe {
        let mut st: libc::statvfs = std::mem::zeroed();
        if libc::statvfs(c_path.as_ptr(), &mut st) != 0 {
            let err = std::io::Error::last_os_error();
            return Fact::unavailable(format!(
                "cannot stat the filesystem of {}: {err}",
                path.display()
            ));
        }
        #[allow(clippy::unnecessary_cast)]
        Fact::value(Value::Bytes(st.f_bavail as u64 * st.f_frsize as u64))
    }
}
