//! Snapshot manifests: `<container>/snapshots/<NNN>-<label>.json`, one small JSON file per
//! snapshot naming its tree object in the content store.
//!
//! ```json
//! {"id":"001-post-install","seq":1,"label":"post-install","createdAt":"2024-05-01T12:00:00.000Z",
//!  "tree":"<64 hex>","files":3,"bytes":1726000,"entries":21,"parent":"000-base",
//!  "scannedAt":[1714564800,0],"formatVersion":1}
//! ```

use std::fs;
use std::io::ErrorKind;

use serde::{Deserialize, Serialize};

use crate::container::files::{fsync_dir, write_atomic};
use crate::container::ContainerPaths;
use crate::store::StoreError;
use crate::walk::Timestamp;

/// The manifest format this code writes and reads.
pub const SNAPSHOT_FORMAT_VERSION: u32 = 1;
/// Longest label.
pub const MAX_LABEL_LEN: usize = 48;

/// One snapshot of a container's layer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotInfo {
    /// `<seq, 3+ digits>-<label>`, e.g. `001-post-install`; the manifest's file name.
    pub id: String,
    pub seq: u32,
    pub label: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// The tree manifest object (walk::Tree JSON) in the content store, hex.
    pub tree: String,
    /// Regular files (whiteouts excluded) and their bytes.
    pub files: u64,
    pub bytes: u64,
    /// Every entry: files, directories, symlinks, whiteouts...
    pub entries: u64,
    /// The snapshot the layer descended from when this one was taken: the previous one taken,
    /// or the one last restored. None for the first.
    pub parent: Option<String>,
    /// When the layer scan began; a later snapshot trusts this one's stat data only for files
    /// last changed before it.
    pub scanned_at: Timestamp,
    pub format_version: u32,
}

/// 1-48 characters of `[A-Za-z0-9._-]`, starting with a letter or digit.
pub fn validate_label(label: &str) -> Result<(), StoreError> {
    let ok = !label.is_empty()
        && label.len() <= MAX_LABEL_LEN
        && label.as_bytes()[0].is_ascii_alphanumeric()
        && label
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c));
    if ok {
        Ok(())
    } else {
        Err(StoreError::Invalid(format!(
            "a snapshot label must be 1-{MAX_LABEL_LEN} characters of [A-Za-z0-9._-] starting with a letter or digit, got {label:?}"
        )))
    }
}

/// Split a snapshot id into its sequence number and label; EINVAL when it is not one.
pub fn parse_id(id: &str) -> Result<(u32, &str), StoreError> {
    let bad = || StoreError::Invalid(format!("{id:?} is not a snapshot id like 001-post-install"));
    let (num, label) = id.split_once('-').ok_or_else(bad)?;
    if num.len() < 3 || !num.bytes().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    let seq: u32 = num.parse().map_err(|_| bad())?;
    validate_label(label).map_err(|_| bad())?;
    if format_id(seq, label) != id {
        return Err(bad());
    }
    Ok((seq, label))
}

/// The id of snapshot number `seq` labelled `label`.
pub fn format_id(seq: u32, label: &str) -> String {
    format!("{seq:03}-{label}")
}

fn not_found(paths: &ContainerPaths, id: &str) -> StoreError {
    StoreError::SnapshotNotFound(format!(
        "container {} has no snapshot {id:?}",
        paths
            .dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    ))
}

/// Read one manifest; ENOTFOUND_SNAPSHOT when there is none with this id.
pub fn read(paths: &ContainerPaths, id: &str) -> Result<SnapshotInfo, StoreError> {
    if parse_id(id).is_err() {
        return Err(not_found(paths, id));
    }
    let path = paths.snapshots().join(format!("{id}.json"));
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(not_found(paths, id)),
        Err(e) => return Err(StoreError::io(e, "read", &path)),
    };
    parse(&bytes, id, &path.display().to_string())
}

fn parse(bytes: &[u8], id: &str, shown: &str) -> Result<SnapshotInfo, StoreError> {
    let info: SnapshotInfo = serde_json::from_slice(bytes).map_err(|e| {
        StoreError::Corrupt(format!("snapshot manifest {shown} is unreadable: {e}"))
    })?;
    if info.format_version != SNAPSHOT_FORMAT_VERSION {
        return Err(StoreError::Invalid(format!(
            "snapshot manifest {shown} has format version {} (this Orbit reads {SNAPSHOT_FORMAT_VERSION})",
            info.format_version
        )));
    }
    if info.id != id || crate::walk::from_hex(&info.tree).is_none() {
        return Err(StoreError::Corrupt(format!(
            "snapshot manifest {shown} does not describe snapshot {id}"
        )));
    }
    Ok(info)
}

/// Every snapshot of a container, oldest (lowest sequence number) first. Any manifest that does
/// not read fails the listing (ECORRUPT): gc relies on it to know every referenced object.
pub fn list(paths: &ContainerPaths) -> Result<Vec<SnapshotInfo>, StoreError> {
    let dir = paths.snapshots();
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(e, "list", &dir)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| StoreError::io(e, "list", &dir))?;
        let name = entry.file_name();
        let Some(id) = name.to_str().and_then(|n| n.strip_suffix(".json")) else {
            continue;
        };
        if parse_id(id).is_err() {
            continue;
        }
        let path = entry.path();
        let bytes = fs::read(&path).map_err(|e| StoreError::io(e, "read", &path))?;
        out.push(parse(&bytes, id, &path.display().to_string())?);
    }
    out.sort_by_key(|s| s.seq);
    Ok(out)
}

/// The next sequence number: one past the highest in use.
pub fn next_seq(existing: &[SnapshotInfo]) -> u32 {
    existing.iter().map(|s| s.seq + 1).max().unwrap_or(0)
}

/// Write a manifest atomically (temp + fsync + rename + fsync of the directory).
pub fn write(paths: &ContainerPaths, info: &SnapshotInfo) -> Result<(), StoreError> {
    let dir = paths.snapshots();
    fs::create_dir_all(&dir).map_err(|e| StoreError::io(e, "create", &dir))?;
    let path = dir.join(format!("{}.json", info.id));
    let json = serde_json::to_vec_pretty(info).map_err(crate::error::CoreError::from)?;
    write_atomic(&path, &json, 0o644).map_err(|e| StoreError::io(e, "write", &path))
}

/// Remove a manifest (its objects go at the next gc unless another snapshot shares them).
pub fn remove(paths: &ContainerPaths, id: &str) -> Result<(), StoreError> {
    read(paths, id)?;
    let dir = paths.snapshots();
    let path = dir.join(format!("{id}.json"));
    fs::remove_file(&path).map_err(|e| StoreError::io(e, "remove", &path))?;
    fsync_dir(&dir).map_err(|e| StoreError::io(e, "sync", &dir))
}
