//! What an export carries of a container's layer: `layer/upper`, flattened over the frozen
//! layers of a clone (the same view snapshots record, see snapshot::layer). Hashes the last
//! snapshot's scan proves (same size, times, inode) are taken without reading; `prehash` reads
//! the files an export must hash before it streams (those that may share content with another
//! file), in parallel, each opened without following links and checked against the scan. The
//! other files are hashed while they are streamed.

use std::fs::OpenOptions;
use std::io::{self, Read};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use rayon::prelude::*;

use super::error::{PackError, Result};
use crate::container::ContainerPaths;
use crate::container::DataDir;
use crate::snapshot::layer::{layer_dir, read_chain, scan_roots, stat_cache};
use crate::store::Store;
use crate::walk::{Entry, Kind, Timestamp, Tree};

/// A scanned, hashed layer: entries (sorted) and, for each, the directory it lives in.
pub struct Layer {
    pub tree: Tree,
    pub roots: Vec<PathBuf>,
    /// Per entry of `tree` (same order): index into `roots`.
    pub sources: Vec<u8>,
    /// Files read to hash them, and files whose hash the last snapshot's scan proved.
    pub files_read: u64,
    pub files_reused: u64,
}

impl Layer {
    /// Where entry `i` is on disk.
    pub fn path_of(&self, i: usize) -> PathBuf {
        self.roots[self.sources[i] as usize].join(&self.tree.entries()[i].path)
    }
}

/// Scan the layer of the container at `paths`, with the hashes the stat cache proves. The
/// content store is only opened when the layer has frozen layers or a stat cache, so exporting
/// writes nothing into a data dir that has no store yet.
pub fn scan_layer(
    data: &DataDir,
    paths: &ContainerPaths,
    on_files: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<Layer> {
    let ldir = layer_dir(paths);
    let chain = read_chain(&ldir)?;
    let store_dir = data.root().join("store");
    let store = if !chain.layers.is_empty() || store_dir.is_dir() {
        Some(Store::open(data)?)
    } else {
        None
    };
    let mut roots = vec![paths.upper()];
    if let Some(store) = &store {
        roots.extend(chain.layers.iter().map(|l| store.layers_dir().join(l)));
    }
    let cache = store.as_ref().and_then(|s| stat_cache(s, &ldir));
    let scanned = scan_roots(roots, &|n| on_files(0, n), cancel)?;
    let mut entries = scanned.entries;
    let mut reused = 0u64;
    for e in entries.iter_mut() {
        if e.kind != Kind::File || e.whiteout {
            continue;
        }
        if let Some(h) = cache.as_ref().and_then(|c| c.reusable_hash(e)) {
            e.hash = Some(h);
            reused += 1;
        }
    }
    Ok(Layer {
        tree: Tree::from_entries(entries)?,
        roots: scanned.roots,
        sources: scanned.sources,
        files_read: 0,
        files_reused: reused,
    })
}

/// Hash the entries at `which` (indices into the layer's tree) in parallel, biggest first.
pub fn prehash(
    layer: &mut Layer,
    which: &[usize],
    on_files: &(dyn Fn(u64, u64) + Sync),
    cancel: &AtomicBool,
) -> Result<()> {
    let mut jobs = which.to_vec();
    let entries = layer.tree.entries();
    jobs.sort_by_key(|&i| std::cmp::Reverse(entries[i].size));
    let done = AtomicU64::new(0);
    let hashes: Vec<(usize, [u8; 32])> = jobs
        .par_iter()
        .map_init(
            || vec![0u8; 256 * 1024],
            |buf, &i| {
                let h = hash_expected(&layer.path_of(i), &entries[i], buf, cancel)?;
                on_files(done.fetch_add(1, Ordering::Relaxed) + 1, jobs.len() as u64);
                Ok((i, h))
            },
        )
        .collect::<Result<_>>()?;
    layer.files_read += hashes.len() as u64;
    let mut all = std::mem::take(&mut layer.tree).into_entries();
    for (i, h) in hashes {
        all[i].hash = Some(h);
    }
    layer.tree = Tree::from_entries(all)?;
    Ok(())
}

/// The error for a file that is not what the scan saw.
pub fn changed(path: &std::path::Path, why: &str) -> PackError {
    PackError::Core(crate::error::CoreError::new(
        "ECHANGED",
        format!(
            "{} changed during the export ({why}); the container must not change while it is exported",
            path.display()
        ),
    ))
}

/// Open a layer file without following links or blocking, and check it is the file the scan
/// saw (device, inode, size, mtime).
pub fn open_expected(path: &std::path::Path, e: &Entry) -> Result<std::fs::File> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
        .map_err(|err| match err.raw_os_error() {
            Some(libc::ELOOP) | Some(libc::ENOENT) => changed(path, "replaced or removed"),
            _ => PackError::io(err, "open", path),
        })?;
    let m = file
        .metadata()
        .map_err(|err| PackError::io(err, "stat", path))?;
    let mtime = Timestamp {
        secs: m.mtime(),
        nsec: m.mtime_nsec() as u32,
    };
    if !m.is_file() || m.dev() != e.dev || m.ino() != e.ino {
        return Err(changed(path, "replaced"));
    }
    if m.size() != e.size || mtime != e.mtime {
        return Err(changed(path, "modified"));
    }
    Ok(file)
}

fn hash_expected(
    path: &std::path::Path,
    e: &Entry,
    buf: &mut [u8],
    cancel: &AtomicBool,
) -> Result<[u8; 32]> {
    let mut file = open_expected(path, e)?;
    let mut h = blake3::Hasher::new();
    let mut total = 0u64;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(PackError::Canceled);
        }
        let n = match file.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(PackError::io(err, "read", path)),
        };
        h.update(&buf[..n]);
        total += n as u64;
    }
    if total != e.size {
        return Err(changed(path, "its size changed while it was read"));
    }
    Ok(*h.finalize().as_bytes())
}

/// Bytes read from each end of a file by `quick_digest`.
pub const QUICK_SPAN: u64 = 64 * 1024;

/// BLAKE3 of a file's first and last `QUICK_SPAN` bytes: files that differ there differ.
pub fn quick_digest(path: &std::path::Path, e: &Entry) -> Result<[u8; 32]> {
    use std::io::{Seek, SeekFrom};
    let mut file = open_expected(path, e)?;
    let mut buf = vec![0u8; QUICK_SPAN as usize];
    let mut h = blake3::Hasher::new();
    for at in [0, e.size.saturating_sub(QUICK_SPAN)] {
        file.seek(SeekFrom::Start(at))
            .map_err(|err| PackError::io(err, "seek in", path))?;
        file.read_exact(&mut buf)
            .map_err(|err| PackError::io(err, "read", path))?;
        h.update(&buf);
    }
    Ok(*h.finalize().as_bytes())
}
