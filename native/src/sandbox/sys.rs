//! Every system call the sandbox makes, and the only `unsafe` code of the sandbox.
//!
//! Mount-plan operations sit behind the `Sys` trait (youki style) so `mounts::apply` is tested
//! with a recording fake; process-level calls (fork, namespaces, signals, credentials) are plain
//! safe wrappers below, used by the runner, the init and the core's launcher.

use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::time::Duration;

/// The kind of an existing path (after following symlinks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Dir,
    File,
}

/// The mount-plan operations. `RealSys` performs them; tests record them.
pub trait Sys {
    fn mount(
        &self,
        src: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: libc::c_ulong,
        data: Option<&str>,
    ) -> io::Result<()>;
    /// Make an existing mount read-only (plus `extra` flags), keeping the flags it already has.
    fn remount_readonly(&self, target: &Path, extra: libc::c_ulong) -> io::Result<()>;
    fn umount_detach(&self, target: &Path) -> io::Result<()>;
    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> io::Result<()>;
    fn chdir(&self, path: &Path) -> io::Result<()>;
    fn mkdir_all(&self, path: &Path, mode: u32) -> io::Result<()>;
    fn rmdir(&self, path: &Path) -> io::Result<()>;
    /// Create an empty file (a bind mount point) if nothing exists there.
    fn create_file(&self, path: &Path) -> io::Result<()>;
    fn write_file(&self, path: &Path, contents: &[u8], mode: u32) -> io::Result<()>;
    fn symlink(&self, target: &Path, link: &Path) -> io::Result<()>;
    /// None when the path does not exist.
    fn kind(&self, path: &Path) -> io::Result<Option<FileKind>>;
    fn chown(&self, path: &Path, uid: u32, gid: u32) -> io::Result<()>;
    /// A regular file's contents, at most `max` bytes (EFBIG beyond, EINVAL if not a file).
    fn read_file(&self, path: &Path, max: u64) -> io::Result<Vec<u8>>;
}

fn cstr(p: &Path) -> io::Result<CString> {
    CString::new(p.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

fn cstring(s: &str) -> io::Result<CString> {
    CString::new(s).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput))
}

