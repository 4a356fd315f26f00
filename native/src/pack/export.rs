//! Export a container as a signed `.ctnr` (see FORMAT.md).
//!
//! One pass over the content: `gather` decides what travels (hashing first only the files that
//! may share content with another), room is left for the head, each distinct content is read
//! once — hashed on the way when its hash is not known yet — and streamed through
//! multi-threaded zstd into signed (and sealed) chunks; then the manifest, now complete, is
//! signed and written into the room at the start. A file whose stat no longer matches the scan
//! is refused (ECHANGED) rather than carried with a hash it may not have. The container is held
//! busy throughout.
//!
//! The archive is written beside its destination under a hidden name and renamed into place
//! at the end, so a crash or a cancel never leaves a partial file under the real name.

use std::io::{self, BufWriter, Seek, SeekFrom, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use super::aead::DEFAULT_ITERATIONS;
use super::chunks::{from_io, ChunkWriter};
use super::error::{PackError, Result};
use super::format::{DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE};
use super::gather::gather;
use super::head::Head;
use super::manifest::{Skipped, Totals};
use super::partial::{absolute_dest, Partial};
use super::progress::{OnProgress, Phase, Reporter};
use super::sign::{installation_key, KeyInfo, SigningKey};
use super::sources::copy_blob;
use crate::container::{self, DataDir};

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
    /// zstd worker threads (default: one per CPU but one, at least one).
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

/// zstd workers: one per CPU but one, which reads, hashes and signs (at least one, so
/// compression always runs beside the reading).
fn workers(opts: &ExportOptions) -> u32 {
    opts.threads.unwrap_or_else(|| {
        let cpus = std::thread::available_parallelism().map_or(1, |n| n.get() as u32);
        cpus.saturating_sub(1).max(1)
    })
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
    if data.root().join("store").is_dir() {
        crate::snapshot::swap::recover_locked(data, &paths)?;
    }
    let mut report = Reporter::new(on_progress);
    report.phase(Phase::Scan, 0, 0);
    let mut g = gather(data, &config, &paths, signer, opts, on_progress, cancel)?;
    let totals = g.manifest.totals;
    let head = Head::new(
        signer,
        opts.passphrase.as_deref(),
        opts.iterations.unwrap_or(DEFAULT_ITERATIONS),
        level,
        chunk_size,
    )?;
    let planned = serde_json::to_vec(&g.manifest).map_err(crate::error::CoreError::from)?;
    let head_len = head.len_for(planned.len());

    let partial = Partial::create(&dest)?;
    (&partial.file)
        .seek(SeekFrom::Start(head_len as u64))
        .map_err(|e| PackError::io(e, "seek in", &partial.path))?;
    {
        let mut out = BufWriter::with_capacity(1 << 20, &partial.file);
        report.phase(Phase::Pack, totals.files, totals.bytes);
        let chunks = ChunkWriter::new(
            &mut out,
            signer,
            head.key.as_ref(),
            head.archive_id,
            chunk_size,
        );
        let mut z = zstd::stream::write::Encoder::new(chunks, level).map_err(write_err)?;
        // libzstd without thread support refuses this; then it compresses on this thread.
        let _ = z.set_parameter(zstd::stream::raw::CParameter::NbWorkers(workers(opts)));
        let mut buf = vec![0u8; 1 << 20];
        let (mut files_done, mut bytes_done) = (0u64, 0u64);
        for i in 0..g.table.blobs.len() {
            if cancel.load(Ordering::Relaxed) {
                return Err(PackError::Canceled);
            }
            let (n, hash) = copy_blob(&g.table, i, g.store.as_ref(), &mut z, &mut buf, cancel)?;
            if g.table.hashes[i].is_none() {
                g.table.hashes[i] = hash;
            }
            bytes_done += n;
            files_done += g.table.refs[i];
            report.update(files_done, bytes_done);
        }
        let chunks = z.finish().map_err(write_err)?;
        chunks.finish()?;
        out.flush().map_err(write_err)?;
    }
    g.fill_hashes()?;
    let manifest_json = serde_json::to_vec(&g.manifest).map_err(crate::error::CoreError::from)?;
    let bytes = head.bytes(signer, &manifest_json)?;
    if bytes.len() != head_len {
        return Err(PackError::Core(crate::error::CoreError::new(
            "EINTERNAL",
            "the manifest's length changed while the content was written",
        )));
    }
    partial
        .file
        .write_all_at(&bytes, 0)
        .map_err(|e| PackError::io(e, "write", &partial.path))?;
    let size = partial.commit(&dest)?;
    report.phase(Phase::Done, totals.files, totals.bytes);
    Ok(ExportResult {
        path: dest.display().to_string(),
        bytes: size,
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
