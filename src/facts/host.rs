//! Host probe: CPU, memory, swap, disks, OS, limits, sysctls, user, proxy and systemd unit of
//! the machine preflight runs on.

use super::resources::{
    cpu_cores, effective_cpus, limits, memory_limit, memory_total, physical_memory,
};
use super::systemd;
use super::{Context, Fact};
use crate::io::read_capped;
use crate::value::{Value, Version};
use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Small /proc and /etc files; anything larger is not what we expect.
const SMALL_FILE: u64 = 64 << 10;
/// /proc/self/mountinfo can be long in containers with many mounts.
const MOUNTINFO_CAP: u64 = 8 << 20;

/// Things several host facts share, read at most once per run.
struct Shared<'a> {
    ctx: &'a Context,
    os_release: OnceCell<Result<BTreeMap<String, String>, String>>,
}

pub fn probe(ctx: &Context, names: &[String]) -> Vec<(String, Fact)> {
    let shared = Shared {
        ctx,
        os_release: OnceCell::new(),
    };
    names
        .iter()
        .map(|name| (name.clone(), fact(&shared, name)))
        .collect()
}

fn fact(sh: &Shared, name: &str) -> Fact {
    let ctx = sh.ctx;
    match name {
        "host.cpu.cores" => Fact::value(Value::Int(effective_cpus() as i64)),
        "host.cpu.host-cores" => Fact::value(Value::Int(cpu_cores() as i64)),
        "host.cpu.cgroup-limit" => {
            let n = effective_cpus();
            let limited = n < cpu_cores();
            Fact::value(if limited {
                Value::Int(n as i64)
            } else {
                Value::Null
            })
        }
        "host.memory.total" => memory_total(),
        "host.memory.physical" => physical_memory(),
        "host.memory.cgroup-limit" => memory_limit(),
        "host.disk.free" => disk_free(ctx.home().unwrap_or(Path::new("/"))),
        "host.hostname" => match sysinfo::System::host_name() {
            Some(h) => Fact::value(Value::Str(h)),
            None => Fact::unavailable("the hostname could not be read"),
        },
        "host.os.name" => Fact::value(Value::Str(std::env::consts::OS.to_string())),
        "host.swap.total" => swap_total(),
        "host.disk.fs-type" => fs_type(ctx.home().unwrap_or(Path::new("/"))),
        "host.solr.fs-type" => match ctx.home() {
            Some(home) => fs_type(&home.join("solr/data")),
            None => Fact::unavailable("no PRODUCT_HOME given"),
        },
        "host.os.id" | "host.os.version" | "host.os.pretty" => os_fact(sh, name),
        "host.limits.nofile.soft" => rlimit(false, false),
        "host.limits.nofile.hard" => rlimit(false, true),
        "host.limits.nproc.soft" => rlimit(true, false),
        "host.limits.nproc.hard" => rlimit(true, true),
        "host.limits.pids-cgroup" => Fact::value(
            limits()
                .pids
                .map_or(Value::Null, |n| Value::Int(n.min(i64::MAX as u64) as i64)),
        ),
        "host.user.name" => user_name(),
        // SAFETY: geteuid cannot fail and touches no memory of ours.
        "host.user.uid" => Fact::value(Value::Int(unsafe { libc::geteuid() } as i64)),
        "host.home.owner.uid" => home_owner(ctx.home()),
        "host.product.uid" => super::run_user::product_user(ctx).0,
        "host.product.user-source" => super::run_user::product_user(ctx).1,
        "host.hostname.resolves" => hostname_resolves(ctx),
        "host.proxy" => proxy(|k| std::env::var_os(k)),
        "host.systemd.unit" | "host.systemd.limit-nofile" | "host.systemd.limit-nproc" => {
            systemd_fact(sh, name)
        }
        n if n.starts_with("host.sysctl.") => sysctl(Path::new("/proc/sys"), &n[12..]),
        other => Fact::unavailable(format!("the host probe does not know `{other}`")),
    }
}

fn swap_total() -> Fact {
    match read_capped(Path::new("/proc/meminfo"), SMALL_FILE) {
        Ok(text) => match meminfo_bytes(&text, "SwapTotal") {
            Some(b) => Fact::value(Value::Bytes(b)),
            None => Fact::unavailable("/proc/meminfo has no SwapTotal line"),
        },
        Err(e) => Fact::unavailable(e),
    }
}

