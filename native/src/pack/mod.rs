//! Signed container archives (`.ctnr`): export a container (its layer, container.yml, capture
//! manifest, optionally its snapshots and its base runtime) into one streamed file, and import
//! one safely.
//!
//! The byte format is in FORMAT.md. Jobs of the files:
//! - `format`: framing (preamble, sections, chunk records) and signed-message layouts;
//! - `manifest`: the archive manifest and the portable tree entry;
//! - `sign`: the installation's Ed25519 key and trust store;
//! - `aead`: PBKDF2 key derivation and AES-256-GCM over the manifest and chunks;
//! - `chunks`: the signed (and sealed) chunk stream, writer and verifying reader;
//! - `validate`: the importer's judgement of a manifest (paths, kinds, caps);
//! - `layer_scan`: the layer an export carries (flattened over a clone's frozen layers, hashed
//!   with the last snapshot's stat cache);
//! - `gather`: what an export carries, decided before it writes (hashing first only files that
//!   may share content);
//! - `head`: the head (header, manifest section, signature), planned first, written last;
//! - `sources`: the export's blob table and the copy of each blob into the compressor;
//! - `partial`: the archive file being written, renamed into place when whole;
//! - `unpack`: executing a validated plan under a work folder, verifying every byte;
//! - `precreate`: the unpacker's files, created ahead of their content on other threads;
//! - `snapshots_in`: snapshots from an archive into the store and the new container;
//! - `open`: reading and checking an archive's head; `inspect`: what an archive says of itself;
//! - `runtime_in`: the runtime an imported container needs (found, carried or made);
//! - `staging`: work folders and locks under `<data>/tmp/`;
//! - `export`, `import`: the two operations.

mod aead;
mod chunks;
mod error;
mod export;
pub mod format;
mod gather;
mod head;
mod import;
mod inspect;
mod layer_scan;
pub mod manifest;
mod open;
mod partial;
mod precreate;
mod progress;
mod runtime_in;
pub mod sign;
mod snapshots_in;
mod sources;
mod staging;
mod sys;
mod unpack;
pub mod validate;

pub use aead::{ArchiveKey, DEFAULT_ITERATIONS, MAX_ITERATIONS, MIN_ITERATIONS};
pub use chunks::{ChunkSource, ChunkWriter, PlaintextHook};
pub use error::PackError;
pub use export::{export, export_with, ExportOptions, ExportResult};
pub use head::{write_head, Head};
pub use import::{import, ImportOptions, ImportResult, MAX_WINDOW_LOG};
pub use inspect::{inspect, Inspection};
pub use open::{open_head, Opened};
pub use progress::{OnProgress, Phase, Progress};
pub use runtime_in::{ImportedRuntime, RuntimeSource};
pub use sign::{
    fingerprint, installation_key, installation_key_info, is_trusted, trust, trusted_keys, untrust,
    KeyInfo, SigningKey,
};
pub use staging::cleanup;

#[cfg(test)]
mod tests;
