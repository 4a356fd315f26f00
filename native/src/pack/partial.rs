//! The archive file being written: beside its destination under a hidden name
//! (`.<name>.partial-<random>`), flocked while it is written so a later export can tell a dead
//! one from a live one and remove it, and renamed over the destination only when complete.

use std::fs::{self, File, OpenOptions};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use super::error::{PackError, Result};
use crate::container::files::{fsync_dir, random_hex};

/// An absolute file path for the archive (EINVAL for a directory).
pub fn absolute_dest(dest: &Path) -> Result<PathBuf> {
    let dest = if dest.is_absolute() {
        dest.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| PackError::io(e, "resolve", dest))?
            .join(dest)
    };
    if dest.file_name().is_none() || dest.is_dir() {
        return Err(PackError::Invalid(format!(
            "the export destination {} must be a file path",
            dest.display()
        )));
    }
    Ok(dest)
}

/// The archive being written beside its destination.
pub struct Partial {
    pub path: PathBuf,
    pub file: File,
    committed: bool,
}

const PARTIAL_TAG: &str = ".partial-";

impl Partial {
    pub fn create(dest: &Path) -> Result<Partial> {
        let dir = dest.parent().unwrap_or(Path::new("/"));
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        remove_dead_partials(dir, &name);
        let path = dir.join(format!(".{name}{PARTIAL_TAG}{}", random_hex(6)));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| PackError::io(e, "create", &path))?;
        file.lock().map_err(|e| PackError::io(e, "lock", &path))?;
        Ok(Partial {
            path,
            file,
            committed: false,
        })
    }

    /// fsync, then rename over the destination; returns the archive's size.
    pub fn commit(mut self, dest: &Path) -> Result<u64> {
        self.file
            .sync_all()
            .map_err(|e| PackError::io(e, "sync", &self.path))?;
        let bytes = self
            .file
            .metadata()
            .map_err(|e| PackError::io(e, "stat", &self.path))?
            .len();
        fs::set_permissions(
            &self.path,
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )
        .map_err(|e| PackError::io(e, "chmod", &self.path))?;
        fs::rename(&self.path, dest).map_err(|e| PackError::io(e, "rename into place", dest))?;
        self.committed = true;
        if let Some(dir) = dest.parent() {
            fsync_dir(dir).map_err(|e| PackError::io(e, "sync", dir))?;
        }
        Ok(bytes)
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Remove `.<name>.partial-*` files in `dir` that no live export holds.
fn remove_dead_partials(dir: &Path, name: &str) {
    let prefix = format!(".{name}{PARTIAL_TAG}");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if !e.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let Ok(f) = OpenOptions::new().read(true).open(e.path()) else {
            continue;
        };
        if f.try_lock().is_ok() {
            let _ = fs::remove_file(e.path());
        }
    }
}
