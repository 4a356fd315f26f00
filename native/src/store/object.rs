//! Writing objects (temp file, hash while writing, rename to the name) and reading them back
//! with verification.

use std::collections::BTreeSet;
use std::fs::{self, File, OpenOptions};
use std::io::{self, ErrorKind, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use super::error::StoreError;
use super::lock::StoreLock;
use super::{chunk, hex, recipe, sys, Hash, Store};

/// Content up to this size is hashed in memory before anything is written.
const SMALL: usize = 1 << 20;
/// Read/write chunk: big enough that syscalls are noise, small enough for prompt cancels.
const BUF: usize = 256 * 1024;
/// Up to this many fresh objects are fsynced one by one; more take one syncfs.
const FSYNC_EACH_MAX: usize = 64;

/// The outcome of storing one content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Put {
    #[serde(with = "hash_hex")]
    pub hash: Hash,
    pub size: u64,
    /// False when the store had this content already (nothing was written).
    pub written: bool,
}

mod hash_hex {
    pub fn serialize<S: serde::Serializer>(h: &super::Hash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&super::hex(h))
    }
}

fn unique_tmp(store: &Store) -> PathBuf {
    store.tmp_dir().join(format!(
        "{}-{}",
        std::process::id(),
        crate::container::files::random_hex(8)
    ))
}

/// One object being written: bytes go to a temp file under `tmp/` and into the hasher;
/// `finish` names it. Dropped unfinished, the temp file is removed. Implements `io::Write`
/// for streaming producers (an archive being unpacked).
pub struct ObjectWriter<'a> {
    store: &'a Store,
    lock: &'a StoreLock,
    file: Option<File>,
    tmp: PathBuf,
    hasher: blake3::Hasher,
    size: u64,
}

impl<'a> ObjectWriter<'a> {
    pub(super) fn new(store: &'a Store, lock: &'a StoreLock) -> Result<Self, StoreError> {
        let tmp = unique_tmp(store);
        // Created read-only: the descriptor may still write, nobody else ever can.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o444)
            .open(&tmp)
            .map_err(|e| StoreError::io(e, "create", &tmp))?;
        Ok(ObjectWriter {
            store,
            lock,
            file: Some(file),
            tmp,
            hasher: blake3::Hasher::new(),
            size: 0,
        })
    }

    /// Bytes written so far.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Append `bytes`.
    pub fn write_all_bytes(&mut self, bytes: &[u8]) -> Result<(), StoreError> {
        let tmp = self.tmp.clone();
        self.write_all(bytes)
            .map_err(|e| StoreError::io(e, "write", &tmp))
    }

    /// Make the temp file share `src`'s blocks and hash it (reading the clone, so the hash is
    /// of exactly what the object holds). False when the filesystem cannot reflink.
    fn adopt_reflink(&mut self, src: &File, cancel: &AtomicBool) -> Result<bool, StoreError> {
        let file = self.file.as_mut().expect("writer is open until finish");
        if let Err(e) = sys::reflink(src, file) {
            if sys::reflink_unsupported(&e) {
                self.store.disable_reflink();
                return Ok(false);
            }
            return Err(StoreError::io(e, "reflink into", &self.tmp));
        }
        file.seek(SeekFrom::Start(0))
            .map_err(|e| StoreError::io(e, "seek", &self.tmp))?;
        let mut buf = vec![0u8; BUF];
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(StoreError::Canceled);
            }
            let n = match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Err(StoreError::io(e, "read", &self.tmp)),
            };
            self.hasher.update(&buf[..n]);
            self.size += n as u64;
        }
        Ok(true)
    }

    /// Name the object. With `expected`, other content is ECORRUPT and nothing is stored. When
    /// the object exists already the temp file is dropped (`written: false`).
    pub fn finish(mut self, expected: Option<&Hash>) -> Result<Put, StoreError> {
        let hash = *self.hasher.finalize().as_bytes();
        drop(self.file.take());
        let discard = |tmp: &Path| {
            let _ = fs::remove_file(tmp);
        };
        if let Some(want) = expected {
            if *want != hash {
                discard(&self.tmp);
                return Err(StoreError::Corrupt(format!(
                    "content hashes to {}, expected {}",
                    hex(&hash),
                    hex(want)
                )));
            }
        }
        if self.store.contains(&hash, Some(self.size)) {
            discard(&self.tmp);
            return Ok(Put {
                hash,
                size: self.size,
                written: false,
            });
        }
        let dst = self.store.object_path(&hash);
        let renamed = match fs::rename(&self.tmp, &dst) {
            Err(e) if e.kind() == ErrorKind::NotFound => {
                // A fan-out directory was removed by hand: make it again.
                if let Some(dir) = dst.parent() {
                    fs::create_dir_all(dir).map_err(|e| StoreError::io(e, "create", dir))?;
                }
                fs::rename(&self.tmp, &dst)
            }
            other => other,
        };
        if let Err(e) = renamed {
            discard(&self.tmp);
            return Err(StoreError::io(e, "rename into", &dst));
        }
        self.lock
            .fresh
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(dst);
        Ok(Put {
            hash,
            size: self.size,
            written: true,
        })
    }
}

