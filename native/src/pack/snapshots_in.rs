//! Snapshots carried in an archive, brought into this data dir: their contents go into a
//! content store inside the import's work folder (verified against their hash as they are
//! written), each tree becomes a tree object, and each snapshot a manifest in the new
//! container's `snapshots/`. Only when everything is verified are the objects moved (renamed,
//! then their directories synced) into the data dir's store, under its shared lock, which the
//! caller holds until the container that references them is in place: a failed import leaves
//! the data dir's store untouched, and a gc never sees the new objects unreferenced.

use std::io::{self, Read};
use std::sync::atomic::AtomicBool;

use super::chunks::from_io;
use super::error::{PackError, Result};
use super::manifest::{ArchiveEntry, SnapshotPart};
use super::unpack::{content_err, BlobSink};
use crate::container::ContainerPaths;
use crate::container::DataDir;
use crate::snapshot::manifest::{parse_id, write, SnapshotInfo, SNAPSHOT_FORMAT_VERSION};
use crate::store::{Store, StoreError, StoreLock};
use crate::walk::{self, Kind, Tree};

/// Writes blobs into the content store.
pub struct StoreSink<'a> {
    pub store: &'a Store,
    pub lock: &'a StoreLock,
    pub cancel: &'a AtomicBool,
}

fn store_err(e: StoreError) -> PackError {
    match e {
        StoreError::Corrupt(m) => PackError::Tampered(format!(
            "snapshot content does not match its hash in the signed manifest: {m}"
        )),
        other => other.into(),
    }
}

impl BlobSink for StoreSink<'_> {
    fn put(&mut self, hash: &[u8; 32], size: u64, data: &mut dyn Read) -> Result<()> {
        // Already here: the bytes are still read and checked, so the stream stays in step
        // and a wrong blob is still refused.
        if self.store.contains(hash, Some(size)) {
            let mut h = blake3::Hasher::new();
            let n = io::copy(data, &mut h).map_err(content_err)?;
            if n != size || h.finalize().as_bytes() != hash {
                return Err(PackError::Tampered(
                    "snapshot content does not match its hash in the signed manifest".into(),
                ));
            }
            return Ok(());
        }
        let mut w = self.store.writer(self.lock).map_err(store_err)?;
        let mut buf = vec![0u8; 256 * 1024];
        let mut total = 0u64;
        loop {
            let n = match data.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    return Err(match from_io(e) {
                        Ok(p) => p,
                        Err(e) => content_err(e),
                    })
                }
            };
            w.write_all_bytes(&buf[..n]).map_err(store_err)?;
            total += n as u64;
        }
        if total != size {
            return Err(PackError::Tampered(
                "the content ends before the last blob the manifest lists".into(),
            ));
        }
        w.finish(Some(hash)).map_err(store_err)?;
        let _ = self.cancel;
        Ok(())
    }
}

/// A tree of portable entries as the walk::Tree a snapshot stores.
fn tree_of(entries: &[ArchiveEntry]) -> Result<Tree> {
    let walked = entries
        .iter()
        .map(ArchiveEntry::to_walk_entry)
        .collect::<Result<Vec<_>>>()?;
    Ok(Tree::from_entries(walked)?)
}

/// Store each snapshot's tree and write its manifest into `paths` (the staged container).
/// Returns the snapshot ids, oldest first.
pub fn write_snapshots(
    store: &Store,
    lock: &StoreLock,
    parts: &[SnapshotPart],
    paths: &ContainerPaths,
) -> Result<Vec<String>> {
    let mut ids = Vec::with_capacity(parts.len());
    for part in parts {
        let bad = |m: &str| PackError::BadArchive(format!("snapshot {}: {m}", part.name));
        let mut info: SnapshotInfo = serde_json::from_value(part.meta.clone())
            .map_err(|e| bad(&format!("its description is not valid: {e}")))?;
        let (seq, label) = parse_id(&part.name).map_err(|_| bad("not a snapshot id"))?;
        if info.id != part.name || info.seq != seq || info.label != label {
            return Err(bad("its description names another snapshot"));
        }
        if info.format_version != SNAPSHOT_FORMAT_VERSION {
            return Err(PackError::BadVersion(format!(
                "snapshot {} has format version {} (this Orbit reads {SNAPSHOT_FORMAT_VERSION})",
                part.name, info.format_version
            )));
        }
        if let Some(parent) = &info.parent {
            if parse_id(parent).is_err() {
                return Err(bad("its parent is not a snapshot id"));
            }
        }
        let tree = tree_of(&part.tree)?;
        let hash = store.put_bytes(lock, &tree.to_json()).map_err(store_err)?;
        info.tree = walk::to_hex(&hash);
        info.files = tree
            .entries()
            .iter()
            .filter(|e| e.kind == Kind::File && !e.whiteout)
            .count() as u64;
        info.bytes = tree.file_bytes();
        info.entries = tree.len() as u64;
        write(paths, &info).map_err(store_err)?;
        ids.push(info.id);
    }
    Ok(ids)
}

/// Move the staged store's objects into the data dir's store (those it lacks), durably.
/// Returns the real store's shared lock, to hold until the container is in place.
pub fn move_objects(data: &DataDir, staged: &Store, cancel: &AtomicBool) -> Result<StoreLock> {
    let real = Store::open(data)?;
    let lock = real.lock_shared(cancel)?;
    let mut dirs = std::collections::BTreeSet::new();
    for (hash, size) in staged.objects()? {
        if real.contains(&hash, Some(size)) {
            continue;
        }
        let (from, to) = (staged.object_path(&hash), real.object_path(&hash));
        std::fs::rename(&from, &to).map_err(|e| PackError::io(e, "move into the store", &to))?;
        if let Some(d) = to.parent() {
            dirs.insert(d.to_path_buf());
        }
    }
    for d in dirs {
        crate::container::files::fsync_dir(&d).map_err(|e| PackError::io(e, "sync", &d))?;
    }
    Ok(lock)
}
