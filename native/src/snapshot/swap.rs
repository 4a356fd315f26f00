//! Replacing a container's whole `layer/` folder so that a crash at any point leaves either the
//! old layer or the new one, never a mix.
//!
//! 1. The new layer is built beside the old one (`<container>/.layer-restore-*` or
//!    `.layer-clone-*`) and made durable.
//! 2. The intent `<container>/.layer-intent.json` is written atomically: the commit point.
//!    Before it exists, a crash leaves the old layer plus a leftover folder that the next
//!    operation removes. Once it exists, the swap is finished by whoever opens the container
//!    next (`recover_locked`, run first by every snapshot operation, and `recover`).
//! 3. `renameat2(RENAME_EXCHANGE)` swaps the two folders in one step (where the filesystem
//!    cannot, `layer` -> `.layer-old-*` then the new one -> `layer`; recovery handles a crash
//!    between the two renames). Because `upper/`, `work/`, `lower.json` and `state.json` all live
//!    inside `layer/`, they change together, and the overlay workdir of the new layer is empty.
//! 4. The old layer is removed, then the intent.
//!
//! Which folder is which is decided by inode numbers recorded in the intent, so every step is
//! idempotent: recovery redoes exactly what is missing. A clone adds two steps (see `clone`):
//! before the swap the old `layer/upper` moves to `<store>/layers/<id>` (frozen), after it the
//! clone's staged folder is renamed to its final name.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::container::files::{random_hex, remove_tree, write_atomic};
use crate::container::lock::lock_busy;
use crate::container::{self, ContainerPaths, DataDir};
use crate::store::{sync_paths, sys, Store, StoreError};

/// Name prefixes of the folders a swap leaves in a container folder.
const STAGED_PREFIXES: [&str; 3] = [".layer-restore-", ".layer-clone-", ".layer-old-"];

/// What a committed swap must finish.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Intent {
    /// "restore" or "clone".
    pub op: String,
    /// The new layer folder's name inside the container folder.
    pub staged: String,
    pub staged_ino: u64,
    /// The inode of the layer folder being replaced.
    pub layer_ino: u64,
    /// clone: the frozen layer id the old `layer/upper` becomes.
    #[serde(default)]
    pub freeze: Option<String>,
    /// clone: the clone's staged folder name in `containers/`, and its final id.
    #[serde(default)]
    pub clone_staging: Option<String>,
    #[serde(default)]
    pub clone_id: Option<String>,
}

/// A step of `apply`, for tests that stop part-way (a crash at that point).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Freeze,
    Swap,
    FinishClone,
    Cleanup,
    Done,
}

pub fn intent_path(paths: &ContainerPaths) -> std::path::PathBuf {
    paths.dir.join(".layer-intent.json")
}

fn ino(path: &Path) -> Option<u64> {
    fs::symlink_metadata(path).ok().map(|m| m.ino())
}

/// The inode of a folder (for an intent).
pub fn ino_of(path: &Path) -> Result<u64, StoreError> {
    fs::symlink_metadata(path)
        .map(|m| m.ino())
        .map_err(|e| StoreError::io(e, "stat", path))
}

fn read_intent(paths: &ContainerPaths) -> Result<Option<Intent>, StoreError> {
    let path = intent_path(paths);
    match fs::read(&path) {
        Ok(b) => serde_json::from_slice(&b)
            .map(Some)
            .map_err(|e| StoreError::Corrupt(format!("{} is unreadable: {e}", path.display()))),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(e, "read", &path)),
    }
}

/// Commit `intent` and carry it out. The staged folder must be complete and durable.
pub fn commit(data: &DataDir, paths: &ContainerPaths, intent: &Intent) -> Result<(), StoreError> {
    commit_until(data, paths, intent, Step::Done)
}

/// `commit`, stopping before `stop` (tests: the state a crash at that point leaves).
pub fn commit_until(
    data: &DataDir,
    paths: &ContainerPaths,
    intent: &Intent,
    stop: Step,
) -> Result<(), StoreError> {
    let path = intent_path(paths);
    let json = serde_json::to_vec(intent).map_err(crate::error::CoreError::from)?;
    write_atomic(&path, &json, 0o644).map_err(|e| StoreError::io(e, "write", &path))?;
    apply(data, paths, intent, stop)
}

/// Swap two folders in one step, or in two renames where the filesystem cannot exchange.
fn swap_dirs(staged: &Path, layer: &Path, dir: &Path) -> Result<(), StoreError> {
    match sys::exchange(staged, layer) {
        Ok(()) => Ok(()),
        Err(e) if matches!(e.raw_os_error(), Some(libc::EINVAL | libc::ENOSYS)) => {
            let old = dir.join(format!(".layer-old-{}", random_hex(4)));
            fs::rename(layer, &old).map_err(|e| StoreError::io(e, "move away", layer))?;
            fs::rename(staged, layer).map_err(|e| StoreError::io(e, "move into place", staged))
        }
        Err(e) => Err(StoreError::io(e, "swap in", staged)),
    }
}

