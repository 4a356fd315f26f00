//! The content hash that names a runtime: BLAKE3 over one line per tree entry with only what
//! describes content (path, kind, permission bits, size, file hash or link target). Times,
//! inodes and owners are left out, so a copy of the runtime on another machine, or a rescan
//! of an untouched one, gives the same hash, while any change to a file, name, link or mode
//! gives another.

use crate::walk::{Kind, Tree};

/// Hex BLAKE3 of the tree's content lines. Files must have been scanned with hashing on.
pub fn content_hash(tree: &Tree) -> String {
    let mut hasher = blake3::Hasher::new();
    hasher.update(b"orbit-runtime-content-v1\n");
    for e in tree.entries() {
        let kind = match e.kind {
            Kind::File => "f",
            Kind::Dir => "d",
            Kind::Symlink => "l",
            Kind::Other => "o",
        };
        // For `Other`, the file type bits say what it is (fifo, device...); keep them.
        let mode = if e.kind == Kind::Other {
            e.mode
        } else {
            e.mode & 0o7777
        };
        let what = match e.kind {
            Kind::File => e.hash_hex().unwrap_or_else(|| "unhashed".into()),
            Kind::Symlink => e.link_target.clone().unwrap_or_default(),
            Kind::Other => e.rdev.unwrap_or(0).to_string(),
            Kind::Dir => String::new(),
        };
        let size = if e.kind == Kind::Dir { 0 } else { e.size };
        // Linux allows '\n' in names: the length prefix keeps one entry from passing for two.
        hasher.update(
            format!(
                "{}:{}\0{kind}\0{mode:o}\0{size}\0{what}\n",
                e.path.len(),
                e.path
            )
            .as_bytes(),
        );
    }
    hasher.finalize().to_hex().to_string()
}
