//! The importer's judgement of a manifest, made whole before anything is written: every path,
//! every entry kind, every blob reference and every cap. What passes is a `Plan` the unpacker
//! can execute without ever creating something outside its root or following a link.
//!
//! Path rules (EUNSAFE_PATH): relative; '/'-separated components that are not empty, `.` or
//! `..`; no NUL, no backslash, no control character; at most 255 bytes per component, 4096
//! per path and 256 components; every parent is a directory entry of the same tree (never a
//! symlink, a file or a whiteout); and no two paths of a tree are equal after Unicode NFC
//! normalisation and case folding (lowercase of uppercase, then NFC again). Windows, and Wine's
//! view of the prefix, treat such names as one file; on a case-insensitive or normalising
//! file system they would even be one file, which is how path-reservation checks were bypassed
//! (node-tar). Refusing them keeps "one name, one file" true everywhere.
//!
//! Entry rules (EUNSAFE_ENTRY): kinds file, dir, symlink and whiteout only; hard links,
//! devices, fifos and sockets are refused; a symlink must resolve (lexically) inside its tree;
//! setuid, setgid, sticky and world-writable bits are stripped (and counted).

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use super::error::{PackError, Result};
use super::manifest::{ArchiveEntry, ArchiveManifest, Totals, MANIFEST_VERSION};
use crate::walk::{self, Timestamp};

/// Caps an import enforces (ETOO_LARGE past them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Total bytes of content the archive may unpack to.
    pub max_bytes: u64,
    /// Entries of all trees together.
    pub max_entries: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 256 << 30,
            max_entries: 2_000_000,
        }
    }
}

/// Permission bits an import never recreates.
pub const STRIPPED_BITS: u32 = libc::S_ISUID | libc::S_ISGID | libc::S_ISVTX | libc::S_IWOTH;

const MAX_PATH: usize = 4096;
const MAX_COMPONENT: usize = 255;
const MAX_DEPTH: usize = 256;
const MAX_TARGET: usize = 4095;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NodeKind {
    /// A regular file whose content is blob `blob`.
    File {
        blob: usize,
    },
    Dir {
        opaque: bool,
    },
    Symlink {
        target: String,
    },
    Whiteout,
}

/// One entry the unpacker may create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node {
    pub path: String,
    pub kind: NodeKind,
    /// Permission bits, already stripped.
    pub mode: u32,
    pub size: u64,
    pub mtime: Timestamp,
}

/// A validated tree, sorted by path bytes (parents before children).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidTree {
    pub nodes: Vec<Node>,
    /// Entries whose setuid/setgid/sticky/world-writable bits were removed.
    pub stripped: u64,
}

/// A whole validated archive.
#[derive(Debug, Clone)]
pub struct Plan {
    pub layer: ValidTree,
    pub runtime: Option<ValidTree>,
    pub snapshots: Vec<ValidTree>,
    /// (hash, size) of each blob, in stream order.
    pub blobs: Vec<([u8; 32], u64)>,
}

fn unsafe_path(path: &str, why: &str) -> PackError {
    PackError::UnsafePath(format!("archive path {path:?} is refused: {why}"))
}

/// The rules one path must follow on its own (see the module docs).
pub fn check_path(path: &str) -> Result<()> {
    if path.is_empty() {
        return Err(unsafe_path(path, "empty path"));
    }
    if path.starts_with('/') {
        return Err(unsafe_path(path, "absolute path"));
    }
    if path.contains('\0') {
        return Err(unsafe_path(path, "NUL byte"));
    }
    if path.contains('\\') {
        return Err(unsafe_path(path, "backslash (a Windows separator)"));
    }
    if path.chars().any(|c| c.is_control()) {
        return Err(unsafe_path(path, "control character"));
    }
    if path.len() > MAX_PATH {
        return Err(unsafe_path(path, "longer than 4096 bytes"));
    }
    let mut depth = 0;
    for c in path.split('/') {
        depth += 1;
        match c {
            "" => return Err(unsafe_path(path, "empty component")),
            "." | ".." => return Err(unsafe_path(path, "`.` or `..` component")),
            _ if c.len() > MAX_COMPONENT => {
                return Err(unsafe_path(path, "a component longer than 255 bytes"))
            }
            _ => {}
        }
    }
    if depth > MAX_DEPTH {
        return Err(unsafe_path(path, "more than 256 components"));
    }
    Ok(())
}

/// The key two paths share when Windows (or a case-insensitive, normalising file system) would
/// see one file: NFC, then lowercase of uppercase, then NFC again.
pub fn collision_key(path: &str) -> String {
    let folded: String = path
        .nfc()
        .flat_map(char::to_uppercase)
        .flat_map(char::to_lowercase)
        .collect();
    folded.nfc().collect()
}

fn parent(path: &str) -> Option<&str> {
    path.rfind('/').map(|i| &path[..i])
}

fn parse_hash(s: &str) -> Option<[u8; 32]> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        return None;
    }
    walk::from_hex(s)
}