fn apply(data: &DataDir, paths: &ContainerPaths, i: &Intent, stop: Step) -> Result<(), StoreError> {
    let layer = paths.dir.join("layer");
    let staged = paths.dir.join(&i.staged);
    // Directories whose entries the steps change: made durable together before the intent goes.
    let mut touched = vec![paths.dir.clone()];
    if stop <= Step::Freeze {
        return Ok(());
    }
    if let Some(lid) = &i.freeze {
        let store = Store::open(data)?;
        let target = store.layers_dir().join(lid);
        if !target.exists() {
            let old = if ino(&layer) == Some(i.layer_ino) {
                layer.join("upper")
            } else if ino(&staged) == Some(i.layer_ino) {
                staged.join("upper")
            } else {
                return Err(StoreError::Corrupt(format!(
                    "cannot finish the clone of {}: the layer to freeze is gone",
                    paths.dir.display()
                )));
            };
            fs::rename(&old, &target).map_err(|e| StoreError::io(e, "freeze", &old))?;
        }
        touched.push(store.layers_dir());
    }
    if stop <= Step::Swap {
        return Ok(());
    }
    match ino(&layer) {
        Some(x) if x == i.staged_ino => {}
        Some(x) if x == i.layer_ino && ino(&staged) == Some(i.staged_ino) => {
            swap_dirs(&staged, &layer, &paths.dir)?
        }
        None if ino(&staged) == Some(i.staged_ino) => {
            fs::rename(&staged, &layer).map_err(|e| StoreError::io(e, "move into place", &staged))?
        }
        _ => {
            return Err(StoreError::Corrupt(format!(
                "cannot finish the layer swap of {}: neither the old nor the new layer is where the intent says",
                paths.dir.display()
            )))
        }
    }
    if stop <= Step::FinishClone {
        return Ok(());
    }
    if let (Some(st), Some(cid)) = (&i.clone_staging, &i.clone_id) {
        let containers = data.containers();
        let from = containers.join(st);
        if from.exists() {
            let to = data.container(cid)?.dir;
            match fs::rename(&from, &to) {
                Ok(()) => {}
                // The id was taken meanwhile: the clone cannot appear; the source is whole.
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::AlreadyExists | ErrorKind::DirectoryNotEmpty
                    ) =>
                {
                    let _ = remove_tree(&from);
                }
                Err(e) => return Err(StoreError::io(e, "move into place", &from)),
            }
        }
        touched.push(containers);
    }
    // Until here a power loss may undo renames; the intent redoes them. From here on the
    // intent may go, so what it did must be on disk first.
    sync_paths(&touched)?;
    if stop <= Step::Cleanup {
        return Ok(());
    }
    remove_leftovers(paths)?;
    // Losing this removal to a power cut is harmless: recovery finds everything done.
    let path = intent_path(paths);
    fs::remove_file(&path).map_err(|e| StoreError::io(e, "remove", &path))
}

/// Remove the folders an unfinished or finished swap left in a container folder.
fn remove_leftovers(paths: &ContainerPaths) -> Result<usize, StoreError> {
    let mut n = 0;
    let entries = fs::read_dir(&paths.dir).map_err(|e| StoreError::io(e, "list", &paths.dir))?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if STAGED_PREFIXES.iter().any(|p| name.starts_with(p)) {
            let p = entry.path();
            remove_tree(&p).map_err(|e| StoreError::io(e, "remove", &p))?;
            n += 1;
        }
    }
    Ok(n)
}

/// What `recover` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Recovery {
    /// The operation ("restore", "clone") whose committed swap was finished, if any.
    pub finished: Option<String>,
    /// Leftover folders of operations that crashed before their commit point, removed.
    pub removed: usize,
}

/// Finish a committed swap, or remove what an uncommitted one left. The caller holds the
/// container's busy lock.
pub fn recover_locked(data: &DataDir, paths: &ContainerPaths) -> Result<Recovery, StoreError> {
    match read_intent(paths)? {
        Some(i) => {
            apply(data, paths, &i, Step::Done)?;
            Ok(Recovery {
                finished: Some(i.op),
                removed: 0,
            })
        }
        None => Ok(Recovery {
            finished: None,
            removed: remove_leftovers(paths)?,
        }),
    }
}

/// Bring container `id` back to a consistent layer after a crash (ERUNNING while it runs).
pub fn recover(data: &DataDir, id: &str) -> Result<Recovery, StoreError> {
    let (_, paths) = container::load(data, id)?;
    let _busy = lock_busy(id, &paths, "recovering it")?;
    recover_locked(data, &paths)
}

/// One container `recover_all` had to fix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RecoveredContainer {
    pub id: String,
    #[serde(flatten)]
    pub recovery: Recovery,
}

/// Recover every container of the data dir that needs it (at startup, after a crash).
/// Containers that run, or that another operation holds, are skipped: that operation recovers
/// them first anyway.
pub fn recover_all(data: &DataDir) -> Result<Vec<RecoveredContainer>, StoreError> {
    let mut out = Vec::new();
    for c in container::list(data)? {
        let paths = data.container(&c.config.id)?;
        let needs = intent_path(&paths).exists()
            || fs::read_dir(&paths.dir)
                .into_iter()
                .flatten()
                .flatten()
                .any(|e| {
                    let n = e.file_name();
                    let n = n.to_string_lossy();
                    STAGED_PREFIXES.iter().any(|p| n.starts_with(p))
                });
        if !needs {
            continue;
        }
        match recover(data, &c.config.id) {
            Ok(recovery) => out.push(RecoveredContainer {
                id: c.config.id,
                recovery,
            }),
            Err(StoreError::Running(_)) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