impl Write for ObjectWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let file = self
            .file
            .as_mut()
            .ok_or_else(|| io::Error::other("object writer already finished"))?;
        let n = file.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Drop for ObjectWriter<'_> {
    fn drop(&mut self) {
        if self.file.take().is_some() {
            let _ = fs::remove_file(&self.tmp);
        }
    }
}

fn read_some(src: &mut dyn Read, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        match src.read(buf) {
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            other => return other,
        }
    }
}

pub(super) fn put_reader(
    store: &Store,
    lock: &StoreLock,
    src: &mut dyn Read,
    expected: Option<&Hash>,
    cancel: &AtomicBool,
    on_bytes: &dyn Fn(u64),
) -> Result<Put, StoreError> {
    let src_err = |e: io::Error| {
        StoreError::Core(crate::error::CoreError::io(e, "read", Path::new("source")))
    };
    if cancel.load(Ordering::Relaxed) {
        return Err(StoreError::Canceled);
    }
    // Up to SMALL bytes in memory: known content costs no write at all. read_to_end grows the
    // buffer as needed, so small files never pay for a 1 MiB allocation.
    let mut head = Vec::new();
    (&mut *src)
        .take(SMALL as u64 + 1)
        .read_to_end(&mut head)
        .map_err(src_err)?;
    let mut filled = head.len();
    on_bytes(filled as u64);
    if filled > SMALL && chunk::should_chunk(&head, chunk::FILE_MIN) {
        // A big hive: read it whole (bounded), then chunk it like a small one.
        let mut buf = vec![0u8; BUF];
        loop {
            if cancel.load(Ordering::Relaxed) {
                return Err(StoreError::Canceled);
            }
            let n = read_some(src, &mut buf).map_err(src_err)?;
            if n == 0 {
                break;
            }
            head.extend_from_slice(&buf[..n]);
            on_bytes(n as u64);
            if head.len() > chunk::FILE_MAX {
                break;
            }
        }
        filled = head.len();
        if filled > chunk::FILE_MAX {
            let mut w = store.writer(lock)?;
            w.write_all_bytes(&head)?;
            drop(head);
            return stream_rest(w, src, expected, cancel, on_bytes);
        }
    }
    if filled <= SMALL || chunk::should_chunk(&head[..filled], filled) {
        let bytes = &head[..filled];
        let hash = *blake3::hash(bytes).as_bytes();
        if let Some(want) = expected {
            if *want != hash {
                return Err(changed(StoreError::Corrupt(format!(
                    "content hashes to {}, expected {}",
                    hex(&hash),
                    hex(want)
                ))));
            }
        }
        if store.contains(&hash, Some(filled as u64)) {
            return Ok(Put {
                hash,
                size: filled as u64,
                written: false,
            });
        }
        if chunk::should_chunk(bytes, filled) {
            return recipe::put_chunked(store, lock, bytes, hash);
        }
        let mut w = store.writer(lock)?;
        w.write_all_bytes(bytes)?;
        return w.finish(Some(&hash));
    }
    let mut w = store.writer(lock)?;
    w.write_all_bytes(&head[..filled])?;
    drop(head);
    stream_rest(w, src, expected, cancel, on_bytes)
}

/// Copy the rest of `src` into `w` and name the object.
fn stream_rest(
    mut w: ObjectWriter<'_>,
    src: &mut dyn Read,
    expected: Option<&Hash>,
    cancel: &AtomicBool,
    on_bytes: &dyn Fn(u64),
) -> Result<Put, StoreError> {
    let src_err = |e: io::Error| {
        StoreError::Core(crate::error::CoreError::io(e, "read", Path::new("source")))
    };
    let mut buf = vec![0u8; BUF];
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(StoreError::Canceled);
        }
        let n = read_some(src, &mut buf).map_err(src_err)?;
        if n == 0 {
            break;
        }
        w.write_all_bytes(&buf[..n])?;
        on_bytes(n as u64);
    }
    w.finish(expected).map_err(changed)
}

fn changed(e: StoreError) -> StoreError {
    match e {
        StoreError::Corrupt(m) => {
            StoreError::Changed(format!("content changed while it was stored: {m}"))
        }
        other => other,
    }
}

