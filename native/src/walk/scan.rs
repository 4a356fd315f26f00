//! `scan`: walk a directory without following symlinks or leaving it, then hash the regular files
//! in parallel, reusing hashes a previous scan proves still valid.
//!
//! The walk runs on the caller's thread; hashing runs on rayon's pool from a scoped thread while
//! the caller's thread only wakes every `progress_interval` to report. So `progress` is always
//! called from the caller's thread, at a bounded rate, and need not be `Sync`.
//!
//! A scan describes a quiescent tree (a stopped container's layer). A file found changed between
//! its stat and its hash fails the scan with ECHANGED rather than recording a state that never
//! existed; files are opened with O_NOFOLLOW and checked against the walk's device and inode.

use std::fs::{self, Metadata};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::entry::{is_under, is_valid_rel_path, Entry, Kind, Timestamp};
use super::error::WalkError;
use super::hash_phase::hash_phase;
use super::overlay;
use super::statcache::TreeIndex;
use super::tree::Tree;

/// How to scan.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Relative paths to skip, with everything under them ("a/b" skips "a/b/c", not "a/bc").
    pub exclude: Vec<String>,
    /// Descend into directories on another filesystem (mount points are recorded either way).
    pub cross_filesystems: bool,
    /// Hash regular files; without it entries carry no hash and `diff` falls back to size+mtime.
    pub hash: bool,
    /// Read overlayfs markers (opaque directories, xattr whiteouts). One `llistxattr` per directory.
    pub overlay: bool,
    /// Least time between two progress reports of the same phase (at least 10 ms).
    pub progress_interval: Duration,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            exclude: Vec::new(),
            cross_filesystems: false,
            hash: true,
            overlay: true,
            progress_interval: Duration::from_millis(100),
        }
    }
}

/// Where a scan is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Walk,
    Hash,
    Done,
}

/// A progress report; the last one of a successful scan has phase `Done` and the final counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub phase: Phase,
    /// Entries of every kind listed so far.
    pub entries_seen: u64,
    /// Regular files (whiteouts excluded) listed so far.
    pub files_seen: u64,
    /// Files whose hash came from the previous scan without reading them.
    pub files_reused: u64,
    /// Files that need reading (known once the walk ends).
    pub files_to_hash: u64,
    pub files_hashed: u64,
    pub bytes_hashed: u64,
    /// Bytes that need reading; None until the walk ends.
    pub total_bytes: Option<u64>,
}

/// Scan the directory `root` into a tree of everything below it (the root itself is not an
/// entry). `prev` supplies hashes to reuse; `cancel` aborts with ECANCELED when raised.
pub fn scan(
    root: &Path,
    opts: &ScanOptions,
    prev: Option<&TreeIndex>,
    progress: &dyn Fn(Progress),
    cancel: &AtomicBool,
) -> Result<Tree, WalkError> {
    for prefix in &opts.exclude {
        if !is_valid_rel_path(prefix) {
            return Err(WalkError::invalid(format!(
                "exclusion {prefix:?} is not a relative path"
            )));
        }
    }
    let root_meta =
        fs::symlink_metadata(root).map_err(|e| WalkError::io("stat", root.display(), e))?;
    if !root_meta.is_dir() {
        return Err(WalkError::invalid(format!(
            "scan root {} is not a directory",
            root.display()
        )));
    }
    let interval = opts.progress_interval.max(Duration::from_millis(10));
    let mut walk = Walk {
        root,
        root_dev: root_meta.dev(),
        opts,
        cancel,
        progress,
        interval,
        last_report: Instant::now(),
        counts: Progress {
            phase: Phase::Walk,
            entries_seen: 0,
            files_seen: 0,
            files_reused: 0,
            files_to_hash: 0,
            files_hashed: 0,
            bytes_hashed: 0,
            total_bytes: None,
        },
        entries: Vec::new(),
    };
    walk.run()?;
    let Walk {
        mut entries,
        mut counts,
        ..
    } = walk;
    entries.sort_unstable_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    if opts.hash {
        hash_phase(
            root,
            &mut entries,
            prev,
            &mut counts,
            interval,
            progress,
            cancel,
        )?;
    }
    if cancel.load(Ordering::Relaxed) {
        return Err(WalkError::Canceled);
    }
    counts.phase = Phase::Done;
    counts.total_bytes.get_or_insert(0);
    progress(counts);
    Tree::from_entries(entries)
}

struct Walk<'a> {
    root: &'a Path,
    root_dev: u64,
    opts: &'a ScanOptions,
    cancel: &'a AtomicBool,
    progress: &'a dyn Fn(Progress),
    interval: Duration,
    last_report: Instant,
    counts: Progress,
    entries: Vec<Entry>,
}

