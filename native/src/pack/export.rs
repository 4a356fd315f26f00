//! Export a container as a signed `.ctnr` (see FORMAT.md).
//!
//! The layer is scanned (and hashed) first, because the manifest with every file's hash comes
//! before the content; then each distinct content is streamed once through multi-threaded zstd
//! into signed (and sealed) chunks. A file is streamed only if its stat still matches the scan
//! (device, inode, size, mtime), else it is hashed again while read, so the archive never
//! carries content that disagrees with its manifest. The container is held busy throughout.
//!
//! The archive is written beside its destination under a hidden name and renamed into place
//! at the end, so a crash or a cancel never leaves a partial file under the real name.

use std::collections::HashMap;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::aead::{new_params, ArchiveKey, DEFAULT_ITERATIONS};
use super::chunks::{from_io, ChunkWriter};
use super::error::{PackError, Result};
use super::format::{
    archive_id, hex, preamble, signed_prefix, write_section, Compression, Header, Signer,
    DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE,
};
use super::layer_scan::scan_layer;
use super::manifest::{
    portable, ArchiveManifest, ContainerPart, RuntimePart, Skipped, SnapshotPart, Totals,
    MANIFEST_VERSION,
};
use super::progress::{OnProgress, Phase, Reporter};
use super::sign::{installation_key, KeyInfo, SigningKey};
use super::sources::{copy_blob, BlobTable, Source};
use crate::container::files::{fsync_dir, now_rfc3339, random_hex};
use crate::container::{self, ContainerConfig, ContainerPaths, DataDir, RuntimeKind};
use crate::store::Store;
use crate::walk;

/// What to put in the archive.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportOptions {
    /// Carry the base runtime's files too (else only its reference).
    #[serde(default)]
    pub include_runtime: bool,
    /// Carry the container's snapshots too (else only the current state).
    #[serde(default)]
    pub include_snapshots: bool,
    /// Encrypt the manifest and content with a key derived from this passphrase.
    #[serde(default)]
    pub passphrase: Option<String>,
    /// PBKDF2 iterations (default 600 000, at least 100 000).
    #[serde(default)]
    pub iterations: Option<u32>,
    /// zstd level, 1 to 19 (default 3, like `zstd`).
    #[serde(default)]
    pub level: Option<i32>,
    /// zstd worker threads (default: one per CPU).
    #[serde(default)]
    pub threads: Option<u32>,
    /// Plaintext bytes per content chunk (default 1 MiB).
    #[serde(default)]
    pub chunk_size: Option<u32>,
}

/// What an export wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExportResult {
    pub path: String,
    /// Size of the .ctnr.
    pub bytes: u64,
    pub totals: Totals,
    pub signer: KeyInfo,
    pub encrypted: bool,
    pub runtime_included: bool,
    pub snapshots: Vec<String>,
    /// Entries of the layer left out (host links, fifos, devices), with the reason.
    pub skipped: Vec<Skipped>,
    /// Layer files read to hash them, and files whose hash the last snapshot's scan proved.
    pub files_hashed: u64,
    pub files_reused: u64,
    pub duration_ms: u64,
}

/// The head of an archive, written; what the content writer needs next.
pub struct Head {
    pub archive_id: [u8; 32],
    pub key: Option<ArchiveKey>,
    pub header: Header,
}

/// Write preamble, header, manifest section (sealed when `passphrase` is set) and signature.
/// Exported for the tests' archive builder, which signs arbitrary manifests with it.
pub fn write_head(
    out: &mut impl Write,
    signer: &SigningKey,
    manifest_json: &[u8],
    passphrase: Option<&str>,
    iterations: u32,
    level: i32,
    chunk_size: u32,
) -> Result<Head> {
    let encryption = match passphrase {
        Some(_) => Some(new_params(iterations)?),
        None => None,
    };
    let header = Header {
        signer: Signer {
            alg: "ed25519".into(),
            public_key: hex(&signer.public_key()),
        },
        compression: Compression {
            alg: "zstd".into(),
            level,
        },
        encryption,
        chunk_size,
    };
    let header_json = serde_json::to_vec(&header).map_err(crate::error::CoreError::from)?;
    let pre = preamble();
    let key = match (&header.encryption, passphrase) {
        (Some(params), Some(pass)) => Some(ArchiveKey::derive(
            pass,
            params,
            aad_of(&pre, &header_json),
        )?),
        _ => None,
    };
    let mut manifest = manifest_json.to_vec();
    if let Some(k) = &key {
        k.seal_manifest(&mut manifest)?;
    }
    let signed = signed_prefix(&pre, &header_json, &manifest);
    let sig = signer.sign(&signed);
    out.write_all(&pre).map_err(write_err)?;
    write_section(out, &header_json)?;
    write_section(out, &manifest)?;
    out.write_all(&sig).map_err(write_err)?;
    Ok(Head {
        archive_id: archive_id(&signed),
        key,
        header,
    })
}

