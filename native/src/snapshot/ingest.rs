//! The store half of a snapshot: every regular file of a scanned layer gets its hash, from the
//! stat cache when the previous scan proves it unchanged (no read, and its object is known to
//! exist), else by reading it once into the store (hash while copying; content the store has
//! already costs no write). Hard links are read once. Files are handled in parallel, biggest
//! first; the calling thread only reports progress.

use std::cmp::Reverse;
use std::collections::hash_map::{Entry as MapEntry, HashMap};
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use rayon::prelude::*;

use super::layer::Scanned;
use super::progress::{OnProgress, Phase, Progress};
use crate::store::{open_regular, Hash, Store, StoreError, StoreLock};
use crate::walk::{Entry, Kind, Timestamp, Tree, TreeIndex};

/// What `ingest` did.
#[derive(Debug)]
pub struct Ingested {
    pub tree: Tree,
    /// Files read (their hash was not reusable).
    pub files_read: u64,
    pub bytes_read: u64,
    /// Files whose hash came from the stat cache.
    pub files_reused: u64,
    /// New objects written (content the store did not have).
    pub objects_written: u64,
}

/// Read one file the walk recorded as `e` at `abs` into the store.
fn store_one(
    store: &Store,
    lock: &StoreLock,
    abs: &Path,
    e: &Entry,
    cancel: &AtomicBool,
    bytes: &AtomicU64,
) -> Result<(Hash, bool), StoreError> {
    let changed = |what: &str| {
        StoreError::Changed(format!(
            "{} {what} while it was being stored (the layer must not change during a snapshot)",
            abs.display()
        ))
    };
    let mut file = match open_regular(abs) {
        Ok(f) => f,
        Err(StoreError::Core(c)) if c.code == "ENOENT" => return Err(changed("was removed")),
        Err(StoreError::Invalid(_)) => return Err(changed("was replaced")),
        Err(other) => return Err(other),
    };
    let m = file
        .metadata()
        .map_err(|err| StoreError::io(err, "stat", abs))?;
    let mtime = Timestamp {
        secs: m.mtime(),
        nsec: m.mtime_nsec() as u32,
    };
    if m.dev() != e.dev || m.ino() != e.ino {
        return Err(changed("was replaced"));
    }
    if m.size() != e.size || mtime != e.mtime {
        return Err(changed("was modified"));
    }
    let put = store.put_open_file(lock, &mut file, e.size, None, cancel, &|n| {
        bytes.fetch_add(n, Ordering::Relaxed);
    })?;
    if put.size != e.size {
        return Err(changed("changed size"));
    }
    Ok((put.hash, put.written))
}

/// Fill in the hash of every regular file of `scanned`, storing what is new.
pub fn ingest(
    store: &Store,
    lock: &StoreLock,
    scanned: Scanned,
    index: Option<&TreeIndex>,
    interval: Duration,
    progress: OnProgress<'_>,
    cancel: &AtomicBool,
) -> Result<Ingested, StoreError> {
    let Scanned {
        mut entries,
        sources,
        roots,
    } = scanned;
    let mut jobs = Vec::new();
    let mut first_link: HashMap<(u64, u64), usize> = HashMap::new();
    let mut more_links = Vec::new();
    let mut files_reused = 0;
    for (i, e) in entries.iter_mut().enumerate() {
        if e.kind != Kind::File || e.whiteout {
            continue;
        }
        if let Some(hash) = index.and_then(|x| x.reusable_hash(e)) {
            e.hash = Some(hash);
            files_reused += 1;
            continue;
        }
        if e.nlink > 1 {
            match first_link.entry((e.dev, e.ino)) {
                MapEntry::Occupied(first) => {
                    more_links.push((i, *first.get()));
                    continue;
                }
                MapEntry::Vacant(slot) => {
                    slot.insert(i);
                }
            }
        }
        jobs.push(i);
    }
    jobs.sort_by_key(|&i| Reverse(entries[i].size));
    let files_total = jobs.len() as u64;
    let bytes_total: u64 = jobs.iter().map(|&i| entries[i].size).sum();
    let report = |files_done, bytes_done| Progress {
        phase: Phase::Store,
        files_done,
        files_total,
        bytes_done,
        bytes_total,
    };
    progress(report(0, 0));

    let files_done = AtomicU64::new(0);
    let bytes_done = AtomicU64::new(0);
    let written = AtomicU64::new(0);
    let hashes = {
        let shared: &[Entry] = &entries;
        let (jobs, sources, roots) = (&jobs, &sources, &roots);
        let (files_done, bytes_done, written) = (&files_done, &bytes_done, &written);
        std::thread::scope(|s| {
            let (done_tx, done_rx) = mpsc::channel::<()>();
            let worker = s.spawn(move || {
                let result = jobs
                    .par_iter()
                    .map(|&i| {
                        let e = &shared[i];
                        let abs = roots[sources[i] as usize].join(&e.path);
                        let (hash, new) = store_one(store, lock, &abs, e, cancel, bytes_done)?;
                        files_done.fetch_add(1, Ordering::Relaxed);
                        if new {
                            written.fetch_add(1, Ordering::Relaxed);
                        }
                        Ok((i, hash))
                    })
                    .collect::<Result<Vec<_>, StoreError>>();
                let _ = done_tx.send(());
                result
            });
            while let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(interval) {
                progress(report(
                    files_done.load(Ordering::Relaxed),
                    bytes_done.load(Ordering::Relaxed),
                ));
            }
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })?
    };
    for (i, hash) in hashes {
        entries[i].hash = Some(hash);
    }
    for (i, first) in more_links {
        entries[i].hash = entries[first].hash;
    }
    if cancel.load(Ordering::Relaxed) {
        return Err(StoreError::Canceled);
    }
    progress(report(files_total, bytes_done.load(Ordering::Relaxed)));
    let tree = Tree::from_entries(entries)
        .map_err(|e| StoreError::Invalid(format!("scanned layer is not a valid tree: {e}")))?;
    Ok(Ingested {
        tree,
        files_read: files_total,
        bytes_read: bytes_done.into_inner(),
        files_reused,
        objects_written: written.into_inner(),
    })
}