/// Validate one tree against the blob table. `what` names the tree in messages.
pub fn check_tree(
    entries: &[ArchiveEntry],
    blobs: &HashMap<[u8; 32], (usize, u64)>,
    used: &mut [bool],
    what: &str,
) -> Result<ValidTree> {
    let mut sorted: Vec<&ArchiveEntry> = entries.iter().collect();
    sorted.sort_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
    let mut out = ValidTree::default();
    // Exact path -> is a directory; collision key -> the first path that had it.
    let mut dirs: HashMap<&str, bool> = HashMap::with_capacity(sorted.len());
    let mut keys: HashMap<String, &str> = HashMap::with_capacity(sorted.len());
    for e in sorted {
        let p = e.path.as_str();
        check_path(p)?;
        if dirs.contains_key(p) {
            return Err(unsafe_path(p, &format!("listed twice in the {what}")));
        }
        if let Some(first) = keys.insert(collision_key(p), p) {
            return Err(unsafe_path(
                p,
                &format!("same name as {first:?} ignoring case and Unicode normalisation"),
            ));
        }
        if let Some(dir) = parent(p) {
            match dirs.get(dir) {
                Some(true) => {}
                Some(false) => {
                    return Err(unsafe_path(
                        p,
                        &format!(
                            "its parent {dir:?} is not a directory (a symlink, file or whiteout)"
                        ),
                    ))
                }
                None => {
                    return Err(unsafe_path(
                        p,
                        &format!("its parent {dir:?} is not a directory of the {what}"),
                    ))
                }
            }
        }
        let node = check_entry(e, blobs, used)?;
        dirs.insert(p, matches!(node.kind, NodeKind::Dir { .. }));
        let has_mode = matches!(node.kind, NodeKind::File { .. } | NodeKind::Dir { .. });
        if has_mode && e.mode & STRIPPED_BITS != 0 {
            out.stripped += 1;
        }
        out.nodes.push(node);
    }
    Ok(out)
}

fn unsafe_entry(path: &str, why: impl std::fmt::Display) -> PackError {
    PackError::UnsafeEntry(format!("archive entry {path:?} is refused: {why}"))
}

fn bad(path: &str, why: &str) -> PackError {
    PackError::BadArchive(format!("archive entry {path:?} is malformed: {why}"))
}

fn check_entry(
    e: &ArchiveEntry,
    blobs: &HashMap<[u8; 32], (usize, u64)>,
    used: &mut [bool],
) -> Result<Node> {
    let p = e.path.as_str();
    if e.mode & !0o7777 != 0 {
        return Err(unsafe_entry(
            p,
            format!("mode {:o} carries file type bits", e.mode),
        ));
    }
    let none_of = |hash: bool, target: bool, opaque: bool| -> Result<()> {
        if hash && e.hash.is_some() {
            return Err(bad(p, "only files have a hash"));
        }
        if target && e.link_target.is_some() {
            return Err(bad(p, "only symlinks have a target"));
        }
        if opaque && e.opaque {
            return Err(bad(p, "only directories are opaque"));
        }
        Ok(())
    };
    let kind = match e.kind.as_str() {
        "file" => {
            if e.link_target.is_some() {
                return Err(unsafe_entry(
                    p,
                    "a file with a link target (hard links are not allowed)",
                ));
            }
            none_of(false, true, true)?;
            let hash = e
                .hash
                .as_deref()
                .and_then(parse_hash)
                .ok_or_else(|| bad(p, "a file needs a 64-digit lowercase hex hash"))?;
            let (index, size) = *blobs
                .get(&hash)
                .ok_or_else(|| bad(p, "its content is not in the archive's blob list"))?;
            if size != e.size {
                return Err(bad(p, "its size disagrees with its content blob"));
            }
            used[index] = true;
            NodeKind::File { blob: index }
        }
        "dir" => {
            none_of(true, true, false)?;
            if e.size != 0 {
                return Err(bad(p, "a directory has size 0"));
            }
            NodeKind::Dir { opaque: e.opaque }
        }
        "symlink" => {
            none_of(true, false, true)?;
            let target = e
                .link_target
                .clone()
                .ok_or_else(|| bad(p, "a symlink needs a target"))?;
            if target.is_empty() || target.len() > MAX_TARGET || target.contains('\0') {
                return Err(unsafe_entry(
                    p,
                    "symlink target empty, too long or with NUL",
                ));
            }
            if e.size != target.len() as u64 {
                return Err(bad(p, "a symlink's size is its target's length"));
            }
            if !crate::runtime::sanitize::stays_inside(
                std::path::Path::new(p),
                std::path::Path::new(&target),
            ) {
                return Err(unsafe_entry(
                    p,
                    format!("symlink to {target:?} leads outside the tree"),
                ));
            }
            NodeKind::Symlink { target }
        }
        "whiteout" => {
            none_of(true, true, true)?;
            if e.size != 0 {
                return Err(bad(p, "a whiteout has size 0"));
            }
            NodeKind::Whiteout
        }
        "hardlink" | "link" => {
            return Err(unsafe_entry(
                p,
                format!(
                    "hard links are not allowed (to {:?})",
                    e.link_target.as_deref().unwrap_or("?")
                ),
            ))
        }
        k @ ("chardev" | "blockdev" | "device" | "fifo" | "socket") => {
            return Err(unsafe_entry(
                p,
                format!("{k} entries are not allowed (only overlay whiteouts)"),
            ))
        }
        other => return Err(bad(p, &format!("unknown kind {other:?}"))),
    };
    let mode = if matches!(kind, NodeKind::Whiteout | NodeKind::Symlink { .. }) {
        0
    } else {
        e.mode & 0o7777 & !STRIPPED_BITS
    };
    Ok(Node {
        path: e.path.clone(),
        kind,
        mode,
        size: e.size,
        mtime: e.mtime,
    })
}