/// A `Key:   1234 kB` line of /proc/meminfo, in bytes.
fn meminfo_bytes(text: &str, key: &str) -> Option<u64> {
    let line = text.lines().find(|l| l.split(':').next() == Some(key))?;
    let mut words = line.split(':').nth(1)?.split_whitespace();
    let n: u64 = words.next()?.parse().ok()?;
    match words.next() {
        Some("kB") => n.checked_mul(1024),
        None => Some(n),
        Some(_) => None,
    }
}

/// The filesystem type of the mount holding `path` (longest mount point that is a prefix).
fn fs_type(path: &Path) -> Fact {
    let path = match absolute(path) {
        Ok(p) => p,
        Err(why) => return Fact::unavailable(why),
    };
    match read_capped(Path::new("/proc/self/mountinfo"), MOUNTINFO_CAP) {
        Ok(text) => match mount_fs_type(&text, &path) {
            Some(t) => Fact::value(Value::Str(t)),
            None => Fact::unavailable(format!(
                "no mount in /proc/self/mountinfo holds {}",
                path.display()
            )),
        },
        Err(e) => Fact::unavailable(e),
    }
}

/// `path` made absolute and canonical as far as it exists: a relative PRODUCT_HOME and a
/// directory not created yet (solr/data before the first start) still name their mount. An
/// entry that exists but cannot be resolved (a dangling symlink, a symlink loop) is an error:
/// where it points, and so its mount, is unknown.
fn absolute(path: &Path) -> Result<PathBuf, String> {
    let abs = match std::env::current_dir() {
        Ok(cwd) if path.is_relative() => cwd.join(path),
        _ => path.to_path_buf(),
    };
    let mut existing = abs.as_path();
    let mut missing = Vec::new();
    loop {
        match std::fs::canonicalize(existing) {
            Ok(mut canonical) => {
                canonical.extend(missing.iter().rev());
                return Ok(canonical);
            }
            Err(e) if std::fs::symlink_metadata(existing).is_ok() => {
                return Err(format!(
                    "{} cannot be resolved (dangling symlink or loop): {e}",
                    existing.display()
                ));
            }
            Err(_) => {}
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                missing.push(name);
                existing = parent;
            }
            _ => return Ok(abs),
        }
    }
}

/// Finds the fs type of the longest mount point containing `path`; later mounts shadow earlier.
fn mount_fs_type(mountinfo: &str, path: &Path) -> Option<String> {
    let mut best: Option<(usize, String)> = None;
    for line in mountinfo.lines() {
        let fields: Vec<&str> = line.split(' ').collect();
        let Some(dash) = fields.iter().position(|f| *f == "-") else {
            continue;
        };
        let (Some(mount), Some(fstype)) = (fields.get(4), fields.get(dash + 1)) else {
            continue;
        };
        let mount = PathBuf::from(unescape_mount(mount));
        if !path.starts_with(&mount) {
            continue;
        }
        let depth = mount.components().count();
        if best.as_ref().is_none_or(|(d, _)| depth >= *d) {
            best = Some((depth, fstype.to_string()));
        }
    }
    best.map(|(_, t)| t)
}

