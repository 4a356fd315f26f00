//! The few system calls the store, snapshots and clones need that std does not offer: atomic
//! exchange of two paths, syncfs, reflink, whiteout device nodes, extended attributes and
//! timestamps on a symlink itself. Every unsafe block of these modules lives here.

use std::ffi::CString;
use std::fs::File;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use crate::walk::Timestamp;

fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))
}

fn check(rc: libc::c_int) -> io::Result<()> {
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Swap `a` and `b` in one step (renameat2 RENAME_EXCHANGE): every observer sees either the old
/// pair or the swapped one. EINVAL/ENOSYS when the filesystem cannot do it.
pub fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    let (ca, cb) = (c_path(a)?, c_path(b)?);
    // SAFETY: both strings are NUL-terminated and outlive the call; AT_FDCWD resolves them
    // relative to the working directory as rename(2) would.
    check(unsafe {
        libc::renameat2(
            libc::AT_FDCWD,
            ca.as_ptr(),
            libc::AT_FDCWD,
            cb.as_ptr(),
            libc::RENAME_EXCHANGE,
        )
    })
}

/// Flush every dirty page and inode of the filesystem holding `path` (one call, instead of an
/// fsync per file when thousands of new files must become durable together).
pub fn syncfs(path: &Path) -> io::Result<()> {
    let dir = File::open(path)?;
    // SAFETY: the fd is open for the duration of the call.
    check(unsafe { libc::syncfs(dir.as_raw_fd()) })
}

/// Make `dst` share `src`'s data blocks (FICLONE). Fails with EOPNOTSUPP, EXDEV, EINVAL or
/// ENOTTY where the filesystem cannot (ext4, tmpfs), and the caller copies instead.
pub fn reflink(src: &File, dst: &File) -> io::Result<()> {
    // SAFETY: both fds are open for the duration of the call; FICLONE takes the source fd as
    // its integer argument and writes nothing to our memory.
    let rc = unsafe { libc::ioctl(dst.as_raw_fd(), libc::FICLONE as _, src.as_raw_fd()) };
    check(rc)
}

/// Whether a reflink failure means "this filesystem cannot", rather than a real I/O error.
pub fn reflink_unsupported(err: &io::Error) -> bool {
    matches!(
        err.raw_os_error(),
        Some(libc::EOPNOTSUPP | libc::EXDEV | libc::EINVAL | libc::ENOTTY | libc::ENOSYS)
    )
}

/// Create a filesystem node of `mode` (type bits included) and device number `rdev`:
/// an overlayfs whiteout is `S_IFCHR` with rdev 0, a fifo is `S_IFIFO`.
pub fn mknod(path: &Path, mode: u32, rdev: u64) -> io::Result<()> {
    let p = c_path(path)?;
    // SAFETY: `p` is NUL-terminated and outlives the call.
    check(unsafe { libc::mknod(p.as_ptr(), mode as libc::mode_t, rdev as libc::dev_t) })
}

/// Set an extended attribute on `path` itself (a symlink is not followed).
pub fn set_xattr(path: &Path, name: &str, value: &[u8]) -> io::Result<()> {
    let p = c_path(path)?;
    let n = CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "xattr name contains NUL"))?;
    // SAFETY: both strings are NUL-terminated and live across the call; `value` is readable
    // for its length.
    check(unsafe {
        libc::lsetxattr(
            p.as_ptr(),
            n.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    })
}

/// Set the modification time of `path` itself (a symlink is not followed); atime is left alone.
pub fn set_mtime_nofollow(path: &Path, mtime: Timestamp) -> io::Result<()> {
    let p = c_path(path)?;
    let times = [
        libc::timespec {
            tv_sec: 0,
            tv_nsec: libc::UTIME_OMIT,
        },
        libc::timespec {
            tv_sec: mtime.secs as libc::time_t,
            tv_nsec: mtime.nsec as libc::c_long,
        },
    ];
    // SAFETY: `p` is NUL-terminated; `times` is an array of two timespecs as utimensat expects,
    // both living across the call.
    check(unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            p.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
}

/// The effective user id of this process (root restores layers owned by the sandbox's user).
pub fn euid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}
