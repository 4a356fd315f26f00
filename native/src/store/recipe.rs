//! Chunked objects. A file stored as chunks (see `chunk`) has a recipe at
//! `<store>/recipes/<64 hex>`, named by the hash of the whole content like any object, listing
//! its chunks; each chunk is an ordinary object. Readers see one object either way.
//!
//! ```text
//! orbit-recipe 1
//! <size in bytes>
//! <chunk hash>        one line per chunk, in order
//! ```
//!
//! A recipe is written like an object (temp file, rename), after all its chunks: a recipe that
//! exists always names chunks that exist (until gc, which keeps the chunks of kept recipes).

use std::fs::{self, File, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use super::error::StoreError;
use super::lock::StoreLock;
use super::{chunk, hex, object::Put, Hash, Store};

const MAGIC: &str = "orbit-recipe 1";

/// A parsed recipe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipe {
    pub size: u64,
    pub chunks: Vec<Hash>,
}

pub fn path(store: &Store, hash: &Hash) -> PathBuf {
    store.root().join("recipes").join(hex(hash))
}

/// The recipe of `hash`, if the object is stored chunked. A malformed recipe is ECORRUPT.
pub fn load(store: &Store, hash: &Hash) -> Result<Option<Recipe>, StoreError> {
    let p = path(store, hash);
    let text = match fs::read_to_string(&p) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
        Err(e) if e.kind() == ErrorKind::InvalidData => return Err(bad(hash)),
        Err(e) => return Err(StoreError::io(e, "read", &p)),
    };
    let mut lines = text.lines();
    if lines.next() != Some(MAGIC) {
        return Err(bad(hash));
    }
    let size: u64 = lines
        .next()
        .and_then(|l| l.parse().ok())
        .ok_or_else(|| bad(hash))?;
    let chunks = lines
        .map(|l| crate::walk::from_hex(l).ok_or_else(|| bad(hash)))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Some(Recipe { size, chunks }))
}

fn bad(hash: &Hash) -> StoreError {
    StoreError::Corrupt(format!("the recipe of object {} is malformed", hex(hash)))
}

/// Store `bytes` (whose hash is `hash`) as chunks plus a recipe.
pub(super) fn put_chunked(
    store: &Store,
    lock: &StoreLock,
    bytes: &[u8],
    hash: Hash,
) -> Result<Put, StoreError> {
    let mut text = format!("{MAGIC}\n{}\n", bytes.len());
    for part in chunk::chunks(bytes) {
        let h = store.put_bytes(lock, part)?;
        text.push_str(&hex(&h));
        text.push('\n');
    }
    let dir = store.root().join("recipes");
    fs::create_dir_all(&dir).map_err(|e| StoreError::io(e, "create", &dir))?;
    let tmp = store.tmp_dir().join(format!(
        "{}-{}.recipe",
        std::process::id(),
        crate::container::files::random_hex(8)
    ));
    let written = (|| -> std::io::Result<()> {
        let mut f: File = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o444)
            .open(&tmp)?;
        f.write_all(text.as_bytes())
    })();
    let dst = path(store, &hash);
    let renamed = written.and_then(|()| fs::rename(&tmp, &dst));
    if let Err(e) = renamed {
        let _ = fs::remove_file(&tmp);
        return Err(StoreError::io(e, "write", &dst));
    }
    lock.fresh
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .push(dst);
    Ok(Put {
        hash,
        size: bytes.len() as u64,
        written: true,
    })
}

/// Every recipe in the store (gc).
pub fn list(store: &Store) -> Result<Vec<Hash>, StoreError> {
    let dir = store.root().join("recipes");
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(StoreError::io(e, "list", &dir)),
    };
    let mut out = Vec::new();
    for e in entries {
        let e = e.map_err(|e| StoreError::io(e, "list", &dir))?;
        if let Some(h) = e.file_name().to_str().and_then(crate::walk::from_hex) {
            out.push(h);
        }
    }
    Ok(out)
}
