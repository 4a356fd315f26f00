//! Tests of the walk module over real trees built in a temp dir at run time.

mod cancel;
mod diff;
mod listing;
mod overlay;
mod perf;
mod rescan;

use std::cell::RefCell;
use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use super::{scan, Progress, ScanOptions, Tree, TreeIndex};

/// A directory under the temp dir, removed on drop.
pub struct TempTree {
    root: PathBuf,
}

impl TempTree {
    pub fn new(tag: &str) -> TempTree {
        static SEQ: AtomicUsize = AtomicUsize::new(0);
        let n = SEQ.fetch_add(1, Ordering::Relaxed);
        let root =
            std::env::temp_dir().join(format!("orbit-walk-{}-{n}-{tag}", std::process::id()));
        let _ = fs::remove_dir_all(&root);
        fs::create_dir_all(&root).unwrap();
        TempTree { root }
    }

    pub fn path(&self) -> &Path {
        &self.root
    }

    pub fn at(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    fn parent_of(&self, rel: &str) -> PathBuf {
        let p = self.at(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        p
    }

    pub fn file(&self, rel: &str, content: &[u8]) -> PathBuf {
        let p = self.parent_of(rel);
        fs::write(&p, content).unwrap();
        p
    }

    pub fn dir(&self, rel: &str) -> PathBuf {
        let p = self.at(rel);
        fs::create_dir_all(&p).unwrap();
        p
    }

    pub fn symlink(&self, rel: &str, target: impl AsRef<Path>) -> PathBuf {
        let p = self.parent_of(rel);
        symlink(target, &p).unwrap();
        p
    }

    /// A fifo made with mkfifo(1); false when the tool or the filesystem refuses.
    pub fn fifo(&self, rel: &str) -> bool {
        let p = self.parent_of(rel);
        Command::new("mkfifo")
            .arg(&p)
            .status()
            .is_ok_and(|s| s.success())
    }

    /// An overlayfs whiteout (char device 0:0) made with mknod(1); false when not permitted.
    pub fn whiteout(&self, rel: &str) -> bool {
        let p = self.parent_of(rel);
        Command::new("mknod")
            .arg(&p)
            .args(["c", "0", "0"])
            .status()
            .is_ok_and(|s| s.success())
    }
}

impl Drop for TempTree {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.root);
    }
}

/// What a scan reported: the last progress and how many reports there were.
pub struct Scanned {
    pub tree: Tree,
    pub last: Progress,
    pub reports: Vec<Progress>,
}

pub fn scan_with(
    root: &Path,
    opts: &ScanOptions,
    prev: Option<&TreeIndex>,
) -> Result<Scanned, super::WalkError> {
    let reports = RefCell::new(Vec::new());
    let never = AtomicBool::new(false);
    let tree = scan(root, opts, prev, &|p| reports.borrow_mut().push(p), &never)?;
    let reports = reports.into_inner();
    let last = *reports
        .last()
        .expect("a finished scan reports at least once");
    Ok(Scanned {
        tree,
        last,
        reports,
    })
}

/// Scan with default options and no previous tree; panics on error.
pub fn scan_ok(root: &Path) -> Scanned {
    scan_with(root, &ScanOptions::default(), None).unwrap()
}

/// Bytes of a given length that differ per seed, so equal sizes do not mean equal content.
pub fn pattern(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

pub fn paths(tree: &Tree) -> Vec<&str> {
    tree.entries().iter().map(|e| e.path.as_str()).collect()
}
