//! A container's layer as snapshots see it: `layer/upper` plus, for a clone, the frozen layers
//! below it (`layer/lower.json`), and the layer's cached state (`layer/state.json`).
//!
//! ```text
//! layer/upper        the overlay upper dir (runs write here)
//! layer/work         the overlay workdir
//! layer/lower.json   {"layers":["<16 hex>", ...]}: frozen layers under <store>/layers/, top
//!                    first, stacked between upper and the base runtime; absent = none
//! layer/state.json   {"head": "<snapshot id>", "tree": "<hex>", "trustBefore": [s, ns]}: the
//!                    snapshot the layer descends from, and the tree object of its last scan
//!                    or restore (the stat cache of the next snapshot)
//! ```
//!
//! All of them live inside `layer/`, so the one rename that swaps a layer (restore, clone)
//! swaps them together.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};

use super::flatten::flatten;
use crate::container::files::write_atomic;
use crate::container::{ContainerConfig, ContainerPaths, DataDir, RuntimeKind};
use crate::store::{Store, StoreError};
use crate::walk::{self, Entry, ScanOptions, Timestamp, Tree, TreeIndex};

/// Most frozen layers a container may stack (overlayfs options must fit in one page).
pub const MAX_CHAIN: usize = 16;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Chain {
    pub layers: Vec<String>,
}

/// layer/state.json.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LayerState {
    #[serde(default)]
    pub head: Option<String>,
    #[serde(default)]
    pub tree: Option<String>,
    #[serde(default)]
    pub trust_before: Option<Timestamp>,
}

pub fn chain_file(layer_dir: &Path) -> PathBuf {
    layer_dir.join("lower.json")
}

pub fn state_file(layer_dir: &Path) -> PathBuf {
    layer_dir.join("state.json")
}

/// The `layer/` folder of a container.
pub fn layer_dir(paths: &ContainerPaths) -> PathBuf {
    paths.dir.join("layer")
}

/// A frozen layer id: 16 lowercase hex digits.
pub fn valid_layer_id(id: &str) -> bool {
    id.len() == 16 && id.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f'))
}

/// The frozen layers of a layer folder, top first; none when lower.json is absent.
pub fn read_chain(layer_dir: &Path) -> Result<Chain, StoreError> {
    let path = chain_file(layer_dir);
    let bytes = match fs::read(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Chain::default()),
        Err(e) => return Err(StoreError::io(e, "read", &path)),
    };
    let chain: Chain = serde_json::from_slice(&bytes)
        .map_err(|e| StoreError::Corrupt(format!("{} is unreadable: {e}", path.display())))?;
    if let Some(bad) = chain.layers.iter().find(|l| !valid_layer_id(l)) {
        return Err(StoreError::Corrupt(format!(
            "{} names an invalid layer {bad:?}",
            path.display()
        )));
    }
    Ok(chain)
}

pub fn write_chain(layer_dir: &Path, chain: &Chain) -> Result<(), StoreError> {
    let path = chain_file(layer_dir);
    if chain.layers.is_empty() {
        return match fs::remove_file(&path) {
            Err(e) if e.kind() != ErrorKind::NotFound => Err(StoreError::io(e, "remove", &path)),
            _ => Ok(()),
        };
    }
    let json = serde_json::to_vec(chain).map_err(crate::error::CoreError::from)?;
    write_atomic(&path, &json, 0o644).map_err(|e| StoreError::io(e, "write", &path))
}

/// The layer's cached state; an unreadable file counts as empty (it is only a cache and a hint).
pub fn read_state(layer_dir: &Path) -> LayerState {
    fs::read(state_file(layer_dir))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default()
}

pub fn write_state(layer_dir: &Path, state: &LayerState) -> Result<(), StoreError> {
    let path = state_file(layer_dir);
    let json = serde_json::to_vec(state).map_err(crate::error::CoreError::from)?;
    write_atomic(&path, &json, 0o644).map_err(|e| StoreError::io(e, "write", &path))
}

/// The directories a container's layer stacks, top first: `layer/upper`, then its frozen layers.
pub fn layer_roots(store: &Store, paths: &ContainerPaths) -> Result<Vec<PathBuf>, StoreError> {
    let mut roots = vec![paths.upper()];
    for id in read_chain(&layer_dir(paths))?.layers {
        roots.push(store.layers_dir().join(id));
    }
    Ok(roots)
}

/// The base runtime's prefix of a container (None for a native container).
pub fn runtime_prefix(
    data: &DataDir,
    config: &ContainerConfig,
) -> Result<Option<PathBuf>, StoreError> {
    match (config.runtime.kind, &config.runtime.id) {
        (RuntimeKind::Wine, Some(rt)) => Ok(Some(crate::runtime::paths(data, rt)?.prefix())),
        _ => Ok(None),
    }
}

/// The overlay `lowerdir` a run of the container needs: its frozen layers, then its runtime,
/// joined with ':' (overlayfs's separator; data dir paths never contain one).
pub fn lowerdir(data: &DataDir, id: &str) -> Result<String, StoreError> {
    let (config, paths) = crate::container::load(data, id)?;
    let store = Store::open(data)?;
    let mut dirs: Vec<PathBuf> = layer_roots(&store, &paths)?.split_off(1);
    dirs.extend(runtime_prefix(data, &config)?);
    if dirs.is_empty() {
        return Err(StoreError::Invalid(format!(
            "container {id} has no lower layer (a native container is bound, not overlaid)"
        )));
    }
    Ok(dirs
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(":"))
}

/// The previous scan a new snapshot may reuse hashes from, if the state names a readable tree.
pub fn stat_cache(store: &Store, layer_dir: &Path) -> Option<TreeIndex> {
    let state = read_state(layer_dir);
    let hash = crate::walk::from_hex(state.tree.as_deref()?)?;
    let bytes = store.read_object(&hash).ok()?;
    let tree = Tree::from_json(&bytes).ok()?;
    let index = TreeIndex::new(tree);
    Some(match state.trust_before {
        Some(t) => index.trust_before(t),
        None => index,
    })
}

/// What a scan of all the layer's roots saw, flattened, with each entry's root.
pub struct Scanned {
    pub entries: Vec<Entry>,
    /// Index into `roots` of the directory each entry lives in.
    pub sources: Vec<u8>,
    pub roots: Vec<PathBuf>,
}

/// Scan every root (stat calls only, overlay markers read) and flatten them.
pub fn scan_roots(
    roots: Vec<PathBuf>,
    on_entries: &dyn Fn(u64),
    cancel: &AtomicBool,
) -> Result<Scanned, StoreError> {
    let opts = ScanOptions {
        hash: false,
        ..ScanOptions::default()
    };
    let mut layers = Vec::with_capacity(roots.len());
    let mut seen_before = 0;
    for root in &roots {
        let report = |p: walk::Progress| on_entries(seen_before + p.entries_seen);
        let tree = walk::scan(root, &opts, None, &report, cancel)?;
        seen_before += tree.len() as u64;
        layers.push(tree.into_entries());
    }
    let (entries, sources) = flatten(layers).into_iter().unzip();
    Ok(Scanned {
        entries,
        sources,
        roots,
    })
}
