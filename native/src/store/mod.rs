//! The content store: every file content Orbit keeps for snapshots, once, named by its BLAKE3.
//!
//! ```text
//! <data>/store/
//!   objects/<2 hex>/<62 hex>   file contents and tree manifests; mode 0444, never rewritten
//!   recipes/<64 hex>           files stored as chunks (registry hives, see `chunk`): the list
//!                              of chunk objects; the whole content hashes to the name
//!   tmp/                       objects being written (unique names, swept by gc)
//!   layers/<16 hex>/           frozen layers that clones share as read-only overlay lowers
//!   lock                       shared by readers and writers, exclusive for gc (see `lock`)
//! ```
//!
//! Writes are atomic: an object is written under `tmp/`, hashed while it is written, and renamed
//! to its name only once complete, so a crash never leaves a partial object under `objects/`.
//! Durability is batched: the objects a lock holder wrote become durable in `Store::sync`
//! (fsync of each file and directory for a few objects, one `syncfs` for many), which a caller
//! runs before it commits the manifest that references them. Every read verifies the content
//! against the name (ECORRUPT on mismatch).
//!
//! An object is never a hard link to a file of a layer: a layer's files are written in place
//! (Wine rewrites files, overlayfs copies up into the upper dir), which would change the object.
//! Content is copied in, or reflinked (FICLONE) where the filesystem shares blocks copy-on-write.

mod check;
pub mod chunk;
mod durable;
mod error;
mod lock;
mod object;
pub mod recipe;
pub(crate) mod sys;
#[cfg(test)]
mod tests;

use std::fs;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

pub use check::{Usage, Verified};
pub use durable::sync_paths;
pub use error::StoreError;
pub use lock::StoreLock;
pub use object::{open_regular, ObjectReader, ObjectWriter, Put};

use crate::container::DataDir;
use crate::walk::{from_hex, to_hex};

/// A BLAKE3 hash: the name of an object.
pub type Hash = [u8; 32];

/// Parse a 64-hex-digit object name; EINVAL otherwise.
pub fn parse_hash(s: &str) -> Result<Hash, StoreError> {
    from_hex(s)
        .ok_or_else(|| StoreError::Invalid(format!("{s:?} is not a BLAKE3 hash (64 hex digits)")))
}

/// Lowercase hex of a hash.
pub fn hex(hash: &Hash) -> String {
    to_hex(hash)
}

/// An opened store (its directories exist). Cheap to open; holds no file descriptors.
#[derive(Debug)]
pub struct Store {
    root: PathBuf,
    /// Set once a reflink failed as unsupported, so later files skip the attempt.
    no_reflink: AtomicBool,
}

impl Store {
    /// The store of a data dir, `<data>/store`, created if missing.
    pub fn open(data: &DataDir) -> Result<Store, StoreError> {
        Store::at(data.root().join("store"))
    }