/// The AEAD associated data: a hash of the plaintext preamble and header.
pub fn aad_of(preamble: &[u8], header_json: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"orbit-ctnr-v1 aad\0");
    h.update(preamble);
    h.update(header_json);
    *h.finalize().as_bytes()
}

fn write_err(e: io::Error) -> PackError {
    match from_io(e) {
        Ok(p) => p,
        Err(e) => PackError::Core(crate::error::CoreError::new(
            "EIO",
            format!("cannot write the archive: {e}"),
        )),
    }
}

/// Export container `id` to `dest`, signed with the installation's key.
pub fn export(
    data: &DataDir,
    id: &str,
    dest: &Path,
    opts: &ExportOptions,
    on_progress: OnProgress<'_>,
    cancel: &AtomicBool,
) -> Result<ExportResult> {
    let signer = installation_key(data)?;
    export_with(data, id, dest, opts, &signer, on_progress, cancel)
}

fn check_options(opts: &ExportOptions) -> Result<(i32, u32)> {
    let level = opts.level.unwrap_or(3);
    if !(1..=19).contains(&level) {
        return Err(PackError::Invalid(format!(
            "zstd level must be 1 to 19, got {level}"
        )));
    }
    let chunk_size = opts.chunk_size.unwrap_or(DEFAULT_CHUNK_SIZE);
    if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&chunk_size) {
        return Err(PackError::Invalid(format!(
            "chunk size must be {MIN_CHUNK_SIZE} to {MAX_CHUNK_SIZE} bytes"
        )));
    }
    if opts.passphrase.as_deref() == Some("") {
        return Err(PackError::Invalid("the passphrase is empty".into()));
    }
    Ok((level, chunk_size))
}

/// Everything an archive will hold, gathered before a byte is written.
struct Gathered {
    manifest: ArchiveManifest,
    table: BlobTable,
    store: Option<Store>,
    skipped: Vec<Skipped>,
    snapshots: Vec<String>,
    files_hashed: u64,
    files_reused: u64,
}

