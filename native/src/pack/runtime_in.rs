//! The base runtime of an imported container: decided before any content is read (here
//! already, carried in the archive, or made from the installed Wine of the same version; else
//! ENOTFOUND_RUNTIME), and settled after the content is verified (an archive's runtime is
//! checked against its content hash and moved into `runtimes/<id>` read-only).

use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;

use serde::Serialize;

use super::error::{PackError, Result};
use super::manifest::{ArchiveManifest, RuntimePart};
use super::unpack::layer_owner;
use super::validate::{NodeKind, Plan, ValidTree};
use crate::container::files::{fsync_dir, now_rfc3339, write_atomic};
use crate::container::{ContainerConfig, DataDir, RuntimeKind, RuntimeRef};
use crate::error::CoreError;
use crate::runtime::{self, RuntimeInfo};
use crate::walk::{self, ScanOptions};

/// Where the container's runtime came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuntimeSource {
    /// It was here already.
    Local,
    /// Installed from the archive.
    Archive,
    /// Made now from the installed Wine (same version as the exporter's).
    Created,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportedRuntime {
    pub id: String,
    pub source: RuntimeSource,
}

/// What the import will do about the runtime, decided before any content is read.
pub enum RuntimePlan {
    Native,
    Local(RuntimeInfo),
    FromArchive(RuntimePart),
    Create(String),
}

pub fn runtime_plan(
    data: &DataDir,
    config: &ContainerConfig,
    m: &ArchiveManifest,
) -> Result<RuntimePlan> {
    let mismatch =
        || PackError::BadArchive("container.yml and the manifest name different runtimes".into());
    let Some(r) = &m.runtime else {
        return match config.runtime.kind {
            RuntimeKind::Native => Ok(RuntimePlan::Native),
            RuntimeKind::Wine => Err(mismatch()),
        };
    };
    if config.runtime.kind != RuntimeKind::Wine
        || config.runtime.id.as_ref() != Some(&r.id)
        || config.runtime.hash.as_ref() != Some(&r.hash)
    {
        return Err(mismatch());
    }
    match runtime::get(data, &r.id) {
        Ok(info) if info.hash == r.hash => return Ok(RuntimePlan::Local(info)),
        Ok(_) | Err(_) if r.included => return Ok(RuntimePlan::FromArchive(r.clone())),
        _ => {}
    }
    let installed = runtime::installed_wine().ok();
    if installed.as_deref() == Some(r.wine_version.as_str()) {
        return Ok(RuntimePlan::Create(r.wine_version.clone()));
    }
    Err(PackError::Core(CoreError::new(
        "ENOTFOUND_RUNTIME",
        format!(
            "the container needs base runtime {} ({}), which is not in this data dir nor in the archive, and it cannot be made here: the installed Wine is {}; install {} or export the container with its runtime included",
            r.id,
            r.wine_version,
            installed.as_deref().unwrap_or("missing"),
            r.wine_version
        ),
    )))
}

/// Install, find or make the runtime; the container's new runtime reference.
pub fn settle_runtime(
    data: &DataDir,
    plan: RuntimePlan,
    rdir: &Path,
    pack: &Plan,
) -> Result<(RuntimeRef, Option<ImportedRuntime>)> {
    let wine = |info: &RuntimeInfo, source| {
        (
            RuntimeRef {
                kind: RuntimeKind::Wine,
                id: Some(info.id.clone()),
                wine_version: Some(info.wine_version.clone()),
                hash: Some(info.hash.clone()),
            },
            Some(ImportedRuntime {
                id: info.id.clone(),
                source,
            }),
        )
    };
    match plan {
        RuntimePlan::Native => Ok((
            RuntimeRef {
                kind: RuntimeKind::Native,
                id: None,
                wine_version: None,
                hash: None,
            },
            None,
        )),
        RuntimePlan::Local(info) => Ok(wine(&info, RuntimeSource::Local)),
        RuntimePlan::Create(version) => {
            // The plan checked that the installed Wine is `version`; ensure finds or makes its
            // runtime under the runtimes lock.
            let info = runtime::ensure(data, &|_| {})?;
            if info.wine_version != version {
                return Err(PackError::Core(CoreError::new(
                    "ENOTFOUND_RUNTIME",
                    format!("the installed Wine changed during the import (needs {version})"),
                )));
            }
            Ok(wine(&info, RuntimeSource::Created))
        }
        RuntimePlan::FromArchive(part) => {
            let tree = pack.runtime.as_ref().ok_or_else(|| {
                PackError::BadArchive("the runtime is marked included but has no files".into())
            })?;
            let info = install_runtime(data, &part, rdir, tree, &pack.blobs)?;
            Ok(wine(&info, RuntimeSource::Archive))
        }
    }
}

