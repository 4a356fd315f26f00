//! What this machine can do for Orbit, probed for real: Wine, namespaces, overlayfs, cgroups.
//! Probes that need kernel features run in forked children so the caller is never changed.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

const WINE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SystemInfo {
    pub core_version: String,
    pub kernel: String,
    pub arch: String,
    pub wine: WineInfo,
    pub namespaces: Namespaces,
    pub overlay: bool,
    pub cgroup: CgroupInfo,
    pub is_root: bool,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WineInfo {
    pub available: bool,
    pub version: Option<String>,
    pub path: Option<String>,
}

/// Which namespaces this process can create (as root directly, otherwise inside a user namespace).
#[derive(Debug, Clone, Serialize)]
pub struct Namespaces {
    pub user: bool,
    pub mount: bool,
    pub pid: bool,
    pub net: bool,
    pub ipc: bool,
    pub uts: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CgroupInfo {
    /// Where the controllers live: "v1", "v2", "hybrid" (controllers on both) or "none".
    pub mode: &'static str,
    /// Enabled controllers that are mounted somewhere, sorted (e.g. ["memory", "pids"]).
    pub controllers: Vec<String>,
}

/// Probe the machine. Takes a few milliseconds (a handful of forks and `wine --version`).
pub fn system_info() -> SystemInfo {
    let is_root = sys::is_root();
    // Without root, the other namespaces are only reachable from inside a new user namespace.
    let base = if is_root { 0 } else { libc::CLONE_NEWUSER };
    let probe = |flag| sys::can_unshare(base | flag);
    SystemInfo {
        core_version: env!("CARGO_PKG_VERSION").to_string(),
        kernel: sys::kernel_release(),
        arch: std::env::consts::ARCH.to_string(),
        wine: wine_info(),
        namespaces: Namespaces {
            user: sys::can_unshare(libc::CLONE_NEWUSER),
            mount: probe(libc::CLONE_NEWNS),
            pid: probe(libc::CLONE_NEWPID),
            net: probe(libc::CLONE_NEWNET),
            ipc: probe(libc::CLONE_NEWIPC),
            uts: probe(libc::CLONE_NEWUTS),
        },
        overlay: overlay_works(is_root),
        cgroup: cgroup_info(),
        is_root,
    }
}

fn wine_info() -> WineInfo {
    for name in ["wine", "wine64"] {
        let Some(path) = find_on_path(name) else {
            continue;
        };
        if let Some(version) = wine_version(&path) {
            return WineInfo {
                available: true,
                version: Some(version),
                path: Some(path.display().to_string()),
            };
        }
    }
    WineInfo {
        available: false,
        version: None,
        path: None,
    }
}

fn find_on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_else(|| "/usr/local/bin:/usr/bin:/bin".into());
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| sys::is_executable(p))
}

/// `wine --version`, killed after a timeout. `--version` never creates a prefix; the prefix
/// and HOME still point at a path that does not exist so nothing of the user's can be touched.
fn wine_version(wine: &Path) -> Option<String> {
    let nowhere = std::env::temp_dir().join(format!("orbit-no-prefix-{}", std::process::id()));
    let mut child = Command::new(wine)
        .arg("--version")
        .env("WINEPREFIX", &nowhere)
        .env("HOME", &nowhere)
        .env("WINEDEBUG", "-all")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let started = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if started.elapsed() < WINE_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(5))
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                return None;
            }
        }
    }
    let mut out = String::new();
    child.stdout.take()?.read_to_string(&mut out).ok()?;
    parse_wine_version(&out)
}

/// The first line of `wine --version`, e.g. "wine-8.0 (Debian 8.0~repack-4)".
fn parse_wine_version(stdout: &str) -> Option<String> {
    let line = stdout.lines().next()?.trim();
    line.starts_with("wine-").then(|| line.to_string())
}

