//! The mount plan: the whole private view of a run as a list of operations, built by a pure
//! function from the spec and a few facts about the host. Nothing here touches the system, so the
//! plan is unit-tested without root; `mounts::apply` executes it inside the new mount namespace.

use std::path::{Path, PathBuf};

use super::spec::{self, Network, Prefix, RunSpec, ORBIT_GID, ORBIT_UID};

/// Where the host's root stays reachable between pivot_root and its detach.
pub const OLD_ROOT: &str = "/.oldroot";
/// Staging mount point for the new root: a fresh tmpfs is mounted here (inside the new mount
/// namespace only) and becomes `/`; after the pivot the host's /tmp shows again under OLD_ROOT.
pub const STAGING: &str = "/tmp";

/// One step of building the view. Paths after `PivotRoot` are inside the new root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MountOp {
    /// Stop mount events propagating in either direction (`/` recursively private).
    MakeRootPrivate,
    Tmpfs {
        target: PathBuf,
        mode: u32,
        owner: Option<(u32, u32)>,
        restrict: Restrict,
    },
    Mkdir {
        path: PathBuf,
        mode: u32,
    },
    Symlink {
        target: PathBuf,
        link: PathBuf,
    },
    WriteFile {
        path: PathBuf,
        contents: String,
        mode: u32,
    },
    /// Bind `src` (file or directory, recursively) on `dst`, creating `dst` to match.
    Bind {
        src: PathBuf,
        dst: PathBuf,
        readonly: bool,
        restrict: Restrict,
    },
    Overlay {
        lower: PathBuf,
        upper: PathBuf,
        work: PathBuf,
        dst: PathBuf,
        userxattr: bool,
    },
    /// A fresh procfs for the new pid namespace.
    Proc {
        dst: PathBuf,
    },
    /// A new devpts instance, so ptys of the run are not the host's.
    Devpts {
        dst: PathBuf,
    },
    /// If it exists: a file gets /dev/null bound over it, a directory an empty read-only tmpfs.
    Mask {
        path: PathBuf,
    },
    /// If it exists: bound onto itself read-only.
    ReadOnly {
        path: PathBuf,
    },
    /// Make `path` (top directory only) belong to the run's user, e.g. the overlay's upper dir.
    Chown {
        path: PathBuf,
        uid: u32,
        gid: u32,
    },
    PivotRoot {
        new_root: PathBuf,
        put_old: PathBuf,
    },
    Chdir {
        path: PathBuf,
    },
    /// The cookies of X display `number` from the host file `src`, written to `dst` (0600,
    /// owned by `owner`); see `display::cookies_for`.
    Xauthority {
        src: PathBuf,
        dst: PathBuf,
        number: u32,
        owner: (u32, u32),
    },
    /// Lazily unmount the old root and remove its mount point: the host is now unreachable.
    DetachOldRoot {
        path: PathBuf,
    },
    /// Remount an existing mount read-only (keeping its other flags).
    RemountReadOnly {
        path: PathBuf,
    },
}

/// nosuid + nodev (+ noexec) for mounts whose content the run controls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Restrict {
    None,
    NoSuidDev,
    NoSuidDevExec,
}

/// What a host path is, as far as the plan needs to know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostEntry {
    Dir,
    File,
    /// A symlink the view recreates as is (merged-usr `/bin -> usr/bin`, `localtime -> /usr/...`).
    Link(PathBuf),
    /// A symlink to somewhere the view does not contain: bind its resolved target instead.
    Resolved {
        path: PathBuf,
        dir: bool,
    },
    Missing,
}

/// The host facts the plan depends on, probed once by the runner (see `HostView::probe`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostView {
    /// Top-level system directories, by name (`usr`, `bin`, `lib64`...).
    pub system: Vec<(String, HostEntry)>,
    /// Files and directories under /etc to show, by name.
    pub etc: Vec<(String, HostEntry)>,
    /// True when the sandbox lives in a new user namespace (not root).
    pub userns: bool,
}

/// Host directories bound read-only at the same place.
pub const SYSTEM_DIRS: &[&str] = &["usr", "bin", "sbin", "lib", "lib64", "lib32", "libx32"];

/// /etc entries every run gets (read-only): the dynamic loader, fonts, TLS roots, Debian's
/// alternatives (/usr/bin/wine is a link through /etc/alternatives), time zone.
pub const ETC_ALWAYS: &[&str] = &[
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "fonts",
    "ssl/certs",
    "ssl/openssl.cnf",
    "ca-certificates",
    "localtime",
    "timezone",
    "mime.types",
    "os-release",
    "protocols",
    "services",
];

/// /etc entries only a run with the host's network gets (name resolution).
pub const ETC_NETWORK: &[&str] = &["resolv.conf", "hosts", "host.conf", "gai.conf"];

