//! Clone a container into a new one that shares its content: constant time whatever the layer
//! holds, and writes to either never show up in the other.
//!
//! Why not copy or link files: the data dir is usually ext4 (no reflinks), so a copy costs the
//! whole layer (seconds for a 1 GB layer); and a hard link shares one inode, which a run writes
//! in place (Wine rewrites files, and `layer/upper` IS the overlay upper dir), so a write in one
//! container would show in the other.
//!
//! So a clone freezes the source's upper dir instead, the way image layers work: one rename
//! moves `layer/upper` to `<store>/layers/<16 hex>`, a read-only layer that nothing writes again.
//! The source and the clone then each get a new, empty upper dir and stack the frozen layer
//! below it (`layer/lower.json`, a run's `lowerdir=<frozen>:<runtime>`). overlayfs copies a file
//! up into the writer's own upper dir before changing it, so the two stay isolated. What the
//! layer holds is neither read nor copied; the cost is a few small files and renames.
//!
//! The three registry hives are the exception: they are copied into both new upper dirs
//! (a few MB), because the container registry API (and captures) read a container's hives from
//! its upper dir, else from the runtime. Snapshots of a clone flatten the stack (see
//! `snapshot::flatten`); a restore writes a flat layer, which drops the stack.
//!
//! Atomicity: the clone is assembled in `containers/.clone-*` and the source's new layer in
//! `<source>/.layer-clone-*`; then one intent commits freeze + swap + publish (see
//! `snapshot::swap`), so a crash leaves the source whole and either no clone or a whole one.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::{lchown, DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::container::files::{now_rfc3339, random_hex, remove_tree};
use crate::container::lock::lock_busy;
use crate::container::paths::{id_from_name, validate_id};
use crate::container::{self, ContainerInfo, ContainerPaths, DataDir};
use crate::registry::HiveId;
use crate::snapshot::layer::{
    chain_file, layer_dir, read_chain, read_state, state_file, Chain, MAX_CHAIN,
};
use crate::snapshot::swap::{self, ino_of, recover_locked, Intent, Step};
use crate::store::{sync_paths, sys, Store, StoreError};
use crate::walk::Timestamp;

#[cfg(test)]
mod tests;

/// What the clone is called. Both optional: the id is made from the name, the name is the
/// source's.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CloneSpec {
    pub id: Option<String>,
    pub name: Option<String>,
}

/// The new container and what making it cost.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cloned {
    pub container: ContainerInfo,
    /// The frozen layer both now stack, when the source's upper dir held anything.
    pub frozen_layer: Option<String>,
    /// Frozen layers the clone stacks below its own upper dir.
    pub stacked: usize,
    pub duration_ms: u64,
}

fn mkdir(p: &Path, mode: u32) -> Result<(), StoreError> {
    fs::DirBuilder::new()
        .mode(mode)
        .create(p)
        .map_err(|e| StoreError::io(e, "create", p))
}

/// An empty upper dir with the owner and mode of `like` (the sandbox runs Wine as that owner).
fn new_upper(p: &Path, like: &Path) -> Result<(), StoreError> {
    let m = fs::symlink_metadata(like).map_err(|e| StoreError::io(e, "stat", like))?;
    mkdir(p, 0o755)?;
    if sys::euid() == 0 {
        lchown(p, Some(m.uid()), Some(m.gid())).map_err(|e| StoreError::io(e, "chown", p))?;
    }
    fs::set_permissions(p, fs::Permissions::from_mode(m.mode() & 0o7777))
        .map_err(|e| StoreError::io(e, "chmod", p))
}

/// Copy a file with its mode, owner (as root) and mtime (made durable later, with the rest).
fn copy_file(src: &Path, dst: &Path) -> Result<(), StoreError> {
    let m = fs::symlink_metadata(src).map_err(|e| StoreError::io(e, "stat", src))?;
    fs::copy(src, dst).map_err(|e| StoreError::io(e, "copy", src))?;
    if sys::euid() == 0 {
        lchown(dst, Some(m.uid()), Some(m.gid())).map_err(|e| StoreError::io(e, "chown", dst))?;
    }
    fs::set_permissions(dst, fs::Permissions::from_mode(m.mode() & 0o7777))
        .map_err(|e| StoreError::io(e, "chmod", dst))?;
    let mtime = Timestamp {
        secs: m.mtime(),
        nsec: m.mtime_nsec() as u32,
    };
    sys::set_mtime_nofollow(dst, mtime).map_err(|e| StoreError::io(e, "set times of", dst))
}

