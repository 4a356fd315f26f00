//! Create, read, list, update and delete container folders.
//!
//! A new container is assembled in a hidden folder beside its final place and renamed into it,
//! so a crash never leaves a half-made container under its id, and two creations of one id
//! cannot both succeed. A delete renames the folder away first for the same reason.

use std::fs;
use std::io::ErrorKind;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;

use serde::Serialize;

use super::error::ContainerError;
use super::files::{fsync_dir, now_rfc3339, random_hex, remove_tree, write_atomic};
use super::lock::{is_running, lock_busy, lock_config};
use super::model::{
    ContainerConfig, CreateSpec, RuntimeKind, RuntimeRef, UpdatePatch, CONTAINER_FORMAT_VERSION,
};
use super::paths::{id_from_name, validate_id, ContainerPaths, DataDir};
use crate::runtime;

/// A container as callers see it: its container.yml plus live facts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerInfo {
    #[serde(flatten)]
    pub config: ContainerConfig,
    /// The container's folder on this machine.
    pub path: String,
    /// A sandbox of this container is alive in this process.
    pub running: bool,
    /// manifest.json exists (an install was captured).
    pub installed: bool,
}

fn info(config: ContainerConfig, paths: &ContainerPaths) -> ContainerInfo {
    ContainerInfo {
        running: is_running(&config.id),
        installed: paths.manifest().is_file(),
        path: paths.dir.display().to_string(),
        config,
    }
}

fn mkdir(path: &Path, mode: u32) -> Result<(), ContainerError> {
    fs::DirBuilder::new()
        .mode(mode)
        .create(path)
        .map_err(|e| ContainerError::io(e, "create", path))
}

/// The runtime reference a new container gets.
fn resolve_runtime(data: &DataDir, spec: &CreateSpec) -> Result<RuntimeRef, ContainerError> {
    let choice = spec.runtime.clone().unwrap_or_default();
    match choice.kind {
        RuntimeKind::Native => {
            if choice.id.is_some() {
                return Err(ContainerError::Invalid(
                    "a native container takes no runtime id".into(),
                ));
            }
            Ok(RuntimeRef {
                kind: RuntimeKind::Native,
                id: None,
                wine_version: None,
                hash: None,
            })
        }
        RuntimeKind::Wine => {
            let rt = match &choice.id {
                Some(id) => runtime::get(data, id)?,
                None => runtime::current(data)?.ok_or_else(|| {
                    ContainerError::Core(crate::error::CoreError::new(
                        "ENOTFOUND_RUNTIME",
                        "no base runtime for the installed Wine version yet; create one first (ensureRuntime)",
                    ))
                })?,
            };
            Ok(RuntimeRef {
                kind: RuntimeKind::Wine,
                id: Some(rt.id),
                wine_version: Some(rt.wine_version),
                hash: Some(rt.hash),
            })
        }
    }
}

/// Create a container folder from `spec`.
pub fn create(data: &DataDir, spec: CreateSpec) -> Result<ContainerInfo, ContainerError> {
    let id = match &spec.id {
        Some(id) => {
            validate_id("id", id)?;
            id.clone()
        }
        None => id_from_name(&spec.name),
    };
    let mut config = ContainerConfig {
        id: id.clone(),
        name: spec.name.clone(),
        version: spec.version.clone(),
        // Checked with a stand-in first, so a bad spec is EINVAL before any runtime lookup.
        runtime: RuntimeRef {
            kind: RuntimeKind::Native,
            id: None,
            wine_version: None,
            hash: None,
        },
        env: spec.env.clone(),
        network: spec.network,
        display: spec.display,
        limits: spec.limits,
        labels: spec.labels.clone(),
        created_at: now_rfc3339(),
        format_version: CONTAINER_FORMAT_VERSION,
    };
    config.validate()?;
    config.runtime = resolve_runtime(data, &spec)?;
    config.validate()?;
    let yaml = config.to_yaml()?;
    let containers = data.containers();
    fs::create_dir_all(&containers).map_err(|e| ContainerError::io(e, "create", &containers))?;
    let paths = data.container(&id)?;
    if paths.dir.exists() {
        return Err(ContainerError::Exists(format!(
            "a container with id {id:?} exists already"
        )));
    }

    let staging = ContainerPaths {
        dir: containers.join(format!(".new-{id}-{}", random_hex(4))),
    };
    let built = (|| {
        mkdir(&staging.dir, 0o755)?;
        mkdir(&staging.dir.join("layer"), 0o755)?;
        mkdir(&staging.upper(), 0o755)?;
        mkdir(&staging.work(), 0o700)?;
        mkdir(&staging.snapshots(), 0o755)?;
        mkdir(&staging.logs(), 0o755)?;
        write_atomic(&staging.config(), yaml.as_bytes(), 0o644)
            .map_err(|e| ContainerError::io(e, "write", &staging.config()))?;
        // rename(2) replaces an empty directory but fails on a non-empty one: a container that
        // appeared meanwhile under the same id is never overwritten.
        fs::rename(&staging.dir, &paths.dir).map_err(|e| match e.kind() {
            ErrorKind::AlreadyExists | ErrorKind::DirectoryNotEmpty => {
                ContainerError::Exists(format!("a container with id {id:?} exists already"))
            }
            _ => ContainerError::io(e, "rename into place", &paths.dir),
        })?;
        fsync_dir(&containers).map_err(|e| ContainerError::io(e, "sync", &containers))
    })();
    if let Err(e) = built {
        let _ = remove_tree(&staging.dir);
        return Err(e);
    }
    Ok(info(config, &paths))
}