/// Devices bound from the host: harmless character devices only.
pub const DEVICES: &[&str] = &["null", "zero", "full", "random", "urandom", "tty"];

/// Like runc's masked paths: kernel memory, keys, timing side channels, hardware details.
pub const PROC_MASKED: &[&str] = &[
    "/proc/kcore",
    "/proc/keys",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/latency_stats",
    "/proc/acpi",
    "/proc/asound",
    "/proc/scsi",
];

/// Like runc's read-only paths: kernel tunables and triggers.
pub const PROC_READONLY: &[&str] = &[
    "/proc/sys",
    "/proc/sysrq-trigger",
    "/proc/irq",
    "/proc/bus",
    "/proc/fs",
];

fn p(s: &str) -> PathBuf {
    PathBuf::from(s)
}

fn old(host: &Path) -> PathBuf {
    spec::under_old_root(OLD_ROOT, host)
}

/// `old` for each dir of a ':'-joined overlay lowerdir.
fn old_each(lower: &Path) -> PathBuf {
    let parts: Vec<String> = lower
        .to_string_lossy()
        .split(':')
        .map(|d| old(Path::new(d)).display().to_string())
        .collect();
    PathBuf::from(parts.join(":"))
}

/// Show one host entry at `dst`, read-only.
fn show(ops: &mut Vec<MountOp>, host_path: &Path, dst: PathBuf, entry: &HostEntry) {
    let bind = |src: PathBuf| MountOp::Bind {
        src,
        dst: dst.clone(),
        readonly: true,
        restrict: Restrict::NoSuidDev,
    };
    match entry {
        HostEntry::Dir | HostEntry::File => ops.push(bind(old(host_path))),
        HostEntry::Link(target) => ops.push(MountOp::Symlink {
            target: target.clone(),
            link: dst.clone(),
        }),
        HostEntry::Resolved { path, .. } => ops.push(bind(old(path))),
        HostEntry::Missing => {}
    }
}

pub fn passwd() -> String {
    format!(
        "root:x:0:0:root:/root:/usr/sbin/nologin\n{u}:x:{ORBIT_UID}:{ORBIT_GID}:Orbit:{h}:/bin/sh\n\
         nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n",
        u = spec::ORBIT_USER,
        h = spec::HOME
    )
}

pub fn group() -> String {
    format!(
        "root:x:0:\n{u}:x:{ORBIT_GID}:\nnogroup:x:65534:\n",
        u = spec::ORBIT_USER
    )
}

