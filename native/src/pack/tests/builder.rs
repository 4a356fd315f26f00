//! A low-level archive builder for tests: any entries (hostile ones included), any content, any
//! zstd parameters, signed with a test key, so the importer's own checks are what is tested and
//! not only the signature. It writes through the same `write_head` and `ChunkWriter` as export.

use std::io::Write;

use crate::container::{ContainerConfig, RuntimeKind, RuntimeRef, CONTAINER_FORMAT_VERSION};
use crate::pack::format::{chunk_message, hex, write_chunk, FLAG_LAST};
use crate::pack::manifest::{
    ArchiveEntry, ArchiveManifest, Blob, ContainerPart, Totals, MANIFEST_VERSION,
};
use crate::pack::{write_head, ChunkWriter, Head, SigningKey, MIN_ITERATIONS};
use crate::walk::Timestamp;

pub struct Builder {
    pub signer: SigningKey,
    pub entries: Vec<ArchiveEntry>,
    /// Distinct contents, in stream order.
    pub blobs: Vec<Vec<u8>>,
    pub passphrase: Option<String>,
    pub chunk_size: u32,
    pub level: i32,
    /// A zstd window log to force (e.g. 30, over the importer's cap).
    pub window_log: Option<u32>,
    /// The uncompressed content stream to send instead of the blobs.
    pub content_override: Option<Vec<u8>>,
    /// The compressed bytes to send instead of compressing the content.
    pub compressed_override: Option<Vec<u8>>,
    /// Overwrite the computed totals.
    pub totals_override: Option<Totals>,
    pub yaml: String,
    pub snapshots: Vec<crate::pack::manifest::SnapshotPart>,
}

pub fn test_key() -> SigningKey {
    SigningKey::generate().unwrap().0
}

/// container.yml of a native container named `id`.
pub fn native_yaml(id: &str) -> String {
    ContainerConfig {
        id: id.into(),
        name: format!("Built {id}"),
        version: None,
        runtime: RuntimeRef {
            kind: RuntimeKind::Native,
            id: None,
            wine_version: None,
            hash: None,
        },
        env: Default::default(),
        network: Default::default(),
        display: Default::default(),
        limits: Default::default(),
        labels: Default::default(),
        created_at: "2024-01-01T00:00:00.000Z".into(),
        format_version: CONTAINER_FORMAT_VERSION,
    }
    .to_yaml()
    .unwrap()
}

pub fn entry(path: &str, kind: &str) -> ArchiveEntry {
    ArchiveEntry {
        path: path.into(),
        kind: kind.into(),
        mode: if kind == "dir" { 0o755 } else { 0o644 },
        size: 0,
        mtime: Timestamp {
            secs: 1_700_000_000,
            nsec: 0,
        },
        hash: None,
        link_target: None,
        opaque: false,
    }
}

impl Builder {
    pub fn new(signer: SigningKey) -> Builder {
        Builder {
            signer,
            entries: Vec::new(),
            blobs: Vec::new(),
            passphrase: None,
            chunk_size: 4096,
            level: 3,
            window_log: None,
            content_override: None,
            compressed_override: None,
            totals_override: None,
            yaml: native_yaml("built"),
            snapshots: Vec::new(),
        }
    }

    pub fn dir(mut self, path: &str) -> Self {
        self.entries.push(entry(path, "dir"));
        self
    }

    pub fn file(mut self, path: &str, data: &[u8]) -> Self {
        let mut e = entry(path, "file");
        e.size = data.len() as u64;
        e.hash = Some(blake3::hash(data).to_hex().to_string());
        if !self.blobs.iter().any(|b| b == data) {
            self.blobs.push(data.to_vec());
        }
        self.entries.push(e);
        self
    }

    pub fn symlink(mut self, path: &str, target: &str) -> Self {
        let mut e = entry(path, "symlink");
        e.mode = 0o777;
        e.size = target.len() as u64;
        e.link_target = Some(target.into());
        self.entries.push(e);
        self
    }

    pub fn whiteout(mut self, path: &str) -> Self {
        let mut e = entry(path, "whiteout");
        e.mode = 0;
        self.entries.push(e);
        self
    }

    /// A snapshot of the given entries (their contents must be blobs already, or added here).
    pub fn snapshot(mut self, name: &str, tree: Vec<ArchiveEntry>, contents: &[&[u8]]) -> Self {
        for c in contents {
            if !self.blobs.iter().any(|b| b == c) {
                self.blobs.push(c.to_vec());
            }
        }
        self.snapshots.push(crate::pack::manifest::SnapshotPart {
            name: name.into(),
            meta: serde_json::json!({
                "id": name, "seq": 1, "label": name.split_once('-').map_or("x", |p| p.1),
                "createdAt": "2024-01-01T00:00:00.000Z", "tree": "0".repeat(64),
                "files": 0, "bytes": 0, "entries": 0, "parent": null,
                "scannedAt": [0, 0], "formatVersion": 1
            }),
            tree,
        });
        self
    }

