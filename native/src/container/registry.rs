//! A container's registry. Reads see the merged view overlayfs would show: each hive from the
//! container's layer when it has its own copy, else from the base runtime. Writes copy the hive
//! up by hand: the whole edited hive is written into the layer (never into the runtime), which
//! is what overlayfs would have done had Wine made the change. Writes need the container
//! stopped (Wine rewrites the hives when its wineserver exits) and take its busy lock.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::error::ContainerError;
use super::lock::lock_busy;
use super::model::RuntimeKind;
use super::paths::{ContainerPaths, DataDir};
use super::store::load;
use crate::capture::RegistryChanges;
use crate::registry::{self, Hive, HiveId, HiveSet, KeyInfo, RegError, RegValue};
use crate::sandbox::spec::{ORBIT_GID, ORBIT_UID};

/// The hive file a merged view reads for `id`: the layer's copy if it has one (false), else the
/// runtime's (true).
fn hive_source(
    lower: Option<&Path>,
    upper: &Path,
    id: HiveId,
) -> Result<(PathBuf, bool), ContainerError> {
    let own = upper.join(id.file_name());
    match fs::symlink_metadata(&own) {
        Ok(m) if m.is_file() => return Ok((own, false)),
        Ok(_) => {
            return Err(ContainerError::Core(
                RegError::Io {
                    path: own.display().to_string(),
                    message: "not a regular file".into(),
                }
                .into(),
            ))
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(ContainerError::io(e, "stat", &own)),
    }
    match lower {
        Some(l) => Ok((l.join(id.file_name()), true)),
        None => Err(ContainerError::Invalid(format!(
            "this container has no {} yet (a native container has a registry only once Wine made one)",
            id.file_name()
        ))),
    }
}

fn parse_hive_file(path: &Path) -> Result<Hive, ContainerError> {
    let bytes = fs::read(path).map_err(|e| ContainerError::io(e, "read", path))?;
    Hive::parse(&bytes).map_err(|e| match e {
        RegError::BadHive { line, message } => RegError::BadHive {
            line,
            message: format!("{}: {message}", path.display()),
        }
        .into(),
        other => other.into(),
    })
}

/// A file's identity: device, inode, size and change time.
type FileId = (u64, u64, u64, i64, i64);

/// Parsed hives of base runtimes. A runtime is read-only and never changes once made, so its
/// hives (system.reg is 1.6 MB in a fresh Wine 8 prefix) are parsed once per process and then
/// copied, which costs a fraction of a parse. Keyed by path and checked against the file's
/// identity, so a runtime made again under the same id is read again.
static RUNTIME_HIVES: Mutex<Vec<(PathBuf, FileId, Arc<Hive>)>> = Mutex::new(Vec::new());
/// Room for the three hives of a few runtimes.
const RUNTIME_HIVES_KEPT: usize = 12;

fn runtime_hive(path: &Path) -> Result<Hive, ContainerError> {
    let m = fs::metadata(path).map_err(|e| ContainerError::io(e, "stat", path))?;
    let id: FileId = (m.dev(), m.ino(), m.size(), m.ctime(), m.ctime_nsec());
    let cached = {
        let hives = RUNTIME_HIVES.lock().unwrap_or_else(|p| p.into_inner());
        hives
            .iter()
            .find(|(p, i, _)| p == path && *i == id)
            .map(|(_, _, h)| Arc::clone(h))
    };
    if let Some(h) = cached {
        return Ok((*h).clone());
    }
    let hive = parse_hive_file(path)?;
    let mut hives = RUNTIME_HIVES.lock().unwrap_or_else(|p| p.into_inner());
    hives.retain(|(p, _, _)| p != path);
    if hives.len() >= RUNTIME_HIVES_KEPT {
        hives.remove(0);
    }
    hives.push((path.to_path_buf(), id, Arc::new(hive.clone())));
    Ok(hive)
}

/// The three hives as a container sees them over `lower` (the runtime's prefix, if any).
pub fn merged_hives(lower: Option<&Path>, upper: &Path) -> Result<HiveSet, ContainerError> {
    let read = |id: HiveId| -> Result<Hive, ContainerError> {
        match hive_source(lower, upper, id)? {
            (path, true) => runtime_hive(&path),
            (path, false) => parse_hive_file(&path),
        }
    };
    Ok(HiveSet::from_hives(
        read(HiveId::System)?,
        read(HiveId::User)?,
        read(HiveId::UserDefault)?,
    ))
}

/// The base runtime's prefix of a container, None for a native one.
fn lower_of(data: &DataDir, id: &str) -> Result<(Option<PathBuf>, ContainerPaths), ContainerError> {
    let (config, paths) = load(data, id)?;
    let lower = match (config.runtime.kind, &config.runtime.id) {
        (RuntimeKind::Wine, Some(rt)) => Some(crate::runtime::paths(data, rt)?.prefix()),
        _ => None,
    };
    Ok((lower, paths))
}

fn view(data: &DataDir, id: &str) -> Result<HiveSet, ContainerError> {
    let (lower, paths) = lower_of(data, id)?;
    merged_hives(lower.as_deref(), &paths.upper())
}

/// Load the merged view, let `edit` change it, and write the changed hives into the layer.
fn edit<T>(
    data: &DataDir,
    id: &str,
    edit: impl FnOnce(&mut HiveSet) -> Result<T, RegError>,
) -> Result<T, ContainerError> {
    let (lower, paths) = lower_of(data, id)?;
    let _busy = lock_busy(id, &paths, "editing its registry")?;
    let mut set = merged_hives(lower.as_deref(), &paths.upper())?;
    let out = edit(&mut set)?;
    let dirty: Vec<HiveId> = HiveId::ALL
        .into_iter()
        .filter(|h| set.hive(*h).is_dirty())
        .collect();
    set.save(&paths.upper())?;
    for h in dirty {
        give_to_orbit(&paths.upper().join(h.file_name()))?;
    }
    Ok(out)
}

/// As root, files Orbit writes into a layer belong to the sandbox's orbit user, who runs Wine
/// and must be able to rewrite them (without root, that user is the caller already).
fn give_to_orbit(path: &Path) -> Result<(), ContainerError> {
    let me = fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(u32::MAX);
    if me == 0 {
        std::os::unix::fs::chown(path, Some(ORBIT_UID), Some(ORBIT_GID))
            .map_err(|e| ContainerError::io(e, "chown", path))?;
    }
    Ok(())
}

/// Subkeys, values and time of one key.
pub fn query(data: &DataDir, id: &str, key: &str) -> Result<KeyInfo, ContainerError> {
    Ok(view(data, id)?.query(key)?)
}

/// One value of a key ("" = the default value).
pub fn get_value(
    data: &DataDir,
    id: &str,
    key: &str,
    name: &str,
) -> Result<RegValue, ContainerError> {
    Ok(view(data, id)?.get_value(key, name)?)
}

/// Set a value (creating the key as needed).
pub fn set_value(
    data: &DataDir,
    id: &str,
    key: &str,
    value: RegValue,
) -> Result<(), ContainerError> {
    edit(data, id, |s| s.set_value(key, value))
}

/// Delete one value, or with `value: None` the key and everything below it.
pub fn delete(
    data: &DataDir,
    id: &str,
    key: &str,
    value: Option<&str>,
) -> Result<(), ContainerError> {
    edit(data, id, |s| match value {
        Some(name) => s.delete_value(key, name),
        None => s.delete_key(key),
    })
}

/// The key and everything below it as regedit `.reg` text (version 5).
pub fn export(data: &DataDir, id: &str, key: &str) -> Result<String, ContainerError> {
    Ok(view(data, id)?.export_reg_text(key)?)
}

/// What an import changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    pub keys_created: usize,
    pub keys_deleted: usize,
    pub values_set: usize,
    pub values_deleted: usize,
}

/// Apply a `.reg` file (UTF-16 or UTF-8); a bad file changes nothing.
pub fn import(data: &DataDir, id: &str, reg: &[u8]) -> Result<ImportResult, ContainerError> {
    let s = edit(data, id, |set| set.import_reg(reg))?;
    Ok(ImportResult {
        keys_created: s.keys_created,
        keys_deleted: s.keys_deleted,
        values_set: s.values_set,
        values_deleted: s.values_deleted,
    })
}

/// Everything the container changed in the registry relative to its base runtime (without the
/// machine-specific noise a capture leaves out too).
pub fn diff(data: &DataDir, id: &str) -> Result<RegistryChanges, ContainerError> {
    let (lower, paths) = lower_of(data, id)?;
    let Some(lower) = lower else {
        return Err(ContainerError::Invalid(
            "a native container has no base registry to compare with".into(),
        ));
    };
    let base = HiveSet::load(&lower)?;
    let now = merged_hives(Some(&lower), &paths.upper())?;
    Ok(RegistryChanges::from_diff(registry::diff_sets(&base, &now)))
}
