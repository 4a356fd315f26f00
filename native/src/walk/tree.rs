//! A scanned tree: its entries sorted by path bytes, so equal trees serialize to equal bytes and
//! everything under a directory is one contiguous slice.

use std::ops::Range;

use serde::{Deserialize, Serialize};

use super::entry::{is_valid_rel_path, Entry, Kind};
use super::error::WalkError;

/// The manifest format version written by `to_json`; `from_json` refuses any other.
pub const TREE_FORMAT_VERSION: u32 = 1;

/// Entries sorted by path bytes, paths unique and valid (the invariant every constructor keeps).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tree {
    entries: Vec<Entry>,
}

#[derive(Serialize)]
struct TreeOut<'a> {
    version: u32,
    entries: &'a [Entry],
}

#[derive(Deserialize)]
struct TreeIn {
    version: u32,
    entries: Vec<Entry>,
}

impl Tree {
    /// Build a tree from entries in any order; EINVAL on an invalid or duplicated path.
    pub fn from_entries(mut entries: Vec<Entry>) -> Result<Tree, WalkError> {
        if let Some(bad) = entries.iter().find(|e| !is_valid_rel_path(&e.path)) {
            return Err(WalkError::invalid(format!(
                "invalid entry path {:?}",
                bad.path
            )));
        }
        entries.sort_unstable_by(|a, b| a.path.as_bytes().cmp(b.path.as_bytes()));
        if let Some(pair) = entries.windows(2).find(|w| w[0].path == w[1].path) {
            return Err(WalkError::invalid(format!(
                "duplicate entry path {:?}",
                pair[0].path
            )));
        }
        Ok(Tree { entries })
    }

    /// All entries, sorted by path bytes.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn into_entries(self) -> Vec<Entry> {
        self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry at `path`, by binary search.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries
            .binary_search_by(|e| e.path.as_bytes().cmp(path.as_bytes()))
            .ok()
            .map(|i| &self.entries[i])
    }

    /// Index range of the entries strictly below `dir` ("dir/..."). Byte order keeps them
    /// contiguous: they all sort at or after "dir/" and before "dir0" ('0' follows '/').
    pub fn below(&self, dir: &str) -> Range<usize> {
        let lo = format!("{dir}/");
        let hi = format!("{dir}0");
        let start = self
            .entries
            .partition_point(|e| e.path.as_bytes() < lo.as_bytes());
        let end = self
            .entries
            .partition_point(|e| e.path.as_bytes() < hi.as_bytes());
        start..end
    }

    /// Sum of the sizes of the regular files (whiteouts excluded).
    pub fn file_bytes(&self) -> u64 {
        self.entries
            .iter()
            .filter(|e| e.kind == Kind::File && !e.whiteout)
            .map(|e| e.size)
            .sum()
    }

    /// Compact JSON: `{"version":1,"entries":[...]}`; equal trees give equal bytes.
    pub fn to_json(&self) -> Vec<u8> {
        let out = TreeOut {
            version: TREE_FORMAT_VERSION,
            entries: &self.entries,
        };
        serde_json::to_vec(&out).expect("a tree of plain fields always serializes")
    }

    /// Load a manifest written by `to_json`; EINVAL on bad JSON, another version, or bad paths.
    pub fn from_json(bytes: &[u8]) -> Result<Tree, WalkError> {
        let parsed: TreeIn = serde_json::from_slice(bytes)
            .map_err(|e| WalkError::invalid(format!("tree manifest is not valid: {e}")))?;
        if parsed.version != TREE_FORMAT_VERSION {
            return Err(WalkError::invalid(format!(
                "tree manifest version {} is not supported (expected {TREE_FORMAT_VERSION})",
                parsed.version
            )));
        }
        Tree::from_entries(parsed.entries)
    }
}
