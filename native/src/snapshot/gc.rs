//! Garbage collection: remove the objects, recipes and frozen layers nothing references.
//!
//! Mark and sweep under the store's exclusive lock. Every writer (snapshot, restore, clone,
//! export, import) holds the lock shared from its first object write until the manifest that
//! references its objects is durable, so while gc holds it exclusive there is no object that is
//! written but not yet referenced, and no reader mid-way. Roots: every snapshot manifest of every
//! folder under `containers/` (trash folders and committed clone stagings included), every
//! layer's stat cache tree, every `lower.json`, and the frozen layer of any committed but
//! unfinished clone. Staged folders no intent names were left by a crash before their commit
//! point: they are garbage and are not read. A manifest that does not read stops gc (it would
//! not know what that snapshot needs).

use std::collections::HashSet;
use std::fs;
use std::io::ErrorKind;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::Serialize;

use super::layer::{read_chain, read_state, valid_layer_id};
use super::manifest;
use super::progress::{OnProgress, Phase, Progress};
use super::swap::{intent_path, Intent};
use crate::container::files::remove_tree;
use crate::container::{ContainerPaths, DataDir};
use crate::store::{parse_hash, recipe, Hash, Store, StoreError};
use crate::walk::Tree;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GcReport {
    pub snapshots: u64,
    pub objects_kept: u64,
    pub objects_removed: u64,
    pub bytes_removed: u64,
    pub layers_removed: u64,
    pub temp_removed: u64,
    /// Snapshots whose tree object is missing or damaged (`<container>/<snapshot>`).
    pub broken_snapshots: Vec<String>,
    pub duration_ms: u64,
}

struct Roots {
    /// (name for reports, tree object, whether it is a snapshot rather than a cache)
    trees: Vec<(String, Hash, bool)>,
    layers: HashSet<String>,
    clone_stagings: HashSet<String>,
}

fn read_intent(paths: &ContainerPaths, name: &str) -> Result<Option<Intent>, StoreError> {
    match fs::read(intent_path(paths)) {
        Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
            StoreError::Corrupt(format!("the layer intent of {name} is unreadable: {e}"))
        }),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(StoreError::io(e, "read", &intent_path(paths))),
    }
}

fn roots(data: &DataDir) -> Result<Roots, StoreError> {
    let mut r = Roots {
        trees: Vec::new(),
        layers: HashSet::new(),
        clone_stagings: HashSet::new(),
    };
    let containers = data.containers();
    let mut dirs = Vec::new();
    match fs::read_dir(&containers) {
        Ok(entries) => {
            for entry in entries {
                let entry = entry.map_err(|e| StoreError::io(e, "list", &containers))?;
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    dirs.push((
                        entry.file_name().to_string_lossy().into_owned(),
                        entry.path(),
                    ));
                }
            }
        }
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(r),
        Err(e) => return Err(StoreError::io(e, "list", &containers)),
    }
    // Committed swaps first: they name the staged folders that count (complete and durable).
    // Any other staged folder is what a crash before a commit point left: garbage, possibly
    // half written, so it is not read.
    let mut intents = Vec::new();
    for (name, dir) in &dirs {
        let paths = ContainerPaths { dir: dir.clone() };
        if let Some(i) = read_intent(&paths, name)? {
            r.layers.extend(i.freeze.clone());
            r.clone_stagings.extend(i.clone_staging.clone());
            intents.push((dir.clone(), i));
        }
    }
    for (name, dir) in &dirs {
        if name.starts_with(".clone-") && !r.clone_stagings.contains(name) {
            continue;
        }
        let paths = ContainerPaths { dir: dir.clone() };
        for s in manifest::list(&paths)? {
            r.trees
                .push((format!("{name}/{}", s.id), parse_hash(&s.tree)?, true));
        }
        let mut layer_dirs = vec![paths.dir.join("layer")];
        for (owner, i) in &intents {
            if owner == dir {
                layer_dirs.push(dir.join(&i.staged));
            }
        }
        for dir in layer_dirs {
            if let Some(h) = read_state(&dir)
                .tree
                .as_deref()
                .and_then(crate::walk::from_hex)
            {
                r.trees.push((format!("{name} stat cache"), h, false));
            }
            r.layers.extend(read_chain(&dir)?.layers);
        }
    }
    Ok(r)
}

