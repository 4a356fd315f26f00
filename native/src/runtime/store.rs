//! Finding, making and checking base runtimes under `<data>/runtimes/`.
//!
//! Creation is serialised by a flock on `runtimes/.lock` (across threads and processes): a second
//! `ensure` waits for the first and then finds its result instead of booting Wine again.

use std::fs::{self, File, OpenOptions};
use std::io::ErrorKind;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;

use super::content::content_hash;
use super::create::create_locked;
use super::error::RuntimeError;
use super::model::{
    OnEvent, Phase, RuntimeEvent, RuntimeInfo, VerifyReport, RUNTIME_FORMAT_VERSION,
};
use crate::container::paths::validate_id;
use crate::container::DataDir;
use crate::walk::{self, ScanOptions, Tree};

/// The files of one runtime.
pub struct RuntimePaths {
    pub dir: PathBuf,
}

impl RuntimePaths {
    pub fn info(&self) -> PathBuf {
        self.dir.join("runtime.json")
    }
    pub fn tree(&self) -> PathBuf {
        self.dir.join("tree.json")
    }
    /// The Wine prefix: the overlay's lower layer.
    pub fn prefix(&self) -> PathBuf {
        self.dir.join("prefix")
    }
}

pub fn paths(data: &DataDir, id: &str) -> Result<RuntimePaths, RuntimeError> {
    validate_id("runtime id", id)
        .map_err(|e| RuntimeError::Invalid(crate::error::CoreError::from(e).message))?;
    Ok(RuntimePaths {
        dir: data.runtimes().join(id),
    })
}

/// The first line of `wine --version` of the Wine on this machine.
pub fn installed_wine() -> Result<String, RuntimeError> {
    crate::system::system_info().wine.version.ok_or_else(|| {
        RuntimeError::NoWine(
            "Wine is not installed (no wine or wine64 on PATH answers --version)".into(),
        )
    })
}

/// One runtime's runtime.json.
pub fn get(data: &DataDir, id: &str) -> Result<RuntimeInfo, RuntimeError> {
    let p = paths(data, id)?;
    let bytes = match fs::read(p.info()) {
        Ok(b) => b,
        Err(e) if e.kind() == ErrorKind::NotFound => {
            return Err(RuntimeError::NotFound(format!("no runtime with id {id:?}")))
        }
        Err(e) => return Err(RuntimeError::io(e, "read", &p.info())),
    };
    let info: RuntimeInfo = serde_json::from_slice(&bytes)
        .map_err(|e| RuntimeError::Corrupt(format!("{}: {e}", p.info().display())))?;
    if info.id != id || info.format_version != RUNTIME_FORMAT_VERSION {
        return Err(RuntimeError::Corrupt(format!(
            "{} names id {:?} with format {}",
            p.info().display(),
            info.id,
            info.format_version
        )));
    }
    Ok(info)
}

/// The runtime's tree manifest (the lower tree of every container on it).
pub fn tree(data: &DataDir, id: &str) -> Result<Tree, RuntimeError> {
    let p = paths(data, id)?;
    let bytes = fs::read(p.tree()).map_err(|e| RuntimeError::io(e, "read", &p.tree()))?;
    Tree::from_json(&bytes)
        .map_err(|e| RuntimeError::Corrupt(format!("{}: {e}", p.tree().display())))
}

/// Every readable runtime, oldest first.
pub fn list(data: &DataDir) -> Result<Vec<RuntimeInfo>, RuntimeError> {
    let dir = data.runtimes();
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(RuntimeError::io(e, "list", &dir)),
    };
    let mut out: Vec<RuntimeInfo> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str().map(str::to_string))
        .filter(|name| !name.starts_with('.'))
        .filter_map(|name| get(data, &name).ok())
        .collect();
    out.sort_by(|a, b| (&a.created_at, &a.id).cmp(&(&b.created_at, &b.id)));
    Ok(out)
}

/// The newest runtime made with `wine_version`, if any.
pub fn find(data: &DataDir, wine_version: &str) -> Result<Option<RuntimeInfo>, RuntimeError> {
    Ok(list(data)?
        .into_iter()
        .rev()
        .find(|r| r.wine_version == wine_version))
}

/// The runtime of the installed Wine, if one was made.
pub fn current(data: &DataDir) -> Result<Option<RuntimeInfo>, RuntimeError> {
    find(data, &installed_wine()?)
}

/// An exclusive flock on `runtimes/.lock`, released on drop.
pub struct RuntimesLock {
    _file: File,
}

/// Wait for the runtimes lock (creating the runtimes folder and lock file if needed).
pub fn lock(data: &DataDir) -> Result<RuntimesLock, RuntimeError> {
    let dir = data.runtimes();
    fs::create_dir_all(&dir).map_err(|e| RuntimeError::io(e, "create", &dir))?;
    let path = dir.join(".lock");
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| RuntimeError::io(e, "open", &path))?;
    file.lock()
        .map_err(|e| RuntimeError::io(e, "lock", &path))?;
    Ok(RuntimesLock { _file: file })
}

/// Under the lock: the newest runtime of `wine_version`, or the one `create` makes.
pub fn ensure_with(
    data: &DataDir,
    wine_version: &str,
    create: impl FnOnce() -> Result<RuntimeInfo, RuntimeError>,
) -> Result<RuntimeInfo, RuntimeError> {
    let _lock = lock(data)?;
    if let Some(found) = find(data, wine_version)? {
        return Ok(found);
    }
    create()
}

/// The runtime of the installed Wine, made now if there is none yet.
pub fn ensure(data: &DataDir, on_event: OnEvent<'_>) -> Result<RuntimeInfo, RuntimeError> {
    let wine = installed_wine()?;
    ensure_with(data, &wine, || create_locked(data, &wine, on_event))
}

/// A new runtime of the installed Wine, even if one exists.
pub fn create(data: &DataDir, on_event: OnEvent<'_>) -> Result<RuntimeInfo, RuntimeError> {
    let wine = installed_wine()?;
    let _lock = lock(data)?;
    create_locked(data, &wine, on_event)
}

/// Rescan the runtime's files (every file is read again) and compare with its recorded hash.
pub fn verify(
    data: &DataDir,
    id: &str,
    on_event: OnEvent<'_>,
) -> Result<VerifyReport, RuntimeError> {
    let info = get(data, id)?;
    let recorded = tree(data, id)?;
    let prefix = paths(data, id)?.prefix();
    let now = walk::scan(
        &prefix,
        &ScanOptions::default(),
        None,
        &|p| {
            on_event(RuntimeEvent {
                phase: Phase::Scan,
                message: format!("{} files hashed", p.files_hashed),
            })
        },
        &AtomicBool::new(false),
    )?;
    let actual = content_hash(&now);
    let d = walk::diff(&recorded, &now);
    let changed: Vec<String> = d
        .added
        .iter()
        .map(|e| e.path.clone())
        .chain(d.changed.iter().map(|c| c.path.clone()))
        .chain(d.removed.iter().map(|e| e.path.clone()))
        .take(100)
        .collect();
    Ok(VerifyReport {
        id: info.id,
        ok: actual == info.hash,
        expected: info.hash,
        actual,
        changed,
    })
}
