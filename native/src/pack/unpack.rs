//! The hostile-archive-safe unpacker: it executes a validated `Plan` (see validate.rs) under a
//! root directory it made itself, and verifies every byte it writes.
//!
//! Beyond what validation proved, every write is made so it cannot land elsewhere even if the
//! tree were not what it expects: directories with mkdir (fails on anything existing, symlinks
//! included), files with O_CREAT|O_EXCL|O_NOFOLLOW, metadata through the opened descriptor or
//! the l* calls, never by following a path's last component; no hard link is ever made.
//! Whiteouts are 0:0 character devices (mknod), nothing else of the kind is created.
//!
//! Content arrives as the blob stream: each blob's bytes go into the (first few) files that have
//! that content while being hashed; further files with it are copied from the first once it
//! verified. The files are created ahead of their content on other threads (precreate.rs). A
//! blob whose hash differs is ETAMPERED; the caller removes the whole root on any error.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use super::chunks::from_io;
use super::error::{PackError, Result};
use super::precreate::{spawn_creators, Precreated};
use super::sys;
use super::validate::{NodeKind, ValidTree};
use crate::walk::Timestamp;

/// Who owns what is unpacked: as root, the sandbox's user (who runs Wine and must rewrite what
/// it finds); otherwise the caller, which the sandbox's user namespace maps to that user.
pub fn layer_owner() -> Option<(u32, u32)> {
    sys::is_root().then_some((crate::sandbox::ORBIT_UID, crate::sandbox::ORBIT_GID))
}

/// The overlayfs opaque attribute name the sandbox's mount reads: `trusted.` when it mounts as
/// root, `user.` (userxattr) otherwise.
fn opaque_xattr() -> &'static str {
    if sys::is_root() {
        "trusted.overlay.opaque"
    } else {
        "user.overlay.opaque"
    }
}

fn io_err<'a>(action: &'static str, path: &'a Path) -> impl Fn(io::Error) -> PackError + 'a {
    move |e| PackError::io(e, action, path)
}

/// Creates one validated tree under `root` (an empty directory the caller made).
pub struct TreeWriter<'a> {
    pub root: PathBuf,
    pub tree: &'a ValidTree,
    pub owner: Option<(u32, u32)>,
}

impl TreeWriter<'_> {
    pub fn abs(&self, i: usize) -> PathBuf {
        self.root.join(&self.tree.nodes[i].path)
    }

    /// Make every directory (owner-only while unpacking; final modes come in `finish`).
    pub fn make_dirs(&self) -> Result<()> {
        for (i, n) in self.tree.nodes.iter().enumerate() {
            if let NodeKind::Dir { opaque } = n.kind {
                let p = self.abs(i);
                fs::DirBuilder::new()
                    .mode(0o700)
                    .create(&p)
                    .map_err(io_err("create directory", &p))?;
                if opaque {
                    sys::set_xattr(&p, opaque_xattr(), b"y").map_err(io_err("mark opaque", &p))?;
                }
            }
        }
        Ok(())
    }

    /// Create file node `i` for writing; never follows or replaces anything.
    pub fn create_file(&self, i: usize) -> Result<File> {
        let p = self.abs(i);
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC)
            .open(&p)
            .map_err(io_err("create", &p))
    }

    /// Give a written file its mode, owner and time, through its descriptor.
    pub fn finish_file(&self, i: usize, file: &File) -> Result<()> {
        let n = &self.tree.nodes[i];
        let p = self.abs(i);
        if let Some((uid, gid)) = self.owner {
            std::os::unix::fs::fchown(file, Some(uid), Some(gid)).map_err(io_err("chown", &p))?;
        }
        file.set_permissions(fs::Permissions::from_mode(n.mode))
            .map_err(io_err("chmod", &p))?;
        file.set_times(times(n.mtime))
            .map_err(io_err("set times of", &p))
    }

    /// Symlinks and whiteouts (after the files, so nothing is ever written through a link).
    pub fn make_links(&self) -> Result<()> {
        for (i, n) in self.tree.nodes.iter().enumerate() {
            let p = self.abs(i);
            match &n.kind {
                NodeKind::Symlink { target } => {
                    std::os::unix::fs::symlink(target, &p).map_err(io_err("create symlink", &p))?
                }
                NodeKind::Whiteout => {
                    sys::mknod_whiteout(&p).map_err(io_err("create whiteout", &p))?
                }
                _ => continue,
            }
            if let Some((uid, gid)) = self.owner {
                std::os::unix::fs::lchown(&p, Some(uid), Some(gid)).map_err(io_err("chown", &p))?;
            }
            sys::set_times_nofollow(&p, n.mtime).map_err(io_err("set times of", &p))?;
        }
        Ok(())
    }

    /// Directory modes, owners and times, children before parents (creating an entry changes
    /// its directory's time). Each directory is opened with O_NOFOLLOW|O_DIRECTORY.
    pub fn finish_dirs(&self) -> Result<()> {
        for (i, n) in self.tree.nodes.iter().enumerate().rev() {
            if !matches!(n.kind, NodeKind::Dir { .. }) {
                continue;
            }
            let p = self.abs(i);
            let dir = OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_DIRECTORY | libc::O_CLOEXEC)
                .open(&p)
                .map_err(io_err("open directory", &p))?;
            if let Some((uid, gid)) = self.owner {
                std::os::unix::fs::fchown(&dir, Some(uid), Some(gid))
                    .map_err(io_err("chown", &p))?;
            }
            dir.set_permissions(fs::Permissions::from_mode(n.mode))
                .map_err(io_err("chmod", &p))?;
            dir.set_times(times(n.mtime))
                .map_err(io_err("set times of", &p))?;
        }
        Ok(())
    }
}

