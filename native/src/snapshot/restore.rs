//! Roll a container back to a snapshot: build the snapshot's layer beside the current one from
//! the store (contents verified), make it durable, then swap it in atomically (see `swap`).
//! The result has no frozen layers below it (a clone's restore is flattened), an empty overlay
//! workdir, and a stat cache of what was built, so the next snapshot reads nothing.

use std::fs;
use std::os::unix::fs::DirBuilderExt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;

use super::layer::{write_state, LayerState};
use super::load_tree;
use super::manifest::{self, SnapshotInfo};
use super::materialize::{materialize, BuildOptions};
use super::progress::{OnProgress, Phase, Progress};
use super::swap::{self, ino_of, recover_locked, Intent, Step};
use crate::container::files::{random_hex, remove_tree};
use crate::container::lock::lock_busy;
use crate::container::{self, DataDir};
use crate::store::{hex, sys, Store, StoreError};
use crate::walk::Timestamp;

/// A finished restore.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Restored {
    pub snapshot: SnapshotInfo,
    pub files: u64,
    pub bytes: u64,
    pub duration_ms: u64,
}

/// Restore container `id` to snapshot `snapshot_id`. ERUNNING while the container runs;
/// ENOTFOUND_SNAPSHOT, ECORRUPT (a damaged object), ECANCELED (before the swap only).
pub fn restore(
    data: &DataDir,
    id: &str,
    snapshot_id: &str,
    progress: OnProgress<'_>,
    cancel: &AtomicBool,
) -> Result<Restored, StoreError> {
    restore_until(data, id, snapshot_id, progress, cancel, Step::Done)
}

/// `restore`, stopping the swap before `stop` (tests: what a crash at that point leaves).
pub fn restore_until(
    data: &DataDir,
    id: &str,
    snapshot_id: &str,
    progress: OnProgress<'_>,
    cancel: &AtomicBool,
    stop: Step,
) -> Result<Restored, StoreError> {
    let t0 = Instant::now();
    let (_, paths) = container::load(data, id)?;
    let _busy = lock_busy(id, &paths, "restoring a snapshot")?;
    recover_locked(data, &paths)?;
    let info = manifest::read(&paths, snapshot_id)?;
    let store = Store::open(data)?;
    // Held while objects are read: gc must not take them meanwhile.
    let lock = store.lock_shared(cancel)?;
    let tree = load_tree(&store, &info.tree)?;

    let staged_name = format!(".layer-restore-{}", random_hex(4));
    let staged = paths.dir.join(&staged_name);
    let built = (|| -> Result<(), StoreError> {
        fs::DirBuilder::new()
            .mode(0o755)
            .create(&staged)
            .map_err(|e| StoreError::io(e, "create", &staged))?;
        let built = materialize(
            &store,
            &tree,
            &staged.join("upper"),
            &BuildOptions::for_this_process(),
            progress,
            cancel,
        )?;
        let work = staged.join("work");
        fs::DirBuilder::new()
            .mode(0o700)
            .create(&work)
            .map_err(|e| StoreError::io(e, "create", &work))?;
        let cache = store.put_bytes(&lock, &built.to_json())?;
        write_state(
            &staged,
            &LayerState {
                head: Some(info.id.clone()),
                tree: Some(hex(&cache)),
                trust_before: Some(Timestamp::now()),
            },
        )?;
        progress(Progress::at(Phase::Sync));
        store.sync(&lock)?;
        // The built layer must be on disk before the intent commits to it.
        sys::syncfs(&staged).map_err(|e| StoreError::io(e, "sync", &staged))?;
        if cancel.load(Ordering::Relaxed) {
            return Err(StoreError::Canceled);
        }
        Ok(())
    })();
    if let Err(e) = built {
        let _ = remove_tree(&staged);
        return Err(e);
    }

    progress(Progress::at(Phase::Swap));
    let layer = paths.dir.join("layer");
    let intent = Intent {
        op: "restore".into(),
        staged: staged_name,
        staged_ino: ino_of(&staged)?,
        layer_ino: ino_of(&layer)?,
        freeze: None,
        clone_staging: None,
        clone_id: None,
    };
    swap::commit_until(data, &paths, &intent, stop)?;
    progress(Progress {
        files_done: info.files,
        files_total: info.files,
        bytes_done: info.bytes,
        bytes_total: info.bytes,
        ..Progress::at(Phase::Done)
    });
    Ok(Restored {
        files: info.files,
        bytes: info.bytes,
        snapshot: info,
        duration_ms: t0.elapsed().as_millis() as u64,
    })
}