/// Collect garbage in the data dir's store. Waits for running snapshots, restores, clones,
/// exports and imports to finish (and makes new ones wait); cancelable while it waits and
/// between objects (a partial sweep is safe).
pub fn gc(
    data: &DataDir,
    progress: OnProgress<'_>,
    cancel: &AtomicBool,
) -> Result<GcReport, StoreError> {
    let t0 = Instant::now();
    let store = Store::open(data)?;
    let lock = store.lock_exclusive(cancel)?;
    progress(Progress::at(Phase::Mark));
    let roots = roots(data)?;
    let mut report = GcReport::default();
    let mut marked: HashSet<Hash> = HashSet::new();
    for (i, (name, hash, is_snapshot)) in roots.trees.iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(StoreError::Canceled);
        }
        if *is_snapshot {
            report.snapshots += 1;
        }
        progress(Progress {
            files_done: i as u64,
            files_total: roots.trees.len() as u64,
            ..Progress::at(Phase::Mark)
        });
        let tree = store
            .read_object(hash)
            .and_then(|b| Tree::from_json(&b).map_err(|e| StoreError::Corrupt(e.to_string())));
        match tree {
            Ok(t) => {
                marked.insert(*hash);
                marked.extend(t.entries().iter().filter_map(|e| e.hash));
            }
            Err(StoreError::ObjectNotFound(_) | StoreError::Corrupt(_)) => {
                // Keep a damaged tree object for inspection; its files cannot be known.
                marked.insert(*hash);
                if *is_snapshot {
                    report.broken_snapshots.push(name.clone());
                }
            }
            Err(e) => return Err(e),
        }
    }
    // Chunks of kept recipes are kept too.
    let recipes = store.recipes()?;
    for r in &recipes {
        if marked.contains(r) {
            if let Some(rec) = recipe::load(&store, r)? {
                marked.extend(rec.chunks);
            }
        }
    }

    let objects = store.objects()?;
    let total = objects.len() as u64;
    for (i, (hash, size)) in objects.into_iter().enumerate() {
        if cancel.load(Ordering::Relaxed) {
            return Err(StoreError::Canceled);
        }
        if i % 1024 == 0 {
            progress(Progress {
                files_done: i as u64,
                files_total: total,
                bytes_done: report.bytes_removed,
                ..Progress::at(Phase::Sweep)
            });
        }
        if marked.contains(&hash) {
            report.objects_kept += 1;
        } else {
            store.remove_object(&lock, &hash)?;
            report.objects_removed += 1;
            report.bytes_removed += size;
        }
    }
    for r in recipes {
        if marked.contains(&r) {
            report.objects_kept += 1;
        } else {
            store.remove_object(&lock, &r)?;
            report.objects_removed += 1;
        }
    }
    report.temp_removed = store.clear_tmp(&lock)? as u64;
    let layers_dir = store.layers_dir();
    for entry in fs::read_dir(&layers_dir).into_iter().flatten().flatten() {
        let id = entry.file_name().to_string_lossy().into_owned();
        if valid_layer_id(&id) && !roots.layers.contains(&id) {
            let p = entry.path();
            remove_tree(&p).map_err(|e| StoreError::io(e, "remove", &p))?;
            report.layers_removed += 1;
        }
    }
    // Clones that crashed before their commit point left a staged folder nobody will finish.
    for entry in fs::read_dir(data.containers())
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(".clone-") && !roots.clone_stagings.contains(&name) {
            let p = entry.path();
            remove_tree(&p).map_err(|e| StoreError::io(e, "remove", &p))?;
        }
    }
    report.duration_ms = t0.elapsed().as_millis() as u64;
    progress(Progress {
        files_done: total,
        files_total: total,
        bytes_done: report.bytes_removed,
        ..Progress::at(Phase::Done)
    });
    Ok(report)
}
