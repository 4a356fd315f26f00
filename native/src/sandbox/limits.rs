//! Memory and process-count limits: cgroups where this machine lets us create groups with those
//! controllers (v2 when delegated, else writable v1 hierarchies), rlimits otherwise. Each run
//! reports which mechanism applied, per limit.
//!
//! A group `orbit/<name>` is made under the runner's own cgroup; the runner moves itself in
//! before it forks the init, so everything of the instance is counted, and removes the group
//! when the instance has ended.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::spec::Limits;

/// How a limit was enforced.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mechanism {
    #[serde(rename = "cgroup-v1")]
    CgroupV1,
    #[serde(rename = "cgroup-v2")]
    CgroupV2,
    #[serde(rename = "rlimit")]
    Rlimit,
    #[default]
    #[serde(rename = "none")]
    None,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitsApplied {
    pub memory: Mechanism,
    pub pids: Mechanism,
}

/// Processes of Orbit itself inside the group: the creating runner and the init.
pub const OWN_PROCESSES: u32 = 2;

/// One cgroup mount from /proc/self/mountinfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CgroupMount {
    pub mount_point: PathBuf,
    /// The cgroup path of the mount's root (normally "/").
    pub root: String,
    /// None for cgroup2; the v1 controllers otherwise.
    pub controllers: Option<Vec<String>>,
}

/// Cgroup mounts listed in a mountinfo text.
pub fn parse_mountinfo(text: &str) -> Vec<CgroupMount> {
    let mut out = Vec::new();
    for line in text.lines() {
        let Some((left, right)) = line.split_once(" - ") else {
            continue;
        };
        let fields: Vec<&str> = left.split(' ').collect();
        let tail: Vec<&str> = right.split(' ').collect();
        if fields.len() < 5 || tail.len() < 3 {
            continue;
        }
        let (root, mount_point) = (fields[3].to_string(), PathBuf::from(fields[4]));
        match tail[0] {
            "cgroup2" => out.push(CgroupMount {
                mount_point,
                root,
                controllers: None,
            }),
            "cgroup" => {
                let ctl = tail[2]
                    .split(',')
                    .filter(|o| ["memory", "pids"].contains(o))
                    .map(String::from)
                    .collect();
                out.push(CgroupMount {
                    mount_point,
                    root,
                    controllers: Some(ctl),
                })
            }
            _ => {}
        }
    }
    out
}

/// This process's cgroup path per hierarchy: ("" for v2 or the v1 controller list, path).
pub fn parse_proc_cgroup(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let mut it = l.splitn(3, ':');
            let (_id, ctl, path) = (it.next()?, it.next()?, it.next()?);
            Some((ctl.to_string(), path.to_string()))
        })
        .collect()
}

/// The directory of our own cgroup in `mount`, given our path in that hierarchy.
fn own_dir(mount: &CgroupMount, path: &str) -> PathBuf {
    let rel = path
        .strip_prefix(mount.root.trim_end_matches('/'))
        .unwrap_or(path);
    let mut dir = mount.mount_point.clone();
    dir.extend(rel.split('/').filter(|c| !c.is_empty()));
    dir
}

/// Where each controller can be used: the directory of our own cgroup and the version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub own: PathBuf,
    pub v2: bool,
}

/// Find, for `controller` ("memory"/"pids"), where a child group could be made.
pub fn locate(
    controller: &str,
    mounts: &[CgroupMount],
    own: &[(String, String)],
    read: impl Fn(&Path) -> Option<String>,
) -> Option<Place> {
    // v2 first: usable when our cgroup already hands the controller down to children.
    if let (Some(m), Some((_, path))) = (
        mounts.iter().find(|m| m.controllers.is_none()),
        own.iter().find(|(c, _)| c.is_empty()),
    ) {
        let dir = own_dir(m, path);
        let delegated = read(&dir.join("cgroup.subtree_control"))
            .is_some_and(|s| s.split_whitespace().any(|c| c == controller));
        if delegated {
            return Some(Place { own: dir, v2: true });
        }
    }
    let m = mounts.iter().find(|m| {
        m.controllers
            .as_ref()
            .is_some_and(|c| c.iter().any(|c| c == controller))
    })?;
    let (_, path) = own
        .iter()
        .find(|(c, _)| c.split(',').any(|c| c == controller))?;
    Some(Place {
        own: own_dir(m, path),
        v2: false,
    })
}

/// The groups made for one instance, to join (runs that join) and to remove at the end.
#[derive(Debug, Default, Clone)]
pub struct Groups {
    /// (group dir, our original group dir to move back to).
    pub dirs: Vec<(PathBuf, PathBuf)>,
}

fn write(path: &Path, value: &str) -> std::io::Result<()> {
    std::fs::write(path, value)
}

/// How old an empty group must be before a sweep removes it: a runner that has just made its
/// group has not moved into it yet, and must not lose it.
pub const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(60);

