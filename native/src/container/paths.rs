//! Where things live in a data dir, and the rules for the names that become path components.
//!
//! ```text
//! <data>/containers/<id>/{container.yml, layer/upper, layer/work, snapshots/, logs/, manifest.json}
//! <data>/runtimes/<id>/{runtime.json, tree.json, prefix/}
//! ```
//!
//! Every id is checked before it is joined to a path, so no caller string can name a path
//! outside the data dir. The data dir itself ends up in overlayfs mount options, which cannot
//! escape ',', ':' or '\', so those are refused too.

use std::path::{Path, PathBuf};

use super::error::ContainerError;

/// Longest id of a container or runtime.
pub const MAX_ID_LEN: usize = 64;

/// A validated data dir (it need not exist yet).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    /// Check `root`: absolute, UTF-8, plain components, nothing overlayfs options cannot carry.
    pub fn new(root: impl AsRef<Path>) -> Result<DataDir, ContainerError> {
        let root = root.as_ref();
        let s = root
            .to_str()
            .ok_or_else(|| ContainerError::Invalid("the data dir must be UTF-8".into()))?;
        let clean = s == "/"
            || (s.starts_with('/')
                && !s.ends_with('/')
                && s[1..]
                    .split('/')
                    .all(|c| !c.is_empty() && c != "." && c != ".."));
        if !clean || s.contains(['\0', ',', ':', '\\', '\n']) {
            return Err(ContainerError::Invalid(format!(
                "the data dir must be a clean absolute path without ',', ':' or '\\', got {s:?}"
            )));
        }
        Ok(DataDir {
            root: root.to_path_buf(),
        })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn containers(&self) -> PathBuf {
        self.root.join("containers")
    }

    pub fn runtimes(&self) -> PathBuf {
        self.root.join("runtimes")
    }

    /// A container's folder; the id is validated first.
    pub fn container(&self, id: &str) -> Result<ContainerPaths, ContainerError> {
        validate_id("container id", id)?;
        Ok(ContainerPaths {
            dir: self.containers().join(id),
        })
    }
}

/// The files of one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerPaths {
    pub dir: PathBuf,
}

impl ContainerPaths {
    pub fn config(&self) -> PathBuf {
        self.dir.join("container.yml")
    }
    pub fn upper(&self) -> PathBuf {
        self.dir.join("layer").join("upper")
    }
    pub fn work(&self) -> PathBuf {
        self.dir.join("layer").join("work")
    }
    pub fn manifest(&self) -> PathBuf {
        self.dir.join("manifest.json")
    }
    pub fn snapshots(&self) -> PathBuf {
        self.dir.join("snapshots")
    }
    pub fn logs(&self) -> PathBuf {
        self.dir.join("logs")
    }
    /// Held (flock) by installs, registry edits and delete: one of them at a time.
    pub fn busy_lock(&self) -> PathBuf {
        self.dir.join(".lock")
    }
    /// Held briefly around read-modify-write of container.yml.
    pub fn config_lock(&self) -> PathBuf {
        self.dir.join(".config.lock")
    }
}

/// 1-64 characters of `[A-Za-z0-9._-]`, starting with a letter or digit: safe as a file name,
/// as a sandbox instance key and in URLs, and never `.`/`..` or hidden.
pub fn validate_id(what: &str, id: &str) -> Result<(), ContainerError> {
    let ok = !id.is_empty()
        && id.len() <= MAX_ID_LEN
        && id.as_bytes()[0].is_ascii_alphanumeric()
        && id
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c));
    if ok {
        Ok(())
    } else {
        Err(ContainerError::Invalid(format!(
            "{what} must be 1-{MAX_ID_LEN} characters of [A-Za-z0-9._-] starting with a letter or digit, got {id:?}"
        )))
    }
}

/// An id made from a name: lowercase letters and digits joined by '-', then a random suffix so
/// two containers of the same name never collide ("Acme Writer" -> "acme-writer-3f9a1c").
pub fn id_from_name(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    let suffix = super::files::random_hex(3);
    if slug.is_empty() {
        format!("c-{suffix}")
    } else {
        format!("{slug}-{suffix}")
    }
}