/// Check the unpacked runtime against its content hash and move it into `runtimes/<id>`.
fn install_runtime(
    data: &DataDir,
    part: &RuntimePart,
    rdir: &Path,
    tree: &ValidTree,
    blobs: &[([u8; 32], u64)],
) -> Result<RuntimeInfo> {
    let prefix = rdir.join("prefix");
    let opts = ScanOptions {
        hash: false,
        overlay: false,
        ..ScanOptions::default()
    };
    let scanned = walk::scan(&prefix, &opts, None, &|_| {}, &AtomicBool::new(false))?;
    // Every file's content was checked against its hash as it was written: take those hashes.
    let mut entries = scanned.into_entries();
    let hashes: std::collections::HashMap<&str, [u8; 32]> = tree
        .nodes
        .iter()
        .filter_map(|n| match n.kind {
            NodeKind::File { blob } => Some((n.path.as_str(), blobs[blob].0)),
            _ => None,
        })
        .collect();
    for e in &mut entries {
        if e.kind == walk::Kind::File {
            e.hash = hashes.get(e.path.as_str()).copied();
        }
    }
    let local = walk::Tree::from_entries(entries)?;
    let actual = runtime::content::content_hash(&local);
    if actual != part.hash {
        return Err(PackError::Tampered(format!(
            "the runtime in the archive does not hold the content its hash {} names",
            part.hash
        )));
    }
    let info = RuntimeInfo {
        id: part.id.clone(),
        wine_version: part.wine_version.clone(),
        hash: part.hash.clone(),
        created_at: now_rfc3339(),
        format_version: runtime::RUNTIME_FORMAT_VERSION,
        files: local
            .entries()
            .iter()
            .filter(|e| e.kind == walk::Kind::File)
            .count() as u64,
        bytes: local.file_bytes(),
    };
    let _lock = runtime::lock(data)?;
    if let Ok(existing) = runtime::get(data, &part.id) {
        if existing.hash == part.hash {
            return Ok(existing); // installed meanwhile by another import
        }
        return Err(PackError::Core(CoreError::new(
            "EBADRUNTIME",
            format!("a different runtime named {} exists already", part.id),
        )));
    }
    let write = |name: &str, bytes: &[u8]| {
        let p = rdir.join(name);
        write_atomic(&p, bytes, 0o444).map_err(|e| PackError::io(e, "write", &p))
    };
    write("tree.json", &local.to_json())?;
    write(
        "runtime.json",
        &serde_json::to_vec_pretty(&info).map_err(CoreError::from)?,
    )?;
    if let Some((uid, gid)) = layer_owner() {
        std::os::unix::fs::chown(&prefix, Some(uid), Some(gid))
            .map_err(|e| PackError::io(e, "chown", &prefix))?;
    }
    for dir in [prefix.clone(), rdir.to_path_buf()] {
        fs::set_permissions(&dir, std::os::unix::fs::PermissionsExt::from_mode(0o555))
            .map_err(|e| PackError::io(e, "chmod", &dir))?;
    }
    let dest = data.runtimes().join(&part.id);
    fs::rename(rdir, &dest).map_err(|e| PackError::io(e, "rename into place", &dest))?;
    fsync_dir(&data.runtimes()).map_err(|e| PackError::io(e, "sync", &data.runtimes()))?;
    Ok(info)
}