/// Write a small file of a staged folder; it is made durable later, with the rest.
fn write_new(p: &Path, bytes: &[u8], sync: &mut Vec<PathBuf>) -> Result<(), StoreError> {
    fs::write(p, bytes).map_err(|e| StoreError::io(e, "write", p))?;
    sync.push(p.to_path_buf());
    Ok(())
}

fn json<T: Serialize>(value: &T) -> Result<Vec<u8>, StoreError> {
    Ok(serde_json::to_vec(value).map_err(crate::error::CoreError::from)?)
}

/// The hives as the stack shows them: for each, the top-most regular file among `roots`.
fn top_hives(roots: &[PathBuf]) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for id in HiveId::ALL {
        for root in roots {
            match fs::symlink_metadata(root.join(id.file_name())) {
                Ok(m) if m.is_file() => {
                    out.push(root.join(id.file_name()));
                    break;
                }
                // A whiteout or anything else hides lower copies: the runtime's shows.
                Ok(_) => break,
                Err(_) => {}
            }
        }
    }
    out
}

/// A layer folder over `chain`: upper (hive copies), empty work, lower.json, state.json.
/// Every path written is added to `sync`.
fn build_layer(
    dir: &Path,
    like_upper: &Path,
    hives: &[PathBuf],
    chain: &Chain,
    state_from: &Path,
    sync: &mut Vec<PathBuf>,
) -> Result<(), StoreError> {
    mkdir(dir, 0o755)?;
    let upper = dir.join("upper");
    new_upper(&upper, like_upper)?;
    for h in hives {
        let to = upper.join(h.file_name().unwrap_or_default());
        copy_file(h, &to)?;
        sync.push(to);
    }
    mkdir(&dir.join("work"), 0o700)?;
    write_new(&chain_file(dir), &json(chain)?, sync)?;
    // The stat cache stays valid: the frozen files keep their inodes.
    write_new(&state_file(dir), &json(&read_state(state_from))?, sync)?;
    sync.extend([upper, dir.join("work"), dir.to_path_buf()]);
    Ok(())
}

