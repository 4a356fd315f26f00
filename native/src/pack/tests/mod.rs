//! Tests of the pack module: the format, the chunked AEAD, export/import round trips over real
//! folders, every hostile-archive case of threats.md (built with `builder`), flipped bytes, and
//! imports/exports killed at random points.

mod aead_tests;
pub mod builder;
mod fault;
mod flip;
mod format_tests;
mod hostile;
mod roundtrip;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use crate::container::{self, CreateSpec, DataDir, RuntimeChoice, RuntimeKind};
use crate::pack::{import, ImportOptions, PackError, Progress};

/// A temporary folder removed on drop (read-only folders included).
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "orbit-pack-{tag}-{}",
            crate::container::files::random_hex(6)
        ));
        fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = crate::container::files::remove_tree(&self.0);
    }
}

/// A data dir inside `root`.
pub fn data_dir(root: &Path, name: &str) -> DataDir {
    let p = root.join(name);
    fs::create_dir_all(&p).unwrap();
    DataDir::new(p).unwrap()
}

/// A native container (no Wine needed) whose layer the test fills.
pub fn native_container(data: &DataDir, id: &str) -> PathBuf {
    container::create(
        data,
        CreateSpec {
            id: Some(id.into()),
            name: format!("Test {id}"),
            version: Some("1.0.0".into()),
            runtime: Some(RuntimeChoice {
                kind: RuntimeKind::Native,
                id: None,
            }),
            ..CreateSpec::default()
        },
    )
    .unwrap();
    data.container(id).unwrap().upper()
}

/// Deterministic pseudo-random bytes (xorshift), so failures reproduce.
pub fn noise(seed: u64, len: usize) -> Vec<u8> {
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x >> 24) as u8
        })
        .collect()
}

/// Everything under `root` (not following links): path -> description of kind, mode, size,
/// content hash or target, device number, and opaque marker. Paths under `skip` are left out.
pub fn listing(root: &Path, skip: &[&Path]) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for entry in walkdir::WalkDir::new(root).follow_links(false) {
        let Ok(entry) = entry else { continue };
        let p = entry.path();
        if skip.iter().any(|s| p.starts_with(s)) {
            continue;
        }
        let Ok(meta) = fs::symlink_metadata(p) else {
            continue;
        };
        let ft = meta.file_type();
        let what = if ft.is_file() {
            format!(
                "file {:o} {} {}",
                meta.mode() & 0o7777,
                meta.len(),
                blake3::hash(&fs::read(p).unwrap_or_default()).to_hex()
            )
        } else if ft.is_dir() {
            format!("dir {:o}", meta.mode() & 0o7777)
        } else if ft.is_symlink() {
            format!("link -> {}", fs::read_link(p).unwrap().display())
        } else if ft.is_char_device() {
            format!("chr {}", meta.rdev())
        } else {
            format!("other {:o}", meta.mode())
        };
        let rel = p.strip_prefix(root).unwrap().display().to_string();
        out.insert(rel, what);
    }
    out
}

/// A layer as the archive sees it (kind, mode, size, time, hash, target, opaque), by path.
pub fn layer_listing(root: &Path) -> BTreeMap<String, String> {
    let tree = crate::walk::scan(
        root,
        &crate::walk::ScanOptions::default(),
        None,
        &|_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let (entries, skipped) = crate::pack::manifest::portable(&tree);
    assert!(skipped.is_empty(), "{skipped:?}");
    entries
        .into_iter()
        .map(|e| (e.path.clone(), serde_json::to_string(&e).unwrap()))
        .collect()
}

/// Import with a throwaway progress callback and no cancel.
pub fn import_simple(
    data: &DataDir,
    archive: &Path,
    opts: &ImportOptions,
) -> Result<crate::pack::ImportResult, PackError> {
    import(
        data,
        archive,
        opts,
        &|_: Progress| {},
        &AtomicBool::new(false),
    )
}

/// Assert an error's code, printing the message on mismatch.
#[track_caller]
pub fn assert_code<T: std::fmt::Debug>(r: Result<T, PackError>, code: &str) -> PackError {
    match r {
        Ok(v) => panic!("expected {code}, got Ok({v:?})"),
        Err(e) => {
            assert_eq!(e.code(), code, "{e}");
            e
        }
    }
}
