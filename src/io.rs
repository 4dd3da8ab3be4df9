//! Bounded reading and guarded writing: every file preflight reads has a size cap (a FIFO or
//! pipe a deadline too), and no file it writes lands inside PRODUCT_HOME.

mod pipe;

use anyhow::{Context as _, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Reads a file of at most `cap` bytes; larger files, unreadable files and non-UTF-8 content
/// become an error message naming the file.
pub(crate) fn read_capped(path: &Path, cap: u64) -> Result<String, String> {
    let bytes = read_capped_bytes(path, cap)?;
    String::from_utf8(bytes).map_err(|e| not_utf8(path, e.utf8_error()))
}

fn not_utf8(path: &Path, e: std::str::Utf8Error) -> String {
    format!(
        "{} is not UTF-8 text (invalid byte at offset {})",
        path.display(),
        e.valid_up_to()
    )
}

/// Reads a regular file of at most `cap` bytes, as bytes. Anything else is refused before it is
/// opened: a larger file unread, a FIFO or device unopened (opening a FIFO blocks). This is how
/// every file under PRODUCT_HOME is read.
pub(crate) fn read_capped_bytes(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if !meta.is_file() {
        return Err(format!("{} is not a regular file", path.display()));
    }
    read_stream(path, cap, &meta)
}

/// Reads a file the user named on the command line (facts, waivers, reports, rule files): a
/// pipe such as `--facts <(ssh node preflight facts)` is fine, still within `cap` bytes.
pub(crate) fn read_input(path: &Path, cap: u64) -> Result<String, String> {
    let meta =
        std::fs::metadata(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    if meta.is_dir() {
        return Err(format!("{} is a directory, not a file", path.display()));
    }
    let bytes = match std::os::unix::fs::FileTypeExt::is_fifo(&meta.file_type()) {
        true => pipe::read_pipe(path, cap)?,
        false => read_stream(path, cap, &meta)?,
    };
    String::from_utf8(bytes).map_err(|e| not_utf8(path, e.utf8_error()))
}

/// Reads the regular file `path` (its `meta` already taken), at most `cap` bytes, into `buf` as
/// UTF-8 text: a reader of many files reuses one buffer instead of faulting in fresh pages for
/// each file.
pub(crate) fn read_text_into<'b>(
    path: &Path,
    meta: &std::fs::Metadata,
    cap: u64,
    buf: &'b mut Vec<u8>,
) -> Result<&'b str, String> {
    buf.clear();
    fill(path, cap, meta, buf)?;
    std::str::from_utf8(buf).map_err(|e| not_utf8(path, e))
}

fn read_stream(path: &Path, cap: u64, meta: &std::fs::Metadata) -> Result<Vec<u8>, String> {
    let mut bytes = Vec::new();
    fill(path, cap, meta, &mut bytes)?;
    Ok(bytes)
}

/// Appends the file's bytes to `bytes`, refusing more than `cap`.
fn fill(
    path: &Path,
    cap: u64,
    meta: &std::fs::Metadata,
    bytes: &mut Vec<u8>,
) -> Result<(), String> {
    use std::io::Read;
    let cannot = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    if meta.is_file() && meta.len() > cap {
        return Err(too_large(path, cap));
    }
    let file = std::fs::File::open(path).map_err(cannot)?;
    // Sized up front: read_to_end through `take` would otherwise grow from tiny reads.
    let expected = if meta.is_file() {
        meta.len() + 1
    } else {
        64 << 10
    };
    bytes.reserve(expected.min(cap + 1) as usize);
    file.take(cap + 1).read_to_end(bytes).map_err(cannot)?;
    if bytes.len() as u64 > cap {
        return Err(too_large(path, cap));
    }
    Ok(())
}

pub(crate) fn too_large(path: &Path, cap: u64) -> String {
    format!(
        "{} is larger than {} and was not read",
        path.display(),
        crate::value::format_bytes(cap)
    )
}

/// Writes `text` to `file`, or to standard output when there is none; a closed pipe (`| head`)
/// is not an error worth reporting.
pub(crate) fn write_text(text: &str, file: Option<&Path>) -> Result<()> {
    match file {
        Some(f) => std::fs::write(f, text).with_context(|| format!("cannot write {}", f.display())),
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                r => r.context("cannot write to standard output"),
            }
        }
    }
}

/// The write guard: refuses an output file inside PRODUCT_HOME (preflight never writes there).
pub(crate) fn refuse_inside_home(file: &Path, home: &Path) -> Result<()> {
    if inside(file, home) {
        bail!(
            "refusing to write {} inside PRODUCT_HOME {}: preflight never writes there; choose another path",
            file.display(),
            home.display()
        );
    }
    Ok(())
}

fn inside(file: &Path, home: &Path) -> bool {
    let home = home.canonicalize().unwrap_or_else(|_| home.to_path_buf());
    absolute(file).starts_with(home)
}

/// Whether two output paths name one file (`r.json` and `./r.json`).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    absolute(a) == absolute(b)
}

/// `p` made absolute with its directory resolved (the file itself need not exist yet).
fn absolute(p: &Path) -> PathBuf {
    let p = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_default().join(p)
    };
    let parent = p
        .parent()
        .map(|d| d.canonicalize().unwrap_or_else(|_| d.to_path_buf()));
    parent.map_or(p.clone(), |d| d.join(p.file_name().unwrap_or_default()))
}