/// Mount points escape space, tab, newline and backslash as octal (`\040`).
fn unescape_mount(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('\\') {
        out.push_str(&rest[..i]);
        let code = rest
            .get(i + 1..i + 4)
            .and_then(|o| u8::from_str_radix(o, 8).ok());
        match code {
            Some(c) => {
                out.push(c as char);
                rest = &rest[i + 4..];
            }
            None => {
                out.push('\\');
                rest = &rest[i + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn os_release() -> Result<BTreeMap<String, String>, String> {
    let text = read_capped(Path::new("/etc/os-release"), SMALL_FILE)
        .or_else(|_| read_capped(Path::new("/usr/lib/os-release"), SMALL_FILE))?;
    Ok(parse_os_release(&text))
}

/// `KEY=value` lines of os-release, quotes removed.
fn parse_os_release(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            let v = v.trim();
            let v = v
                .strip_prefix('"')
                .and_then(|v| v.strip_suffix('"'))
                .or_else(|| v.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')))
                .unwrap_or(v);
            (k.trim().to_string(), v.to_string())
        })
        .collect()
}

fn os_fact(sh: &Shared, name: &str) -> Fact {
    let os = match sh.os_release.get_or_init(os_release) {
        Ok(os) => os,
        Err(e) => return Fact::unavailable(e.clone()),
    };
    let get = |k: &str| os.get(k).cloned();
    match name {
        "host.os.id" => Fact::value(get("ID").map_or(Value::Null, Value::Str)),
        "host.os.pretty" => Fact::value(get("PRETTY_NAME").map_or(Value::Null, Value::Str)),
        "host.os.version" => match get("VERSION_ID") {
            None => Fact::value(Value::Null),
            Some(v) => match Version::parse(&v) {
                Some(v) => Fact::value(Value::Version(v)),
                None => Fact::unavailable(format!("VERSION_ID `{v}` is not a version")),
            },
        },
        _ => Fact::value(Value::Null),
    }
}

/// The soft or hard open-files (or processes) limit of this process; unlimited is i64::MAX.
fn rlimit(nproc: bool, hard: bool) -> Fact {
    let resource = if nproc {
        libc::RLIMIT_NPROC
    } else {
        libc::RLIMIT_NOFILE
    };
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes only into the struct we own.
    if unsafe { libc::getrlimit(resource, &mut lim) } != 0 {
        let err = std::io::Error::last_os_error();
        return Fact::unavailable(format!("getrlimit failed: {err}"));
    }
    let v = if hard { lim.rlim_max } else { lim.rlim_cur };
    let v = if v == libc::RLIM_INFINITY {
        i64::MAX
    } else {
        v.min(i64::MAX as u64) as i64
    };
    Fact::value(Value::Int(v))
}

/// A /proc/sys value: an integer when it is one, else the text with whitespace runs collapsed.
fn sysctl(root: &Path, name: &str) -> Fact {
    let valid = |seg: &str| {
        !seg.is_empty()
            && seg != ".."
            && seg
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
    };
    let segments: Vec<&str> = name.split('.').collect();
    if name.is_empty() || !segments.iter().all(|s| valid(s)) {
        return Fact::unavailable(format!("`{name}` is not a sysctl name"));
    }
    let path = segments.iter().fold(root.to_path_buf(), |p, s| p.join(s));
    if !path.exists() {
        return Fact::unavailable(format!(
            "no sysctl `{name}` on this host ({} is absent)",
            path.display()
        ));
    }
    match read_capped(&path, SMALL_FILE) {
        Ok(text) => {
            let words: Vec<&str> = text.split_whitespace().collect();
            match words.as_slice() {
                [one] if one.parse::<i64>().is_ok() => {
                    Fact::value(Value::Int(one.parse().unwrap_or(0)))
                }
                _ => Fact::value(Value::Str(words.join(" "))),
            }
        }
        Err(e) => Fact::unavailable(e),
    }
}

/// The name of the effective user, from the password database.
fn user_name() -> Fact {
    // SAFETY: getpwuid_r writes into buffers we own and sized; the result pointer is checked.
    unsafe {
        let uid = libc::geteuid();
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 16 << 10];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut result);
        if rc != 0 || result.is_null() || pwd.pw_name.is_null() {
            return Fact::unavailable(format!("uid {uid} has no entry in the password database"));
        }
        let name = std::ffi::CStr::from_ptr(pwd.pw_name)
            .to_string_lossy()
            .into_owned();
        Fact::value(Value::Str(name))
    }
}

fn home_owner(home: Option<&Path>) -> Fact {
    use std::os::unix::fs::MetadataExt;
    let Some(home) = home else {
        return Fact::unavailable("no PRODUCT_HOME given");
    };
    match std::fs::metadata(home) {
        Ok(m) => Fact::value(Value::Int(m.uid() as i64)),
        Err(e) => Fact::unavailable(format!("cannot stat {}: {e}", home.display())),
    }
}

/// Whether this machine's hostname resolves, resolved in a thread so a slow resolver cannot
/// hold the probe past the deadline.
fn hostname_resolves(ctx: &Context) -> Fact {
    // A name lookup is network traffic (DNS): not made under --offline.
    if let Some(skipped) = ctx.offline_reason() {
        return skipped;
    }
    let Some(host) = sysinfo::System::host_name() else {
        return Fact::unavailable("the hostname could not be read");
    };
    super::dns::resolves(&host, ctx.deadline)
}

/// The proxy the environment configures, with any user info in the URL redacted.
fn proxy(env: impl Fn(&str) -> Option<std::ffi::OsString>) -> Fact {
    for key in ["https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY"] {
        if let Some(v) = env(key).filter(|v| !v.is_empty()) {
            return Fact::value(Value::Str(redact_proxy(&v.to_string_lossy())));
        }
    }
    Fact::value(Value::Null)
}

/// `http://user:pass@proxy:3128` → `http://<redacted>@proxy:3128`; also catches `&password=`.
fn redact_proxy(url: &str) -> String {
    static USERINFO: std::sync::OnceLock<regex_lite::Regex> = std::sync::OnceLock::new();
    let re = USERINFO.get_or_init(|| {
        regex_lite::Regex::new(r"^((?:[A-Za-z][A-Za-z0-9+.-]*://)?)[^/?#]*@").expect("static regex")
    });
    let s = re.replace(url, "${1}<redacted>@");
    preflight_rules::redact::inline(&s)
}

fn systemd_fact(sh: &Shared, name: &str) -> Fact {
    let unit = sh.ctx.systemd_unit();
    let unit = match unit {
        Ok(Some(u)) => u,
        Ok(None) => return Fact::value(Value::Null),
        Err(e) => return Fact::unavailable(e.clone()),
    };
    let key = match name {
        "host.systemd.unit" => {
            return Fact::value(Value::Str(unit.path.display().to_string()));
        }
        "host.systemd.limit-nofile" => "LimitNOFILE",
        _ => "LimitNPROC",
    };
    match unit.last(key) {
        None => Fact::value(Value::Null),
        Some(s) => match systemd::limit_value(&s.value) {
            Some(n) => Fact::value(Value::Int(n)).at(Some(s.location.clone())),
            None => Fact::unavailable(format!("{key}={} is not a limit", s.value)),
        },
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn meminfo_swap_in_bytes() {
        let text = "MemTotal:       16314384 kB\nSwapTotal:       2097148 kB\nSwapFree: 0 kB\n";
        assert_eq!(meminfo_bytes(text, "SwapTotal"), Some(2097148 * 1024));
        assert_eq!(meminfo_bytes(text, "Nope"), None);
    }

    #[test]
    fn longest_mount_wins() {
        let info = "22 1 0:21 / / rw - ext4 /dev/sda1 rw\n\
                    30 22 0:40 / /opt rw shared:1 - xfs /dev/sdb1 rw\n\
                    31 30 0:41 / /opt/wso2\\040am rw - nfs4 srv:/x rw\n\
                    32 22 0:42 / /optical rw - vfat /dev/sdc rw\n";
        let t = |p: &str| mount_fs_type(info, Path::new(p));
        assert_eq!(t("/opt/wso2 am/bin").as_deref(), Some("nfs4"));
        assert_eq!(t("/opt/other").as_deref(), Some("xfs"));
        assert_eq!(t("/optical").as_deref(), Some("vfat"));
        assert_eq!(t("/home").as_deref(), Some("ext4"));
    }

    #[test]
    fn relative_and_not_yet_created_paths_are_made_absolute() {
        let cwd = std::fs::canonicalize(".").unwrap();
        let p = absolute(Path::new("not-created/solr/data")).unwrap();
        assert_eq!(p, cwd.join("not-created/solr/data"));
        assert_eq!(absolute(Path::new("/")).unwrap(), PathBuf::from("/"));
        match fs_type(Path::new("not-created/solr/data")).get() {
            Ok(Value::Str(s)) => assert!(!s.is_empty()),
            other => eprintln!("fs type unavailable here: {other:?}"),
        }
    }

    #[test]
    fn a_dangling_link_or_loop_has_no_known_mount() {
        let dir = tempfile::tempdir().unwrap();
        let dangling = dir.path().join("solr");
        std::os::unix::fs::symlink(dir.path().join("gone"), &dangling).unwrap();
        assert!(fs_type(&dangling.join("data")).get().is_err());
        let a = dir.path().join("a");
        std::os::unix::fs::symlink(dir.path().join("b"), &a).unwrap();
        std::os::unix::fs::symlink(&a, dir.path().join("b")).unwrap();
        assert!(fs_type(&a.join("data")).get().is_err());
        // Not created yet is fine: the mount of the folder that holds it.
        assert!(absolute(&dir.path().join("new/solr/data")).is_ok());
    }

    #[test]
    fn fs_type_of_this_host() {
        match fs_type(Path::new("/")).get() {
            Ok(Value::Str(s)) => assert!(!s.is_empty()),
            other => eprintln!("fs type unavailable here: {other:?}"),
        }
    }

    #[test]
    fn os_release_fields() {
        let os = parse_os_release(
            "NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\nPRETTY_NAME='Ubuntu 22.04.4 LTS'\n",
        );
        assert_eq!(os["ID"], "ubuntu");
        assert_eq!(os["VERSION_ID"], "22.04");
        assert_eq!(os["PRETTY_NAME"], "Ubuntu 22.04.4 LTS");
    }

    #[test]
    fn limits_are_integers() {
        for (nproc, hard) in [(false, false), (false, true), (true, false), (true, true)] {
            match rlimit(nproc, hard).get() {
                Ok(Value::Int(n)) => assert!(*n > 0),
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn sysctl_values() {
        let root = tempfile::tempdir().unwrap();
        let d = root.path().join("net/ipv4");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("tcp_fin_timeout"), "30\n").unwrap();
        std::fs::write(d.join("ip_local_port_range"), "1024\t65535\n").unwrap();
        std::fs::write(d.join("bad"), [0xff, 0xfe]).unwrap();
        let v = |n: &str| sysctl(root.path(), n);
        assert_eq!(v("net.ipv4.tcp_fin_timeout").get(), Ok(&Value::Int(30)));
        assert_eq!(
            v("net.ipv4.ip_local_port_range").get(),
            Ok(&Value::Str("1024 65535".into()))
        );
        assert!(v("net.ipv4.nope").get().unwrap_err().contains("no sysctl"));
        assert!(v("net..ipv4").get().unwrap_err().contains("not a sysctl"));
        assert!(v("net.ipv4.bad").get().unwrap_err().contains("not UTF-8"));
    }

    #[test]
    fn proxy_credentials_never_shown() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |k: &str| {
                vars.iter()
                    .find(|(n, _)| *n == k)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        let f = proxy(env(&[("HTTP_PROXY", "http://bob:s3cret@proxy.corp:3128")]));
        let shown = f.get().unwrap().to_string();
        assert_eq!(shown, "http://<redacted>@proxy.corp:3128");
        assert!(!shown.contains("s3cret") && !shown.contains("bob"));
        let f = proxy(env(&[("https_proxy", "proxy:8080"), ("HTTP_PROXY", "x")]));
        assert_eq!(f.get(), Ok(&Value::Str("proxy:8080".into())));
        assert_eq!(redact_proxy("tok3n@proxy:1"), "<redacted>@proxy:1");
        assert_eq!(proxy(env(&[])).get(), Ok(&Value::Null));
    }

    #[test]
    fn localhost_resolves_and_user_is_known() {
        assert_eq!(
            crate::facts::dns::resolves("localhost", Duration::from_secs(5)).get(),
            Ok(&Value::Bool(true))
        );
        assert!(matches!(user_name().get(), Ok(Value::Str(_))));
        assert!(home_owner(None).get().is_err());
    }

    #[test]
    fn host_probe_answers_every_new_fact() {
        let home = tempfile::tempdir().unwrap();
        let ctx = Context::new(Some(home.path().to_path_buf()), true, None);
        let names: Vec<String> = [
            "host.swap.total",
            "host.os.id",
            "host.os.version",
            "host.home.owner.uid",
            "host.systemd.unit",
            "host.systemd.limit-nofile",
            "host.sysctl.kernel.pid_max",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let facts = probe(&ctx, &names);
        assert_eq!(facts.len(), names.len());
        for (n, f) in &facts {
            eprintln!("{n} = {:?}", f.get());
            assert!(crate::facts::lookup(n).is_some(), "{n} catalogued");
        }
        // A fresh tempdir is started by no unit.
        assert_eq!(facts[4].1.get(), Ok(&Value::Null));
    }

    #[test]
    fn offline_makes_no_name_lookup() {
        let offline = Context::new(None, true, None);
        let f = probe(&offline, &["host.hostname.resolves".to_string()]);
        assert_eq!(f[0].1.get(), Err(crate::facts::OFFLINE_REASON));
        assert_eq!(f[0].1.cause(), Some(crate::facts::Cause::Offline));
    }
}
