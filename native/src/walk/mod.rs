//! Tree walk and hash: the manifest of a directory (path, kind, mode, size, times, link target,
//! BLAKE3), diffs between manifests, and the overlay view capture needs.
//!
//! Used by install capture (diff a container layer before/after an installer) and by the content
//! store and snapshots (a tree manifest; an unchanged tree rescans with stat calls only).
//!
//! Names: every path is recorded as UTF-8. A name or symlink target that is not UTF-8 fails the
//! scan with EBADNAME instead of being dropped (a snapshot would silently lose it) or escaped (a
//! manifest path would no longer be the file's real name). Wine creates UTF-8 names only, so such
//! a name in a layer was put there from outside Wine.

mod diff;
mod entry;
mod error;
mod hash;
mod hash_phase;
pub(crate) mod overlay;
mod scan;
mod statcache;
mod sys;
mod tree;

pub use diff::{compare, diff, diff_overlay_upper, merge_overlay, Change, Reason, TreeDiff};
pub use entry::{from_hex, is_under, is_valid_rel_path, to_hex, Entry, Kind, Timestamp};
pub use error::WalkError;
pub use hash::{hash_file, BUF_SIZE};
pub use scan::{scan, Phase, Progress, ScanOptions};
pub use statcache::TreeIndex;
pub use tree::{Tree, TREE_FORMAT_VERSION};

#[cfg(test)]
mod tests;
