//! manifest.json: what a captured install wrote (files, folders, registry keys and values,
//! entry points) and how the installer ran. `assemble` builds the content part from plain data
//! (tree manifests, a registry diff, a way to read shortcut files), so it is tested without
//! Wine; `install` adds the installer, container and runtime facts.

use serde::Serialize;

use super::entry_points::{entry_points, EntryPoint};
use super::noise::{
    is_excluded_key, is_excluded_path, is_excluded_value, EXCLUDED_KEYS, EXCLUDED_PATHS,
    EXCLUDED_VALUES,
};
use super::winpath::{shown, to_windows};
use crate::registry::{RegDiff, ValueAt, ValueChange};
use crate::walk::{self, Entry, Kind, Tree};

/// The manifest.json format this code writes.
pub const MANIFEST_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    pub format_version: u32,
    pub container_id: String,
    pub runtime: ManifestRuntime,
    /// RFC 3339 UTC, when the capture finished.
    pub captured_at: String,
    pub installer: InstallerInfo,
    pub files: Vec<FileChange>,
    pub directories: DirChanges,
    pub registry: RegistryChanges,
    pub entry_points: Vec<EntryPoint>,
    pub excluded: Excluded,
    pub summary: Summary,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ManifestRuntime {
    pub id: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallerInfo {
    /// File name as run inside (C:\windows\temp\orbit-install\<name>).
    pub name: String,
    /// "exe" or "msi" (run as `msiexec /i <file> /qn`).
    pub kind: String,
    pub size: u64,
    pub blake3: String,
    pub args: Vec<String>,
    /// Exit code of the installer (None if it was killed by a signal).
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeKind {
    Added,
    Changed,
    Removed,
}

/// One file, symlink or special file the install added, changed or removed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileChange {
    /// `C:\...`; None outside drive C.
    pub path: Option<String>,
    /// Relative to the prefix, '/'-separated (`drive_c/Program Files/...`).
    pub prefix_path: String,
    pub change: ChangeKind,
    /// "file", "symlink" or "other".
    pub kind: &'static str,
    /// Bytes now (before, for a removed entry).
    pub size: u64,
    /// BLAKE3 of the content (files only).
    pub blake3: Option<String>,
    /// Permission bits.
    pub mode: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
}

/// Folders added and removed (Windows paths where they are on drive C).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DirChanges {
    pub added: Vec<String>,
    pub removed: Vec<String>,
}

/// Registry keys and values added, changed and removed (full Windows key paths).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RegistryChanges {
    pub keys_added: Vec<String>,
    pub keys_removed: Vec<String>,
    pub values_added: Vec<ValueAt>,
    pub values_changed: Vec<ValueChange>,
    pub values_removed: Vec<ValueAt>,
}

impl RegistryChanges {
    /// A registry diff without what `noise` excludes.
    pub fn from_diff(d: RegDiff) -> RegistryChanges {
        let key_ok = |k: &String| !is_excluded_key(k);
        let value_ok = |v: &ValueAt| !is_excluded_key(&v.key) && !is_excluded_value(&v.value);
        RegistryChanges {
            keys_added: d.keys_added.into_iter().filter(key_ok).collect(),
            keys_removed: d.keys_removed.into_iter().filter(key_ok).collect(),
            values_added: d.values_added.into_iter().filter(value_ok).collect(),
            values_changed: d
                .values_changed
                .into_iter()
                // Dropped: changes under an excluded key, and host paths replaced by host paths.
                .filter(|c| {
                    !(is_excluded_key(&c.key)
                        || (is_excluded_value(&c.old) && is_excluded_value(&c.new)))
                })
                .collect(),
            values_removed: d.values_removed.into_iter().filter(value_ok).collect(),
        }
    }
}

/// What a capture leaves out (see `noise`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Excluded {
    pub paths: Vec<&'static str>,
    pub registry_keys: Vec<&'static str>,
    pub registry_values: &'static str,
}

