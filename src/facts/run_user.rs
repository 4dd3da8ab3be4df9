//! The user the product runs as: `User=` of the systemd unit that starts PRODUCT_HOME (unset
//! is root), else the owner of PRODUCT_HOME, and preflight's own user only when nothing else is
//! known — so running preflight under sudo or Ansible `become` does not by itself decide.

use super::systemd::Unit;
use super::{Context, Fact};
use crate::value::Value;
use std::path::Path;

/// Who decides: the uid the product will run as, and how that was found.
pub fn product_user(ctx: &Context) -> (Fact, Fact) {
    let Some(home) = ctx.home() else {
        return own_user();
    };
    match ctx.systemd_unit() {
        Ok(Some(unit)) => from_unit(unit),
        Ok(None) => from_owner(home),
        // Whether a unit starts PRODUCT_HOME is unknown: its User= could be root.
        Err(e) => {
            let why = format!("the systemd units could not be searched: {e}");
            (Fact::unavailable(why.clone()), Fact::unavailable(why))
        }
    }
}

fn source(text: String) -> Fact {
    Fact::value(Value::Str(text))
}

fn from_unit(unit: &Unit) -> (Fact, Fact) {
    let path = unit.path.display();
    let Some(user) = unit.last("User").filter(|s| !s.value.trim().is_empty()) else {
        let dynamic = unit
            .last("DynamicUser")
            .is_some_and(|s| matches!(s.value.trim(), "yes" | "true" | "on" | "1"));
        if dynamic {
            // systemd allocates a uid from 61184–65519 at start: never root.
            return (
                Fact::value(Value::Int(61184)),
                source(format!(
                    "DynamicUser=yes of {path} (a uid from 61184-65519)"
                )),
            );
        }
        return (
            Fact::value(Value::Int(0)),
            source(format!(
                "{path} sets no User=, so systemd starts it as root"
            )),
        );
    };
    let name = user.value.trim();
    let at = Some(user.location.clone());
    let said = source(format!("User={name} of {path}"));
    if name.contains('%') {
        let why = format!("User={name} of {path} uses a specifier only known at start");
        return (Fact::unavailable(why).at(at), said);
    }
    match uid_of(name) {
        Some(uid) => (Fact::value(Value::Int(uid)).at(at), said),
        None => (
            Fact::unavailable(format!("User={name} of {path} is not a user of this host")).at(at),
            said,
        ),
    }
}

fn from_owner(home: &Path) -> (Fact, Fact) {
    use std::os::unix::fs::MetadataExt;
    let said = source("the owner of PRODUCT_HOME (no systemd unit starts it)".into());
    match std::fs::metadata(home) {
        Ok(m) => (Fact::value(Value::Int(m.uid() as i64)), said),
        Err(e) => (
            Fact::unavailable(format!("cannot stat {}: {e}", home.display())),
            said,
        ),
    }
}

fn own_user() -> (Fact, Fact) {
    // SAFETY: geteuid cannot fail and touches no memory of ours.
    let uid = unsafe { libc::geteuid() } as i64;
    (
        Fact::value(Value::Int(uid)),
        source("preflight's own user (no unit and no PRODUCT_HOME to judge)".into()),
    )
}

/// The uid of a user name (or a numeric `User=`), from the password database.
fn uid_of(name: &str) -> Option<i64> {
    if let Ok(n) = name.parse::<u32>() {
        return Some(n as i64);
    }
    let c = std::ffi::CString::new(name).ok()?;
    // SAFETY: getpwnam_r writes into buffers we own and sized; the result pointer is checked.
    unsafe {
        let mut pwd: libc::passwd = std::mem::zeroed();
        let mut buf = vec![0 as libc::c_char; 16 << 10];
        let mut result: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwnam_r(
            c.as_ptr(),
            &mut pwd,
            buf.as_mut_ptr(),
            buf.len(),
            &mut result,
        );
        (rc == 0 && !result.is_null()).then_some(pwd.pw_uid as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::systemd::parse_unit;
    use std::path::PathBuf;

    fn unit(text: &str) -> Unit {
        Unit {
            path: PathBuf::from("/etc/systemd/system/wso2am.service"),
            settings: parse_unit(text, "/etc/systemd/system/wso2am.service"),
        }
    }

    #[test]
    fn the_unit_decides_and_says_so() {
        let (uid, how) = from_unit(&unit("[Service]\nExecStart=/opt/am/bin/api-manager.sh\n"));
        assert_eq!(uid.get(), Ok(&Value::Int(0)));
        assert!(how.get().unwrap().to_string().contains("sets no User="));
        let (uid, how) = from_unit(&unit("[Service]\nUser=root\nExecStart=/x\n"));
        assert_eq!(uid.get(), Ok(&Value::Int(0)));
        assert!(how.get().unwrap().to_string().contains("User=root"));
        let (uid, _) = from_unit(&unit("[Service]\nUser=1001\n"));
        assert_eq!(uid.get(), Ok(&Value::Int(1001)));
        let (uid, _) = from_unit(&unit("[Service]\nUser=no-such-user-pf\n"));
        assert!(uid.get().is_err());
        let (uid, _) = from_unit(&unit("[Service]\nDynamicUser=yes\n"));
        assert_ne!(uid.get(), Ok(&Value::Int(0)));
    }
}
