//! The blob table of an export: each distinct content once, with where to read it from (a file
//! of the layer or runtime, or an object of the content store), and the copy of one blob into
//! the compressor, checked against what the manifest says about it.

use std::collections::HashMap;
use std::fs::OpenOptions;
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};

use super::chunks::from_io;
use super::error::{PackError, Result};
use super::layer_scan::changed;
use super::manifest::Blob;
use crate::store::Store;
use crate::walk::{self, Entry, Timestamp};

/// Where one blob's bytes are read from.
pub enum Source {
    /// A file, with what was recorded about it. With a known hash, a file whose stat still
    /// matches is trusted (the stat-cache rule snapshots use) and any other is hashed while
    /// copied and compared; with no hash yet, it is hashed while copied.
    File { path: PathBuf, seen: Entry },
    /// An object of the content store (verified by the store as it is read).
    Object,
}

/// The placeholder of a hash learnt while streaming: the same length as any hex hash, so the
/// manifest's length does not change when it is filled in.
pub const PENDING: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Distinct contents in stream order, and how many file entries reference each.
#[derive(Default)]
pub struct BlobTable {
    pub blobs: Vec<Blob>,
    pub sources: Vec<Source>,
    /// None until the content is streamed (files that could not share content with another).
    pub hashes: Vec<Option<[u8; 32]>>,
    /// File entries per blob (progress counts files, not blobs).
    pub refs: Vec<u64>,
    index: HashMap<[u8; 32], usize>,
}

impl BlobTable {
    /// Count a file entry with content `hash`; `source` is asked for only if it is new.
    pub fn add(&mut self, hash: [u8; 32], size: u64, source: impl FnOnce() -> Source) -> usize {
        if let Some(&i) = self.index.get(&hash) {
            self.refs[i] += 1;
            return i;
        }
        self.index.insert(hash, self.blobs.len());
        self.push(Some(hash), size, source())
    }

    /// A file whose hash is learnt while it is streamed; the caller knows no other file can
    /// have the same content (no other file has its size).
    pub fn add_unhashed(&mut self, size: u64, source: Source) -> usize {
        self.push(None, size, source)
    }

    fn push(&mut self, hash: Option<[u8; 32]>, size: u64, source: Source) -> usize {
        self.blobs.push(Blob {
            hash: hash
                .as_ref()
                .map_or_else(|| PENDING.to_string(), walk::to_hex),
            size,
        });
        self.sources.push(source);
        self.hashes.push(hash);
        self.refs.push(1);
        self.blobs.len() - 1
    }

    pub fn bytes(&self) -> u64 {
        self.blobs.iter().map(|b| b.size).sum()
    }
}

fn write_err(e: io::Error) -> PackError {
    match from_io(e) {
        Ok(p) => p,
        Err(e) => PackError::Core(crate::error::CoreError::new(
            "EIO",
            format!("cannot write the archive: {e}"),
        )),
    }
}

/// Copy blob `i` of `table` into `out`; its bytes must be what the manifest says. Returns the
/// bytes copied and the content's hash when it was computed on the way.
pub fn copy_blob(
    table: &BlobTable,
    i: usize,
    store: Option<&Store>,
    out: &mut impl Write,
    buf: &mut [u8],
    cancel: &AtomicBool,
) -> Result<(u64, Option<[u8; 32]>)> {
    let (known, size) = (table.hashes[i], table.blobs[i].size);
    match &table.sources[i] {
        Source::File { path, seen } => {
            let mut file = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
                .open(path)
                .map_err(|e| match e.raw_os_error() {
                    Some(libc::ELOOP) | Some(libc::ENOENT) => changed(path, "replaced or removed"),
                    _ => PackError::io(e, "open", path),
                })?;
            let stat_matches = |m: &std::fs::Metadata| {
                m.is_file()
                    && m.dev() == seen.dev
                    && m.ino() == seen.ino
                    && m.size() == size
                    && (Timestamp {
                        secs: m.mtime(),
                        nsec: m.mtime_nsec() as u32,
                    }) == seen.mtime
            };
            let m = file
                .metadata()
                .map_err(|e| PackError::io(e, "stat", path))?;
            if !m.is_file() {
                return Err(changed(path, "no longer a regular file"));
            }
            let same = stat_matches(&m);
            if known.is_none() && !same {
                return Err(changed(path, "modified since it was listed"));
            }
            let mut hasher = (known.is_none() || !same).then(blake3::Hasher::new);
            let n = pump(&mut file, out, buf, size, cancel, &mut hasher, &|e| {
                PackError::io(e, "read", path)
            })?;
            if n != size {
                return Err(changed(path, "its size changed"));
            }
            let computed = hasher.map(|h| *h.finalize().as_bytes());
            match (known, computed) {
                (Some(k), Some(c)) if k != c => {
                    Err(changed(path, "its content differs from the scan"))
                }
                (None, Some(c)) => {
                    // Written to while it was read: what was streamed may be a mix.
                    let after = file
                        .metadata()
                        .map_err(|e| PackError::io(e, "stat", path))?;
                    if !stat_matches(&after) {
                        return Err(changed(path, "modified while it was read"));
                    }
                    Ok((n, Some(c)))
                }
                _ => Ok((n, computed)),
            }
        }
        Source::Object => {
            let store = store.ok_or_else(|| PackError::Invalid("no content store".into()))?;
            let hash =
                known.ok_or_else(|| PackError::Invalid("a store object needs its hash".into()))?;
            let mut r = store.open_object(&hash)?;
            let mut none = None;
            let coded = |e: io::Error| PackError::from(r_coded(&e));
            let n = pump(&mut r, out, buf, size, cancel, &mut none, &coded)?;
            if n != size {
                return Err(PackError::Core(crate::error::CoreError::new(
                    "ECORRUPT",
                    format!("store object {} has the wrong size", walk::to_hex(&hash)),
                )));
            }
            Ok((n, None))
        }
    }
}

/// A store read error as the store would code it: a failed verification is ECORRUPT.
fn r_coded(e: &io::Error) -> crate::error::CoreError {
    if e.kind() == io::ErrorKind::InvalidData {
        crate::error::CoreError::new(
            "ECORRUPT",
            e.to_string().trim_start_matches("ECORRUPT: ").to_string(),
        )
    } else {
        crate::error::CoreError::new("EIO", format!("cannot read from the content store: {e}"))
    }
}

/// Copy up to `limit` bytes from `src` to `out` (hashing them when asked); bytes copied.
fn pump(
    src: &mut dyn Read,
    out: &mut impl Write,
    buf: &mut [u8],
    limit: u64,
    cancel: &AtomicBool,
    hasher: &mut Option<blake3::Hasher>,
    read_err: &dyn Fn(io::Error) -> PackError,
) -> Result<u64> {
    let mut total = 0u64;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(PackError::Canceled);
        }
        let n = match src.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(read_err(e)),
        };
        total += n as u64;
        if total > limit {
            return Ok(total);
        }
        if let Some(h) = hasher.as_mut() {
            h.update(&buf[..n]);
        }
        out.write_all(&buf[..n]).map_err(write_err)?;
    }
}
