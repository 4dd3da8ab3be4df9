//! SIGINT, SIGTERM and SIGHUP (a closed terminal or SSH session): kill the process groups of the children the probes are waiting for
//! (`java -version` runs in a group of its own, so a terminal's Ctrl-C does not reach it),
//! then die by the same signal. No partial report is written: one could pass for a finished
//! run, and dying by the signal (a shell shows 130) is what lets a calling shell loop or
//! `make` stop too. The exit codes 0/1/2 describe runs that finished.

use std::sync::atomic::{AtomicI32, Ordering};

/// Process groups to kill on interruption; 0 is a free slot. A probe runs one child at a time.
static GROUPS: [AtomicI32; 8] = [const { AtomicI32::new(0) }; 8];

/// Installs the handler for SIGINT, SIGTERM and SIGHUP; the binary calls it once at start.
pub fn install() {
    for sig in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: the handler only loads atomics and calls async-signal-safe kill, signal and
        // raise; the sigaction struct is zeroed and then filled in.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as extern "C" fn(libc::c_int) as libc::sighandler_t;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(sig, &action, std::ptr::null_mut());
        }
    }
}

extern "C" fn on_signal(sig: libc::c_int) {
    for slot in &GROUPS {
        let group = slot.load(Ordering::SeqCst);
        if group > 0 {
            // SAFETY: kill is async-signal-safe; the group is one a probe created.
            unsafe { libc::kill(-group, libc::SIGKILL) };
        }
    }
    // SAFETY: restoring the default action and re-raising ends the process by `sig`.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        libc::raise(sig);
    }
}

/// Keeps a child's process group on the list to kill while it lives.
pub struct Tracked(Option<usize>);

/// Puts process group `group` on the list until the returned guard is dropped. With every
/// slot taken the group is not tracked; the probe's own deadline still kills it.
pub fn track(group: i32) -> Tracked {
    let slot = GROUPS.iter().position(|s| {
        s.compare_exchange(0, group, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
    });
    Tracked(slot)
}

impl Drop for Tracked {
    fn drop(&mut self) {
        if let Some(i) = self.0 {
            GROUPS[i].store(0, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tracking_takes_a_slot_and_gives_it_back() {
        let taken = |g| {
            GROUPS
                .iter()
                .filter(|s| s.load(Ordering::SeqCst) == g)
                .count()
        };
        let t = track(999_999);
        assert_eq!(taken(999_999), 1);
        drop(t);
        assert_eq!(taken(999_999), 0);
    }
}