/// Read one container's container.yml.
pub fn load(data: &DataDir, id: &str) -> Result<(ContainerConfig, ContainerPaths), ContainerError> {
    let paths = data.container(id)?;
    let text = match fs::read_to_string(paths.config()) {
        Ok(t) => t,
        Err(e) if e.kind() == ErrorKind::NotFound => return Err(ContainerError::not_found(id)),
        Err(e) => return Err(ContainerError::io(e, "read", &paths.config())),
    };
    let config = ContainerConfig::from_yaml(&text)?;
    if config.id != id {
        return Err(ContainerError::BadConfig(format!(
            "container.yml in folder {id} names id {:?}",
            config.id
        )));
    }
    Ok((config, paths))
}

pub fn get(data: &DataDir, id: &str) -> Result<ContainerInfo, ContainerError> {
    let (config, paths) = load(data, id)?;
    Ok(info(config, &paths))
}

/// Every container whose container.yml reads, oldest first. Folders that are not containers
/// (hidden staging/trash folders, unreadable or foreign container.yml) are left out.
pub fn list(data: &DataDir) -> Result<Vec<ContainerInfo>, ContainerError> {
    let dir = data.containers();
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ContainerError::io(e, "list", &dir)),
    };
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let Some(name) = entry.file_name().to_str().map(str::to_string) else {
            continue;
        };
        if validate_id("id", &name).is_err() {
            continue;
        }
        if let Ok(c) = get(data, &name) {
            out.push(c);
        }
    }
    out.sort_by(|a, b| {
        (&a.config.created_at, &a.config.id).cmp(&(&b.config.created_at, &b.config.id))
    });
    Ok(out)
}

/// Change container.yml fields; the whole result is validated before it is written.
pub fn update(
    data: &DataDir,
    id: &str,
    patch: UpdatePatch,
) -> Result<ContainerInfo, ContainerError> {
    let paths = data.container(id)?;
    if !paths.config().exists() {
        return Err(ContainerError::not_found(id));
    }
    let _guard = lock_config(&paths)?;
    let (mut config, paths) = load(data, id)?;
    config.apply(patch);
    config.validate()?;
    write_atomic(&paths.config(), config.to_yaml()?.as_bytes(), 0o644)
        .map_err(|e| ContainerError::io(e, "write", &paths.config()))?;
    Ok(info(config, &paths))
}

/// Delete a container folder and everything in it; ERUNNING while it runs or is busy.
pub fn delete(data: &DataDir, id: &str) -> Result<(), ContainerError> {
    let (_, paths) = load(data, id)?;
    let _busy = lock_busy(id, &paths, "deleting it")?;
    let _config = lock_config(&paths)?;
    let containers = data.containers();
    let trash = containers.join(format!(".deleted-{id}-{}", random_hex(4)));
    fs::rename(&paths.dir, &trash).map_err(|e| ContainerError::io(e, "move away", &paths.dir))?;
    fsync_dir(&containers).map_err(|e| ContainerError::io(e, "sync", &containers))?;
    // Gone for every caller from here; a failure below only leaves a hidden folder behind.
    remove_tree(&trash).map_err(|e| ContainerError::io(e, "remove", &trash))
}
