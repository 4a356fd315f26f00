//! BLAKE3 of one file, read through a reusable buffer (no mmap), with cancellation.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use super::entry::Timestamp;
use super::error::WalkError;

/// Read size: big enough that syscalls are noise next to hashing, small enough that a cancel or
/// a progress tick is seen within about a millisecond.
pub const BUF_SIZE: usize = 256 * 1024;

/// BLAKE3 and byte count of the regular file at `path` (a symlink at `path` is followed; any
/// other kind of file is EINVAL, and a fifo is never opened for blocking reads).
pub fn hash_file(path: &Path) -> Result<([u8; 32], u64), WalkError> {
    let shown = path.display();
    let mut file = open_nonblocking(path, false).map_err(|e| WalkError::io("open", &shown, e))?;
    let meta = file
        .metadata()
        .map_err(|e| WalkError::io("stat", &shown, e))?;
    if !meta.file_type().is_file() {
        return Err(WalkError::invalid(format!("{shown} is not a regular file")));
    }
    let mut buf = vec![0u8; BUF_SIZE];
    let never = AtomicBool::new(false);
    read_hash(&mut file, &mut buf, &never, &|_| {}).map_err(|e| e.with_path("read", &shown))
}

/// What the walk saw of a file; the hash is only recorded for that very file in that state.
pub(crate) struct Expected {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime: Timestamp,
}

/// Hash the file the walk recorded at `abs`. Opens
/// without following a symlink and checks device, inode, size and mtime, so a file swapped or
/// rewritten since the walk is ECHANGED rather than recorded with the wrong stat.
pub(crate) fn hash_expected(
    abs: &Path,
    expected: &Expected,
    buf: &mut [u8],
    cancel: &AtomicBool,
    bytes_done: &AtomicU64,
) -> Result<[u8; 32], WalkError> {
    if cancel.load(Ordering::Relaxed) {
        return Err(WalkError::Canceled);
    }
    let shown = abs.display();
    let changed = |detail| WalkError::Changed {
        path: shown.to_string(),
        detail,
    };
    let mut file = match open_nonblocking(abs, true) {
        Ok(f) => f,
        // ELOOP: O_NOFOLLOW met a symlink where the walk saw a file.
        Err(e) if e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(changed("replaced by a symlink"))
        }
        Err(e) => return Err(WalkError::io("open", &shown, e)),
    };
    let meta = file
        .metadata()
        .map_err(|e| WalkError::io("stat", &shown, e))?;
    if !meta.file_type().is_file() || meta.dev() != expected.dev || meta.ino() != expected.ino {
        return Err(changed("replaced by another file"));
    }
    let mtime = Timestamp {
        secs: meta.mtime(),
        nsec: meta.mtime_nsec() as u32,
    };
    if meta.size() != expected.size || mtime != expected.mtime {
        return Err(changed("modified after it was listed"));
    }
    let count = |n: u64| {
        bytes_done.fetch_add(n, Ordering::Relaxed);
    };
    let (hash, read) =
        read_hash(&mut file, buf, cancel, &count).map_err(|e| e.with_path("read", &shown))?;
    if read != expected.size {
        return Err(changed("size changed while it was read"));
    }
    Ok(hash)
}

/// O_NONBLOCK so that a fifo swapped in never blocks the open (it is refused after fstat);
/// it has no effect on reads of regular files.
fn open_nonblocking(path: &Path, no_follow: bool) -> io::Result<File> {
    let flags = libc::O_NONBLOCK | if no_follow { libc::O_NOFOLLOW } else { 0 };
    OpenOptions::new().read(true).custom_flags(flags).open(path)
}

enum ReadError {
    Io(io::Error),
    Canceled,
}

impl ReadError {
    fn with_path(self, action: &'static str, path: impl std::fmt::Display) -> WalkError {
        match self {
            ReadError::Io(e) => WalkError::io(action, path, e),
            ReadError::Canceled => WalkError::Canceled,
        }
    }
}

fn read_hash(
    file: &mut File,
    buf: &mut [u8],
    cancel: &AtomicBool,
    on_bytes: &dyn Fn(u64),
) -> Result<([u8; 32], u64), ReadError> {
    let mut hasher = blake3::Hasher::new();
    let mut total = 0u64;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(ReadError::Canceled);
        }
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(ReadError::Io(e)),
        };
        hasher.update(&buf[..n]);
        total += n as u64;
        on_bytes(n as u64);
    }
    Ok((*hasher.finalize().as_bytes(), total))
}