impl Default for Excluded {
    fn default() -> Self {
        Excluded {
            paths: EXCLUDED_PATHS.to_vec(),
            registry_keys: EXCLUDED_KEYS.to_vec(),
            registry_values: EXCLUDED_VALUES,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub files_added: usize,
    pub files_changed: usize,
    pub files_removed: usize,
    /// Bytes of the files added or changed.
    pub bytes_written: u64,
    pub keys_added: usize,
    pub keys_removed: usize,
    pub values_added: usize,
    pub values_changed: usize,
    pub values_removed: usize,
    pub entry_points: usize,
}

/// The content part of a manifest.
#[derive(Debug, Clone, PartialEq)]
pub struct Captured {
    pub files: Vec<FileChange>,
    pub directories: DirChanges,
    pub registry: RegistryChanges,
    pub entry_points: Vec<EntryPoint>,
    pub summary: Summary,
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::File => "file",
        Kind::Symlink => "symlink",
        Kind::Dir => "dir",
        Kind::Other => "other",
    }
}

fn file_change(e: &Entry, change: ChangeKind) -> FileChange {
    FileChange {
        path: to_windows(&e.path),
        prefix_path: e.path.clone(),
        change,
        kind: kind_name(e.kind),
        size: e.size,
        blake3: e.hash_hex(),
        mode: e.mode & 0o7777,
        link_target: e.link_target.clone(),
    }
}

/// What changed between the merged view before the install (`lower` + `upper_before`) and after
/// it (`lower` + `upper_after`), minus the noise; `read_file` gives the bytes of a prefix path as
/// it is now (for the shortcuts).
pub fn assemble(
    lower: &Tree,
    upper_before: &Tree,
    upper_after: &Tree,
    registry: RegDiff,
    read_file: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Captured {
    let before = walk::merge_overlay(lower, upper_before);
    let after = walk::merge_overlay(lower, upper_after);
    let d = walk::diff(&before, &after);
    let mut files = Vec::new();
    let mut directories = DirChanges::default();
    for e in d.added.iter().filter(|e| !is_excluded_path(&e.path)) {
        match e.kind {
            Kind::Dir => directories.added.push(shown(&e.path)),
            _ => files.push(file_change(e, ChangeKind::Added)),
        }
    }
    for c in d.changed.iter().filter(|c| !is_excluded_path(&c.path)) {
        match (c.before.kind, c.after.kind) {
            // A folder whose mode changed is not worth a line; one replaced by a file is both.
            (Kind::Dir, Kind::Dir) => {}
            (Kind::Dir, _) => {
                directories.removed.push(shown(&c.path));
                files.push(file_change(&c.after, ChangeKind::Added));
            }
            (_, Kind::Dir) => {
                files.push(file_change(&c.before, ChangeKind::Removed));
                directories.added.push(shown(&c.path));
            }
            _ => files.push(file_change(&c.after, ChangeKind::Changed)),
        }
    }
    for e in d.removed.iter().filter(|e| !is_excluded_path(&e.path)) {
        match e.kind {
            Kind::Dir => directories.removed.push(shown(&e.path)),
            _ => files.push(file_change(e, ChangeKind::Removed)),
        }
    }
    files.sort_by(|a, b| a.prefix_path.cmp(&b.prefix_path));
    directories.added.sort();
    directories.removed.sort();

    let registry = RegistryChanges::from_diff(registry);
    let entry_points = entry_points(&files, read_file);
    let count = |k: ChangeKind| files.iter().filter(|f| f.change == k).count();
    let summary = Summary {
        files_added: count(ChangeKind::Added),
        files_changed: count(ChangeKind::Changed),
        files_removed: count(ChangeKind::Removed),
        bytes_written: files
            .iter()
            .filter(|f| f.change != ChangeKind::Removed)
            .map(|f| f.size)
            .sum(),
        keys_added: registry.keys_added.len(),
        keys_removed: registry.keys_removed.len(),
        values_added: registry.values_added.len(),
        values_changed: registry.values_changed.len(),
        values_removed: registry.values_removed.len(),
        entry_points: entry_points.len(),
    };
    Captured {
        files,
        directories,
        registry,
        entry_points,
        summary,
    }
}