/// overlayfs is listed by the kernel and a real overlay mount succeeds (in a throwaway child with
/// its own mount namespace, so the mount never exists in ours).
fn overlay_works(is_root: bool) -> bool {
    let listed = std::fs::read_to_string("/proc/filesystems")
        .map(|s| {
            s.lines()
                .any(|l| l.split_whitespace().last() == Some("overlay"))
        })
        .unwrap_or(false);
    if !listed {
        return false;
    }
    // Unique per call; no ',' or ':' that would break the overlay option string.
    static PROBES: AtomicU32 = AtomicU32::new(0);
    let n = PROBES.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("orbit-overlay-probe-{}-{n}", std::process::id()));
    let dirs = ["lower", "upper", "work", "merged"].map(|d| dir.join(d));
    let ok = dirs.iter().all(|d| std::fs::create_dir_all(d).is_ok())
        && sys::can_mount_overlay(&dirs[0], &dirs[1], &dirs[2], &dirs[3], !is_root);
    let _ = std::fs::remove_dir_all(&dir);
    ok
}

fn cgroup_info() -> CgroupInfo {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default();
    let proc_cgroups = std::fs::read_to_string("/proc/cgroups").unwrap_or_default();
    parse_cgroups(&mountinfo, &proc_cgroups, |mount_point| {
        std::fs::read_to_string(Path::new(mount_point).join("cgroup.controllers"))
            .unwrap_or_default()
    })
}

/// Decide the cgroup layout from mountinfo, /proc/cgroups and each cgroup2 root's controllers.
fn parse_cgroups(
    mountinfo: &str,
    proc_cgroups: &str,
    v2_controllers: impl Fn(&str) -> String,
) -> CgroupInfo {
    let enabled: BTreeSet<&str> = proc_cgroups
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 4 && f[3] == "1").then_some(f[0])
        })
        .collect();
    let (mut v1, mut v2) = (BTreeSet::new(), BTreeSet::new());
    let (mut any_v1, mut any_v2) = (false, false);
    for line in mountinfo.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let mount_point = left.split_whitespace().nth(4).unwrap_or("");
        let mut right = right.split_whitespace();
        let (fstype, super_opts) = (right.next().unwrap_or(""), right.nth(1).unwrap_or(""));
        match fstype {
            "cgroup" => {
                any_v1 = true;
                v1.extend(
                    super_opts
                        .split(',')
                        .filter(|o| enabled.contains(o))
                        .map(String::from),
                );
            }
            "cgroup2" => {
                any_v2 = true;
                let listed = v2_controllers(&unescape_mount_path(mount_point));
                v2.extend(listed.split_whitespace().map(String::from));
            }
            _ => {}
        }
    }
    let mode = match (!v1.is_empty(), !v2.is_empty()) {
        (true, true) => "hybrid",
        (true, false) => "v1",
        (false, true) => "v2",
        (false, false) if any_v2 => "v2",
        (false, false) if any_v1 => "v1",
        (false, false) => "none",
    };
    let controllers = v1.union(&v2).cloned().collect();
    CgroupInfo { mode, controllers }
}

