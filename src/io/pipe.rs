//! Reading a pipe or FIFO named on the command line (`--facts <(ssh node preflight facts)`,
//! `mkfifo`) without ever blocking for good: a writer must appear within [`WRITER_WAIT`], and a
//! writer must not fall silent for longer than [`IDLE_WAIT`].

use std::io::Read;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// How long a pipe may go without a writer (opening a FIFO for reading would block until one).
pub(crate) const WRITER_WAIT: Duration = Duration::from_secs(5);
/// How long a connected writer may send nothing before the read is given up.
pub(crate) const IDLE_WAIT: Duration = Duration::from_secs(60);

/// The bytes a pipe or FIFO holds until its writer closes it, at most `cap` of them.
pub(crate) fn read_pipe(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    // Non-blocking: opening a FIFO nobody writes to returns at once instead of waiting.
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(cannot)?;
    let started = Instant::now();
    let mut last_data = started;
    let mut writer_seen = false;
    let mut bytes = Vec::new();
    let mut buf = vec![0u8; 64 << 10];
    loop {
        match file.read(&mut buf) {
            // End of file: the writer closed it (or never came yet: a FIFO without writer reads
            // as empty).
            Ok(0) if writer_seen || !bytes.is_empty() => return Ok(bytes),
            Ok(0) if started.elapsed() >= WRITER_WAIT => {
                return Err(format!(
                    "cannot read {}: nothing opened it for writing within {} s (a FIFO without a writer?)",
                    path.display(),
                    WRITER_WAIT.as_secs()
                ));
            }
            Ok(0) => std::thread::sleep(Duration::from_millis(20)),
            Ok(n) => {
                bytes.extend_from_slice(&buf[..n]);
                writer_seen = true;
                last_data = Instant::now();
                if bytes.len() as u64 > cap {
                    return Err(super::too_large(path, cap));
                }
            }
            // A writer holds it open and has sent nothing yet.
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                writer_seen = true;
                if last_data.elapsed() >= IDLE_WAIT {
                    return Err(format!(
                        "cannot read {}: its writer sent nothing for {} s",
                        path.display(),
                        IDLE_WAIT.as_secs()
                    ));
                }
                wait_readable(&file, Duration::from_millis(200));
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(cannot(e)),
        }
    }
}

/// Waits until `file` has data or its writer closes it, at most `limit`.
fn wait_readable(file: &std::fs::File, limit: Duration) {
    use std::os::fd::AsRawFd;
    let mut fd = libc::pollfd {
        fd: file.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, owned by this frame, for the length of the call.
    unsafe {
        libc::poll(&mut fd, 1, limit.as_millis() as libc::c_int);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fifo_without_writer_is_an_error_within_the_wait() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let t = Instant::now();
        let e = read_pipe(&fifo, 1 << 20).unwrap_err();
        assert!(e.contains("nothing opened it for writing"), "{e}");
        assert!(t.elapsed() < WRITER_WAIT + Duration::from_secs(2));
    }

    #[test]
    fn a_fifo_whose_writer_comes_late_is_read_whole() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("f");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let writer_path = fifo.clone();
        let writer = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(300));
            std::fs::write(writer_path, "x".repeat(200_000)).unwrap();
        });
        let got = read_pipe(&fifo, 1 << 20).unwrap();
        writer.join().unwrap();
        assert_eq!(got.len(), 200_000);
    }
}