/// An id or name from the archive that becomes a path component here.
fn archive_name(what: &str, name: &str) -> Result<()> {
    crate::container::paths::validate_id(what, name).map_err(|e| {
        PackError::BadArchive(format!(
            "archive {}",
            crate::error::CoreError::from(e).message
        ))
    })
}

/// Validate the whole manifest against `limits` and `signer` (the header's key, hex).
pub fn check_manifest(m: &ArchiveManifest, signer: &str, limits: &Limits) -> Result<Plan> {
    if m.format_version != MANIFEST_VERSION {
        return Err(PackError::BadVersion(format!(
            "archive manifest version {} is not supported (this Orbit reads {MANIFEST_VERSION})",
            m.format_version
        )));
    }
    if m.signer != signer {
        return Err(PackError::BadArchive(
            "the manifest names another signer than the header".into(),
        ));
    }
    // Counts first: nothing below may spend time or memory on an oversized archive.
    let runtime_len = m
        .runtime
        .as_ref()
        .and_then(|r| r.prefix.as_ref())
        .map_or(0, Vec::len);
    let entries =
        m.layer.len() + runtime_len + m.snapshots.iter().map(|s| s.tree.len()).sum::<usize>();
    if entries as u64 > limits.max_entries || m.blobs.len() as u64 > limits.max_entries {
        return Err(PackError::TooLarge(format!(
            "the archive holds {entries} entries, over the cap of {}",
            limits.max_entries
        )));
    }
    let mut bytes = 0u64;
    let mut table: HashMap<[u8; 32], (usize, u64)> = HashMap::with_capacity(m.blobs.len());
    let mut blobs = Vec::with_capacity(m.blobs.len());
    for (i, b) in m.blobs.iter().enumerate() {
        let hash = parse_hash(&b.hash)
            .ok_or_else(|| PackError::BadArchive(format!("blob {i} has no valid hash")))?;
        if table.insert(hash, (i, b.size)).is_some() {
            return Err(PackError::BadArchive(format!(
                "blob {} is listed twice",
                b.hash
            )));
        }
        bytes = bytes
            .checked_add(b.size)
            .filter(|n| *n <= limits.max_bytes)
            .ok_or_else(|| {
                PackError::TooLarge(format!(
                    "the archive unpacks to more than the cap of {} bytes",
                    limits.max_bytes
                ))
            })?;
        blobs.push((hash, b.size));
    }
    let mut used = vec![false; blobs.len()];
    let layer = check_tree(&m.layer, &table, &mut used, "layer")?;
    let runtime = match &m.runtime {
        Some(r) => {
            archive_name("runtime id", &r.id)?;
            match (&r.prefix, r.included) {
                (Some(prefix), true) => Some(check_tree(prefix, &table, &mut used, "runtime")?),
                (None, false) => None,
                _ => {
                    return Err(PackError::BadArchive(
                        "runtime.included disagrees with runtime.prefix".into(),
                    ))
                }
            }
        }
        None => None,
    };
    let mut snapshots = Vec::with_capacity(m.snapshots.len());
    let mut names = std::collections::HashSet::new();
    for s in &m.snapshots {
        crate::snapshot::manifest::parse_id(&s.name).map_err(|_| {
            PackError::BadArchive(format!(
                "archive snapshot name {:?} is not a snapshot id",
                s.name
            ))
        })?;
        if !names.insert(s.name.as_str()) {
            return Err(PackError::BadArchive(format!(
                "snapshot {} is listed twice",
                s.name
            )));
        }
        let what = format!("snapshot {}", s.name);
        snapshots.push(check_tree(&s.tree, &table, &mut used, &what)?);
    }
    if let Some(i) = used.iter().position(|u| !u) {
        return Err(PackError::BadArchive(format!(
            "blob {} is not used by any entry",
            m.blobs[i].hash
        )));
    }
    let files = [&layer]
        .into_iter()
        .chain(runtime.iter())
        .chain(snapshots.iter())
        .flat_map(|t| t.nodes.iter())
        .filter(|n| matches!(n.kind, NodeKind::File { .. }))
        .count() as u64;
    let expected = Totals {
        entries: entries as u64,
        files,
        blobs: blobs.len() as u64,
        bytes,
    };
    if m.totals != expected {
        return Err(PackError::BadArchive(format!(
            "the manifest's totals {:?} disagree with its contents {expected:?}",
            m.totals
        )));
    }
    Ok(Plan {
        layer,
        runtime,
        snapshots,
        blobs,
    })
}
