//! Everything an export will carry, decided before a byte of content is written: the layer's
//! portable entries, the runtime's (if included), the snapshots' (if included), and the blob
//! table with each distinct content once.
//!
//! Content identity needs hashes, but reading every file twice (once to hash, once to stream)
//! is what made exports slow. So only files that could share content with another file — the
//! same size as some other file, and for big files also the same first and last 64 KiB — are
//! hashed first; every other file is its own blob, and its hash is learnt while it is streamed
//! and filled into the manifest afterwards (see head.rs).
//! Hashes the stat cache, the runtime's tree or the store already know are never recomputed.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::sync::atomic::AtomicBool;

use rayon::prelude::*;

use super::error::{PackError, Result};
use super::export::ExportOptions;
use super::format::hex;
use super::layer_scan::{prehash, quick_digest, scan_layer, QUICK_SPAN};
use super::manifest::{
    portable, ArchiveEntry, ArchiveManifest, ContainerPart, RuntimePart, Skipped, SnapshotPart,
    Totals, MANIFEST_VERSION,
};
use super::progress::{OnProgress, Phase, Progress};
use super::sign::SigningKey;
use super::sources::{BlobTable, Source, PENDING};
use crate::container::files::now_rfc3339;
use crate::container::{ContainerConfig, ContainerPaths, DataDir, RuntimeKind};
use crate::store::Store;
use crate::walk::{self, Kind};

/// What `gather` decided.
pub struct Gathered {
    pub manifest: ArchiveManifest,
    pub table: BlobTable,
    pub store: Option<Store>,
    pub skipped: Vec<Skipped>,
    pub snapshots: Vec<String>,
    /// Layer entries (indices into `manifest.layer`) whose hash is blob `.1`'s, once streamed.
    pub pending: Vec<(usize, usize)>,
    pub files_hashed: u64,
    pub files_reused: u64,
}

impl Gathered {
    /// Put the hashes learnt while streaming into the manifest (same length: see PENDING).
    pub fn fill_hashes(&mut self) -> Result<()> {
        for (entry, blob) in &self.pending {
            let h = self.table.hashes[*blob]
                .ok_or_else(|| PackError::Invalid(format!("blob {blob} was not streamed")))?;
            self.manifest.layer[*entry].hash = Some(walk::to_hex(&h));
            self.manifest.blobs[*blob].hash = walk::to_hex(&h);
        }
        self.pending.clear();
        Ok(())
    }
}

/// The runtime part of the manifest, with its files added to `table` when included.
fn runtime_part(
    data: &DataDir,
    config: &ContainerConfig,
    include: bool,
    table: &mut BlobTable,
) -> Result<Option<(RuntimePart, u64)>> {
    if config.runtime.kind == RuntimeKind::Native {
        return Ok(None);
    }
    let rt_id = config.runtime.id.clone().unwrap_or_default();
    let mut part = RuntimePart {
        id: rt_id.clone(),
        wine_version: config.runtime.wine_version.clone().unwrap_or_default(),
        hash: config.runtime.hash.clone().unwrap_or_default(),
        included: false,
        prefix: None,
    };
    if !include {
        return Ok(Some((part, 0)));
    }
    let info = crate::runtime::get(data, &rt_id)?;
    if Some(&info.hash) != config.runtime.hash.as_ref() {
        return Err(PackError::Core(crate::error::CoreError::new(
            "EBADRUNTIME",
            format!(
                "runtime {rt_id} does not hold the content container {} names",
                config.id
            ),
        )));
    }
    let tree = crate::runtime::tree(data, &rt_id)?;
    let (prefix, skipped) = portable(&tree);
    if let Some(s) = skipped.first() {
        return Err(PackError::UnsafeEntry(format!(
            "runtime {rt_id} holds {}: {}",
            s.path, s.reason
        )));
    }
    let root = crate::runtime::paths(data, &rt_id)?.prefix();
    let mut files = 0;
    for e in tree.entries().iter().filter(|e| e.kind == Kind::File) {
        let hash = e
            .hash
            .ok_or_else(|| PackError::Invalid(format!("runtime file {} has no hash", e.path)))?;
        files += 1;
        table.add(hash, e.size, || Source::File {
            path: root.join(&e.path),
            seen: e.clone(),
        });
    }
    part.included = true;
    part.prefix = Some(prefix);
    Ok(Some((part, files)))
}