    pub fn raw(mut self, e: ArchiveEntry) -> Self {
        self.entries.push(e);
        self
    }

    /// The manifest these entries and blobs make (totals computed unless overridden).
    pub fn manifest(&self) -> ArchiveManifest {
        let blobs: Vec<Blob> = self
            .blobs
            .iter()
            .map(|b| Blob {
                hash: blake3::hash(b).to_hex().to_string(),
                size: b.len() as u64,
            })
            .collect();
        let all = || {
            self.entries
                .iter()
                .chain(self.snapshots.iter().flat_map(|s| s.tree.iter()))
        };
        let totals = self.totals_override.unwrap_or(Totals {
            entries: all().count() as u64,
            files: all().filter(|e| e.kind == "file").count() as u64,
            blobs: blobs.len() as u64,
            bytes: blobs.iter().map(|b| b.size).sum(),
        });
        ArchiveManifest {
            format_version: MANIFEST_VERSION,
            created_at: "2024-01-01T00:00:00.000Z".into(),
            signer: hex(&self.signer.public_key()),
            container: ContainerPart {
                yaml: self.yaml.clone(),
                capture_manifest: None,
            },
            layer: self.entries.clone(),
            runtime: None,
            snapshots: self.snapshots.clone(),
            blobs,
            totals,
        }
    }

    /// The uncompressed content stream.
    pub fn content(&self) -> Vec<u8> {
        self.content_override
            .clone()
            .unwrap_or_else(|| self.blobs.concat())
    }

    /// The compressed content stream.
    pub fn compressed(&self) -> Vec<u8> {
        if let Some(c) = &self.compressed_override {
            return c.clone();
        }
        let mut z = zstd::stream::write::Encoder::new(Vec::new(), self.level).unwrap();
        if let Some(w) = self.window_log {
            z.set_parameter(zstd::stream::raw::CParameter::WindowLog(w))
                .unwrap();
        }
        z.write_all(&self.content()).unwrap();
        z.finish().unwrap()
    }

    /// The head bytes (through the signature) and what the chunks need.
    pub fn head_with(&self, manifest_json: &[u8]) -> (Vec<u8>, Head) {
        let mut out = Vec::new();
        let head = write_head(
            &mut out,
            &self.signer,
            manifest_json,
            self.passphrase.as_deref(),
            MIN_ITERATIONS,
            self.level,
            self.chunk_size,
        )
        .unwrap();
        (out, head)
    }

    pub fn head(&self) -> (Vec<u8>, Head) {
        self.head_with(&serde_json::to_vec(&self.manifest()).unwrap())
    }

    /// The whole archive.
    pub fn build(&self) -> Vec<u8> {
        let (mut out, head) = self.head();
        let compressed = self.compressed();
        let mut w = ChunkWriter::new(
            &mut out,
            &self.signer,
            head.key.as_ref(),
            head.archive_id,
            self.chunk_size,
        );
        w.write_all(&compressed).unwrap();
        w.finish().unwrap();
        out
    }

    /// The archive with hand-made chunk records: `chunks` are (flags, payload) sent as they
    /// are (already sealed if the test wants), each signed for its position in the list.
    pub fn build_raw_chunks(&self, head: (Vec<u8>, Head), chunks: &[(u8, Vec<u8>)]) -> Vec<u8> {
        let (mut out, head) = head;
        for (i, (flags, payload)) in chunks.iter().enumerate() {
            let sig = self
                .signer
                .sign(&chunk_message(&head.archive_id, i as u64, *flags, payload));
            write_chunk(&mut out, *flags, payload, &sig).unwrap();
        }
        out
    }

    /// The compressed content cut into plaintext chunks of `chunk_size` (last one flagged).
    pub fn plain_chunks(&self) -> Vec<(u8, Vec<u8>)> {
        let compressed = self.compressed();
        let mut out: Vec<(u8, Vec<u8>)> = compressed
            .chunks(self.chunk_size as usize)
            .map(|c| (0u8, c.to_vec()))
            .collect();
        if out.is_empty() {
            out.push((0, Vec::new()));
        }
        if let Some(last) = out.last_mut() {
            last.0 = FLAG_LAST;
        }
        out
    }
}
