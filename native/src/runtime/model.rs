//! runtime.json: what a base runtime is. The runtime's files are in `prefix/` beside it and its
//! tree manifest (walk::Tree JSON) in `tree.json`, which capture uses as the overlay's lower tree.

use serde::{Deserialize, Serialize};

/// The runtime.json format this code writes and reads.
pub const RUNTIME_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeInfo {
    /// e.g. `wine-8.0-1a2b3c4d5e6f`: the Wine version and the start of the content hash.
    pub id: String,
    /// First line of `wine --version` when it was made, e.g. `wine-8.0 (Debian 8.0~repack-4)`.
    pub wine_version: String,
    /// BLAKE3 over the tree manifest's content fields (see `content::content_hash`), hex.
    pub hash: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    pub format_version: u32,
    /// Regular files in the prefix.
    #[serde(default)]
    pub files: u64,
    /// Their total size in bytes.
    #[serde(default)]
    pub bytes: u64,
}

/// What `verify` found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct VerifyReport {
    pub id: String,
    pub ok: bool,
    /// The hash in runtime.json.
    pub expected: String,
    /// The hash of the files as they are now.
    pub actual: String,
    /// Paths (relative to the prefix) that differ from tree.json; at most 100.
    pub changed: Vec<String>,
}

/// Which step of making a runtime is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Wineboot,
    Scan,
    Finalize,
}

/// A progress report of `create`/`ensure`/`verify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeEvent {
    pub phase: Phase,
    pub message: String,
}

/// Receives progress, possibly from several threads.
pub type OnEvent<'a> = &'a (dyn Fn(RuntimeEvent) + Sync);
