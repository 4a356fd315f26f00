//! BLAKE3 file hashing, the content identity used by the store, snapshots and packs.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::Serialize;

use crate::error::{CoreError, Result};

/// Read size: large enough for throughput, small enough for frequent progress.
const CHUNK: usize = 1 << 20;

/// A file's BLAKE3 hash (lowercase hex) and size in bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FileHash {
    pub hash: String,
    pub size: u64,
}

/// Progress of one hash: bytes read so far of `total` (the size when the file was opened).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HashProgress {
    pub done: u64,
    pub total: u64,
}

/// Hash `path`, calling `progress` after every chunk (and once at the end, also for empty files).
pub fn hash_file(path: &Path, mut progress: impl FnMut(HashProgress)) -> Result<FileHash> {
    let mut file = File::open(path).map_err(|e| CoreError::io(e, "open", path))?;
    let meta = file
        .metadata()
        .map_err(|e| CoreError::io(e, "stat", path))?;
    if meta.is_dir() {
        return Err(CoreError::new(
            "EISDIR",
            format!("cannot hash {}: is a directory", path.display()),
        ));
    }
    let total = meta.len();
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; CHUNK];
    let mut done = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CoreError::io(e, "read", path)),
        };
        hasher.update(&buf[..n]);
        done += n as u64;
        progress(HashProgress { done, total });
    }
    if done == 0 {
        progress(HashProgress { done, total });
    }
    Ok(FileHash {
        hash: hasher.finalize().to_hex().to_string(),
        size: done,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_blake3_and_report_progress() {
        let dir = std::env::temp_dir().join(format!("orbit-hash-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("data");
        let data = vec![7u8; CHUNK * 2 + 5];
        std::fs::write(&path, &data).unwrap();
        let mut seen = Vec::new();
        let got = hash_file(&path, |p| seen.push(p)).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(got.hash, blake3::hash(&data).to_hex().to_string());
        assert_eq!(got.size, data.len() as u64);
        assert_eq!(seen.len(), 3);
        assert_eq!(seen.last().unwrap().done, data.len() as u64);
    }

    #[test]
    fn missing_file_is_enoent() {
        let err = hash_file(Path::new("/nonexistent/orbit"), |_| {}).unwrap_err();
        assert_eq!(err.code, "ENOENT");
    }
}
