//! Import a `.ctnr`: check everything before using anything, unpack into a work folder, then
//! move into place with one rename.
//!
//! Order: preamble and version; header and manifest section (length-capped); the Ed25519
//! signature over both (EBADSIG) — before any key derivation, decryption or decompression;
//! the signer against the trust store (EUNTRUSTED unless the caller trusts it); the passphrase
//! (EBADPASS); the whole manifest (validate.rs: paths, kinds, caps); whether the runtime the
//! container needs can be had (ENOTFOUND_RUNTIME). Only then: the id lock, the work folder under
//! `<data>/tmp/`, the content (each chunk's signature and tag checked before its plaintext is
//! decompressed, each file's hash checked), the runtime, container.yml, the trust entry, and
//! the rename. Any failure removes the work folder: the data dir is as it was.

use std::fs::{self, File};
use std::io::{BufReader, Read};
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::aead::ArchiveKey;
use super::chunks::{spawn_reader, ChunkSource, PlaintextHook};
use super::error::{PackError, Result};
use super::format::{
    read_err, read_preamble, read_section, signed_prefix, unhex, Header, MAX_HEADER_LEN,
    MAX_MANIFEST_LEN, SIG_LEN,
};
use super::head::aad_of;
use super::manifest::{ArchiveManifest, RuntimePart, Totals};
use super::progress::{OnProgress, Phase, Reporter};
use super::sign::{fingerprint, is_trusted, is_weak_key, trust, verify, KeyInfo};
use super::snapshots_in::{move_objects, write_snapshots, StoreSink};
use super::staging::{lock_id, Staging};
use super::unpack::{content_err, layer_owner, targets_of, write_blobs, BlobSink, TreeWriter};
use super::validate::{check_manifest, Limits, NodeKind, Plan, ValidTree};
use crate::container::files::{fsync_dir, now_rfc3339, write_atomic};
use crate::container::paths::{id_from_name, validate_id};
use crate::container::{
    self, ContainerConfig, ContainerInfo, ContainerPaths, DataDir, RuntimeKind, RuntimeRef,
};
use crate::error::CoreError;
use crate::runtime::{self, RuntimeInfo};
use crate::store::Store;
use crate::walk::{self, ScanOptions};

/// Largest zstd window an import accepts: 2^27 = 128 MiB (zstd's `--long` default).
pub const MAX_WINDOW_LOG: u32 = 27;

/// How to import.
#[derive(Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportOptions {
    /// The new container's id (default: made from its name, like `create`).
    #[serde(default)]
    pub id: Option<String>,
    /// A new display name (default: the exported one).
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub passphrase: Option<String>,
    /// Accept a signer this installation does not trust yet, and trust it from now on.
    #[serde(default)]
    pub trust: bool,
    /// Caps (defaults: 256 GiB, 2 000 000 entries).
    #[serde(default)]
    pub max_bytes: Option<u64>,
    #[serde(default)]
    pub max_entries: Option<u64>,
    /// Test hook: sees every chunk's plaintext length as it leaves the verifier.
    #[serde(skip)]
    pub plaintext_hook: Option<PlaintextHook>,
}

impl ImportOptions {
    fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            max_bytes: self.max_bytes.unwrap_or(d.max_bytes),
            max_entries: self.max_entries.unwrap_or(d.max_entries),
        }
    }
}

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

/// What an import made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportResult {
    pub container: ContainerInfo,
    pub signer: KeyInfo,
    /// The signer was added to the trust store by this import.
    pub trusted_now: bool,
    pub runtime: Option<ImportedRuntime>,
    pub totals: Totals,
    /// Entries whose setuid, setgid, sticky or world-writable bits were removed.
    pub stripped: u64,
    /// Snapshots brought along, oldest first.
    pub snapshots: Vec<String>,
    pub duration_ms: u64,
}

/// The checked head of an archive: its header, signer, manifest and content key.
pub struct Opened {
    pub header: Header,
    pub public_key: [u8; 32],
    pub archive_id: [u8; 32],
    pub key: Option<Arc<ArchiveKey>>,
    pub manifest: ArchiveManifest,
    /// The signer is the installation's key or in its trust store.
    pub trusted: bool,
}

