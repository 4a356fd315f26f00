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
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::chunks::{spawn_reader, ChunkSource, PlaintextHook};
use super::error::{PackError, Result};
use super::manifest::Totals;
use super::open::{open_head, Opened};
use super::progress::{OnProgress, Phase, Reporter};
use super::runtime_in::{runtime_plan, settle_runtime, ImportedRuntime, RuntimePlan};
use super::sign::{trust, KeyInfo};
use super::snapshots_in::{move_objects, write_snapshots, StoreSink};
use super::staging::{lock_id, Staging};
use super::unpack::{content_err, layer_owner, targets_of, write_blobs, BlobSink, TreeWriter};
use super::validate::{check_manifest, Limits, Plan, ValidTree};
use crate::container::files::{fsync_dir, now_rfc3339, write_atomic};
use crate::container::paths::{id_from_name, validate_id};
use crate::container::{self, ContainerConfig, ContainerInfo, ContainerPaths, DataDir};
use crate::error::CoreError;
use crate::store::Store;

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
    // The rename publishes the container, so all it holds must be on disk first: with delayed
    // allocation a file's bytes reach the disk long after its name, and a power loss right
    // after the rename could leave a container of empty or partial files. One syncfs of the
    // filesystem the work folder is on (the data dir's: the rename cannot cross filesystems)
    // writes every dirty page and inode of the thousands of new files in one flush, which an
    // fsync per file would give too, one journal commit or disk flush each.
    crate::store::sys::syncfs(&cdir).map_err(|e| PackError::io(e, "sync", &cdir))?;
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
