//! Build a layer directory from a tree manifest and the store: what restore (and an import)
//! writes before swapping it in. File contents are verified against their hash while they are
//! copied (ECORRUPT otherwise); modes, symlinks, hard links, whiteouts, opaque directories and
//! modification times are reproduced.
//!
//! Ownership is not in the manifest: as root every entry goes to the sandbox's user (which is
//! who wrote it, Wine running as that user), otherwise entries belong to the caller, as the
//! sandbox maps them. Overlay markers use the `trusted.` xattr namespace as root and `user.`
//! otherwise, as the sandbox mounts (`userxattr` without root).
//!
//! A manifest may come from an imported archive, so before anything is created the tree is
//! checked: every entry's parent must be a directory of the tree (nothing is ever created
//! through a symlink), and device nodes other than whiteouts are refused.

use std::collections::HashMap;
use std::fs::{self, OpenOptions};
use std::os::unix::fs::{lchown, DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use rayon::prelude::*;

use super::progress::{OnProgress, Phase, Progress};
use crate::sandbox::spec::{ORBIT_GID, ORBIT_UID};
use crate::store::{sys, Store, StoreError};
use crate::walk::{self, Entry, Kind, ScanOptions, Tree};

const S_IFMT: u32 = libc::S_IFMT;

/// Who owns what a build creates, and which xattr namespace overlay markers use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildOptions {
    pub owner: Option<(u32, u32)>,
    /// "trusted." or "user.".
    pub xattr_ns: &'static str,
}

impl BuildOptions {
    /// What the sandbox of this process expects (see the module doc).
    pub fn for_this_process() -> BuildOptions {
        if sys::euid() == 0 {
            BuildOptions {
                owner: Some((ORBIT_UID, ORBIT_GID)),
                xattr_ns: "trusted.",
            }
        } else {
            BuildOptions {
                owner: None,
                xattr_ns: "user.",
            }
        }
    }
}

fn parent_of(path: &str) -> Option<&str> {
    path.rfind('/').map(|i| &path[..i])
}

/// Refuse trees whose entries would be created through a non-directory, and device nodes.
pub fn check_buildable(tree: &Tree) -> Result<(), StoreError> {
    for e in tree.entries() {
        if let Some(parent) = parent_of(&e.path) {
            match tree.get(parent) {
                Some(p) if p.kind == Kind::Dir && !p.whiteout => {}
                _ => {
                    return Err(StoreError::Invalid(format!(
                        "tree entry {:?} does not sit in a directory of the tree",
                        e.path
                    )))
                }
            }
        }
        if e.kind == Kind::Other && !e.whiteout {
            let t = e.mode & S_IFMT;
            if t != libc::S_IFIFO && t != libc::S_IFSOCK {
                return Err(StoreError::Invalid(format!(
                    "tree entry {:?} is a device node; layers never hold one",
                    e.path
                )));
            }
        }
        if e.kind == Kind::File && !e.whiteout && e.hash.is_none() {
            return Err(StoreError::Invalid(format!(
                "tree entry {:?} has no hash",
                e.path
            )));
        }
        if e.kind == Kind::Symlink && e.link_target.is_none() {
            return Err(StoreError::Invalid(format!(
                "symlink {:?} has no target",
                e.path
            )));
        }
    }
    Ok(())
}

fn io<'a>(action: &'static str, p: &'a Path) -> impl Fn(std::io::Error) -> StoreError + 'a {
    move |e| StoreError::io(e, action, p)
}

/// Create the whiteout at `p`: a 0:0 character device, or where mknod is not allowed (no root),
/// an xattr whiteout (an empty file marked `overlay.whiteout` in a directory marked "x").
fn whiteout(
    p: &Path,
    dest: &Path,
    e: &Entry,
    parent_opaque: bool,
    opts: &BuildOptions,
) -> Result<(), StoreError> {
    if e.kind == Kind::Other {
        match sys::mknod(p, libc::S_IFCHR | (e.mode & 0o7777), 0) {
            Ok(()) => return Ok(()),
            Err(err) if err.raw_os_error() != Some(libc::EPERM) => {
                return Err(StoreError::io(err, "create whiteout", p))
            }
            Err(_) => {}
        }
    }
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o644)
        .open(p)
        .map_err(io("create whiteout", p))?;
    sys::set_xattr(p, &format!("{}overlay.whiteout", opts.xattr_ns), b"y")
        .map_err(io("mark whiteout", p))?;
    let dir = parent_of(&e.path).map_or(dest.to_path_buf(), |d| dest.join(d));
    let name = format!("{}overlay.opaque", opts.xattr_ns);
    // A directory that is opaque already hides everything below; "x" would weaken it.
    if parent_opaque {
        return Ok(());
    }
    sys::set_xattr(&dir, &name, b"x").map_err(io("mark", &dir))
}

