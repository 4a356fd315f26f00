//! Creating the unpacked files ahead of their content, on other threads.
//!
//! Creating a file is the dearest step of an import: on ext4 the inode allocator can spend
//! most of a millisecond per file (it scans past recently freed inodes, and the scan runs under
//! the parent directory's lock), far more than decompressing, hashing and writing its bytes.
//! So a few creator threads open the files in blob order while the decoder thread fills the
//! ones already open: creating overlaps decompression, and creations in different directories
//! overlap each other. Each directory belongs to one creator (so creators never queue on one
//! directory's lock), and each creator sends its files in blob order over its own bounded
//! channel, so the decoder takes blob `b`'s files from its creator's channel in order.
//!
//! Safety is the unpacker's: files are made with `TreeWriter::create_file` (O_CREAT|O_EXCL|
//! O_NOFOLLOW, mode 0600) under the directories `make_dirs` made, before any symlink exists
//! (links come after the content), so creating early writes nothing anywhere else. A failed
//! or canceled import drops the receivers, the creators stop at their next send, and the
//! caller removes the work folder with whatever was created.

use std::collections::hash_map::DefaultHasher;
use std::fs::File;
use std::hash::{Hash, Hasher};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::thread::Scope;

use super::error::{PackError, Result};
use super::unpack::{Targets, TreeWriter};

/// Files created ahead per creator (open descriptors held, bounded).
const DEPTH: usize = 32;
/// At most this many files of one blob are created ahead; the decoder makes the rest (a blob
/// shared by thousands of files must not hold thousands of descriptors).
pub const AHEAD_PER_BLOB: usize = 8;
/// Most creator threads.
const MAX_CREATORS: usize = 4;

/// The files created for one blob, in its targets' order (the first `AHEAD_PER_BLOB`).
type Made = Result<Vec<File>>;

/// The decoder's side: the created files of each blob, in blob order.
pub struct Precreated {
    owner: Vec<u8>,
    rx: Vec<Receiver<Made>>,
}

impl Precreated {
    /// The files created for blob `b` (empty when it goes only to the store). Must be called
    /// for b = 0, 1, 2, ... in order.
    pub fn take(&self, b: usize, t: &Targets) -> Result<Vec<File>> {
        if t.files.is_empty() {
            return Ok(Vec::new());
        }
        match self.rx[self.owner[b] as usize].recv() {
            Ok(made) => made,
            Err(_) => Err(PackError::Core(crate::error::CoreError::new(
                "EIO",
                "a file creator of the import stopped unexpectedly",
            ))),
        }
    }
}

/// Which creator makes the files of a blob: the one owning its first file's directory.
fn creator_of(w: &TreeWriter<'_>, tree: usize, node: usize, creators: usize) -> u8 {
    let path = Path::new(&w.tree.nodes[node].path);
    let mut h = DefaultHasher::new();
    (tree, path.parent()).hash(&mut h);
    (h.finish() % creators as u64) as u8
}

fn create_all(writers: &[TreeWriter<'_>], t: &Targets) -> Made {
    t.files
        .iter()
        .take(AHEAD_PER_BLOB)
        .map(|&(tree, node)| writers[tree].create_file(node))
        .collect()
}

/// Start the creators on `scope` for the blobs' `targets`.
pub fn spawn_creators<'scope, 'env: 'scope>(
    scope: &'scope Scope<'scope, 'env>,
    writers: &'env [TreeWriter<'env>],
    targets: &'env [Targets],
    cancel: &'env AtomicBool,
) -> Precreated {
    let files = targets.iter().filter(|t| !t.files.is_empty()).count();
    let cpus = std::thread::available_parallelism().map_or(1, |n| n.get());
    let creators = cpus.clamp(1, MAX_CREATORS).min(files.max(1));
    let owner: Vec<u8> = targets
        .iter()
        .map(|t| match t.files.first() {
            Some(&(tree, node)) => creator_of(&writers[tree], tree, node, creators),
            None => 0,
        })
        .collect();
    let mut rx = Vec::with_capacity(creators);
    for c in 0..creators {
        let (tx, r): (SyncSender<Made>, _) = sync_channel(DEPTH);
        rx.push(r);
        let mine: Vec<usize> = (0..targets.len())
            .filter(|&b| owner[b] as usize == c && !targets[b].files.is_empty())
            .collect();
        scope.spawn(move || {
            for b in mine {
                let made = if cancel.load(Ordering::Relaxed) {
                    Err(PackError::Canceled)
                } else {
                    create_all(writers, &targets[b])
                };
                let stop = made.is_err();
                // A closed channel: the decoder stopped (failed or done), nothing more is wanted.
                if tx.send(made).is_err() || stop {
                    return;
                }
            }
        });
    }
    Precreated { owner, rx }
}
