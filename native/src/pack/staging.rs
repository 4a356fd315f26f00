//! Work folders of imports under `<data>/tmp/`, and the locks that keep imports apart.
//!
//! - `<data>/tmp/.lock`: every import holds it shared while it works; `cleanup` removes the
//!   folders of imports that died (kill -9, power loss) only when it gets it exclusively, i.e.
//!   when no import of any process is running, so it never removes live work.
//! - `<data>/tmp/locks/<id>.lock`: held exclusively by the import that moves a container into
//!   place under `<id>`, so two imports of one id are serialised (the second then finds the id
//!   taken) and never mix. Lock files are never deleted (deleting a lock file races with
//!   another process opening it).

use std::fs::{self, File, OpenOptions, TryLockError};
use std::os::unix::fs::DirBuilderExt;
use std::path::{Path, PathBuf};

use super::error::{PackError, Result};
use crate::container::files::{random_hex, remove_tree};
use crate::container::DataDir;

/// Names under `<data>/tmp/` that are import work folders.
pub const IMPORT_PREFIX: &str = "import-";

pub fn tmp_dir(data: &DataDir) -> PathBuf {
    data.root().join("tmp")
}

fn mkdir(path: &Path, mode: u32) -> Result<()> {
    match fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(path)
    {
        Ok(()) => Ok(()),
        Err(e) => Err(PackError::io(e, "create", path)),
    }
}

fn open_lock(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| PackError::io(e, "open lock", path))
}

/// A held lock; released on drop (or when the process dies).
pub struct Held {
    _file: File,
}

/// Remove the work folders of dead imports, if no import is running now. Returns how many were
/// removed. Safe to call any time (the gateway calls it at startup).
pub fn cleanup(data: &DataDir) -> Result<usize> {
    let tmp = tmp_dir(data);
    if !tmp.exists() {
        return Ok(0);
    }
    let file = open_lock(&tmp.join(".lock"))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => return Ok(0),
        Err(TryLockError::Error(e)) => return Err(PackError::io(e, "lock", &tmp)),
    }
    Ok(remove_stale(&tmp))
}

fn remove_stale(tmp: &Path) -> usize {
    let mut removed = 0;
    if let Ok(entries) = fs::read_dir(tmp) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(IMPORT_PREFIX) {
                let _ = remove_tree(&e.path());
                removed += 1;
            }
        }
    }
    removed
}

/// An import's work folder, removed on drop unless `keep` was called.
pub struct Staging {
    pub dir: PathBuf,
    _shared: Held,
}

impl Staging {
    /// Clean up after dead imports if possible, then make a fresh work folder (0700) and hold
    /// the shared lock for its life.
    pub fn new(data: &DataDir) -> Result<Staging> {
        let tmp = tmp_dir(data);
        mkdir(&tmp, 0o700)?;
        // A hint only (ext4's `chattr +T`): each work folder is an unrelated tree, so ext4 puts
        // it in a block group with room rather than beside the last one. Creating thousands of
        // files where thousands were just deleted (the container an import replaces, the last
        // import's work folder) is slow on ext4 without a journal: it skips recently freed
        // inodes one by one on every create. Filesystems without the flag just say no.
        let _ = super::sys::set_topdir(&tmp);
        let file = open_lock(&tmp.join(".lock"))?;
        // Exclusive first: nobody else works, so whatever is here is left from a crash.
        if file.try_lock().is_ok() {
            remove_stale(&tmp);
            file.unlock()
                .map_err(|e| PackError::io(e, "unlock", &tmp))?;
        }
        file.lock_shared()
            .map_err(|e| PackError::io(e, "lock", &tmp))?;
        let dir = tmp.join(format!("{IMPORT_PREFIX}{}", random_hex(8)));
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .map_err(|e| PackError::io(e, "create", &dir))?;
        Ok(Staging {
            dir,
            _shared: Held { _file: file },
        })
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        let _ = remove_tree(&self.dir);
    }
}

/// Wait for the exclusive lock of container id `id` (see the module docs).
pub fn lock_id(data: &DataDir, id: &str) -> Result<Held> {
    crate::container::paths::validate_id("container id", id)?;
    let dir = tmp_dir(data).join("locks");
    mkdir(&dir, 0o700)?;
    let path = dir.join(format!("{id}.lock"));
    let file = open_lock(&path)?;
    file.lock().map_err(|e| PackError::io(e, "lock", &path))?;
    Ok(Held { _file: file })
}