/// The clone's folder, assembled under `staging` (a hidden name in containers/).
fn build_clone(
    src: &ContainerPaths,
    staging: &Path,
    yaml: &str,
    new_id: &str,
    sync: &mut Vec<PathBuf>,
    layer: impl FnOnce(&Path, &mut Vec<PathBuf>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    mkdir(staging, 0o755)?;
    let dst = ContainerPaths {
        dir: staging.to_path_buf(),
    };
    write_new(&dst.config(), yaml.as_bytes(), sync)?;
    layer(&layer_dir(&dst), sync)?;
    mkdir(&dst.snapshots(), 0o755)?;
    mkdir(&dst.logs(), 0o755)?;
    // Snapshots are shared: their manifests are small, their objects are in the store.
    for entry in fs::read_dir(src.snapshots())
        .into_iter()
        .flatten()
        .flatten()
    {
        let name = entry.file_name();
        if name.to_string_lossy().ends_with(".json") {
            let bytes =
                fs::read(entry.path()).map_err(|e| StoreError::io(e, "read", &entry.path()))?;
            write_new(&dst.snapshots().join(&name), &bytes, sync)?;
        }
    }
    // The install record, now about the clone.
    match fs::read(src.manifest()) {
        Ok(bytes) => {
            let mut m: serde_json::Value =
                serde_json::from_slice(&bytes).map_err(crate::error::CoreError::from)?;
            if let Some(obj) = m.as_object_mut() {
                obj.insert(
                    "containerId".into(),
                    serde_json::Value::String(new_id.into()),
                );
            }
            let out = serde_json::to_vec_pretty(&m).map_err(crate::error::CoreError::from)?;
            write_new(&dst.manifest(), &out, sync)?;
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(StoreError::io(e, "read", &src.manifest())),
    }
    sync.extend([dst.snapshots(), dst.logs(), staging.to_path_buf()]);
    Ok(())
}

/// Clone container `src_id` (stopped: ERUNNING otherwise) into a new container.
pub fn clone(
    data: &DataDir,
    src_id: &str,
    spec: CloneSpec,
    cancel: &AtomicBool,
) -> Result<Cloned, StoreError> {
    clone_until(data, src_id, spec, cancel, Step::Done)
}

/// `clone`, stopping the commit before `stop` (tests: what a crash at that point leaves).
pub fn clone_until(
    data: &DataDir,
    src_id: &str,
    spec: CloneSpec,
    cancel: &AtomicBool,
    stop: Step,
) -> Result<Cloned, StoreError> {
    let t0 = Instant::now();
    let (config, paths) = container::load(data, src_id)?;
    let _busy = lock_busy(src_id, &paths, "cloning it")?;
    recover_locked(data, &paths)?;
    let store = Store::open(data)?;
    // Held throughout: gc must not remove a frozen layer before the clone references it.
    let _lock = store.lock_shared(cancel)?;

    let name = spec.name.unwrap_or_else(|| config.name.clone());
    let new_id = match spec.id {
        Some(id) => {
            validate_id("id", &id)?;
            id
        }
        None => id_from_name(&name),
    };
    let target = data.container(&new_id)?.dir;
    if target.exists() {
        return Err(StoreError::Exists(format!(
            "a container with id {new_id:?} exists already"
        )));
    }
    let mut new_config = config.clone();
    new_config.id = new_id.clone();
    new_config.name = name;
    new_config.created_at = now_rfc3339();
    new_config.validate()?;
    let yaml = new_config.to_yaml()?;

    let old_layer = layer_dir(&paths);
    let chain = read_chain(&old_layer)?;
    let upper = paths.upper();
    let upper_empty = fs::read_dir(&upper)
        .map_err(|e| StoreError::io(e, "list", &upper))?
        .next()
        .is_none();
    let freeze = (!upper_empty).then(|| random_hex(8));
    let mut new_chain = chain.clone();
    if let Some(id) = &freeze {
        new_chain.layers.insert(0, id.clone());
    }
    if new_chain.layers.len() > MAX_CHAIN {
        return Err(StoreError::Limit(format!(
            "container {src_id} already stacks {} frozen layers; restore one of its snapshots (which flattens it) before cloning it again",
            chain.layers.len()
        )));
    }
    // The hives as the stack shows them now: the source's upper first, then its frozen layers.
    let mut roots = vec![upper.clone()];
    roots.extend(chain.layers.iter().map(|l| store.layers_dir().join(l)));
    let hives = top_hives(&roots);

    let containers = data.containers();
    let staging_name = format!(".clone-{new_id}-{}", random_hex(4));
    let staging = containers.join(&staging_name);
    let staged_name = format!(".layer-clone-{}", random_hex(4));
    let staged = paths.dir.join(&staged_name);
    let built = (|| -> Result<(), StoreError> {
        let mut sync = Vec::new();
        build_clone(&paths, &staging, &yaml, &new_id, &mut sync, |dir, sync| {
            build_layer(dir, &upper, &hives, &new_chain, &old_layer, sync)
        })?;
        if freeze.is_some() {
            build_layer(&staged, &upper, &hives, &new_chain, &old_layer, &mut sync)?;
            sync.push(paths.dir.clone());
        }
        sync.push(containers.clone());
        // Everything staged is on disk before the intent commits to it.
        sync_paths(&sync)
    })();
    if let Err(e) = built {
        let _ = remove_tree(&staging);
        let _ = remove_tree(&staged);
        return Err(e);
    }

    if freeze.is_some() {
        let intent = Intent {
            op: "clone".into(),
            staged: staged_name,
            staged_ino: ino_of(&staged)?,
            layer_ino: ino_of(&old_layer)?,
            freeze: freeze.clone(),
            clone_staging: Some(staging_name),
            clone_id: Some(new_id.clone()),
        };
        swap::commit_until(data, &paths, &intent, stop)?;
    } else {
        // Nothing to freeze: the source is unchanged, only the clone appears.
        fs::rename(&staging, &target).map_err(|e| {
            let _ = remove_tree(&staging);
            match e.kind() {
                ErrorKind::AlreadyExists | ErrorKind::DirectoryNotEmpty => {
                    StoreError::Exists(format!("a container with id {new_id:?} exists already"))
                }
                _ => StoreError::io(e, "move into place", &target),
            }
        })?;
        sync_paths(std::slice::from_ref(&containers))?;
    }
    if stop < Step::Done {
        return Err(StoreError::Canceled);
    }
    let info = container::get(data, &new_id)?;
    // Two clones racing for one id: the loser's staged folder was dropped at publish time.
    if info.config.created_at != new_config.created_at {
        return Err(StoreError::Exists(format!(
            "a container with id {new_id:?} appeared while it was being cloned"
        )));
    }
    Ok(Cloned {
        container: info,
        frozen_layer: freeze,
        stacked: new_chain.layers.len(),
        duration_ms: t0.elapsed().as_millis() as u64,
    })
}