/// `export` with a given signing key (tests sign with keys the importer does not trust).
pub fn export_with(
    data: &DataDir,
    id: &str,
    dest: &Path,
    opts: &ExportOptions,
    signer: &SigningKey,
    on_progress: OnProgress<'_>,
    cancel: &AtomicBool,
) -> Result<ExportResult> {
    let started = Instant::now();
    let (level, chunk_size) = check_options(opts)?;
    let dest = absolute_dest(dest)?;
    let (config, paths) = container::load(data, id)?;
    let _busy = container::lock::lock_busy(id, &paths, "exporting it")?;
    // A restore that a crash interrupted is finished first, so the layer read is a whole one.
    if paths.dir.join("layer").exists() && data.root().join("store").is_dir() {
        crate::snapshot::swap::recover_locked(data, &paths)?;
    }
    let mut report = Reporter::new(on_progress);
    report.phase(Phase::Scan, 0, 0);
    let g = gather(data, &config, &paths, signer, opts, on_progress, cancel)?;
    let totals = g.manifest.totals;
    let manifest_json = serde_json::to_vec(&g.manifest).map_err(crate::error::CoreError::from)?;

    let partial = Partial::create(&dest)?;
    {
        let mut out = BufWriter::with_capacity(1 << 20, &partial.file);
        let head = write_head(
            &mut out,
            signer,
            &manifest_json,
            opts.passphrase.as_deref(),
            opts.iterations.unwrap_or(DEFAULT_ITERATIONS),
            level,
            chunk_size,
        )?;
        report.phase(Phase::Pack, totals.files, totals.bytes);
        let chunks = ChunkWriter::new(
            &mut out,
            signer,
            head.key.as_ref(),
            head.archive_id,
            chunk_size,
        );
        let mut z = zstd::stream::write::Encoder::new(chunks, level).map_err(write_err)?;
        let threads = opts
            .threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get() as u32));
        if threads > 1 {
            // libzstd without thread support refuses this; then it compresses on this thread.
            let _ = z.set_parameter(zstd::stream::raw::CParameter::NbWorkers(threads));
        }
        let mut buf = vec![0u8; 1 << 20];
        let (mut files_done, mut bytes_done) = (0u64, 0u64);
        for i in 0..g.table.blobs.len() {
            if cancel.load(Ordering::Relaxed) {
                return Err(PackError::Canceled);
            }
            bytes_done += copy_blob(&g.table, i, g.store.as_ref(), &mut z, &mut buf, cancel)?;
            files_done += g.table.refs[i];
            report.update(files_done, bytes_done);
        }
        let chunks = z.finish().map_err(write_err)?;
        chunks.finish()?;
        out.flush().map_err(write_err)?;
    }
    let bytes = partial.commit(&dest)?;
    report.phase(Phase::Done, totals.files, totals.bytes);
    Ok(ExportResult {
        path: dest.display().to_string(),
        bytes,
        totals,
        signer: KeyInfo::of(&signer.public_key()),
        encrypted: opts.passphrase.is_some(),
        runtime_included: opts.include_runtime,
        snapshots: g.snapshots,
        skipped: g.skipped,
        files_hashed: g.files_hashed,
        files_reused: g.files_reused,
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

/// Scan and hash the layer, and collect the runtime and snapshots the options ask for.
fn gather(
    data: &DataDir,
    config: &ContainerConfig,
    paths: &ContainerPaths,
    signer: &SigningKey,
    opts: &ExportOptions,
    on_progress: OnProgress<'_>,
    cancel: &AtomicBool,
) -> Result<Gathered> {
    let scan_report = |done: u64, total: u64| {
        on_progress(super::progress::Progress {
            phase: Phase::Scan,
            files_done: done,
            files_total: total,
            bytes_done: 0,
            bytes_total: 0,
        })
    };
    let layer_scan = scan_layer(data, paths, &scan_report, cancel)?;
    let (layer, mut skipped) = portable(&layer_scan.tree);
    let mut table = BlobTable::default();
    let mut files = 0u64;
    let mut entries = layer.len() as u64;
    let by_path: HashMap<&str, usize> = layer_scan
        .tree
        .entries()
        .iter()
        .enumerate()
        .map(|(i, e)| (e.path.as_str(), i))
        .collect();
    for a in layer.iter().filter(|a| a.kind == "file") {
        let i = by_path[a.path.as_str()];
        let e = &layer_scan.tree.entries()[i];
        let hash = e
            .hash
            .ok_or_else(|| PackError::Invalid(format!("{} has no hash", a.path)))?;
        files += 1;
        table.add(hash, e.size, || Source::File {
            path: layer_scan.path_of(i),
            seen: e.clone(),
        });
    }

    let runtime = match config.runtime.kind {
        RuntimeKind::Native => None,
        RuntimeKind::Wine => {
            let rt_id = config.runtime.id.clone().unwrap_or_default();
            let mut part = RuntimePart {
                id: rt_id.clone(),
                wine_version: config.runtime.wine_version.clone().unwrap_or_default(),
                hash: config.runtime.hash.clone().unwrap_or_default(),
                included: false,
                prefix: None,
            };
            if opts.include_runtime {
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
                let rt_tree = crate::runtime::tree(data, &rt_id)?;
                let (prefix, rt_skipped) = portable(&rt_tree);
                if let Some(s) = rt_skipped.first() {
                    return Err(PackError::UnsafeEntry(format!(
                        "runtime {rt_id} holds {}: {}",
                        s.path, s.reason
                    )));
                }
                let root = crate::runtime::paths(data, &rt_id)?.prefix();
                for e in rt_tree
                    .entries()
                    .iter()
                    .filter(|e| e.kind == walk::Kind::File)
                {
                    let hash = e.hash.ok_or_else(|| {
                        PackError::Invalid(format!("runtime file {} has no hash", e.path))
                    })?;
                    files += 1;
                    table.add(hash, e.size, || Source::File {
                        path: root.join(&e.path),
                        seen: e.clone(),
                    });
                }
                entries += prefix.len() as u64;
                part.included = true;
                part.prefix = Some(prefix);
            }
            Some(part)
        }
    };

    let mut store = None;
    let mut snapshot_parts = Vec::new();
    if opts.include_snapshots {
        for info in crate::snapshot::list(data, &config.id)? {
            let s = store.get_or_insert(Store::open(data)?);
            let tree = crate::snapshot::load_tree(s, &info.tree)?;
            let (part_entries, part_skipped) = portable(&tree);
            skipped.extend(part_skipped.into_iter().map(|k| Skipped {
                path: format!("{}:{}", info.id, k.path),
                reason: k.reason,
            }));
            for a in part_entries.iter().filter(|a| a.kind == "file") {
                let hash = a.hash.as_deref().and_then(walk::from_hex).ok_or_else(|| {
                    PackError::Invalid(format!("snapshot file {} has no hash", a.path))
                })?;
                files += 1;
                table.add(hash, a.size, || Source::Object);
            }
            entries += part_entries.len() as u64;
            snapshot_parts.push(SnapshotPart {
                name: info.id.clone(),
                meta: serde_json::to_value(&info).map_err(crate::error::CoreError::from)?,
                tree: part_entries,
            });
        }
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
        layer,
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
        files_hashed: layer_scan.files_read,
        files_reused: layer_scan.files_reused,
    })
}

fn absolute_dest(dest: &Path) -> Result<PathBuf> {
    let dest = if dest.is_absolute() {
        dest.to_path_buf()
    } else {
        std::env::current_dir()
            .map_err(|e| PackError::io(e, "resolve", dest))?
            .join(dest)
    };
    if dest.file_name().is_none() || dest.is_dir() {
        return Err(PackError::Invalid(format!(
            "the export destination {} must be a file path",
            dest.display()
        )));
    }
    Ok(dest)
}

/// The archive being written beside its destination: `.<name>.partial-<random>`, flocked while
/// it is written so a later export can tell a dead one from a live one and remove it.
struct Partial {
    path: PathBuf,
    file: File,
    committed: bool,
}

const PARTIAL_TAG: &str = ".partial-";

impl Partial {
    fn create(dest: &Path) -> Result<Partial> {
        let dir = dest.parent().unwrap_or(Path::new("/"));
        let name = dest
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        remove_dead_partials(dir, &name);
        let path = dir.join(format!(".{name}{PARTIAL_TAG}{}", random_hex(6)));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(&path)
            .map_err(|e| PackError::io(e, "create", &path))?;
        file.lock().map_err(|e| PackError::io(e, "lock", &path))?;
        Ok(Partial {
            path,
            file,
            committed: false,
        })
    }

    /// fsync, then rename over the destination; returns the archive's size.
    fn commit(mut self, dest: &Path) -> Result<u64> {
        self.file
            .sync_all()
            .map_err(|e| PackError::io(e, "sync", &self.path))?;
        let bytes = self
            .file
            .metadata()
            .map_err(|e| PackError::io(e, "stat", &self.path))?
            .len();
        fs::set_permissions(
            &self.path,
            std::os::unix::fs::PermissionsExt::from_mode(0o644),
        )
        .map_err(|e| PackError::io(e, "chmod", &self.path))?;
        fs::rename(&self.path, dest).map_err(|e| PackError::io(e, "rename into place", dest))?;
        self.committed = true;
        if let Some(dir) = dest.parent() {
            fsync_dir(dir).map_err(|e| PackError::io(e, "sync", dir))?;
        }
        Ok(bytes)
    }
}

impl Drop for Partial {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Remove `.<name>.partial-*` files in `dir` that no live export holds.
fn remove_dead_partials(dir: &Path, name: &str) {
    let prefix = format!(".{name}{PARTIAL_TAG}");
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        if !e.file_name().to_string_lossy().starts_with(&prefix) {
            continue;
        }
        let Ok(f) = OpenOptions::new().read(true).open(e.path()) else {
            continue;
        };
        if f.try_lock().is_ok() {
            let _ = fs::remove_file(e.path());
        }
    }
}
