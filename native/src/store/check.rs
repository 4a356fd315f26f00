//! Looking at a whole store: its size (tests, benchmarks, the panel) and a full verification
//! (every object and recipe re-read and re-hashed; what fault-injection tests assert).

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::Serialize;

use super::{hex, Hash, Store, StoreError};

/// How big a store is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Usage {
    /// Whole objects, chunks included, and their bytes.
    pub objects: u64,
    pub bytes: u64,
    /// Chunked objects (their chunks are counted in `objects`).
    pub recipes: u64,
    /// Frozen layers shared by clones.
    pub layers: u64,
}

/// The result of `verify`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Verified {
    pub checked: u64,
    /// Objects whose content does not hash to their name (or whose chunks are missing), hex.
    pub corrupt: Vec<String>,
}

pub(super) fn usage(store: &Store) -> Result<Usage, StoreError> {
    let objects = store.objects()?;
    let layers = std::fs::read_dir(store.layers_dir())
        .map(|d| d.flatten().count() as u64)
        .unwrap_or(0);
    Ok(Usage {
        objects: objects.len() as u64,
        bytes: objects.iter().map(|(_, s)| s).sum(),
        recipes: store.recipes()?.len() as u64,
        layers,
    })
}

fn intact(store: &Store, hash: &Hash) -> Result<bool, StoreError> {
    let mut r = match store.open_object(hash) {
        Ok(r) => r,
        Err(StoreError::Corrupt(_)) => return Ok(false),
        Err(e) => return Err(e),
    };
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        match r.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => {
                return match r.coded(e) {
                    StoreError::Corrupt(_) => Ok(false),
                    other => Err(other),
                }
            }
        }
    }
}

pub(super) fn verify(store: &Store, cancel: &AtomicBool) -> Result<Verified, StoreError> {
    let mut out = Verified::default();
    let all = store
        .objects()?
        .into_iter()
        .map(|(h, _)| h)
        .chain(store.recipes()?);
    for hash in all {
        if cancel.load(Ordering::Relaxed) {
            return Err(StoreError::Canceled);
        }
        out.checked += 1;
        if !intact(store, &hash)? {
            out.corrupt.push(hex(&hash));
        }
    }
    Ok(out)
}