/// Open a regular file for reading without following a symlink and without blocking on a fifo
/// (EINVAL when it is not a regular file).
pub fn open_regular(path: &Path) -> Result<File, StoreError> {
    let file = OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(|e| StoreError::io(e, "open", path))?;
    let meta = file
        .metadata()
        .map_err(|e| StoreError::io(e, "stat", path))?;
    if !meta.is_file() {
        return Err(StoreError::Invalid(format!(
            "{} is not a regular file",
            path.display()
        )));
    }
    Ok(file)
}

pub(super) fn put_file(
    store: &Store,
    lock: &StoreLock,
    path: &Path,
    expected: Option<&Hash>,
    cancel: &AtomicBool,
) -> Result<Put, StoreError> {
    let mut file = open_regular(path)?;
    let size = file
        .metadata()
        .map_err(|e| StoreError::io(e, "stat", path))?
        .size();
    if let Some(h) = expected {
        if store.contains(h, Some(size)) {
            return Ok(Put {
                hash: *h,
                size,
                written: false,
            });
        }
    }
    put_open_file(store, lock, &mut file, size, expected, cancel, &|_| {}).map_err(|e| match e {
        StoreError::Changed(m) => StoreError::Changed(format!("{}: {m}", path.display())),
        other => other,
    })
}

/// Store an open regular file of `size` bytes from its current offset (the start). Big files
/// are reflinked where the filesystem can, else read once and written once.
pub(super) fn put_open_file(
    store: &Store,
    lock: &StoreLock,
    file: &mut File,
    size: u64,
    expected: Option<&Hash>,
    cancel: &AtomicBool,
    on_bytes: &dyn Fn(u64),
) -> Result<Put, StoreError> {
    if size as usize > SMALL && !store.reflink_disabled() {
        let mut w = store.writer(lock)?;
        if w.adopt_reflink(file, cancel)? {
            on_bytes(w.size());
            return w.finish(expected).map_err(changed);
        }
    }
    put_reader(store, lock, file, expected, cancel, on_bytes)
}

/// Reads an object and checks, at EOF, that the content hashes to its name: the last read
/// fails with `InvalidData` ("ECORRUPT: ...") otherwise. A chunked object (see `chunk`) reads
/// as its chunks in order. Use `read_to_end_verified`, or `coded` on an error, for a coded error.
pub struct ObjectReader {
    source: Source,
    path: PathBuf,
    expected: Hash,
    hasher: blake3::Hasher,
    len: u64,
    read: u64,
    verdict: Option<bool>,
}

enum Source {
    Whole(File),
    Chunks {
        objects: PathBuf,
        list: Vec<Hash>,
        next: usize,
        current: Option<File>,
    },
}

impl ObjectReader {
    pub(super) fn open(store: &Store, hash: &Hash) -> Result<ObjectReader, StoreError> {
        let path = store.object_path(hash);
        let (source, len) = match File::open(&path) {
            Ok(f) => {
                let len = f
                    .metadata()
                    .map_err(|e| StoreError::io(e, "stat", &path))?
                    .size();
                (Source::Whole(f), len)
            }
            Err(e) if e.kind() == ErrorKind::NotFound => match recipe::load(store, hash)? {
                Some(r) => (
                    Source::Chunks {
                        objects: store.root().to_path_buf(),
                        list: r.chunks,
                        next: 0,
                        current: None,
                    },
                    r.size,
                ),
                None => {
                    return Err(StoreError::ObjectNotFound(format!(
                        "the store has no object {}",
                        hex(hash)
                    )))
                }
            },
            Err(e) => return Err(StoreError::io(e, "open", &path)),
        };
        Ok(ObjectReader {
            source,
            path,
            expected: *hash,
            hasher: blake3::Hasher::new(),
            len,
            read: 0,
            verdict: None,
        })
    }

    /// The object's size.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn whole_file(&self) -> Option<&File> {
        match &self.source {
            Source::Whole(f) => Some(f),
            Source::Chunks { .. } => None,
        }
    }

    fn corrupt_message(&self) -> String {
        format!(
            "object {} is corrupt: its content does not hash to its name",
            hex(&self.expected)
        )
    }

    /// Read the rest into `out`; ECORRUPT when the content does not match the name.
    pub fn read_to_end_verified(&mut self, out: &mut Vec<u8>) -> Result<(), StoreError> {
        self.read_to_end(out).map_err(|e| self.coded(e))?;
        Ok(())
    }

    /// The coded error for an I/O error this reader returned.
    pub fn coded(&self, e: io::Error) -> StoreError {
        if e.kind() == ErrorKind::InvalidData && self.verdict == Some(false) {
            StoreError::Corrupt(self.corrupt_message())
        } else {
            StoreError::io(e, "read", &self.path)
        }
    }

    fn corrupt(&mut self) -> io::Error {
        self.verdict = Some(false);
        io::Error::new(
            ErrorKind::InvalidData,
            format!("ECORRUPT: {}", self.corrupt_message()),
        )
    }

    fn read_source(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match &mut self.source {
            Source::Whole(f) => f.read(buf),
            Source::Chunks {
                objects,
                list,
                next,
                current,
            } => loop {
                if let Some(f) = current {
                    let n = f.read(buf)?;
                    if n > 0 {
                        return Ok(n);
                    }
                    *current = None;
                }
                let Some(h) = list.get(*next) else {
                    return Ok(0);
                };
                let hx = hex(h);
                match File::open(objects.join("objects").join(&hx[..2]).join(&hx[2..])) {
                    Ok(f) => *current = Some(f),
                    Err(e) if e.kind() == ErrorKind::NotFound => {
                        return Err(io::Error::new(ErrorKind::InvalidData, "chunk missing"))
                    }
                    Err(e) => return Err(e),
                }
                *next += 1;
            },
        }
    }
}