/// mountinfo escapes space, tab, newline and backslash as \ooo octal.
fn unescape_mount_path(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let octal = bytes
            .get(i + 1..i + 4)
            .filter(|o| bytes[i] == b'\\' && o.iter().all(|c| (b'0'..=b'7').contains(c)));
        match octal {
            Some(o) => {
                out.push((o[0] - b'0') * 64 + (o[1] - b'0') * 8 + (o[2] - b'0'));
                i += 4;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The few raw syscalls the probes need. The sandbox has its own, fuller syscall layer.
mod sys {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::path::Path;

    pub fn is_root() -> bool {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() == 0 }
    }

    pub fn is_executable(path: &Path) -> bool {
        let Ok(c) = CString::new(path.as_os_str().as_bytes()) else {
            return false;
        };
        // SAFETY: `c` is a valid NUL-terminated string for the duration of the call.
        path.is_file() && unsafe { libc::access(c.as_ptr(), libc::X_OK) } == 0
    }

    pub fn kernel_release() -> String {
        // SAFETY: utsname is plain data; all-zero is a valid value for uname to overwrite.
        let mut uts: libc::utsname = unsafe { std::mem::zeroed() };
        // SAFETY: `uts` is a valid, writable utsname.
        if unsafe { libc::uname(&mut uts) } != 0 {
            return String::new();
        }
        let bytes: Vec<u8> = uts
            .release
            .iter()
            .take_while(|c| **c != 0)
            .map(|c| *c as u8)
            .collect();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Run `child` in a forked copy of this process and report whether it returned true.
    /// `child` runs after fork() in a possibly multi-threaded process, so it must only make
    /// async-signal-safe calls (raw syscalls) and must not allocate or take locks.
    fn in_child(child: impl FnOnce() -> bool) -> bool {
        // SAFETY: fork is safe to call; the child only runs `child` (syscalls only, by contract)
        // and then _exit, never returning into Rust code that might touch locks or the heap.
        let pid = unsafe { libc::fork() };
        if pid == 0 {
            let ok = child();
            // SAFETY: _exit ends the child without running atexit handlers or destructors.
            unsafe { libc::_exit(if ok { 0 } else { 1 }) };
        }
        if pid < 0 {
            return false;
        }
        let mut status = 0;
        loop {
            // SAFETY: waits for our own child; `status` is a valid out-pointer.
            let r = unsafe { libc::waitpid(pid, &mut status, 0) };
            if r == pid {
                return libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0;
            }
            if r < 0 && std::io::Error::last_os_error().kind() != std::io::ErrorKind::Interrupted {
                return false;
            }
        }
    }

    /// Can this process create the namespaces in `flags`? Tried in a child, never here.
    pub fn can_unshare(flags: libc::c_int) -> bool {
        // SAFETY: unshare only changes the calling (child) process.
        in_child(|| unsafe { libc::unshare(flags) } == 0)
    }

    /// Mount an overlay of the given dirs inside a child's private mount namespace (and a user
    /// namespace mapping our uid to root when `as_user`). The mount dies with the child.
    pub fn can_mount_overlay(
        lower: &Path,
        upper: &Path,
        work: &Path,
        merged: &Path,
        as_user: bool,
    ) -> bool {
        let opts = format!(
            "lowerdir={},upperdir={},workdir={}",
            lower.display(),
            upper.display(),
            work.display()
        );
        // SAFETY: getuid/getgid have no preconditions.
        let (uid, gid) = unsafe { (libc::getuid(), libc::getgid()) };
        // Everything the child needs is built before fork: the child must not allocate.
        let (Ok(opts), Ok(target), Ok(uid_map), Ok(gid_map)) = (
            CString::new(opts),
            CString::new(merged.as_os_str().as_bytes()),
            CString::new(format!("0 {uid} 1")),
            CString::new(format!("0 {gid} 1")),
        ) else {
            return false;
        };
        in_child(|| {
            let flags = libc::CLONE_NEWNS | if as_user { libc::CLONE_NEWUSER } else { 0 };
            // SAFETY: every pointer is a NUL-terminated CString owned by the parent frame and
            // still alive in the child's copy of memory; the calls only affect the child.
            unsafe {
                if libc::unshare(flags) != 0 {
                    return false;
                }
                if as_user
                    && !(write_file(c"/proc/self/setgroups", c"deny")
                        && write_file(c"/proc/self/uid_map", &uid_map)
                        && write_file(c"/proc/self/gid_map", &gid_map))
                {
                    return false;
                }
                let none = std::ptr::null();
                libc::mount(
                    none,
                    c"/".as_ptr(),
                    none,
                    libc::MS_REC | libc::MS_PRIVATE,
                    std::ptr::null(),
                ) == 0
                    && libc::mount(
                        c"overlay".as_ptr(),
                        target.as_ptr(),
                        c"overlay".as_ptr(),
                        0,
                        opts.as_ptr() as *const libc::c_void,
                    ) == 0
            }
        })
    }

    /// open + write + close with raw syscalls (usable after fork).
    ///
    /// # Safety
    /// Only raw syscalls; the pointers come from live CStr values.
    unsafe fn write_file(path: &std::ffi::CStr, text: &std::ffi::CStr) -> bool {
        // SAFETY: `path` is NUL-terminated; the fd is closed before returning.
        unsafe {
            let fd = libc::open(path.as_ptr(), libc::O_WRONLY | libc::O_CLOEXEC);
            if fd < 0 {
                return false;
            }
            let len = text.to_bytes().len();
            let ok = libc::write(fd, text.as_ptr() as *const libc::c_void, len) == len as isize;
            libc::close(fd);
            ok
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROC_CGROUPS: &str = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n\
        cpu\t1\t1\t1\nmemory\t4\t28\t1\npids\t8\t1\t1\nhugetlb\t0\t1\t0\n";

    const V1_WITH_UNIFIED: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

    const PURE_V2: &str = "\
25 20 0:22 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
";

    #[test]
    fn v1_controllers_with_an_empty_unified_hierarchy_is_v1() {
        let info = parse_cgroups(V1_WITH_UNIFIED, PROC_CGROUPS, |_| String::new());
        assert_eq!(info.mode, "v1");
        assert_eq!(info.controllers, ["cpu", "memory", "pids"]);
    }

    #[test]
    fn controllers_on_both_sides_is_hybrid() {
        let info = parse_cgroups(V1_WITH_UNIFIED, PROC_CGROUPS, |_| "io\n".into());
        assert_eq!(info.mode, "hybrid");
        assert_eq!(info.controllers, ["cpu", "io", "memory", "pids"]);
    }

    #[test]
    fn pure_cgroup2_reads_the_root_controllers() {
        let info = parse_cgroups(PURE_V2, "", |mp| {
            assert_eq!(mp, "/sys/fs/cgroup");
            "cpuset cpu io memory pids\n".into()
        });
        assert_eq!(info.mode, "v2");
        assert_eq!(info.controllers, ["cpu", "cpuset", "io", "memory", "pids"]);
    }

    #[test]
    fn no_cgroup_mounts_is_none() {
        let info = parse_cgroups("22 1 0:5 / /proc rw - proc proc rw\n", PROC_CGROUPS, |_| {
            String::new()
        });
        assert_eq!(
            info,
            CgroupInfo {
                mode: "none",
                controllers: vec![]
            }
        );
    }

    #[test]
    fn mount_paths_are_unescaped() {
        assert_eq!(unescape_mount_path("/a\\040b\\134c"), "/a b\\c");
        assert_eq!(unescape_mount_path("/plain\\"), "/plain\\");
    }

    #[test]
    fn wine_version_is_the_first_line_only_when_it_looks_like_wine() {
        assert_eq!(
            parse_wine_version("wine-8.0 (Debian 8.0~repack-4)\n").as_deref(),
            Some("wine-8.0 (Debian 8.0~repack-4)")
        );
        assert_eq!(parse_wine_version("bash: wine: not found\n"), None);
        assert_eq!(parse_wine_version(""), None);
    }

    #[test]
    fn probes_report_this_machine() {
        let info = system_info();
        assert!(!info.kernel.is_empty());
        if info.is_root {
            // Root can always make a mount namespace unless the kernel lacks it entirely.
            assert_eq!(
                info.namespaces.mount,
                std::path::Path::new("/proc/self/ns/mnt").exists()
            );
        }
        // The probes must never leave the overlay's temp dirs behind.
        let leftovers = std::fs::read_dir(std::env::temp_dir())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with(&format!("orbit-overlay-probe-{}-", std::process::id()))
            })
            .count();
        assert_eq!(leftovers, 0);
    }
}