    /// A store at any directory (tests, staging areas); created if missing.
    pub fn at(root: impl Into<PathBuf>) -> Result<Store, StoreError> {
        let root = root.into();
        let objects = root.join("objects");
        // The last fan-out directory is made last: when it exists, all of them do.
        if !objects.join("ff").is_dir() {
            for dir in [
                root.clone(),
                objects.clone(),
                root.join("tmp"),
                root.join("layers"),
            ] {
                fs::create_dir_all(&dir).map_err(|e| StoreError::io(e, "create", &dir))?;
            }
            for i in 0..=255u8 {
                let dir = objects.join(format!("{i:02x}"));
                match fs::create_dir(&dir) {
                    Ok(()) => {}
                    Err(e) if e.kind() == ErrorKind::AlreadyExists => {}
                    Err(e) => return Err(StoreError::io(e, "create", &dir)),
                }
            }
        }
        Ok(Store {
            root,
            no_reflink: AtomicBool::new(false),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the object named `hash` lives (whether or not it exists).
    pub fn object_path(&self, hash: &Hash) -> PathBuf {
        let h = hex(hash);
        self.root.join("objects").join(&h[..2]).join(&h[2..])
    }

    /// The directory of frozen layers (see `snapshot::layer`).
    pub fn layers_dir(&self) -> PathBuf {
        self.root.join("layers")
    }

    pub(crate) fn tmp_dir(&self) -> PathBuf {
        self.root.join("tmp")
    }

    /// Whether an object named `hash` exists. With `size`, an object of another length counts
    /// as absent, so a file cut short by a power loss before it was synced gets rewritten.
    pub fn contains(&self, hash: &Hash, size: Option<u64>) -> bool {
        match fs::symlink_metadata(self.object_path(hash)) {
            Ok(m) => m.is_file() && size.is_none_or(|s| m.size() == s),
            Err(_) => {
                matches!(recipe::load(self, hash), Ok(Some(r)) if size.is_none_or(|s| r.size == s))
            }
        }
    }

    /// Take the store lock shared (writers and readers). Waits while gc runs.
    pub fn lock_shared(&self, cancel: &AtomicBool) -> Result<StoreLock, StoreError> {
        lock::acquire(&self.root.join("lock"), false, cancel)
    }

    /// Take the store lock exclusive (gc). Waits until every shared holder is done.
    pub fn lock_exclusive(&self, cancel: &AtomicBool) -> Result<StoreLock, StoreError> {
        lock::acquire(&self.root.join("lock"), true, cancel)
    }

    /// Start writing one object; see `ObjectWriter`.
    pub fn writer<'a>(&'a self, lock: &'a StoreLock) -> Result<ObjectWriter<'a>, StoreError> {
        ObjectWriter::new(self, lock)
    }

    /// Store `bytes`; returns its hash (nothing is written when the object exists).
    pub fn put_bytes(&self, lock: &StoreLock, bytes: &[u8]) -> Result<Hash, StoreError> {
        let hash = *blake3::hash(bytes).as_bytes();
        if !self.contains(&hash, Some(bytes.len() as u64)) {
            let mut w = self.writer(lock)?;
            w.write_all_bytes(bytes)?;
            w.finish(Some(&hash))?;
        }
        Ok(hash)
    }

    /// Store what `src` yields until EOF. Content up to 1 MiB is hashed in memory first, so
    /// content the store has already costs no write; bigger content streams through a temp
    /// file. With `expected`, a different content fails with ECHANGED and stores nothing.
    pub fn put_reader(
        &self,
        lock: &StoreLock,
        src: &mut dyn Read,
        expected: Option<&Hash>,
        cancel: &AtomicBool,
        on_bytes: &dyn Fn(u64),
    ) -> Result<Put, StoreError> {
        object::put_reader(self, lock, src, expected, cancel, on_bytes)
    }

    /// Store the regular file `path` (symlinks are not followed); see `put_reader`. A known
    /// `expected` hash whose object exists with the same size costs no read at all.
    pub fn put_file(
        &self,
        lock: &StoreLock,
        path: &Path,
        expected: Option<&Hash>,
        cancel: &AtomicBool,
    ) -> Result<Put, StoreError> {
        object::put_file(self, lock, path, expected, cancel)
    }

    /// Store an already opened regular file of `size` bytes (read from its current offset);
    /// see `put_file`. `on_bytes` is told how many bytes were read, as they are.
    pub fn put_open_file(
        &self,
        lock: &StoreLock,
        file: &mut fs::File,
        size: u64,
        expected: Option<&Hash>,
        cancel: &AtomicBool,
        on_bytes: &dyn Fn(u64),
    ) -> Result<Put, StoreError> {
        object::put_open_file(self, lock, file, size, expected, cancel, on_bytes)
    }

    /// Open an object for reading; the reader verifies the content at EOF (ECORRUPT).
    pub fn open_object(&self, hash: &Hash) -> Result<ObjectReader, StoreError> {
        ObjectReader::open(self, hash)
    }

    /// The whole content of an object, verified.
    pub fn read_object(&self, hash: &Hash) -> Result<Vec<u8>, StoreError> {
        let mut r = self.open_object(hash)?;
        let mut out = Vec::with_capacity(r.len() as usize);
        r.read_to_end_verified(&mut out)?;
        Ok(out)
    }

    /// Write an object's content into `dst` (an empty file opened for writing), verified;
    /// reflinked where the filesystem can, else copied. Returns the bytes written.
    pub fn copy_object_to(
        &self,
        hash: &Hash,
        dst: &mut fs::File,
        cancel: &AtomicBool,
        on_bytes: &dyn Fn(u64),
    ) -> Result<u64, StoreError> {
        object::copy_to(self, hash, dst, cancel, on_bytes)
    }

    /// Make every object written under `lock` durable: fsync each one and its directory when
    /// there are few, else one syncfs of the store's filesystem. Run before committing a
    /// manifest that references them.
    pub fn sync(&self, lock: &StoreLock) -> Result<(), StoreError> {
        let fresh = std::mem::take(&mut *lock.fresh.lock().unwrap_or_else(|p| p.into_inner()));
        object::make_durable(self, fresh)
    }

    /// Every whole object in the store (chunks included) with its size (gc's sweep, fsck).
    pub fn objects(&self) -> Result<Vec<(Hash, u64)>, StoreError> {
        object::list(self)
    }

    /// How many objects, bytes, recipes and frozen layers the store holds.
    pub fn usage(&self) -> Result<Usage, StoreError> {
        check::usage(self)
    }

    /// Re-read and re-hash every object and recipe; lists those that do not match their name.
    pub fn verify(&self, cancel: &AtomicBool) -> Result<Verified, StoreError> {
        check::verify(self, cancel)
    }

    /// Every chunked object (recipe) in the store.
    pub fn recipes(&self) -> Result<Vec<Hash>, StoreError> {
        recipe::list(self)
    }

    /// Remove one object, whole or its recipe (gc only: needs the exclusive lock).
    pub fn remove_object(&self, lock: &StoreLock, hash: &Hash) -> Result<(), StoreError> {
        if !lock.is_exclusive() {
            return Err(StoreError::Invalid(
                "removing objects needs the exclusive store lock".into(),
            ));
        }
        for path in [self.object_path(hash), recipe::path(self, hash)] {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(StoreError::io(e, "remove", &path)),
            }
        }
        Ok(())
    }

    /// Remove everything under tmp/ (gc only: with the exclusive lock no writer is active).
    pub fn clear_tmp(&self, lock: &StoreLock) -> Result<usize, StoreError> {
        if !lock.is_exclusive() {
            return Err(StoreError::Invalid(
                "clearing tmp/ needs the exclusive store lock".into(),
            ));
        }
        let dir = self.tmp_dir();
        let mut n = 0;
        for entry in fs::read_dir(&dir).map_err(|e| StoreError::io(e, "list", &dir))? {
            let entry = entry.map_err(|e| StoreError::io(e, "list", &dir))?;
            let p = entry.path();
            let done = if entry.file_type().is_ok_and(|t| t.is_dir()) {
                crate::container::files::remove_tree(&p)
            } else {
                fs::remove_file(&p)
            };
            done.map_err(|e| StoreError::io(e, "remove", &p))?;
            n += 1;
        }
        Ok(n)
    }

    pub(crate) fn reflink_disabled(&self) -> bool {
        self.no_reflink.load(Ordering::Relaxed)
    }

    pub(crate) fn disable_reflink(&self) {
        self.no_reflink.store(true, Ordering::Relaxed)
    }
}