/// -1 -> the current errno.
fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn check_long(ret: libc::c_long) -> io::Result<libc::c_long> {
    if ret == -1 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

/// The real system.
pub struct RealSys;

impl Sys for RealSys {
    fn mount(
        &self,
        src: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: libc::c_ulong,
        data: Option<&str>,
    ) -> io::Result<()> {
        let src = src.map(cstr).transpose()?;
        let target = cstr(target)?;
        let fstype = fstype.map(cstring).transpose()?;
        let data = data.map(cstring).transpose()?;
        let ptr = |c: &Option<CString>| c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr());
        // SAFETY: every pointer is either null or a NUL-terminated string that outlives the call.
        check(unsafe {
            libc::mount(
                ptr(&src),
                target.as_ptr(),
                ptr(&fstype),
                flags,
                ptr(&data) as *const _,
            )
        })?;
        Ok(())
    }

    fn remount_readonly(&self, target: &Path, extra: libc::c_ulong) -> io::Result<()> {
        let c = cstr(target)?;
        // SAFETY: statvfs is plain old data; zeroed is a valid value and the kernel fills it.
        let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
        // SAFETY: `c` is a valid C string and `st` a valid out-pointer.
        check(unsafe { libc::statvfs(c.as_ptr(), &mut st) })?;
        // In a user namespace the kernel refuses a remount that would clear a locked flag, so keep
        // whatever the mount already has.
        let mut flags = libc::MS_REMOUNT | libc::MS_BIND | libc::MS_RDONLY | extra;
        for (st_flag, ms_flag) in [
            (libc::ST_NOSUID, libc::MS_NOSUID),
            (libc::ST_NODEV, libc::MS_NODEV),
            (libc::ST_NOEXEC, libc::MS_NOEXEC),
            (libc::ST_NOATIME, libc::MS_NOATIME),
            (libc::ST_NODIRATIME, libc::MS_NODIRATIME),
            (libc::ST_RELATIME, libc::MS_RELATIME),
        ] {
            if st.f_flag & st_flag != 0 {
                flags |= ms_flag;
            }
        }
        self.mount(None, target, None, flags, None)
    }

    fn umount_detach(&self, target: &Path) -> io::Result<()> {
        let c = cstr(target)?;
        // SAFETY: `c` is a valid C string.
        check(unsafe { libc::umount2(c.as_ptr(), libc::MNT_DETACH) })?;
        Ok(())
    }

    fn pivot_root(&self, new_root: &Path, put_old: &Path) -> io::Result<()> {
        let (n, o) = (cstr(new_root)?, cstr(put_old)?);
        // SAFETY: pivot_root takes two C strings; glibc has no wrapper, so the raw syscall.
        check_long(unsafe { libc::syscall(libc::SYS_pivot_root, n.as_ptr(), o.as_ptr()) })?;
        Ok(())
    }

    fn chdir(&self, path: &Path) -> io::Result<()> {
        std::env::set_current_dir(path)
    }

    fn mkdir_all(&self, path: &Path, mode: u32) -> io::Result<()> {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(mode)
            .create(path)
    }

    fn rmdir(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_dir(path)
    }

    fn create_file(&self, path: &Path) -> io::Result<()> {
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(path)
        {
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
            other => other.map(drop),
        }
    }

    fn write_file(&self, path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
        std::fs::write(path, contents)?;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
    }

    fn symlink(&self, target: &Path, link: &Path) -> io::Result<()> {
        std::os::unix::fs::symlink(target, link)
    }

    fn kind(&self, path: &Path) -> io::Result<Option<FileKind>> {
        match std::fs::metadata(path) {
            Ok(m) if m.is_dir() => Ok(Some(FileKind::Dir)),
            Ok(_) => Ok(Some(FileKind::File)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn chown(&self, path: &Path, uid: u32, gid: u32) -> io::Result<()> {
        std::os::unix::fs::chown(path, Some(uid), Some(gid))
    }

    fn read_file(&self, path: &Path, max: u64) -> io::Result<Vec<u8>> {
        use std::io::Read;
        // Opened without blocking, so a FIFO named here cannot hang the set-up.
        let file = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(path)?;
        if !file.metadata()?.is_file() {
            return Err(io::Error::from_raw_os_error(libc::EINVAL));
        }
        let mut bytes = Vec::new();
        file.take(max + 1).read_to_end(&mut bytes)?;
        if bytes.len() as u64 > max {
            return Err(io::Error::from_raw_os_error(libc::EFBIG));
        }
        Ok(bytes)
    }
}

// ---- file descriptors ----

/// Close every descriptor >= `first` (close_range, or a /proc/self/fd walk on old kernels).
pub fn close_fds_from(first: RawFd) {
    // SAFETY: close_range only closes descriptors; callers own nothing at or above `first`.
    let ret = unsafe {
        libc::syscall(
            libc::SYS_close_range,
            first as libc::c_uint,
            libc::c_uint::MAX,
            0,
        )
    };
    if ret == 0 {
        return;
    }
    let fds: Vec<RawFd> = std::fs::read_dir("/proc/self/fd")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse().ok())
                .collect()
        })
        .unwrap_or_default();
    for fd in fds.into_iter().filter(|&fd| fd >= first) {
        // SAFETY: as above; closing the directory stream's own fd (already gone) is harmless.
        unsafe { libc::close(fd) };
    }
}

/// Adopt an inherited descriptor (e.g. fd 3 from the core) if it is open.
pub fn take_fd(fd: RawFd) -> Option<OwnedFd> {
    // SAFETY: F_GETFD only queries the descriptor.
    if unsafe { libc::fcntl(fd, libc::F_GETFD) } == -1 {
        return None;
    }
    // SAFETY: the descriptor is open and nothing else in this process owns it (it was inherited
    // at a fixed number by contract), so ownership can be taken exactly once here.
    Some(unsafe { OwnedFd::from_raw_fd(fd) })
}

