//! The hashing half of a scan: reuse what the stat cache proves, then hash every remaining
//! inode once on rayon's pool while the caller's thread reports progress on a timer.

use std::collections::hash_map::{Entry as MapEntry, HashMap};
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::Duration;

use rayon::prelude::*;

use super::entry::{Entry, Kind};
use super::error::WalkError;
use super::hash::{hash_expected, Expected, BUF_SIZE};
use super::scan::{Phase, Progress};
use super::statcache::TreeIndex;

/// Fill in file hashes: reuse what `prev` proves, hash each remaining inode once (hard links
/// share a hash), biggest files first so the two ends of the pool finish together.
pub(crate) fn hash_phase(
    root: &Path,
    entries: &mut [Entry],
    prev: Option<&TreeIndex>,
    counts: &mut Progress,
    interval: Duration,
    progress: &dyn Fn(Progress),
    cancel: &AtomicBool,
) -> Result<(), WalkError> {
    let mut jobs = Vec::new();
    let mut first_link: HashMap<(u64, u64), usize> = HashMap::new();
    let mut more_links = Vec::new();
    for (i, e) in entries.iter_mut().enumerate() {
        if e.kind != Kind::File || e.whiteout {
            continue;
        }
        if let Some(hash) = prev.and_then(|p| p.reusable_hash(e)) {
            e.hash = Some(hash);
            counts.files_reused += 1;
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
    jobs.sort_by_key(|&i| std::cmp::Reverse(entries[i].size));
    counts.phase = Phase::Hash;
    counts.files_to_hash = jobs.len() as u64;
    counts.total_bytes = Some(jobs.iter().map(|&i| entries[i].size).sum());
    progress(*counts);

    let files_hashed = AtomicU64::new(0);
    let bytes_hashed = AtomicU64::new(0);
    let hashes = {
        let shared: &[Entry] = entries;
        let (jobs, files_hashed, bytes_hashed) = (&jobs, &files_hashed, &bytes_hashed);
        std::thread::scope(|s| {
            let (done_tx, done_rx) = mpsc::channel::<()>();
            let worker = s.spawn(move || {
                let result = jobs
                    .par_iter()
                    .map_init(
                        || vec![0u8; BUF_SIZE],
                        |buf, &i| {
                            let e = &shared[i];
                            let expected = Expected {
                                dev: e.dev,
                                ino: e.ino,
                                size: e.size,
                                mtime: e.mtime,
                            };
                            let hash = hash_expected(
                                &root.join(&e.path),
                                &expected,
                                buf,
                                cancel,
                                bytes_hashed,
                            )?;
                            files_hashed.fetch_add(1, Ordering::Relaxed);
                            Ok((i, hash))
                        },
                    )
                    .collect::<Result<Vec<_>, WalkError>>();
                let _ = done_tx.send(());
                result
            });
            // Disconnected also ends the wait: the worker panicked, and join re-raises it.
            while let Err(mpsc::RecvTimeoutError::Timeout) = done_rx.recv_timeout(interval) {
                progress(Progress {
                    files_hashed: files_hashed.load(Ordering::Relaxed),
                    bytes_hashed: bytes_hashed.load(Ordering::Relaxed),
                    ..*counts
                });
            }
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })?
    };
    counts.files_hashed = files_hashed.into_inner();
    counts.bytes_hashed = bytes_hashed.into_inner();
    for (i, hash) in hashes {
        entries[i].hash = Some(hash);
    }
    for (i, first) in more_links {
        entries[i].hash = entries[first].hash;
    }
    Ok(())
}