fn times(t: Timestamp) -> fs::FileTimes {
    let at = if t.secs >= 0 {
        std::time::UNIX_EPOCH + std::time::Duration::new(t.secs as u64, t.nsec.min(999_999_999))
    } else {
        std::time::UNIX_EPOCH - std::time::Duration::from_secs(t.secs.unsigned_abs())
    };
    fs::FileTimes::new().set_modified(at).set_accessed(at)
}

/// Where a blob's bytes go: (tree index, node index) pairs, or the content store for blobs
/// only snapshots use.
#[derive(Debug, Default, Clone)]
pub struct Targets {
    pub files: Vec<(usize, usize)>,
    pub store: bool,
}

/// Receives blobs that go to the content store (snapshot content).
pub trait BlobSink {
    /// Store `size` bytes read from `data`, whose BLAKE3 must be `hash` (ETAMPERED otherwise).
    fn put(&mut self, hash: &[u8; 32], size: u64, data: &mut dyn Read) -> Result<()>;
}

/// Progress of the content phase.
pub trait OnBytes {
    fn bytes(&mut self, files_done: u64, bytes_done: u64);
}

impl<F: FnMut(u64, u64)> OnBytes for F {
    fn bytes(&mut self, files: u64, bytes: u64) {
        self(files, bytes)
    }
}

/// Map a failed read of the decompressed stream to the right error.
pub fn content_err(e: io::Error) -> PackError {
    match from_io(e) {
        Ok(pack) => pack,
        Err(e) => {
            let text = e.to_string();
            if text.contains("too much memory") {
                PackError::TooLarge(format!(
                    "the archive's zstd stream needs a window over the 128 MiB cap: {text}"
                ))
            } else if e.kind() == io::ErrorKind::UnexpectedEof {
                PackError::Tampered(
                    "the content ends before the last file the manifest lists".into(),
                )
            } else {
                PackError::BadArchive(format!("the archive's content is not valid zstd: {text}"))
            }
        }
    }
}

const COPY_BUF: usize = 256 * 1024;

