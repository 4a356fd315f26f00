//! A container's C: drive as its programs see it, read from outside without mounting anything:
//! the merged view of its layer roots (`layer/upper`, a clone's frozen layers, then the base
//! runtime's prefix), honouring overlayfs whiteouts and opaque directories.
//!
//! The layers may be written by a running program while they are read, so every step is anchored
//! on an opened directory (`/proc/self/fd/N/<name>`, never a path re-walked from the root) and no
//! symlink is followed by the kernel. A symlink inside the C: drive is followed by hand, in the
//! merged view, only while it stays on the C: drive: an absolute target or one that climbs out of
//! `drive_c` is EOUTSIDE.

mod merged;
mod winpath;

#[cfg(test)]
mod tests;

use std::path::PathBuf;

use serde::Serialize;

use crate::container::{self, DataDir};
use crate::error::{CoreError, Result};
use crate::snapshot::layer;
use crate::store::Store;

pub use merged::Origin;
pub use winpath::parse as parse_windows_path;

/// One entry of a folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileEntry {
    pub name: String,
    /// "file", "dir" or "link" (fifos, sockets and devices are left out).
    pub kind: &'static str,
    /// Bytes (for a link: the length of its target).
    pub size: u64,
    /// Milliseconds since the epoch.
    pub mtime: f64,
    /// A link's target, as stored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Whether the container wrote it (its layer) or it comes from the base runtime.
    pub origin: Origin,
}

/// A folder's merged contents, sorted by name.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Listing {
    /// The folder's Windows path with the names as stored (links followed).
    pub path: String,
    pub entries: Vec<FileEntry>,
}

/// One regular file, resolved to where its bytes are.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResolvedFile {
    /// The file's Windows path with the names as stored (links followed).
    pub path: String,
    /// The host path of the layer file that holds its bytes.
    pub real_path: String,
    pub size: u64,
    pub mtime: f64,
    /// Identity of the file seen (decimal), so a reader that opens `real_path` can check it got
    /// that very file.
    pub dev: String,
    pub ino: String,
    pub origin: Origin,
}

/// The directories container `id`'s prefix stacks, top first, with where each comes from.
pub fn roots(data: &DataDir, id: &str) -> Result<Vec<(PathBuf, Origin)>> {
    let (config, paths) = container::load(data, id)?;
    let store = Store::open(data)?;
    let mut roots: Vec<(PathBuf, Origin)> = layer::layer_roots(&store, &paths)?
        .into_iter()
        .map(|r| (r, Origin::Container))
        .collect();
    if let Some(prefix) = layer::runtime_prefix(data, &config)? {
        roots.push((prefix, Origin::Runtime));
    }
    Ok(roots)
}

/// The folder at Windows path `path` (e.g. `C:\Program Files`) of container `id`.
pub fn list(data: &DataDir, id: &str, path: &str) -> Result<Listing> {
    let names = winpath::parse(path)?;
    merged::View::open(&roots(data, id)?)?.list(&names)
}

/// The regular file at Windows path `path` of container `id`.
pub fn resolve(data: &DataDir, id: &str, path: &str) -> Result<ResolvedFile> {
    let names = winpath::parse(path)?;
    merged::View::open(&roots(data, id)?)?.resolve(&names)
}

pub(crate) fn outside(message: impl Into<String>) -> CoreError {
    CoreError::new("EOUTSIDE", message)
}

pub(crate) fn not_found(message: impl Into<String>) -> CoreError {
    CoreError::new("ENOTFOUND_FILE", message)
}