impl Read for ObjectReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self.verdict {
            Some(true) => return Ok(0),
            Some(false) => return Err(self.corrupt()),
            None => {}
        }
        let n = match self.read_source(buf) {
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::InvalidData => return Err(self.corrupt()),
            Err(e) => return Err(e),
        };
        if n == 0 && !buf.is_empty() {
            let ok = self.read == self.len && self.hasher.finalize().as_bytes() == &self.expected;
            self.verdict = Some(ok);
            return self.read(buf);
        }
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

pub(super) fn copy_to(
    store: &Store,
    hash: &Hash,
    dst: &mut File,
    cancel: &AtomicBool,
    on_bytes: &dyn Fn(u64),
) -> Result<u64, StoreError> {
    let mut r = ObjectReader::open(store, hash)?;
    let dst_path = Path::new("restored file");
    let whole = r.whole_file().and_then(|f| f.try_clone().ok());
    if let (Some(src), true) = (whole, r.len as usize > SMALL && !store.reflink_disabled()) {
        match sys::reflink(&src, dst) {
            Ok(()) => {
                // The copy shares the object's blocks: verifying the object verifies it.
                let mut buf = vec![0u8; BUF];
                loop {
                    if cancel.load(Ordering::Relaxed) {
                        return Err(StoreError::Canceled);
                    }
                    match r.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => on_bytes(n as u64),
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(e) => return Err(r.coded(e)),
                    }
                }
                return Ok(r.read);
            }
            Err(e) if sys::reflink_unsupported(&e) => store.disable_reflink(),
            Err(e) => return Err(StoreError::io(e, "reflink into", dst_path)),
        }
    }
    let mut buf = vec![0u8; BUF.min(r.len as usize + 1).max(1)];
    loop {
        if cancel.load(Ordering::Relaxed) {
            return Err(StoreError::Canceled);
        }
        let n = match r.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(r.coded(e)),
        };
        dst.write_all(&buf[..n])
            .map_err(|e| StoreError::io(e, "write", dst_path))?;
        on_bytes(n as u64);
    }
    Ok(r.read)
}

pub(super) fn make_durable(store: &Store, fresh: Vec<PathBuf>) -> Result<(), StoreError> {
    if fresh.is_empty() {
        return Ok(());
    }
    if fresh.len() > FSYNC_EACH_MAX {
        return sys::syncfs(store.root()).map_err(|e| StoreError::io(e, "sync", store.root()));
    }
    let dirs: BTreeSet<PathBuf> = fresh
        .iter()
        .filter_map(|p| p.parent().map(Path::to_path_buf))
        .collect();
    super::sync_paths(&fresh)?;
    super::sync_paths(&dirs.into_iter().collect::<Vec<_>>())
}

pub(super) fn list(store: &Store) -> Result<Vec<(Hash, u64)>, StoreError> {
    let objects = store.root().join("objects");
    let mut out = Vec::new();
    for fan in fs::read_dir(&objects).map_err(|e| StoreError::io(e, "list", &objects))? {
        let fan = fan.map_err(|e| StoreError::io(e, "list", &objects))?;
        let Some(prefix) = fan.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if prefix.len() != 2 || !fan.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = fan.path();
        for item in fs::read_dir(&dir).map_err(|e| StoreError::io(e, "list", &dir))? {
            let item = item.map_err(|e| StoreError::io(e, "list", &dir))?;
            let Some(rest) = item.file_name().to_str().map(str::to_string) else {
                continue;
            };
            let Some(hash) = crate::walk::from_hex(&format!("{prefix}{rest}")) else {
                continue;
            };
            let size = item.metadata().map(|m| m.size()).unwrap_or(0);
            out.push((hash, size));
        }
    }
    Ok(out)
}
