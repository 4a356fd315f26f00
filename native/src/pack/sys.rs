//! The few calls the unpacker needs that std does not offer: making an overlayfs whiteout,
//! setting an extended attribute and a symlink's times, all without following a final symlink;
//! and the ext4 placement hint for work folders.

use std::ffi::CString;
use std::io;
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

/// Create an overlayfs whiteout (a character device 0:0) at `path`; mknod never follows or
/// replaces an existing entry (EEXIST).
pub fn mknod_whiteout(path: &Path) -> io::Result<()> {
    let p = c_path(path)?;
    // SAFETY: `p` is NUL-terminated and outlives the call; mode and device are plain integers.
    check(unsafe { libc::mknod(p.as_ptr(), libc::S_IFCHR, libc::makedev(0, 0)) })
}

/// Set an extended attribute on `path` itself (lsetxattr: a symlink is not followed).
pub fn set_xattr(path: &Path, name: &str, value: &[u8]) -> io::Result<()> {
    let p = c_path(path)?;
    let n = CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "xattr name contains NUL"))?;
    // SAFETY: both strings are NUL-terminated and live across the call; `value` is readable for
    // its length.
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

/// Set access and modification time of `path` itself (AT_SYMLINK_NOFOLLOW).
pub fn set_times_nofollow(path: &Path, mtime: Timestamp) -> io::Result<()> {
    let p = c_path(path)?;
    let ts = libc::timespec {
        tv_sec: mtime.secs as libc::time_t,
        tv_nsec: mtime.nsec.min(999_999_999) as libc::c_long,
    };
    let times = [ts, ts];
    // SAFETY: `p` is NUL-terminated; `times` holds the two timespecs utimensat reads.
    check(unsafe {
        libc::utimensat(
            libc::AT_FDCWD,
            p.as_ptr(),
            times.as_ptr(),
            libc::AT_SYMLINK_NOFOLLOW,
        )
    })
}

/// The effective user id (root makes the layer's files the sandbox user's).
pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// `FS_IOC_GETFLAGS` / `FS_IOC_SETFLAGS` (`_IOR/_IOW('f', 1|2, long)` in the asm-generic ioctl
/// encoding of x86-64, arm64 and riscv64) and `FS_TOPDIR_FL`; libc 0.2.139 has none of them.
#[cfg(target_pointer_width = "64")]
const FS_IOC_GETFLAGS: libc::c_ulong = 0x8008_6601;
#[cfg(target_pointer_width = "64")]
const FS_IOC_SETFLAGS: libc::c_ulong = 0x4008_6602;
const FS_TOPDIR_FL: libc::c_int = 0x0002_0000;

/// Mark directory `dir` as the top of unrelated directory trees (`chattr +T`): ext4's Orlov
/// allocator then spreads the directories made in it over block groups with room, instead of
/// packing them into the group of `dir` itself. Filesystems without the flag refuse it; the
/// caller treats it as a hint.
#[cfg(target_pointer_width = "64")]
pub fn set_topdir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    use std::os::unix::io::AsRawFd;
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(dir)?;
    let mut flags: libc::c_int = 0;
    // SAFETY: `f` is an open descriptor for the call's duration; the kernel writes one int
    // into `flags`, which lives across the call.
    check(unsafe { libc::ioctl(f.as_raw_fd(), FS_IOC_GETFLAGS, &mut flags) })?;
    if flags & FS_TOPDIR_FL != 0 {
        return Ok(());
    }
    flags |= FS_TOPDIR_FL;
    // SAFETY: as above; the kernel reads one int from `flags`.
    check(unsafe { libc::ioctl(f.as_raw_fd(), FS_IOC_SETFLAGS, &flags) })
}

#[cfg(not(target_pointer_width = "64"))]
pub fn set_topdir(_dir: &Path) -> io::Result<()> {
    Ok(())
}