/// Build `tree` as the new directory `dest` (its parent must exist, it must not). Returns the
/// tree of what was built (this machine's stat data, the manifest's hashes): the stat cache
/// of the next snapshot. On error `dest` is left for the caller to remove.
pub fn materialize(
    store: &Store,
    tree: &Tree,
    dest: &Path,
    opts: &BuildOptions,
    progress: OnProgress<'_>,
    cancel: &AtomicBool,
) -> Result<Tree, StoreError> {
    check_buildable(tree)?;
    fs::DirBuilder::new()
        .mode(0o700)
        .create(dest)
        .map_err(io("create", dest))?;
    let chown = |p: &Path| -> Result<(), StoreError> {
        match opts.owner {
            Some((u, g)) => lchown(p, Some(u), Some(g)).map_err(io("chown", p)),
            None => Ok(()),
        }
    };

    // Pass 1, in path order (parents first): everything but file contents.
    let mut files = Vec::new();
    let mut links = Vec::new();
    let mut first_of_inode: HashMap<(u64, u64), usize> = HashMap::new();
    for (i, e) in tree.entries().iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(StoreError::Canceled);
        }
        let p = dest.join(&e.path);
        match e.kind {
            Kind::Dir => {
                fs::DirBuilder::new()
                    .mode(0o700)
                    .create(&p)
                    .map_err(io("create", &p))?;
                if e.opaque {
                    sys::set_xattr(&p, &format!("{}overlay.opaque", opts.xattr_ns), b"y")
                        .map_err(io("mark opaque", &p))?;
                }
            }
            _ if e.whiteout => {
                let parent_opaque = parent_of(&e.path)
                    .and_then(|d| tree.get(d))
                    .is_some_and(|d| d.opaque);
                whiteout(&p, dest, e, parent_opaque, opts)?
            }
            Kind::Symlink => {
                let target = e.link_target.as_deref().unwrap_or_default();
                std::os::unix::fs::symlink(target, &p).map_err(io("create symlink", &p))?;
                chown(&p)?;
                sys::set_mtime_nofollow(&p, e.mtime).map_err(io("set times of", &p))?;
            }
            Kind::Other => {
                sys::mknod(&p, e.mode & (S_IFMT | 0o7777), 0).map_err(io("create", &p))?;
            }
            Kind::File => {
                if e.nlink > 1 {
                    if let Some(&first) = first_of_inode.get(&(e.dev, e.ino)) {
                        links.push((i, first));
                        continue;
                    }
                    first_of_inode.insert((e.dev, e.ino), i);
                }
                files.push(i);
            }
        }
    }

    // Pass 2, in parallel: file contents, verified.
    let entries = tree.entries();
    let files_total = files.len() as u64;
    let bytes_total: u64 = files.iter().map(|&i| entries[i].size).sum();
    let files_done = AtomicU64::new(0);
    let bytes_done = AtomicU64::new(0);
    let report = |f, b| Progress {
        phase: Phase::Build,
        files_done: f,
        files_total,
        bytes_done: b,
        bytes_total,
    };
    progress(report(0, 0));
    std::thread::scope(|s| -> Result<(), StoreError> {
        let (tx, rx) = mpsc::channel::<()>();
        let (files, files_done, bytes_done) = (&files, &files_done, &bytes_done);
        let worker = s.spawn(move || {
            let r = files.par_iter().try_for_each(|&i| {
                let e = &entries[i];
                let p = dest.join(&e.path);
                let mut f = OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(&p)
                    .map_err(io("create", &p))?;
                let hash = e.hash.expect("checked by check_buildable");
                let n = store
                    .copy_object_to(&hash, &mut f, cancel, &|n| {
                        bytes_done.fetch_add(n, Ordering::Relaxed);
                    })
                    .map_err(|err| match err {
                        StoreError::ObjectNotFound(m) => StoreError::Corrupt(format!(
                            "{m} (needed for {}): the store is damaged",
                            e.path
                        )),
                        other => other,
                    })?;
                if n != e.size {
                    return Err(StoreError::Corrupt(format!(
                        "{} should hold {} bytes, its object holds {n}",
                        e.path, e.size
                    )));
                }
                drop(f);
                chown(&p)?;
                fs::set_permissions(&p, fs::Permissions::from_mode(e.mode & 0o7777))
                    .map_err(io("chmod", &p))?;
                sys::set_mtime_nofollow(&p, e.mtime).map_err(io("set times of", &p))?;
                files_done.fetch_add(1, Ordering::Relaxed);
                Ok(())
            });
            let _ = tx.send(());
            r
        });
        while let Err(mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(Duration::from_millis(100))
        {
            progress(report(
                files_done.load(Ordering::Relaxed),
                bytes_done.load(Ordering::Relaxed),
            ));
        }
        worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;

    // Pass 3: hard links, then (children before parents) directory and node metadata, last,
    // so creating entries no longer moves a directory's mtime.
    for (i, first) in links {
        let (p, q) = (dest.join(&entries[i].path), dest.join(&entries[first].path));
        fs::hard_link(&q, &p).map_err(io("link", &p))?;
    }
    for e in entries.iter().rev() {
        if !(e.kind == Kind::Dir || e.kind == Kind::Other || e.whiteout) {
            continue;
        }
        let p = dest.join(&e.path);
        // Whiteouts stay the builder's, as overlayfs leaves them.
        if !e.whiteout {
            chown(&p)?;
        }
        fs::set_permissions(&p, fs::Permissions::from_mode(e.mode & 0o7777))
            .map_err(io("chmod", &p))?;
        sys::set_mtime_nofollow(&p, e.mtime).map_err(io("set times of", &p))?;
    }
    chown(dest)?;
    fs::set_permissions(dest, fs::Permissions::from_mode(0o755)).map_err(io("chmod", dest))?;
    progress(report(files_total, bytes_done.load(Ordering::Relaxed)));

    // What was built, with the manifest's hashes: the next snapshot then reads nothing.
    let opts = ScanOptions {
        hash: false,
        ..ScanOptions::default()
    };
    let built = walk::scan(dest, &opts, None, &|_| {}, cancel)?;
    let mut out = built.into_entries();
    for e in &mut out {
        if e.kind == Kind::File && !e.whiteout {
            e.hash = tree.get(&e.path).and_then(|src| src.hash);
        }
    }
    Tree::from_entries(out).map_err(|e| StoreError::Invalid(e.to_string()))
}