/// Read and check everything before the content (see the module docs). With `trust_unknown`
/// an untrusted signer is let through (the caller decides); otherwise it is EUNTRUSTED.
pub fn open_head(
    r: &mut impl Read,
    data: &DataDir,
    passphrase: Option<&str>,
    trust_unknown: bool,
) -> Result<Opened> {
    let pre = read_preamble(r)?;
    let (_, header_json) = read_section(r, MAX_HEADER_LEN, "header")?;
    let (_, manifest_bytes) = read_section(r, MAX_MANIFEST_LEN, "manifest")?;
    let mut sig = [0u8; SIG_LEN];
    r.read_exact(&mut sig).map_err(read_err("signature"))?;
    // Only the public key is taken from the header before the signature is checked.
    let header: Header = serde_json::from_slice(&header_json)
        .map_err(|e| PackError::BadArchive(format!("the archive header is not valid: {e}")))?;
    let public_key: [u8; 32] = unhex(&header.signer.public_key, 32)
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| PackError::BadSig("the archive is unsigned (no valid signer key)".into()))?;
    if is_weak_key(&public_key) {
        return Err(PackError::BadSig(
            "the archive's signer key is a small-order key that anyone can sign with: the signature proves nothing".into(),
        ));
    }
    let signed = signed_prefix(&pre, &header_json, &manifest_bytes);
    if !verify(&public_key, &signed, &sig) {
        return Err(PackError::BadSig(
            "the archive's signature does not match its header and manifest (altered, or not signed)".into(),
        ));
    }
    header.check()?;
    let trusted = is_trusted(data, &public_key)?;
    if !trusted && !trust_unknown {
        return Err(PackError::Untrusted(format!(
            "the archive is signed by a key this installation does not trust (fingerprint {}, public key {}); import it with trust to accept and remember this key",
            fingerprint(&public_key),
            header.signer.public_key
        )));
    }
    let mut manifest_json = manifest_bytes;
    let key = match &header.encryption {
        None => None,
        Some(params) => {
            let key =
                ArchiveKey::derive(passphrase.unwrap_or(""), params, aad_of(&pre, &header_json))?;
            key.open_manifest(&mut manifest_json)?;
            Some(Arc::new(key))
        }
    };
    let archive_id = header.archive_id();
    let manifest: ArchiveManifest = serde_json::from_slice(&manifest_json)
        .map_err(|e| PackError::BadArchive(format!("the archive manifest is not valid: {e}")))?;
    Ok(Opened {
        header,
        public_key,
        archive_id,
        key,
        manifest,
        trusted,
    })
}

/// What the import will do about the runtime, decided before any content is read.
enum RuntimePlan {
    Native,
    Local(RuntimeInfo),
    FromArchive(RuntimePart),
    Create(String),
}