impl Walk<'_> {
    /// Depth-first over an explicit stack (no recursion limit); each item is a directory's
    /// relative path ("" for the root) and whether it holds xattr whiteouts.
    fn run(&mut self) -> Result<(), WalkError> {
        let root_x = self.opts.overlay && overlay::dir_marks(self.root)?.has_xwhiteouts;
        let mut stack = vec![(String::new(), root_x)];
        while let Some((dir_rel, dir_x)) = stack.pop() {
            let dir_abs = self.root.join(&dir_rel);
            let listing = fs::read_dir(&dir_abs)
                .map_err(|e| WalkError::io("read directory", dir_abs.display(), e))?;
            for item in listing {
                self.tick()?;
                let item =
                    item.map_err(|e| WalkError::io("read directory", dir_abs.display(), e))?;
                let name = item.file_name();
                let abs = dir_abs.join(&name);
                let Some(name) = name.to_str() else {
                    return Err(WalkError::BadName {
                        path: abs.display().to_string(),
                    });
                };
                let rel = if dir_rel.is_empty() {
                    name.to_string()
                } else {
                    format!("{dir_rel}/{name}")
                };
                if self.opts.exclude.iter().any(|p| is_under(&rel, p)) {
                    continue;
                }
                // DirEntry::metadata is an fstatat(AT_SYMLINK_NOFOLLOW) on the open directory.
                let meta = item
                    .metadata()
                    .map_err(|e| WalkError::io("stat", abs.display(), e))?;
                let (entry, descend) = self.entry(&abs, rel, &meta, dir_x)?;
                if let Some(x) = descend {
                    stack.push((entry.path.clone(), x));
                }
                self.entries.push(entry);
            }
        }
        Ok(())
    }

    /// The entry for one listed path, and for a directory to walk into, its xwhiteout mark.
    fn entry(
        &mut self,
        abs: &Path,
        path: String,
        meta: &Metadata,
        dir_x: bool,
    ) -> Result<(Entry, Option<bool>), WalkError> {
        let ft = meta.file_type();
        let mut e = Entry {
            path,
            kind: Kind::Other,
            mode: meta.mode(),
            size: 0,
            mtime: Timestamp {
                secs: meta.mtime(),
                nsec: meta.mtime_nsec() as u32,
            },
            ctime: Timestamp {
                secs: meta.ctime(),
                nsec: meta.ctime_nsec() as u32,
            },
            ino: meta.ino(),
            dev: meta.dev(),
            nlink: meta.nlink(),
            rdev: None,
            link_target: None,
            hash: None,
            whiteout: false,
            opaque: false,
        };
        self.counts.entries_seen += 1;
        let mut descend = None;
        if ft.is_dir() {
            e.kind = Kind::Dir;
            let marks = if self.opts.overlay {
                overlay::dir_marks(abs)?
            } else {
                Default::default()
            };
            e.opaque = marks.opaque;
            if self.opts.cross_filesystems || meta.dev() == self.root_dev {
                descend = Some(marks.has_xwhiteouts);
            }
        } else if ft.is_symlink() {
            e.kind = Kind::Symlink;
            e.size = meta.size();
            let target =
                fs::read_link(abs).map_err(|err| WalkError::io("read link", abs.display(), err))?;
            let Some(target) = target.to_str() else {
                return Err(WalkError::BadName {
                    path: format!("{} -> {}", abs.display(), target.display()),
                });
            };
            e.link_target = Some(target.to_string());
        } else if ft.is_file() {
            e.kind = Kind::File;
            e.size = meta.size();
            // Metacopy files have no data blocks; only those and files in an "x" directory cost
            // an xattr call.
            let holey = meta.blocks() == 0 && meta.size() > 0;
            if self.opts.overlay && (dir_x || holey) {
                e.whiteout = overlay::file_is_whiteout(abs, dir_x)?;
            }
            if !e.whiteout {
                self.counts.files_seen += 1;
            }
        } else {
            if ft.is_char_device() || ft.is_block_device() {
                e.rdev = Some(meta.rdev());
            }
            // overlayfs marks a deleted lower entry with a character device 0:0.
            e.whiteout = ft.is_char_device() && meta.rdev() == 0;
        }
        Ok((e, descend))
    }

    /// Per listed entry: honour the cancel flag, and report when the interval has passed.
    fn tick(&mut self) -> Result<(), WalkError> {
        if self.cancel.load(Ordering::Relaxed) {
            return Err(WalkError::Canceled);
        }
        if self.counts.entries_seen.is_multiple_of(256)
            && self.last_report.elapsed() >= self.interval
        {
            self.last_report = Instant::now();
            (self.progress)(self.counts);
        }
        Ok(())
    }
}
