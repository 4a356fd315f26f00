//! Take a snapshot: scan the layer (stat calls), store what the stat cache cannot vouch for,
//! store the tree manifest, make the new objects durable, then commit the snapshot manifest.
//!
//! A snapshot of an unchanged layer reads no file: the previous scan's tree (named in
//! `layer/state.json`) proves every hash, its objects exist already, and the new tree manifest
//! is byte-identical to the previous one, so not even the tree object is written again.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde::Serialize;

use super::ingest::ingest;
use super::layer::{
    layer_dir, layer_roots, read_state, scan_roots, stat_cache, write_state, LayerState,
};
use super::manifest::{
    self, format_id, next_seq, validate_label, SnapshotInfo, SNAPSHOT_FORMAT_VERSION,
};
use super::progress::{OnProgress, Phase, Progress};
use super::swap::recover_locked;
use crate::container::files::now_rfc3339;
use crate::container::lock::lock_busy;
use crate::container::{self, DataDir};
use crate::store::{hex, Store, StoreError};
use crate::walk::Timestamp;

/// Progress reports at most this often.
const INTERVAL: Duration = Duration::from_millis(100);

/// A new snapshot and what taking it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Created {
    pub snapshot: SnapshotInfo,
    /// Files read because the stat cache could not vouch for them, and their bytes.
    pub files_read: u64,
    pub bytes_read: u64,
    /// Files whose hash the stat cache proved (not read).
    pub files_reused: u64,
    /// Objects the store did not have.
    pub objects_written: u64,
    pub duration_ms: u64,
    /// Of which making the new objects durable.
    pub sync_ms: u64,
}

/// Snapshot container `id`'s layer (registry hives included) under `label`. ERUNNING while the
/// container runs or another exclusive operation holds it.
pub fn create(
    data: &DataDir,
    id: &str,
    label: &str,
    progress: OnProgress<'_>,
    cancel: &AtomicBool,
) -> Result<Created, StoreError> {
    validate_label(label)?;
    let (_, paths) = container::load(data, id)?;
    let _busy = lock_busy(id, &paths, "taking a snapshot")?;
    recover_locked(data, &paths)?;
    let store = Store::open(data)?;
    // Held until the manifest is written: gc must not take the new objects meanwhile.
    let lock = store.lock_shared(cancel)?;
    let t0 = Instant::now();
    let started = Timestamp::now();
    let layer = layer_dir(&paths);
    let index = stat_cache(&store, &layer);

    progress(Progress::at(Phase::Scan));
    let scanned = scan_roots(
        layer_roots(&store, &paths)?,
        &|n| {
            progress(Progress {
                files_done: n,
                ..Progress::at(Phase::Scan)
            })
        },
        cancel,
    )?;
    let done = ingest(
        &store,
        &lock,
        scanned,
        index.as_ref(),
        INTERVAL,
        progress,
        cancel,
    )?;
    let tree_hash = store.put_bytes(&lock, &done.tree.to_json())?;

    progress(Progress::at(Phase::Sync));
    let t_sync = Instant::now();
    store.sync(&lock)?;
    let sync_ms = t_sync.elapsed().as_millis() as u64;

    let existing = manifest::list(&paths)?;
    let state = read_state(&layer);
    let seq = next_seq(&existing);
    let info = SnapshotInfo {
        id: format_id(seq, label),
        seq,
        label: label.to_string(),
        created_at: now_rfc3339(),
        tree: hex(&tree_hash),
        files: done
            .tree
            .entries()
            .iter()
            .filter(|e| e.kind == crate::walk::Kind::File && !e.whiteout)
            .count() as u64,
        bytes: done.tree.file_bytes(),
        entries: done.tree.len() as u64,
        parent: state.head.or_else(|| existing.last().map(|s| s.id.clone())),
        scanned_at: started,
        format_version: SNAPSHOT_FORMAT_VERSION,
    };
    manifest::write(&paths, &info)?;
    // Only a cache: a failure here costs the next snapshot a full read, not correctness.
    let _ = write_state(
        &layer,
        &LayerState {
            head: Some(info.id.clone()),
            tree: Some(info.tree.clone()),
            trust_before: Some(started),
        },
    );
    progress(Progress {
        files_done: done.files_read,
        files_total: done.files_read,
        bytes_done: done.bytes_read,
        bytes_total: done.bytes_read,
        ..Progress::at(Phase::Done)
    });
    Ok(Created {
        snapshot: info,
        files_read: done.files_read,
        bytes_read: done.bytes_read,
        files_reused: done.files_reused,
        objects_written: done.objects_written,
        duration_ms: t0.elapsed().as_millis() as u64,
        sync_ms,
    })
}