/// The whole view of one run, in order.
pub fn build(spec: &RunSpec, host: &HostView) -> Vec<MountOp> {
    use MountOp::*;
    let mut ops = vec![
        MakeRootPrivate,
        Tmpfs {
            target: p(STAGING),
            mode: 0o755,
            owner: None,
            restrict: Restrict::NoSuidDev,
        },
        Mkdir {
            path: p(&format!("{STAGING}{OLD_ROOT}")),
            mode: 0o700,
        },
        PivotRoot {
            new_root: p(STAGING),
            put_old: p(&format!("{STAGING}{OLD_ROOT}")),
        },
        Chdir { path: p("/") },
    ];

    for (name, entry) in &host.system {
        show(
            &mut ops,
            &p(&format!("/{name}")),
            p(&format!("/{name}")),
            entry,
        );
    }

    ops.push(Mkdir {
        path: p("/etc"),
        mode: 0o755,
    });
    let network_host = spec.network == Network::Host;
    for (name, entry) in &host.etc {
        if ETC_NETWORK.contains(&name.as_str()) && !network_host {
            continue;
        }
        show(
            &mut ops,
            &p(&format!("/etc/{name}")),
            p(&format!("/etc/{name}")),
            entry,
        );
    }
    let file = |path: &str, contents: String| WriteFile {
        path: p(path),
        contents,
        mode: 0o644,
    };
    ops.push(file("/etc/passwd", passwd()));
    ops.push(file("/etc/group", group()));
    ops.push(file("/etc/hostname", "orbit\n".into()));
    ops.push(file(
        "/etc/nsswitch.conf",
        "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n".into(),
    ));
    let host_has_hosts = host
        .etc
        .iter()
        .any(|(n, e)| n == "hosts" && *e != HostEntry::Missing);
    if !(network_host && host_has_hosts) {
        ops.push(file(
            "/etc/hosts",
            "127.0.0.1 localhost orbit\n::1 localhost ip6-localhost\n".into(),
        ));
    }

    ops.push(Mkdir {
        path: p("/dev"),
        mode: 0o755,
    });
    ops.push(Tmpfs {
        target: p("/dev"),
        mode: 0o755,
        owner: None,
        restrict: Restrict::NoSuidDevExec,
    });
    for dev in DEVICES {
        let path = format!("/dev/{dev}");
        ops.push(Bind {
            src: old(&p(&path)),
            dst: p(&path),
            readonly: false,
            restrict: Restrict::None,
        });
    }
    for (link, target) in [
        ("/dev/fd", "/proc/self/fd"),
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
        ("/dev/ptmx", "pts/ptmx"),
    ] {
        ops.push(Symlink {
            target: p(target),
            link: p(link),
        });
    }
    ops.push(Mkdir {
        path: p("/dev/pts"),
        mode: 0o755,
    });
    ops.push(Devpts { dst: p("/dev/pts") });
    ops.push(Mkdir {
        path: p("/dev/shm"),
        mode: 0o755,
    });
    ops.push(Tmpfs {
        target: p("/dev/shm"),
        mode: 0o1777,
        owner: None,
        restrict: Restrict::NoSuidDevExec,
    });

    ops.push(Mkdir {
        path: p("/proc"),
        mode: 0o555,
    });
    ops.push(Proc { dst: p("/proc") });
    ops.extend(PROC_READONLY.iter().map(|s| ReadOnly { path: p(s) }));
    ops.extend(PROC_MASKED.iter().map(|s| Mask { path: p(s) }));

    ops.push(Mkdir {
        path: p("/tmp"),
        mode: 0o1777,
    });
    ops.push(Tmpfs {
        target: p("/tmp"),
        mode: 0o1777,
        owner: None,
        restrict: Restrict::NoSuidDev,
    });
    if let Some(display) = &spec.display {
        ops.extend(display.ops(old));
    }
    ops.push(Mkdir {
        path: p("/home"),
        mode: 0o755,
    });
    ops.push(Mkdir {
        path: p(spec::HOME),
        mode: 0o700,
    });
    ops.push(Tmpfs {
        target: p(spec::HOME),
        mode: 0o700,
        owner: Some((ORBIT_UID, ORBIT_GID)),
        restrict: Restrict::NoSuidDev,
    });

    ops.push(Mkdir {
        path: p(spec::PREFIX),
        mode: 0o755,
    });
    match &spec.prefix {
        Some(Prefix::Overlay { lower, upper, work }) => {
            // The merged root takes the upper dir's owner; Wine refuses a prefix it does not own.
            ops.push(Chown {
                path: old(upper),
                uid: ORBIT_UID,
                gid: ORBIT_GID,
            });
            ops.push(Overlay {
                lower: old_each(lower),
                upper: old(upper),
                work: old(work),
                dst: p(spec::PREFIX),
                userxattr: host.userns,
            });
        }
        Some(Prefix::Bind { path }) => {
            ops.push(Chown {
                path: old(path),
                uid: ORBIT_UID,
                gid: ORBIT_GID,
            });
            ops.push(Bind {
                src: old(path),
                dst: p(spec::PREFIX),
                readonly: false,
                restrict: Restrict::NoSuidDev,
            });
        }
        None => {}
    }
    for b in &spec.binds {
        ops.push(Bind {
            src: old(&b.src),
            dst: p(&b.dst),
            readonly: !b.writable,
            restrict: Restrict::NoSuidDev,
        });
    }

    ops.push(DetachOldRoot { path: p(OLD_ROOT) });
    ops.push(RemountReadOnly { path: p("/dev") });
    ops.push(RemountReadOnly { path: p("/") });
    ops
}

impl HostView {
    /// Look at the host (before any namespace is entered) for what `build` needs.
    pub fn probe(userns: bool) -> HostView {
        let system = SYSTEM_DIRS
            .iter()
            .map(|n| (n.to_string(), probe_entry(&p(&format!("/{n}")))))
            .collect();
        let etc = ETC_ALWAYS
            .iter()
            .chain(ETC_NETWORK)
            .map(|n| (n.to_string(), probe_entry(&p(&format!("/etc/{n}")))))
            .filter(|(_, e)| *e != HostEntry::Missing)
            .collect();
        HostView {
            system,
            etc,
            userns,
        }
    }
}

/// Symlinks into /usr (or relative ones such as merged-usr `bin -> usr/bin`) stay symlinks,
/// because their target is inside the view; any other symlink is resolved and bound.
fn probe_entry(path: &Path) -> HostEntry {
    let Ok(meta) = std::fs::symlink_metadata(path) else {
        return HostEntry::Missing;
    };
    if meta.file_type().is_symlink() {
        let Ok(target) = std::fs::read_link(path) else {
            return HostEntry::Missing;
        };
        let Ok(resolved) = std::fs::canonicalize(path) else {
            return HostEntry::Missing;
        };
        if resolved.starts_with("/usr/") && (target.is_relative() || target.starts_with("/usr/")) {
            return HostEntry::Link(target);
        }
        return HostEntry::Resolved {
            dir: resolved.is_dir(),
            path: resolved,
        };
    }
    if meta.is_dir() {
        HostEntry::Dir
    } else if meta.is_file() {
        HostEntry::File
    } else {
        HostEntry::Missing
    }
}