pub fn set_cloexec(fd: RawFd, on: bool) -> io::Result<()> {
    let flags = if on { libc::FD_CLOEXEC } else { 0 };
    // SAFETY: F_SETFD on a descriptor number; fails with EBADF if it is not open.
    check(unsafe { libc::fcntl(fd, libc::F_SETFD, flags) })?;
    Ok(())
}

/// A close-on-exec pipe: (read end, write end).
pub fn pipe() -> io::Result<(OwnedFd, OwnedFd)> {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2 writes.
    check(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) })?;
    // SAFETY: pipe2 just returned these two new descriptors; we are their only owner.
    Ok(unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) })
}

/// A close-on-exec duplicate numbered at least `min` (keeps it clear of 0..min when remapping).
/// Switch O_NONBLOCK on or off.
pub fn set_nonblocking(fd: BorrowedFd<'_>, on: bool) -> io::Result<()> {
    // SAFETY: F_GETFL/F_SETFL on a descriptor we borrow; only the status flags change.
    unsafe {
        let flags = check(libc::fcntl(fd.as_raw_fd(), libc::F_GETFL))?;
        let flags = if on {
            flags | libc::O_NONBLOCK
        } else {
            flags & !libc::O_NONBLOCK
        };
        check(libc::fcntl(fd.as_raw_fd(), libc::F_SETFL, flags))?;
    }
    Ok(())
}

pub fn dup_above(fd: BorrowedFd<'_>, min: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: F_DUPFD_CLOEXEC returns a new descriptor, which we then own.
    let new = check(unsafe { libc::fcntl(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, min) })?;
    // SAFETY: `new` was just created by fcntl.
    Ok(unsafe { OwnedFd::from_raw_fd(new) })
}

/// Duplicate `fd` onto descriptor number `to` (replacing it), close-on-exec.
pub fn dup_to_cloexec(fd: BorrowedFd<'_>, to: RawFd) -> io::Result<OwnedFd> {
    // SAFETY: dup3 replaces `to` atomically; the new descriptor is ours from here on.
    check(unsafe { libc::dup3(fd.as_raw_fd(), to, libc::O_CLOEXEC) })?;
    // SAFETY: `to` now holds the duplicate made above.
    Ok(unsafe { OwnedFd::from_raw_fd(to) })
}

/// `dup2(from, to)`: the copy at `to` is inheritable.
pub fn dup2(from: RawFd, to: RawFd) -> io::Result<()> {
    // SAFETY: dup2 only manipulates the descriptor table; `to` is replaced atomically.
    check(unsafe { libc::dup2(from, to) })?;
    Ok(())
}

/// Point 0, 1 and 2 at /dev/null (so this process no longer holds the run's output pipes).
pub fn stdio_to_dev_null() -> io::Result<()> {
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")?;
    for fd in 0..3 {
        dup2(null.as_raw_fd(), fd)?;
    }
    Ok(())
}

