//! The archive manifest: what a .ctnr holds, in JSON. It is signed (and encrypted with the
//! content when a passphrase is set), and the importer validates all of it before it writes a
//! byte (see validate.rs).
//!
//! Trees are stored as portable entries: only what another machine can reproduce (no inode,
//! device or ctime), with the entry's kind spelled out so that a refused kind (a hard link, a
//! device) is named in the error instead of failing as unreadable JSON.

use serde::{Deserialize, Serialize};

use super::error::{PackError, Result};
use crate::walk::{self, Entry, Kind, Timestamp};

/// The manifest format this code writes and reads.
pub const MANIFEST_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArchiveManifest {
    pub format_version: u32,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// The signer's public key (hex); equals the header's.
    pub signer: String,
    pub container: ContainerPart,
    /// The container's layer (`layer/upper`), sorted by path bytes.
    pub layer: Vec<ArchiveEntry>,
    /// The base runtime the container needs (None for a native container).
    pub runtime: Option<RuntimePart>,
    /// Snapshots carried along (empty: only the current state).
    #[serde(default)]
    pub snapshots: Vec<SnapshotPart>,
    /// The content stream: each distinct file content once, in this order.
    pub blobs: Vec<Blob>,
    pub totals: Totals,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ContainerPart {
    /// container.yml as it was on the exporting machine.
    pub yaml: String,
    /// manifest.json of the captured install, if any.
    #[serde(default)]
    pub capture_manifest: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RuntimePart {
    pub id: String,
    pub wine_version: String,
    /// The runtime's content hash (see runtime::content).
    pub hash: String,
    /// Whether the runtime's files are in this archive (`prefix`), or only named.
    pub included: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<Vec<ArchiveEntry>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SnapshotPart {
    pub name: String,
    /// What the snapshot module records beside the tree (label, time...), kept as it is.
    #[serde(default)]
    pub meta: serde_json::Value,
    pub tree: Vec<ArchiveEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Blob {
    /// BLAKE3, lowercase hex.
    pub hash: String,
    pub size: u64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Totals {
    /// Entries of every tree.
    pub entries: u64,
    /// Regular files of every tree.
    pub files: u64,
    pub blobs: u64,
    /// Length of the uncompressed content stream (the sum of the blob sizes).
    pub bytes: u64,
}

/// One entry of a tree, as it travels.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ArchiveEntry {
    pub path: String,
    /// "file", "dir", "symlink" or "whiteout" (an overlayfs whiteout, made as a 0:0 character
    /// device). Anything else is refused on import.
    pub kind: String,
    /// Permission bits only (type bits are in `kind`).
    pub mode: u32,
    /// Bytes of a file; length of a symlink's target; 0 otherwise.
    pub size: u64,
    pub mtime: Timestamp,
    /// BLAKE3 of a file's content, lowercase hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    /// An overlayfs opaque directory.
    #[serde(default, skip_serializing_if = "is_false")]
    pub opaque: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Why an entry of a scanned tree is left out of an export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skipped {
    pub path: String,
    pub reason: String,
}

impl ArchiveEntry {
    /// The portable form of a scanned entry; Err(reason) for what an archive never carries.
    pub fn from_scanned(e: &Entry) -> std::result::Result<ArchiveEntry, String> {
        let perm = e.mode & 0o7777;
        let mut out = ArchiveEntry {
            path: e.path.clone(),
            kind: String::new(),
            mode: perm,
            size: 0,
            mtime: e.mtime,
            hash: None,
            link_target: None,
            opaque: false,
        };
        match (e.kind, e.whiteout) {
            // xattr whiteouts (files) and 0:0 devices mean the same to overlayfs.
            (Kind::File, true) | (Kind::Other, true) => {
                out.kind = "whiteout".into();
                out.mode = 0;
            }
            (Kind::File, false) => {
                out.kind = "file".into();
                out.size = e.size;
                out.hash = Some(
                    e.hash_hex()
                        .ok_or_else(|| "the file was not hashed".to_string())?,
                );
            }
            (Kind::Dir, _) => {
                out.kind = "dir".into();
                out.opaque = e.opaque;
            }
            (Kind::Symlink, _) => {
                let target = e.link_target.clone().unwrap_or_default();
                if !crate::runtime::sanitize::stays_inside(
                    std::path::Path::new(&e.path),
                    std::path::Path::new(&target),
                ) {
                    return Err(format!("symlink to {target:?} leads out of the prefix"));
                }
                out.kind = "symlink".into();
                out.size = target.len() as u64;
                out.link_target = Some(target);
            }
            (Kind::Other, false) => {
                return Err(format!(
                    "a {} cannot be carried in an archive",
                    special_name(e.mode)
                ))
            }
        }
        Ok(out)
    }

    /// Back to a walk entry (no machine fields), e.g. to compute a runtime's content hash.
    pub fn to_walk_entry(&self) -> Result<Entry> {
        let (kind, type_bits, whiteout, rdev) = match self.kind.as_str() {
            "file" => (Kind::File, libc::S_IFREG, false, None),
            "dir" => (Kind::Dir, libc::S_IFDIR, false, None),
            "symlink" => (Kind::Symlink, libc::S_IFLNK, false, None),
            "whiteout" => (Kind::Other, libc::S_IFCHR, true, Some(0)),
            other => {
                return Err(PackError::UnsafeEntry(format!(
                    "{}: entries of kind {other:?} are not allowed",
                    self.path
                )))
            }
        };
        Ok(Entry {
            path: self.path.clone(),
            kind,
            mode: type_bits | self.mode,
            size: self.size,
            mtime: self.mtime,
            ctime: Timestamp::default(),
            ino: 0,
            dev: 0,
            nlink: 1,
            rdev,
            link_target: self.link_target.clone(),
            hash: self.hash.as_deref().and_then(walk::from_hex),
            whiteout,
            opaque: self.opaque,
        })
    }
}

/// "fifo", "socket", "character device"... from the type bits of a mode.
pub fn special_name(mode: u32) -> &'static str {
    match mode & libc::S_IFMT {
        libc::S_IFIFO => "fifo",
        libc::S_IFSOCK => "socket",
        libc::S_IFCHR => "character device",
        libc::S_IFBLK => "block device",
        _ => "special file",
    }
}

/// Portable entries of a scanned tree, and what was left out and why.
pub fn portable(tree: &walk::Tree) -> (Vec<ArchiveEntry>, Vec<Skipped>) {
    let mut out = Vec::with_capacity(tree.len());
    let mut skipped = Vec::new();
    let mut skipped_dirs: Vec<String> = Vec::new();
    for e in tree.entries() {
        // Nothing under a skipped entry is kept either (sorted order: parents come first).
        if skipped_dirs.iter().any(|d| walk::is_under(&e.path, d)) {
            continue;
        }
        match ArchiveEntry::from_scanned(e) {
            Ok(a) => out.push(a),
            Err(reason) => {
                skipped_dirs.push(e.path.clone());
                skipped.push(Skipped {
                    path: e.path.clone(),
                    reason,
                });
            }
        }
    }
    (out, skipped)
}