/// Stream the blobs in `blobs` order from `content` into the trees' files (and the sink).
/// The files are created ahead on other threads (see precreate.rs).
#[allow(clippy::too_many_arguments)]
pub fn write_blobs(
    content: &mut dyn Read,
    blobs: &[([u8; 32], u64)],
    targets: &[Targets],
    writers: &[TreeWriter<'_>],
    sink: &mut Option<&mut dyn BlobSink>,
    cancel: &AtomicBool,
    progress: &mut dyn OnBytes,
) -> Result<()> {
    std::thread::scope(|s| {
        let made = spawn_creators(s, writers, targets, cancel);
        let result = fill_blobs(
            content, blobs, targets, writers, sink, cancel, progress, &made,
        );
        // Closes the channels, so creators still running stop before the scope joins them.
        drop(made);
        result
    })
}

#[allow(clippy::too_many_arguments)]
fn fill_blobs(
    content: &mut dyn Read,
    blobs: &[([u8; 32], u64)],
    targets: &[Targets],
    writers: &[TreeWriter<'_>],
    sink: &mut Option<&mut dyn BlobSink>,
    cancel: &AtomicBool,
    progress: &mut dyn OnBytes,
    made: &Precreated,
) -> Result<()> {
    let mut buf = vec![0u8; COPY_BUF];
    let (mut files_done, mut bytes_done) = (0u64, 0u64);
    for (b, (hash, size)) in blobs.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(PackError::Canceled);
        }
        let t = &targets[b];
        let mut limited = Read::take(&mut *content, *size);
        let Some(&(first_tree, first_node)) = t.files.first() else {
            // Only snapshots use it: into the store.
            let Some(sink) = sink.as_mut() else {
                return Err(PackError::BadArchive(format!(
                    "blob {} has nowhere to go",
                    crate::walk::to_hex(hash)
                )));
            };
            sink.put(hash, *size, &mut limited)?;
            bytes_done += size;
            progress.bytes(files_done, bytes_done);
            continue;
        };
        // The first few files with this content are written as it streams (unverified bytes
        // only ever sit in the work folder, which any failure removes).
        let mut files = made.take(b, t)?;
        let mut hasher = blake3::Hasher::new();
        let mut got = 0u64;
        loop {
            let n = match limited.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(content_err(e)),
            };
            hasher.update(&buf[..n]);
            for (file, &(tree, node)) in files.iter_mut().zip(&t.files) {
                file.write_all(&buf[..n])
                    .map_err(io_err("write", &writers[tree].abs(node)))?;
            }
            got += n as u64;
            bytes_done += n as u64;
            if got % (8 << 20) < n as u64 {
                progress.bytes(files_done, bytes_done);
            }
        }
        if got != *size {
            return Err(PackError::Tampered(
                "the content ends before the last file the manifest lists".into(),
            ));
        }
        if hasher.finalize().as_bytes() != hash {
            let path = &writers[first_tree].tree.nodes[first_node].path;
            return Err(PackError::Tampered(format!(
                "content of {path:?} does not match its hash in the signed manifest"
            )));
        }
        for (file, &(tree, node)) in files.iter().zip(&t.files) {
            writers[tree].finish_file(node, file)?;
            files_done += 1;
        }
        let ahead = files.len();
        drop(files);
        // Beyond the files made ahead: copies of the first, now verified.
        let from = writers[first_tree].abs(first_node);
        for &(tree, node) in &t.files[ahead..] {
            let w2 = &writers[tree];
            let mut src = File::open(&from).map_err(io_err("open", &from))?;
            let mut dst = w2.create_file(node)?;
            io::copy(&mut src, &mut dst).map_err(io_err("copy to", &w2.abs(node)))?;
            w2.finish_file(node, &dst)?;
            files_done += 1;
        }
        if let Some(sink) = sink.as_mut().filter(|_| t.store) {
            let mut src = File::open(&from).map_err(io_err("open", &from))?;
            sink.put(hash, *size, &mut src)?;
        }
        progress.bytes(files_done, bytes_done);
    }
    Ok(())
}

/// Which files (and whether the store) each blob goes to.
pub fn targets_of(
    trees: &[&ValidTree],
    blob_count: usize,
    store_trees: &[&ValidTree],
) -> Vec<Targets> {
    let mut out = vec![Targets::default(); blob_count];
    for (t, tree) in trees.iter().enumerate() {
        for (i, n) in tree.nodes.iter().enumerate() {
            if let NodeKind::File { blob } = n.kind {
                out[blob].files.push((t, i));
            }
        }
    }
    for tree in store_trees {
        for n in &tree.nodes {
            if let NodeKind::File { blob } = n.kind {
                out[blob].store = true;
            }
        }
    }
    out
}