/// Start `path` with `argv` and exactly `envp`, its descriptor `maps[i].1` being a duplicate of
/// our `maps[i].0` and nothing else inherited that is close-on-exec here. Sources must be
/// numbered above every target (see `dup_above`), so no dup2 clobbers another.
///
/// posix_spawn, not fork: glibc starts the child with CLONE_VM|CLONE_VFORK, so the cost does not
/// grow with the caller's memory. A fork of the gateway (a Node process of hundreds of MiB)
/// copies its page tables and makes it fault on every page it writes until the child execs:
/// tens of milliseconds per run. Signal mask and dispositions start clean in the child.
pub fn spawn_mapped(
    path: &CStr,
    argv: &[CString],
    envp: &[CString],
    maps: &[(RawFd, RawFd)],
) -> io::Result<i32> {
    let mut argv_p: Vec<*mut libc::c_char> = argv.iter().map(|a| a.as_ptr().cast_mut()).collect();
    argv_p.push(std::ptr::null_mut());
    let mut envp_p: Vec<*mut libc::c_char> = envp.iter().map(|a| a.as_ptr().cast_mut()).collect();
    envp_p.push(std::ptr::null_mut());
    // SAFETY: both structures are initialised by their init functions before any other use and
    // destroyed once below; every pointer passed (path, argv, envp, the sets) outlives the calls;
    // posix_spawn writes the child's pid through a valid out-pointer.
    unsafe {
        let mut actions: libc::posix_spawn_file_actions_t = std::mem::zeroed();
        let mut attr: libc::posix_spawnattr_t = std::mem::zeroed();
        let ret = libc::posix_spawn_file_actions_init(&mut actions);
        if ret != 0 {
            return Err(io::Error::from_raw_os_error(ret));
        }
        let ret = libc::posix_spawnattr_init(&mut attr);
        if ret != 0 {
            libc::posix_spawn_file_actions_destroy(&mut actions);
            return Err(io::Error::from_raw_os_error(ret));
        }
        let mut all: libc::sigset_t = std::mem::zeroed();
        libc::sigfillset(&mut all);
        let none = sigset(&[]);
        let mut ret = 0;
        for &(from, to) in maps {
            if ret == 0 {
                ret = libc::posix_spawn_file_actions_adddup2(&mut actions, from, to);
            }
        }
        let flags = (libc::POSIX_SPAWN_SETSIGMASK | libc::POSIX_SPAWN_SETSIGDEF) as libc::c_short;
        for step in [
            libc::posix_spawnattr_setflags(&mut attr, flags),
            libc::posix_spawnattr_setsigmask(&mut attr, &none),
            libc::posix_spawnattr_setsigdefault(&mut attr, &all),
        ] {
            if ret == 0 {
                ret = step;
            }
        }
        let mut pid: libc::pid_t = 0;
        if ret == 0 {
            ret = libc::posix_spawn(
                &mut pid,
                path.as_ptr(),
                &actions,
                &attr,
                argv_p.as_ptr(),
                envp_p.as_ptr(),
            );
        }
        libc::posix_spawnattr_destroy(&mut attr);
        libc::posix_spawn_file_actions_destroy(&mut actions);
        if ret != 0 {
            return Err(io::Error::from_raw_os_error(ret));
        }
        Ok(pid)
    }
}

// ---- processes ----

pub enum Forked {
    Child,
    Parent(i32),
}

/// fork(). Only call from a single-threaded process (the runner and the init are).
pub fn fork() -> io::Result<Forked> {
    // SAFETY: callers are single-threaded, so the child inherits no lock held by another thread.
    match check(unsafe { libc::fork() })? {
        0 => Ok(Forked::Child),
        pid => Ok(Forked::Parent(pid)),
    }
}

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Code(i32),
    Signal(i32),
}

/// waitpid; `Ok(None)` with `nohang` when nothing has exited yet. Stops are ignored.
pub fn waitpid(pid: i32, nohang: bool) -> io::Result<Option<(i32, Exit)>> {
    loop {
        let mut status = 0;
        let flags = if nohang { libc::WNOHANG } else { 0 };
        // SAFETY: `status` is a valid out-pointer.
        let ret = unsafe { libc::waitpid(pid, &mut status, flags) };
        match ret {
            -1 if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => continue,
            -1 => return Err(io::Error::last_os_error()),
            0 => return Ok(None),
            _ if libc::WIFEXITED(status) => {
                return Ok(Some((ret, Exit::Code(libc::WEXITSTATUS(status)))))
            }
            _ if libc::WIFSIGNALED(status) => {
                return Ok(Some((ret, Exit::Signal(libc::WTERMSIG(status)))))
            }
            _ => continue,
        }
    }
}

