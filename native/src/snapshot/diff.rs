//! What changed between two snapshots of a container: files (the container's merged view over
//! its runtime, as the app sees it) and registry keys and values (the hives of each snapshot,
//! read from the store, falling back to the runtime's where the layer had none).

use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::layer::runtime_prefix;
use super::load_tree;
use super::manifest;
use crate::capture::RegistryChanges;
use crate::container::{self, DataDir, RuntimeKind};
use crate::registry::{self, Hive, HiveId, HiveSet};
use crate::store::{Store, StoreError};
use crate::walk::{self, Entry, Kind, Reason, Tree};

/// One path as a diff shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileInfo {
    /// Relative to the prefix, e.g. `drive_c/Program Files/Acme/acme.exe`.
    pub path: String,
    pub kind: Kind,
    pub size: u64,
    pub mode: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
}

impl From<&Entry> for FileInfo {
    fn from(e: &Entry) -> FileInfo {
        FileInfo {
            path: e.path.clone(),
            kind: e.kind,
            size: e.size,
            mode: e.mode,
            hash: e.hash_hex(),
            link_target: e.link_target.clone(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileChange {
    pub path: String,
    pub reasons: Vec<Reason>,
    pub before: FileInfo,
    pub after: FileInfo,
}

/// Sorted by path; directories are listed too (`kind: "dir"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileChanges {
    pub added: Vec<FileInfo>,
    pub changed: Vec<FileChange>,
    pub removed: Vec<FileInfo>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotDiff {
    pub from: String,
    pub to: String,
    pub files: FileChanges,
    /// Without the machine noise a capture leaves out too (see capture::noise).
    pub registry: RegistryChanges,
}

/// The three hives as of `tree` (None when a hive exists nowhere, e.g. a native container).
fn hives(store: &Store, tree: &Tree, lower: Option<&Path>) -> Result<Option<HiveSet>, StoreError> {
    let mut got = Vec::new();
    for id in HiveId::ALL {
        let name = id.file_name();
        let bytes = match tree.get(name) {
            Some(e) if e.kind == Kind::File && !e.whiteout => {
                let hash = e
                    .hash
                    .ok_or_else(|| StoreError::Corrupt(format!("{name} has no hash")))?;
                store.read_object(&hash)?
            }
            Some(_) => return Ok(None),
            None => match lower.map(|l| l.join(name)) {
                Some(p) if p.is_file() => {
                    fs::read(&p).map_err(|e| StoreError::io(e, "read", &p))?
                }
                _ => return Ok(None),
            },
        };
        got.push(Hive::parse(&bytes)?);
    }
    let mut it = got.into_iter();
    match (it.next(), it.next(), it.next()) {
        (Some(s), Some(u), Some(d)) => Ok(Some(HiveSet::from_hives(s, u, d))),
        _ => Ok(None),
    }
}

/// Compare snapshots `from` and `to` of container `id`.
pub fn diff(data: &DataDir, id: &str, from: &str, to: &str) -> Result<SnapshotDiff, StoreError> {
    let (config, paths) = container::load(data, id)?;
    let (a, b) = (manifest::read(&paths, from)?, manifest::read(&paths, to)?);
    let store = Store::open(data)?;
    let _lock = store.lock_shared(&AtomicBool::new(false))?;
    let (ta, tb) = (load_tree(&store, &a.tree)?, load_tree(&store, &b.tree)?);
    let lower_tree = match (config.runtime.kind, &config.runtime.id) {
        (RuntimeKind::Wine, Some(rt)) => crate::runtime::tree(data, rt)?,
        _ => Tree::default(),
    };
    let d = walk::diff(
        &walk::merge_overlay(&lower_tree, &ta),
        &walk::merge_overlay(&lower_tree, &tb),
    );
    let files = FileChanges {
        added: d.added.iter().map(FileInfo::from).collect(),
        changed: d
            .changed
            .iter()
            .map(|c| FileChange {
                path: c.path.clone(),
                reasons: c.reasons.clone(),
                before: FileInfo::from(&c.before),
                after: FileInfo::from(&c.after),
            })
            .collect(),
        removed: d.removed.iter().map(FileInfo::from).collect(),
    };
    let lower = runtime_prefix(data, &config)?;
    let reg = match (
        hives(&store, &ta, lower.as_deref())?,
        hives(&store, &tb, lower.as_deref())?,
    ) {
        (Some(x), Some(y)) => registry::diff_sets(&x, &y),
        _ => registry::RegDiff::default(),
    };
    Ok(SnapshotDiff {
        from: a.id,
        to: b.id,
        files,
        registry: RegistryChanges::from_diff(reg),
    })
}
