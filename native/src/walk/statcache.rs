//! The stat cache: a previous tree whose hashes a new scan may reuse without reading files.
//!
//! A recorded hash is reused when the file's size, mtime, ctime, inode and device all agree with
//! the previous scan. ctime is part of the key (restic and git do the same) because no
//! unprivileged program can set it: an in-place rewrite that keeps the size and puts the old mtime
//! back (`touch -d`, `utimensat`) still moves ctime, so it is re-hashed. What stays undetected by
//! design is a change that leaves all five equal, which needs a clock change or a write within
//! the same timestamp tick as the previous one; `trust_before` closes the second case for callers
//! that record when their previous scan started.

use super::entry::{Entry, Kind, Timestamp};
use super::tree::Tree;

/// A previous scan, looked up by path (binary search over the sorted tree).
#[derive(Debug, Clone, Default)]
pub struct TreeIndex {
    tree: Tree,
    trust_before: Option<Timestamp>,
}

impl TreeIndex {
    pub fn new(tree: Tree) -> TreeIndex {
        TreeIndex {
            tree,
            trust_before: None,
        }
    }

    /// Only trust entries whose mtime and ctime are both older than `t` (pass the time the
    /// previous scan started): a file written in the same clock tick as that scan read it could
    /// otherwise keep an identical stat. Kernels with fine-grained timestamps (Linux 6.13+ on
    /// ext4, xfs, btrfs, tmpfs) already make such a write visible.
    pub fn trust_before(mut self, t: Timestamp) -> TreeIndex {
        self.trust_before = Some(t);
        self
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.tree.get(path)
    }

    pub fn tree(&self) -> &Tree {
        &self.tree
    }

    pub fn into_tree(self) -> Tree {
        self.tree
    }

    /// The previous hash of `now`'s path, if its stat proves the content unchanged.
    pub(crate) fn reusable_hash(&self, now: &Entry) -> Option<[u8; 32]> {
        let prev = self.get(&now.path)?;
        let same_stat = prev.kind == Kind::File
            && now.kind == Kind::File
            && !prev.whiteout
            && !now.whiteout
            && prev.size == now.size
            && prev.mtime == now.mtime
            && prev.ctime == now.ctime
            && prev.ino == now.ino
            && prev.dev == now.dev;
        let trusted = match self.trust_before {
            Some(t) => prev.mtime < t && prev.ctime < t,
            None => true,
        };
        if same_stat && trusted {
            prev.hash
        } else {
            None
        }
    }
}