/// Block until child `pid` has exited, without reaping it (its pid stays reserved).
pub fn wait_exited_nowait(pid: i32) -> io::Result<()> {
    loop {
        // SAFETY: siginfo_t is plain data; the kernel fills it.
        let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
        // SAFETY: `info` is a valid out-pointer.
        let ret = unsafe {
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        match ret {
            -1 if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => continue,
            -1 => return Err(io::Error::last_os_error()),
            _ => return Ok(()),
        }
    }
}

pub fn kill(pid: i32, sig: i32) -> io::Result<()> {
    // SAFETY: kill takes two integers.
    check(unsafe { libc::kill(pid, sig) })?;
    Ok(())
}

pub fn getpid() -> i32 {
    // SAFETY: always succeeds.
    unsafe { libc::getpid() }
}

pub fn getppid() -> i32 {
    // SAFETY: always succeeds.
    unsafe { libc::getppid() }
}

pub fn geteuid() -> u32 {
    // SAFETY: always succeeds.
    unsafe { libc::geteuid() }
}

pub fn getegid() -> u32 {
    // SAFETY: always succeeds.
    unsafe { libc::getegid() }
}

pub fn setsid() -> io::Result<()> {
    // SAFETY: no arguments; fails only if already a group leader.
    check(unsafe { libc::setsid() })?;
    Ok(())
}

/// Ask the kernel to send `sig` to this process when its parent dies.
pub fn set_parent_death_signal(sig: i32) -> io::Result<()> {
    // SAFETY: PR_SET_PDEATHSIG takes a signal number.
    check(unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, sig as libc::c_ulong, 0, 0, 0) })?;
    Ok(())
}

/// No exec may ever grant privileges again (setuid bits, file capabilities).
pub fn set_no_new_privs() -> io::Result<()> {
    // SAFETY: PR_SET_NO_NEW_PRIVS takes the constant 1 and zeros.
    check(unsafe { libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1 as libc::c_ulong, 0, 0, 0) })?;
    Ok(())
}

/// The name shown in /proc/<pid>/comm.
pub fn set_process_name(name: &str) {
    if let Ok(c) = CString::new(name) {
        // SAFETY: PR_SET_NAME reads at most 16 bytes of a valid C string.
        unsafe { libc::prctl(libc::PR_SET_NAME, c.as_ptr() as libc::c_ulong, 0, 0, 0) };
    }
}

pub fn unshare(flags: i32) -> io::Result<()> {
    // SAFETY: unshare takes a flag word.
    check(unsafe { libc::unshare(flags) })?;
    Ok(())
}

/// Join the namespaces `flags` of the process behind `pidfd`, all at once.
pub fn setns(pidfd: BorrowedFd<'_>, flags: i32) -> io::Result<()> {
    // SAFETY: setns takes a descriptor and a flag word.
    check(unsafe { libc::setns(pidfd.as_raw_fd(), flags) })?;
    Ok(())
}

/// A pidfd: a handle on one process that never refers to a later process with the same pid.
pub fn pidfd_open(pid: i32) -> io::Result<OwnedFd> {
    // SAFETY: pidfd_open takes a pid and flags and returns a new descriptor.
    let fd = check_long(unsafe { libc::syscall(libc::SYS_pidfd_open, pid, 0) })?;
    // SAFETY: the descriptor was just created.
    Ok(unsafe { OwnedFd::from_raw_fd(fd as RawFd) })
}

pub fn sethostname(name: &str) -> io::Result<()> {
    // SAFETY: pointer and length describe `name`'s bytes.
    check(unsafe { libc::sethostname(name.as_ptr() as *const libc::c_char, name.len()) })?;
    Ok(())
}

pub fn umask(mask: u32) {
    // SAFETY: umask cannot fail.
    unsafe { libc::umask(mask as libc::mode_t) };
}

/// Become `uid`/`gid` for good (real, effective and saved ids), with no supplementary groups
/// when allowed (a user namespace without setgroups has none to drop).
pub fn drop_privileges(uid: u32, gid: u32, clear_groups: bool) -> io::Result<()> {
    if clear_groups {
        // SAFETY: an empty list; the pointer is not read.
        check(unsafe { libc::setgroups(0, std::ptr::null()) })?;
    }
    // SAFETY: plain ids.
    check(unsafe { libc::setresgid(gid, gid, gid) })?;
    // SAFETY: plain ids.
    check(unsafe { libc::setresuid(uid, uid, uid) })?;
    let (mut r, mut e, mut s) = (0, 0, 0);
    // SAFETY: getresuid fills three valid out-pointers.
    check(unsafe { libc::getresuid(&mut r, &mut e, &mut s) })?;
    if (r, e, s) != (uid, uid, uid) {
        return Err(io::Error::other("uid did not change"));
    }
    Ok(())
}

