//! One entry of a tree manifest, and the rules for its relative path.

use serde::{Deserialize, Serialize};

/// What an entry is. Fifos, sockets and devices (overlay whiteouts among them) are `Other`;
/// their exact type is in the `S_IFMT` bits of `mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// A file time as seconds and nanoseconds since the epoch; JSON `[secs, nsec]`, because a single
/// nanosecond count does not fit in a JavaScript number.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(from = "(i64, u32)", into = "(i64, u32)")]
pub struct Timestamp {
    pub secs: i64,
    pub nsec: u32,
}

impl Timestamp {
    /// The current wall-clock time (what file timestamps are compared with).
    pub fn now() -> Timestamp {
        let d = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        Timestamp {
            secs: d.as_secs() as i64,
            nsec: d.subsec_nanos(),
        }
    }
}

impl From<(i64, u32)> for Timestamp {
    fn from((secs, nsec): (i64, u32)) -> Self {
        Timestamp { secs, nsec }
    }
}

impl From<Timestamp> for (i64, u32) {
    fn from(t: Timestamp) -> Self {
        (t.secs, t.nsec)
    }
}

/// One path under the scanned root, as `lstat` saw it.
///
/// `ino`, `dev`, `nlink` and `ctime` describe this machine's copy only; they exist so a later scan
/// can trust a recorded hash without reading the file (see `TreeIndex`). JSON readers in
/// JavaScript must not rely on `ino`/`dev` beyond 2^53.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// Relative to the root, '/'-separated, UTF-8, never empty, no `.`/`..` components.
    pub path: String,
    pub kind: Kind,
    /// The full `st_mode`: type bits and permission bits (setuid/setgid/sticky included).
    pub mode: u32,
    /// Bytes of a file, of a symlink's target; 0 for directories and other kinds (a directory's
    /// `st_size` depends on the filesystem's history, not on what it holds).
    pub size: u64,
    pub mtime: Timestamp,
    pub ctime: Timestamp,
    pub ino: u64,
    pub dev: u64,
    pub nlink: u64,
    /// Device number of a character or block device (0 for an overlay whiteout).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rdev: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_target: Option<String>,
    /// BLAKE3 of a regular file's content, lowercase hex in JSON; absent for other kinds, for
    /// whiteouts and when a scan ran without hashing.
    #[serde(default, skip_serializing_if = "Option::is_none", with = "hex_hash")]
    pub hash: Option<[u8; 32]>,
    /// An overlayfs whiteout: the lower layer's entry at this path is deleted.
    #[serde(default, skip_serializing_if = "is_false")]
    pub whiteout: bool,
    /// An overlayfs opaque directory: the lower layer's directory contents are hidden.
    #[serde(default, skip_serializing_if = "is_false")]
    pub opaque: bool,
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Entry {
    /// The hash as lowercase hex, if any.
    pub fn hash_hex(&self) -> Option<String> {
        self.hash.as_ref().map(to_hex)
    }
}

/// Lowercase hex of a 32-byte hash.
pub fn to_hex(bytes: &[u8; 32]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(64);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Parse 64 hex digits (either case) into a hash.
pub fn from_hex(s: &str) -> Option<[u8; 32]> {
    let bytes = s.as_bytes();
    if bytes.len() != 64 {
        return None;
    }
    let nibble = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let mut out = [0u8; 32];
    for (i, pair) in bytes.chunks_exact(2).enumerate() {
        out[i] = nibble(pair[0])? << 4 | nibble(pair[1])?;
    }
    Some(out)
}

mod hex_hash {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hash: &Option<[u8; 32]>, s: S) -> Result<S::Ok, S::Error> {
        match hash {
            Some(h) => s.serialize_str(&super::to_hex(h)),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[u8; 32]>, D::Error> {
        match Option::<String>::deserialize(d)? {
            None => Ok(None),
            Some(s) => super::from_hex(&s)
                .map(Some)
                .ok_or_else(|| D::Error::custom("hash must be 64 hex digits")),
        }
    }
}

/// Whether `path` is a well-formed relative manifest path: non-empty, '/'-separated components
/// that are neither empty, `.` nor `..`, and no NUL. Manifests may come from imported archives,
/// so every loader checks this before a path is joined to a directory.
pub fn is_valid_rel_path(path: &str) -> bool {
    !path.is_empty()
        && !path.contains('\0')
        && path
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

/// Whether `path` equals `prefix` or lies under it, by whole components ("a/b" covers "a/b" and
/// "a/b/c", not "a/bc").
pub fn is_under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}