/// Remove the groups under `parent` that runners killed without cleaning up left behind (the
/// runner removes its groups when the instance ends, but a SIGKILL or a crash skips that).
/// Only empty ones go: rmdir of a cgroup that still has processes or children fails with EBUSY,
/// so a live instance's group is never touched, whatever its age.
pub fn sweep_stale(parent: &Path, older_than: std::time::Duration) -> usize {
    let Ok(dir) = std::fs::read_dir(parent) else {
        return 0;
    };
    let mut removed = 0;
    for entry in dir.flatten() {
        let Ok(meta) = entry.metadata() else {
            continue;
        };
        let old = meta
            .modified()
            .ok()
            .and_then(|m| m.elapsed().ok())
            .is_some_and(|age| age >= older_than);
        if meta.is_dir() && old && std::fs::remove_dir(entry.path()).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// Make one group and set `files`; None if anything fails (the caller falls back to rlimits).
fn make_group(place: &Place, name: &str, files: &[(&str, String)]) -> Option<PathBuf> {
    let parent = place.own.join("orbit");
    sweep_stale(&parent, STALE_AFTER);
    if place.v2 {
        std::fs::create_dir_all(&parent).ok()?;
        let ctl = files
            .iter()
            .map(|(f, _)| format!("+{}", f.split('.').next().unwrap_or("")))
            .collect::<Vec<_>>();
        write(&parent.join("cgroup.subtree_control"), &ctl.join(" ")).ok()?;
    }
    let dir = parent.join(name);
    let _ = std::fs::remove_dir(&dir); // a stale empty group of a crashed run with our pid
    std::fs::create_dir_all(&dir).ok()?;
    for (file, value) in files {
        if write(&dir.join(file), value).is_err() {
            let _ = std::fs::remove_dir(&dir);
            return None;
        }
    }
    Some(dir)
}

/// Create the instance's groups for the limits asked, move this process in, and say what applied.
/// Limits that no cgroup could take are marked `Rlimit` (applied by `exec` to the program).
pub fn apply(limits: &Limits, name: &str) -> (LimitsApplied, Groups) {
    let mut applied = LimitsApplied::default();
    let mut groups = Groups::default();
    if limits.memory_bytes.is_none() && limits.pids.is_none() {
        return (applied, groups);
    }
    let mounts =
        parse_mountinfo(&std::fs::read_to_string("/proc/self/mountinfo").unwrap_or_default());
    let own = parse_proc_cgroup(&std::fs::read_to_string("/proc/self/cgroup").unwrap_or_default());
    let read = |p: &Path| std::fs::read_to_string(p).ok();
    let me = std::process::id().to_string();

    if let Some(bytes) = limits.memory_bytes {
        applied.memory = Mechanism::Rlimit;
        if let Some(place) = locate("memory", &mounts, &own, read) {
            let files = if place.v2 {
                vec![
                    ("memory.max", bytes.to_string()),
                    ("memory.swap.max", "0".to_string()),
                ]
            } else {
                vec![("memory.limit_in_bytes", bytes.to_string())]
            };
            if let Some(dir) = make_group(&place, name, &files) {
                // Without swap accounting this file is absent; where present, close the swap gap.
                if !place.v2 {
                    let _ = write(&dir.join("memory.memsw.limit_in_bytes"), &bytes.to_string());
                }
                if write(&dir.join("cgroup.procs"), &me).is_ok() {
                    applied.memory = if place.v2 {
                        Mechanism::CgroupV2
                    } else {
                        Mechanism::CgroupV1
                    };
                    groups.dirs.push((dir, place.own));
                } else {
                    let _ = std::fs::remove_dir(&dir);
                }
            }
        }
    }
    if let Some(n) = limits.pids {
        applied.pids = Mechanism::Rlimit;
        if let Some(place) = locate("pids", &mounts, &own, read) {
            // On v2 memory and pids share one group: reuse it when it is already made.
            let existing = groups
                .dirs
                .iter()
                .find(|(_, o)| place.v2 && *o == place.own)
                .map(|(d, _)| d.clone());
            let value = (n + OWN_PROCESSES).to_string();
            let dir = match existing {
                Some(dir) => write(&dir.join("pids.max"), &value).ok().map(|_| dir),
                None => make_group(&place, name, &[("pids.max", value)]).and_then(|dir| {
                    if write(&dir.join("cgroup.procs"), &me).is_ok() {
                        groups.dirs.push((dir.clone(), place.own.clone()));
                        Some(dir)
                    } else {
                        let _ = std::fs::remove_dir(&dir);
                        None
                    }
                }),
            };
            if dir.is_some() {
                applied.pids = if place.v2 {
                    Mechanism::CgroupV2
                } else {
                    Mechanism::CgroupV1
                };
            }
        }
    }
    (applied, groups)
}

/// A joining runner puts itself into the instance's groups before it forks the program.
pub fn join(dirs: &[PathBuf]) -> std::io::Result<()> {
    let me = std::process::id().to_string();
    for dir in dirs {
        write(&dir.join("cgroup.procs"), &me)?;
    }
    Ok(())
}

/// Move back out and remove the groups; their last processes may take a moment to be gone.
pub fn remove(groups: &Groups) {
    let me = std::process::id().to_string();
    for (dir, origin) in &groups.dirs {
        let _ = write(&origin.join("cgroup.procs"), &me);
        for _ in 0..100 {
            match std::fs::remove_dir(dir) {
                Err(e) if e.raw_os_error() == Some(libc::EBUSY) => {
                    std::thread::sleep(std::time::Duration::from_millis(20))
                }
                _ => break,
            }
        }
    }
}

/// The rlimits the program gets for limits no cgroup took: (resource, value).
pub fn rlimits(limits: &Limits, applied: &LimitsApplied) -> Vec<(libc::__rlimit_resource_t, u64)> {
    let mut out = Vec::new();
    if let (Some(bytes), Mechanism::Rlimit) = (limits.memory_bytes, applied.memory) {
        out.push((libc::RLIMIT_AS, bytes));
    }
    if let (Some(n), Mechanism::Rlimit) = (limits.pids, applied.pids) {
        // Per user id: counts every process of the orbit user on this machine, not only this run.
        out.push((libc::RLIMIT_NPROC, n as u64));
    }
    out
}