/// Scan the layer, and collect the runtime and snapshots the options ask for.
pub fn gather(
    data: &DataDir,
    config: &ContainerConfig,
    paths: &ContainerPaths,
    signer: &SigningKey,
    opts: &ExportOptions,
    on_progress: OnProgress<'_>,
    cancel: &AtomicBool,
) -> Result<Gathered> {
    let scan_report = |done: u64, total: u64| {
        on_progress(Progress {
            phase: Phase::Scan,
            files_done: done,
            files_total: total,
            bytes_done: 0,
            bytes_total: 0,
        })
    };
    let mut layer_scan = scan_layer(data, paths, &scan_report, cancel)?;
    let mut table = BlobTable::default();

    // Snapshot trees and the runtime's tree come with their hashes.
    let mut store = None;
    let mut snapshot_parts = Vec::new();
    let mut skipped_snap = Vec::new();
    let mut known: Vec<(Vec<ArchiveEntry>, &'static str)> = Vec::new();
    if opts.include_snapshots {
        for info in crate::snapshot::list(data, &config.id)? {
            let s = store.get_or_insert(Store::open(data)?);
            let tree = crate::snapshot::load_tree(s, &info.tree)?;
            let (entries, skipped) = portable(&tree);
            skipped_snap.extend(skipped.into_iter().map(|k| Skipped {
                path: format!("{}:{}", info.id, k.path),
                reason: k.reason,
            }));
            snapshot_parts.push(SnapshotPart {
                name: info.id.clone(),
                meta: serde_json::to_value(&info).map_err(crate::error::CoreError::from)?,
                tree: entries.clone(),
            });
            known.push((entries, "snapshot"));
        }
    }

    // Which layer files must be hashed before streaming: those whose size some other file
    // (of any tree) has, so equal contents are found and travel once.
    let mut sizes: HashMap<u64, u32> = HashMap::new();
    let layer_files: Vec<usize> = layer_scan
        .tree
        .entries()
        .iter()
        .enumerate()
        .filter(|(_, e)| e.kind == Kind::File && !e.whiteout)
        .map(|(i, _)| i)
        .collect();
    for &i in &layer_files {
        *sizes.entry(layer_scan.tree.entries()[i].size).or_default() += 1;
    }
    let mut other_known_sizes = Vec::new();
    if opts.include_runtime && config.runtime.kind == RuntimeKind::Wine {
        if let Some(id) = &config.runtime.id {
            for e in crate::runtime::tree(data, id)?.entries() {
                if e.kind == Kind::File {
                    other_known_sizes.push(e.size);
                }
            }
        }
    }
    for (entries, _) in &known {
        other_known_sizes.extend(entries.iter().filter(|e| e.kind == "file").map(|e| e.size));
    }
    for s in &other_known_sizes {
        *sizes.entry(*s).or_default() += 1;
    }
    let known_sizes: std::collections::HashSet<u64> = layer_files
        .iter()
        .map(|&i| &layer_scan.tree.entries()[i])
        .filter(|e| e.hash.is_some())
        .map(|e| e.size)
        .chain(other_known_sizes)
        .collect();
    let mut need = Vec::new();
    let mut maybe = Vec::new();
    for &i in &layer_files {
        let e = &layer_scan.tree.entries()[i];
        if e.hash.is_some() || e.size == 0 || sizes[&e.size] == 1 {
            continue;
        }
        if known_sizes.contains(&e.size) || e.size <= 2 * QUICK_SPAN {
            need.push(i);
        } else {
            maybe.push(i);
        }
    }
    // Big files that share a size only with other unhashed files: their first and last bytes
    // tell most of them apart without reading them whole.
    let quick: Vec<(usize, [u8; 32])> = maybe
        .par_iter()
        .map(|&i| {
            Ok((
                i,
                quick_digest(&layer_scan.path_of(i), &layer_scan.tree.entries()[i])?,
            ))
        })
        .collect::<Result<_>>()?;
    let mut groups: HashMap<(u64, [u8; 32]), Vec<usize>> = HashMap::new();
    for (i, q) in quick {
        groups
            .entry((layer_scan.tree.entries()[i].size, q))
            .or_default()
            .push(i);
    }
    need.extend(groups.into_values().filter(|g| g.len() > 1).flatten());
    prehash(&mut layer_scan, &need, &scan_report, cancel)?;

    let (mut layer, mut skipped) = portable_unhashed(&layer_scan.tree);
    skipped.extend(skipped_snap);
    let by_path: HashMap<&str, usize> = layer_scan
        .tree
        .entries()
        .iter()
        .enumerate()
        .map(|(i, e)| (e.path.as_str(), i))
        .collect();
    let mut pending = Vec::new();
    let mut files = 0u64;
    let mut streamed_hashes = 0u64;
    for (k, a) in layer
        .iter_mut()
        .enumerate()
        .filter(|(_, a)| a.kind == "file")
    {
        let i = by_path[a.path.as_str()];
        let e = &layer_scan.tree.entries()[i];
        let source = || Source::File {
            path: layer_scan.path_of(i),
            seen: e.clone(),
        };
        files += 1;
        let hash = match (e.hash, e.size) {
            (Some(h), _) => Some(h),
            (None, 0) => Some(*blake3::hash(b"").as_bytes()),
            (None, _) => None,
        };
        match hash {
            Some(h) => {
                a.hash = Some(walk::to_hex(&h));
                table.add(h, e.size, source);
            }
            None => {
                let b = table.add_unhashed(e.size, source());
                a.hash = Some(PENDING.to_string());
                pending.push((k, b));
                streamed_hashes += 1;
            }
        }
    }
    let mut entries = layer.len() as u64;

    let runtime = match runtime_part(data, config, opts.include_runtime, &mut table)? {
        Some((part, rt_files)) => {
            files += rt_files;
            entries += part.prefix.as_ref().map_or(0, |p| p.len() as u64);
            Some(part)
        }
        None => None,
    };
    for (tree, _) in &known {
        for a in tree.iter().filter(|a| a.kind == "file") {
            let hash = a.hash.as_deref().and_then(walk::from_hex).ok_or_else(|| {
                PackError::Invalid(format!("snapshot file {} has no hash", a.path))
            })?;
            files += 1;
            table.add(hash, a.size, || Source::Object);
        }
        entries += tree.len() as u64;
    }

    let capture_manifest = match fs::read(paths.manifest()) {
        Ok(bytes) => Some(serde_json::from_slice(&bytes).map_err(crate::error::CoreError::from)?),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(PackError::io(e, "read", &paths.manifest())),
    };
    let yaml = fs::read_to_string(paths.config())
        .map_err(|e| PackError::io(e, "read", &paths.config()))?;
    let totals = Totals {
        entries,
        files,
        blobs: table.blobs.len() as u64,
        bytes: table.bytes(),
    };
    let snapshots = snapshot_parts.iter().map(|s| s.name.clone()).collect();
    let manifest = ArchiveManifest {
        format_version: MANIFEST_VERSION,
        created_at: now_rfc3339(),
        signer: hex(&signer.public_key()),
        container: ContainerPart {
            yaml,
            capture_manifest,
        },
        layer: std::mem::take(&mut layer),
        runtime,
        snapshots: snapshot_parts,
        blobs: table.blobs.clone(),
        totals,
    };
    Ok(Gathered {
        manifest,
        table,
        store,
        skipped,
        snapshots,
        pending,
        files_hashed: layer_scan.files_read + streamed_hashes,
        files_reused: layer_scan.files_reused,
    })
}

/// `portable`, for a tree where some files have no hash yet (they get one before use).
fn portable_unhashed(tree: &walk::Tree) -> (Vec<ArchiveEntry>, Vec<Skipped>) {
    let mut filled = tree.clone().into_entries();
    for e in filled.iter_mut() {
        if e.kind == Kind::File && !e.whiteout && e.hash.is_none() {
            e.hash = Some([0u8; 32]);
        }
    }
    let filled = walk::Tree::from_entries(filled).expect("same paths as a valid tree");
    portable(&filled)
}