pub fn setrlimit(resource: libc::__rlimit_resource_t, value: u64) -> io::Result<()> {
    let lim = libc::rlimit {
        rlim_cur: value,
        rlim_max: value,
    };
    // SAFETY: `lim` is a valid rlimit.
    check(unsafe { libc::setrlimit(resource, &lim) })?;
    Ok(())
}

/// execve; returns only on failure.
pub fn execve(path: &CStr, argv: &[CString], envp: &[CString]) -> io::Error {
    let mut a: Vec<*const libc::c_char> = argv.iter().map(|s| s.as_ptr()).collect();
    a.push(std::ptr::null());
    let mut e: Vec<*const libc::c_char> = envp.iter().map(|s| s.as_ptr()).collect();
    e.push(std::ptr::null());
    // SAFETY: path and every array element are valid C strings; both arrays end with NULL.
    unsafe { libc::execve(path.as_ptr(), a.as_ptr(), e.as_ptr()) };
    io::Error::last_os_error()
}

/// _exit: no destructors, no atexit handlers (right for a forked child).
pub fn exit_now(code: i32) -> ! {
    // SAFETY: _exit never returns.
    unsafe { libc::_exit(code) }
}

// ---- signals ----

fn sigset(sigs: &[i32]) -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the zeroed set; sigaddset adds valid signal numbers.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for &s in sigs {
            libc::sigaddset(&mut set, s);
        }
        set
    }
}

/// Block `sigs` for this process (they queue until read by signalfd/sigtimedwait).
pub fn block_signals(sigs: &[i32]) -> io::Result<()> {
    let set = sigset(sigs);
    // SAFETY: valid set; the old mask is not needed.
    let ret = unsafe { libc::sigprocmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) };
    check(ret)?;
    Ok(())
}

/// Before exec: every signal back to its default action and nothing blocked, whatever the
/// runner (Rust ignores SIGPIPE) or the gateway (Node) had set.
pub fn reset_signals_for_exec() {
    for sig in 1..libc::SIGRTMAX() {
        if sig != libc::SIGKILL && sig != libc::SIGSTOP {
            // SAFETY: resetting a disposition to SIG_DFL; invalid numbers just fail.
            unsafe { libc::signal(sig, libc::SIG_DFL) };
        }
    }
    let set = sigset(&[]);
    // SAFETY: valid (empty) set.
    unsafe { libc::sigprocmask(libc::SIG_SETMASK, &set, std::ptr::null_mut()) };
}

/// Wait up to `timeout` for one of the (blocked) `sigs`; None on timeout. Returns the signal
/// and the sender's pid as seen from here (0 for a sender outside our pid namespace, or the kernel).
pub fn sigtimedwait(sigs: &[i32], timeout: Duration) -> io::Result<Option<(i32, i32)>> {
    let set = sigset(sigs);
    let ts = libc::timespec {
        tv_sec: timeout.as_secs() as libc::time_t,
        tv_nsec: timeout.subsec_nanos() as _,
    };
    // SAFETY: siginfo_t is plain data.
    let mut info: libc::siginfo_t = unsafe { std::mem::zeroed() };
    // SAFETY: valid set, out-pointer and timeout.
    match unsafe { libc::sigtimedwait(&set, &mut info, &ts) } {
        -1 => match io::Error::last_os_error() {
            e if e.raw_os_error() == Some(libc::EAGAIN)
                || e.kind() == io::ErrorKind::Interrupted =>
            {
                Ok(None)
            }
            e => Err(e),
        },
        // SAFETY: for kill()/sigqueue()/SIGCHLD signals si_pid is the sender's field of the union
        // the kernel filled; for other sources it reads as 0, which callers treat as "outside".
        sig => Ok(Some((sig, unsafe { info.si_pid() }))),
    }
}

