//! Who may change a container right now. A container is busy while its sandbox runs (the
//! sandbox's instance registry knows) or while an install, a registry edit or a delete holds its
//! `.lock` (flock, so it also works across processes sharing one data dir).

use std::fs::{File, OpenOptions, TryLockError};
use std::path::Path;

use super::error::ContainerError;
use super::paths::ContainerPaths;

/// Held for the duration of an exclusive operation; released on drop (or when the process dies).
#[derive(Debug)]
pub struct BusyLock {
    _file: File,
}

fn open_lock(path: &Path) -> Result<File, ContainerError> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => {
                ContainerError::NotFound(format!("container folder {} is gone", path.display()))
            }
            _ => ContainerError::io(e, "open lock", path),
        })
}

/// True while a sandbox instance of this container is alive in this process.
pub fn is_running(id: &str) -> bool {
    crate::sandbox::instance::live(id).is_some()
}

/// Take the container for an exclusive operation (`what`, for the message), or ERUNNING.
pub fn lock_busy(id: &str, paths: &ContainerPaths, what: &str) -> Result<BusyLock, ContainerError> {
    if is_running(id) {
        return Err(ContainerError::Running(format!(
            "container {id} is running; stop it before {what}"
        )));
    }
    let file = open_lock(&paths.busy_lock())?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            return Err(ContainerError::Running(format!(
                "container {id} is busy (an install, registry edit or delete is in progress); try again after it"
            )))
        }
        Err(TryLockError::Error(e)) => return Err(ContainerError::io(e, "lock", &paths.busy_lock())),
    }
    // A run may have started between the check and the lock: check again while holding it.
    if is_running(id) {
        return Err(ContainerError::Running(format!(
            "container {id} is running; stop it before {what}"
        )));
    }
    Ok(BusyLock { _file: file })
}

/// Serialise read-modify-write of container.yml (blocking; held for milliseconds).
pub fn lock_config(paths: &ContainerPaths) -> Result<BusyLock, ContainerError> {
    let file = open_lock(&paths.config_lock())?;
    file.lock()
        .map_err(|e| ContainerError::io(e, "lock", &paths.config_lock()))?;
    Ok(BusyLock { _file: file })
}
