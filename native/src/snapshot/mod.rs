//! Snapshots of a container's layer (registry hives included), kept in the content store.
//!
//! - `create`: scan the layer, store new content, write `snapshots/<NNN>-<label>.json`;
//!   an unchanged layer costs stat calls only (see `create`);
//! - `list`, `get`, `delete` (`delete` drops the manifest; `gc` reclaims what nothing needs);
//! - `diff`: files and registry between two snapshots;
//! - `restore`: build the snapshot's layer beside the current one, swap atomically (`swap`);
//! - `recover`: finish or clean up a swap a crash interrupted;
//! - `gc`: mark and sweep under the store's exclusive lock;
//! - `materialize`: build a layer directory from a tree manifest (restore; imports);
//! - `layer`: the layer folder's own files (frozen layers of a clone, stat cache).
//!
//! Every operation that changes a layer takes the container's busy lock (ERUNNING while it
//! runs), then finishes any interrupted swap before it starts.

mod create;
mod diff;
#[cfg(test)]
mod fault_tests;
pub mod flatten;
mod gc;
mod ingest;
pub mod layer;
pub mod manifest;
pub mod materialize;
pub mod progress;
mod restore;
pub mod swap;
#[cfg(test)]
mod tests;
#[cfg(test)]
pub(crate) mod testutil;

pub use create::{create, Created};
pub use diff::{diff, FileChange, FileChanges, FileInfo, SnapshotDiff};
pub use gc::{gc, GcReport};
pub use ingest::{ingest, Ingested};
pub use manifest::{SnapshotInfo, SNAPSHOT_FORMAT_VERSION};
pub use materialize::{materialize, BuildOptions};
pub use progress::{OnProgress, Phase, Progress};
pub use restore::{restore, restore_until, Restored};
pub use swap::{recover, recover_all, RecoveredContainer, Recovery};

use crate::container::{self, DataDir};
use crate::store::{parse_hash, Store, StoreError};
use crate::walk::Tree;

/// Every snapshot of container `id`, oldest first.
pub fn list(data: &DataDir, id: &str) -> Result<Vec<SnapshotInfo>, StoreError> {
    let (_, paths) = container::load(data, id)?;
    manifest::list(&paths)
}

/// One snapshot; ENOTFOUND_SNAPSHOT when the container has none with this id.
pub fn get(data: &DataDir, id: &str, snapshot_id: &str) -> Result<SnapshotInfo, StoreError> {
    let (_, paths) = container::load(data, id)?;
    manifest::read(&paths, snapshot_id)
}

/// Delete a snapshot's manifest. Its objects stay until `gc` finds nothing else needs them.
pub fn delete(data: &DataDir, id: &str, snapshot_id: &str) -> Result<(), StoreError> {
    let (_, paths) = container::load(data, id)?;
    manifest::remove(&paths, snapshot_id)
}

/// The tree manifest object `tree_hex` from the store, verified (ECORRUPT when damaged or gone).
pub fn load_tree(store: &Store, tree_hex: &str) -> Result<Tree, StoreError> {
    let hash = parse_hash(tree_hex)?;
    let bytes = store.read_object(&hash).map_err(|e| match e {
        StoreError::ObjectNotFound(m) => {
            StoreError::Corrupt(format!("{m}: the snapshot's tree manifest is gone"))
        }
        other => other,
    })?;
    Tree::from_json(&bytes)
        .map_err(|e| StoreError::Corrupt(format!("tree manifest {tree_hex} is unreadable: {e}")))
}

/// The tree of one snapshot.
pub fn tree(data: &DataDir, id: &str, snapshot_id: &str) -> Result<Tree, StoreError> {
    let info = get(data, id, snapshot_id)?;
    load_tree(&Store::open(data)?, &info.tree)
}