/// A signalfd for the (blocked) `sigs`, to poll them with other descriptors.
pub fn signalfd(sigs: &[i32]) -> io::Result<OwnedFd> {
    let set = sigset(sigs);
    // SAFETY: -1 asks for a new descriptor; the set is valid.
    let fd = check(unsafe { libc::signalfd(-1, &set, libc::SFD_CLOEXEC | libc::SFD_NONBLOCK) })?;
    // SAFETY: the descriptor was just created.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

/// The next pending signal of a signalfd, None when none is pending.
pub fn read_signalfd(fd: BorrowedFd<'_>) -> io::Result<Option<i32>> {
    // SAFETY: signalfd_siginfo is plain data.
    let mut info: libc::signalfd_siginfo = unsafe { std::mem::zeroed() };
    let size = std::mem::size_of::<libc::signalfd_siginfo>();
    // SAFETY: reading at most `size` bytes into `info`.
    let n = unsafe {
        libc::read(
            fd.as_raw_fd(),
            &mut info as *mut _ as *mut libc::c_void,
            size,
        )
    };
    if n == -1 {
        let e = io::Error::last_os_error();
        return if e.kind() == io::ErrorKind::WouldBlock {
            Ok(None)
        } else {
            Err(e)
        };
    }
    Ok(Some(info.ssi_signo as i32))
}

/// poll() over `fds` (readable interest); returns each descriptor's revents.
pub fn poll_readable(fds: &[BorrowedFd<'_>], timeout: Option<Duration>) -> io::Result<Vec<i16>> {
    let mut pfds: Vec<libc::pollfd> = fds
        .iter()
        .map(|fd| libc::pollfd {
            fd: fd.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        })
        .collect();
    let ms = timeout.map_or(-1, |t| t.as_millis().min(i32::MAX as u128) as i32);
    // SAFETY: `pfds` is a valid array of `len` pollfd.
    match unsafe { libc::poll(pfds.as_mut_ptr(), pfds.len() as libc::nfds_t, ms) } {
        -1 if io::Error::last_os_error().kind() == io::ErrorKind::Interrupted => {
            Ok(vec![0; fds.len()])
        }
        -1 => Err(io::Error::last_os_error()),
        _ => Ok(pfds.iter().map(|p| p.revents).collect()),
    }
}

/// Bytes waiting to be read in a pipe or socket (FIONREAD).
pub fn pending_bytes(fd: BorrowedFd<'_>) -> io::Result<usize> {
    let mut n: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int through the valid out-pointer.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::FIONREAD, &mut n) })?;
    Ok(n.max(0) as usize)
}

// ---- where this code lives ----

/// The file this code was loaded from: the `.node` addon when running inside Node, the
/// executable otherwise (the runner is looked up next to it).
pub fn own_object_path() -> Option<std::path::PathBuf> {
    // SAFETY: Dl_info is plain data that dladdr fills.
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    let addr = own_object_path as *const libc::c_void;
    // SAFETY: `addr` is the address of a function of this object; `info` is a valid out-pointer.
    if unsafe { libc::dladdr(addr, &mut info) } == 0 || info.dli_fname.is_null() {
        return None;
    }
    // SAFETY: dladdr returned a NUL-terminated path owned by the loader, copied out at once.
    let name = unsafe { CStr::from_ptr(info.dli_fname) };
    Some(std::path::PathBuf::from(std::ffi::OsStr::from_bytes(
        name.to_bytes(),
    )))
}

// ---- network ----

#[repr(C)]
struct IfreqFlags {
    name: [libc::c_char; libc::IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

/// Bring `lo` up in a new network namespace, so localhost works inside.
pub fn loopback_up() -> io::Result<()> {
    // SAFETY: a plain datagram socket, owned right away.
    let sock = unsafe {
        OwnedFd::from_raw_fd(check(libc::socket(
            libc::AF_INET,
            libc::SOCK_DGRAM | libc::SOCK_CLOEXEC,
            0,
        ))?)
    };
    let mut req = IfreqFlags {
        name: [0; libc::IFNAMSIZ],
        flags: 0,
        _pad: [0; 22],
    };
    req.name[..2].copy_from_slice(&[b'l' as libc::c_char, b'o' as libc::c_char]);
    // SAFETY: `req` has the layout of struct ifreq's name + flags members (40 bytes in all).
    check(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCGIFFLAGS, &mut req) })?;
    req.flags |= libc::IFF_UP as libc::c_short;
    // SAFETY: as above.
    check(unsafe { libc::ioctl(sock.as_raw_fd(), libc::SIOCSIFFLAGS, &req) })?;
    Ok(())
}
