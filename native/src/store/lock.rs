//! The store-wide lock, `<store>/lock` (flock, so it works across threads and processes).
//!
//! Everything that writes objects or reads them for a snapshot, restore, clone, export or
//! import holds it shared, from its first object write until the manifest that references
//! those objects is durable; garbage collection holds it exclusive. So gc never sees an object
//! that was written but is not referenced yet, and never deletes one a reader is about to use.
//! Waiting polls a cancel flag, so a queued job can be canceled while gc runs.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use super::error::StoreError;

/// A held store lock; released on drop (or when the process dies).
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
    exclusive: bool,
    /// Objects this holder wrote that are not yet durable (see `Store::sync`).
    pub(super) fresh: Mutex<Vec<PathBuf>>,
}

impl StoreLock {
    pub fn is_exclusive(&self) -> bool {
        self.exclusive
    }
}

const POLL: Duration = Duration::from_millis(10);

pub(super) fn acquire(
    path: &Path,
    exclusive: bool,
    cancel: &AtomicBool,
) -> Result<StoreLock, StoreError> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| StoreError::io(e, "open", path))?;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(StoreError::Canceled);
        }
        let got = if exclusive {
            file.try_lock()
        } else {
            file.try_lock_shared()
        };
        match got {
            Ok(()) => {
                return Ok(StoreLock {
                    _file: file,
                    exclusive,
                    fresh: Mutex::new(Vec::new()),
                })
            }
            Err(TryLockError::WouldBlock) => std::thread::sleep(POLL),
            Err(TryLockError::Error(e)) => return Err(StoreError::io(e, "lock", path)),
        }
    }
}