fn runtime_plan(
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

fn mkdir(path: &Path, mode: u32) -> Result<()> {
    fs::DirBuilder::new()
        .mode(mode)
        .create(path)
        .map_err(|e| PackError::io(e, "create", path))
}

/// Import the archive at `archive` as a new container.
pub fn import(
    data: &DataDir,
    archive: &Path,
    opts: &ImportOptions,
    on_progress: OnProgress<'_>,
    cancel: &AtomicBool,
) -> Result<ImportResult> {
    let started = Instant::now();
    let mut report = Reporter::new(on_progress);
    report.phase(Phase::Verify, 0, 0);
    let file = File::open(archive).map_err(|e| PackError::io(e, "open", archive))?;
    let mut r = BufReader::with_capacity(1 << 20, file);
    let head = open_head(&mut r, data, opts.passphrase.as_deref(), opts.trust)?;
    let signer_hex = head.header.signer.public_key.clone();
    let plan = check_manifest(&head.manifest, &signer_hex, &opts.limits())?;
    let mut config = ContainerConfig::from_yaml(&head.manifest.container.yaml)
        .map_err(|e| PackError::BadArchive(format!("the archive's container.yml: {e}")))?;
    let rt_plan = runtime_plan(data, &config, &head.manifest)?;
    let id = match &opts.id {
        Some(id) => id.clone(),
        None => id_from_name(opts.name.as_deref().unwrap_or(&config.name)),
    };
    validate_id("id", &id)?;

    let _id_lock = lock_id(data, &id)?;
    let exists = || -> Result<()> {
        if data.container(&id)?.dir.exists() {
            return Err(PackError::Core(CoreError::new(
                "EEXIST",
                format!("a container with id {id:?} exists already"),
            )));
        }
        Ok(())
    };
    exists()?;
    let staging = Staging::new(data)?;
    let cdir = staging.dir.join("container");
    for (p, mode) in [
        (cdir.clone(), 0o755),
        (cdir.join("layer"), 0o755),
        (cdir.join("layer/upper"), 0o755),
        (cdir.join("layer/work"), 0o700),
        (cdir.join("snapshots"), 0o755),
        (cdir.join("logs"), 0o755),
    ] {
        mkdir(&p, mode)?;
    }
    let rdir = staging.dir.join("runtime");
    let unpack_runtime = matches!(rt_plan, RuntimePlan::FromArchive(_));
    if unpack_runtime {
        mkdir(&rdir, 0o755)?;
        mkdir(&rdir.join("prefix"), 0o755)?;
    }

    // Snapshot contents go into a store in the work folder first; only a whole import moves
    // them into the data dir's store (see snapshots_in).
    let store = match plan.snapshots.is_empty() {
        true => None,
        false => Some(Store::at(staging.dir.join("store"))?),
    };
    let store_lock = match &store {
        Some(s) => Some(s.lock_shared(cancel)?),
        None => None,
    };
    report.phase(
        Phase::Unpack,
        head.manifest.totals.files,
        head.manifest.totals.bytes,
    );
    let owner = layer_owner();
    let empty = ValidTree::default();
    let runtime_tree = if unpack_runtime {
        plan.runtime.as_ref().unwrap_or(&empty)
    } else {
        &empty
    };
    let writers = [
        TreeWriter {
            root: cdir.join("layer/upper"),
            tree: &plan.layer,
            owner,
        },
        TreeWriter {
            root: rdir.join("prefix"),
            tree: runtime_tree,
            owner,
        },
    ];
    for w in &writers {
        w.make_dirs()?;
    }
    let mut sink = match (&store, &store_lock) {
        (Some(store), Some(lock)) => Some(StoreSink {
            store,
            lock,
            cancel,
        }),
        _ => None,
    };
    unpack_content(
        r,
        &head,
        &plan,
        &writers,
        sink.as_mut().map(|s| s as &mut dyn BlobSink),
        opts,
        &mut report,
        cancel,
    )?;
    for w in &writers {
        w.make_links()?;
        w.finish_dirs()?;
    }

    report.phase(Phase::Runtime, 0, 0);
    let (runtime_ref, imported_rt) = settle_runtime(data, rt_plan, &rdir, &plan)?;

    report.phase(Phase::Finalize, 0, 0);
    config.id = id.clone();
    if let Some(name) = &opts.name {
        config.name = name.clone();
    }
    config.runtime = runtime_ref;
    config.created_at = now_rfc3339();
    config.validate()?;
    let yaml = config.to_yaml()?;
    write_atomic(&cdir.join("container.yml"), yaml.as_bytes(), 0o644)
        .map_err(|e| PackError::io(e, "write", &cdir.join("container.yml")))?;
    if let Some(capture) = &head.manifest.container.capture_manifest {
        let mut capture = capture.clone();
        let obj = capture
            .as_object_mut()
            .ok_or_else(|| PackError::BadArchive("the capture manifest is not an object".into()))?;
        obj.insert("containerId".into(), serde_json::Value::String(id.clone()));
        let bytes = serde_json::to_vec_pretty(&capture).map_err(CoreError::from)?;
        write_atomic(&cdir.join("manifest.json"), &bytes, 0o644)
            .map_err(|e| PackError::io(e, "write", &cdir.join("manifest.json")))?;
    }
    exists()?;
    let snapshots = match (&store, &store_lock) {
        (Some(store), Some(lock)) => {
            let ids = write_snapshots(
                store,
                lock,
                &head.manifest.snapshots,
                &ContainerPaths { dir: cdir.clone() },
            )?;
            store.sync(lock)?;
            ids
        }
        _ => Vec::new(),
    };
    // Held from moving the objects in until the container that references them is in place,
    // so a gc cannot take them in between.
    let _real_lock = match &store {
        Some(staged) => Some(move_objects(data, staged, cancel)?),
        None => None,
    };
    let trusted_now = !head.trusted;
    if trusted_now {
        trust(data, &head.public_key)?;
    }
    let dest = data.container(&id)?.dir;
    let containers = data.containers();
    fs::create_dir_all(&containers).map_err(|e| PackError::io(e, "create", &containers))?;
    fs::rename(&cdir, &dest).map_err(|e| PackError::io(e, "rename into place", &dest))?;
    fsync_dir(&containers).map_err(|e| PackError::io(e, "sync", &containers))?;
    drop(store_lock);
    drop(staging);
    report.phase(
        Phase::Done,
        head.manifest.totals.files,
        head.manifest.totals.bytes,
    );
    Ok(ImportResult {
        container: container::get(data, &id)?,
        signer: KeyInfo::of(&head.public_key),
        trusted_now,
        runtime: imported_rt,
        totals: head.manifest.totals,
        stripped: plan.layer.stripped + plan.runtime.as_ref().map_or(0, |t| t.stripped),
        snapshots,
        duration_ms: started.elapsed().as_millis() as u64,
    })
}

/// Verify, decrypt and decompress the content into the trees' files.
#[allow(clippy::too_many_arguments)]
fn unpack_content<R: Read + Send>(
    r: R,
    head: &Opened,
    plan: &Plan,
    writers: &[TreeWriter<'_>],
    mut sink: Option<&mut dyn BlobSink>,
    opts: &ImportOptions,
    report: &mut Reporter<'_>,
    cancel: &AtomicBool,
) -> Result<()> {
    let trees: Vec<&ValidTree> = writers.iter().map(|w| w.tree).collect();
    let store_trees: Vec<&ValidTree> = plan.snapshots.iter().collect();
    let targets = targets_of(&trees, plan.blobs.len(), &store_trees);
    std::thread::scope(|s| {
        let source = ChunkSource::new(
            r,
            head.public_key,
            head.key.clone(),
            head.archive_id,
            head.header.max_payload(),
            opts.plaintext_hook.clone(),
        );
        let plain = spawn_reader(s, source, cancel, 4);
        let mut dec = zstd::stream::read::Decoder::with_buffer(plain).map_err(content_err)?;
        dec.window_log_max(MAX_WINDOW_LOG).map_err(content_err)?;
        let mut progress = |files: u64, bytes: u64| report.update(files, bytes);
        write_blobs(
            &mut dec,
            &plan.blobs,
            &targets,
            writers,
            &mut sink,
            cancel,
            &mut progress,
        )?;
        // Nothing may follow the last blob, and the chunks must end with the last one.
        let mut probe = [0u8; 1];
        let extra = loop {
            match dec.read(&mut probe) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(content_err(e)),
            }
        };
        if extra != 0 {
            return Err(PackError::Tampered(
                "the content is longer than the manifest says".into(),
            ));
        }
        let mut plain = dec.finish();
        if !plain.at_clean_end()? {
            return Err(PackError::Tampered(
                "the content holds data after its zstd stream".into(),
            ));
        }
        Ok(())
    })
}

/// Install, find or make the runtime; the container's new runtime reference.
fn settle_runtime(
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

/// What an archive says about itself, without unpacking it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    pub signer: KeyInfo,
    pub trusted: bool,
    pub encrypted: bool,
    /// The container's name, when the manifest could be read (not encrypted, or the passphrase
    /// was given).
    pub name: Option<String>,
    pub version: Option<String>,
    pub runtime: Option<RuntimePart>,
    pub totals: Option<Totals>,
    pub created_at: Option<String>,
}

/// Check an archive's signature and read its manifest (if it can be decrypted) without
/// unpacking or trusting anything.
pub fn inspect(data: &DataDir, archive: &Path, passphrase: Option<&str>) -> Result<Inspection> {
    let open = || -> Result<BufReader<File>> {
        let file = File::open(archive).map_err(|e| PackError::io(e, "open", archive))?;
        Ok(BufReader::new(file))
    };
    let head = match open_head(&mut open()?, data, passphrase, true) {
        Ok(h) => h,
        Err(PackError::BadPass(_)) if passphrase.is_none() => {
            // Encrypted: report who signed it and that it is encrypted.
            let mut r = open()?;
            read_preamble(&mut r)?;
            let (_, header_json) = read_section(&mut r, MAX_HEADER_LEN, "header")?;
            let header: Header = serde_json::from_slice(&header_json).map_err(|e| {
                PackError::BadArchive(format!("the archive header is not valid: {e}"))
            })?;
            let pk: [u8; 32] = unhex(&header.signer.public_key, 32)
                .and_then(|k| k.try_into().ok())
                .ok_or_else(|| PackError::BadSig("no valid signer key".into()))?;
            return Ok(Inspection {
                signer: KeyInfo::of(&pk),
                trusted: is_trusted(data, &pk)?,
                encrypted: true,
                name: None,
                version: None,
                runtime: None,
                totals: None,
                created_at: None,
            });
        }
        Err(e) => return Err(e),
    };
    let config = ContainerConfig::from_yaml(&head.manifest.container.yaml).ok();
    Ok(Inspection {
        signer: KeyInfo::of(&head.public_key),
        trusted: head.trusted,
        encrypted: head.key.is_some(),
        name: config.as_ref().map(|c| c.name.clone()),
        version: config.and_then(|c| c.version),
        runtime: head.manifest.runtime.map(|mut r| {
            r.prefix = None;
            r
        }),
        totals: Some(head.manifest.totals),
        created_at: Some(head.manifest.created_at),
    })
}
