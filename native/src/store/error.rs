//! The error of the store, snapshot and clone modules: one variant per failure a caller reacts
//! to, each with a stable code; errors of the modules they call pass through with their own code.

use std::fmt;

use crate::error::CoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreError {
    /// EINVAL: a bad label, id, hash, manifest or argument.
    Invalid(String),
    /// ENOTFOUND_SNAPSHOT: no snapshot with this id in the container.
    SnapshotNotFound(String),
    /// ENOTFOUND_OBJECT: the store has no object with this hash.
    ObjectNotFound(String),
    /// ECORRUPT: an object's content does not hash to its name, or a tree object is unreadable.
    Corrupt(String),
    /// ECANCELED: the caller's cancel flag was raised.
    Canceled,
    /// ERUNNING: the container runs or another exclusive operation holds it.
    Running(String),
    /// ECHANGED: a file changed while it was being stored (the layer was not quiescent).
    Changed(String),
    /// EEXIST: the target (a clone's id) exists already.
    Exists(String),
    /// ELIMIT: a structural limit (e.g. how many clones may be stacked) was reached.
    Limit(String),
    /// Anything else, code kept (EIO, ENOENT, EACCES, ENOTFOUND_CONTAINER, EBADHIVE...).
    Core(CoreError),
}

impl StoreError {
    pub fn code(&self) -> &'static str {
        match self {
            StoreError::Invalid(_) => "EINVAL",
            StoreError::SnapshotNotFound(_) => "ENOTFOUND_SNAPSHOT",
            StoreError::ObjectNotFound(_) => "ENOTFOUND_OBJECT",
            StoreError::Corrupt(_) => "ECORRUPT",
            StoreError::Canceled => "ECANCELED",
            StoreError::Running(_) => "ERUNNING",
            StoreError::Changed(_) => "ECHANGED",
            StoreError::Exists(_) => "EEXIST",
            StoreError::Limit(_) => "ELIMIT",
            StoreError::Core(e) => e.code,
        }
    }

    /// An I/O failure with the action and path it concerned.
    pub fn io(err: std::io::Error, action: &str, path: &std::path::Path) -> StoreError {
        StoreError::Core(CoreError::io(err, action, path))
    }

    fn message(&self) -> String {
        match self {
            StoreError::Invalid(m)
            | StoreError::SnapshotNotFound(m)
            | StoreError::ObjectNotFound(m)
            | StoreError::Corrupt(m)
            | StoreError::Running(m)
            | StoreError::Changed(m)
            | StoreError::Exists(m)
            | StoreError::Limit(m) => m.clone(),
            StoreError::Canceled => "operation canceled".into(),
            StoreError::Core(e) => e.message.clone(),
        }
    }
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for StoreError {}

impl From<StoreError> for CoreError {
    fn from(err: StoreError) -> CoreError {
        match err {
            StoreError::Core(e) => e,
            other => CoreError::new(other.code(), other.message()),
        }
    }
}

impl From<CoreError> for StoreError {
    fn from(err: CoreError) -> StoreError {
        match err.code {
            "ECANCELED" => StoreError::Canceled,
            _ => StoreError::Core(err),
        }
    }
}

impl From<crate::walk::WalkError> for StoreError {
    fn from(err: crate::walk::WalkError) -> StoreError {
        match err {
            crate::walk::WalkError::Canceled => StoreError::Canceled,
            crate::walk::WalkError::Changed { .. } => StoreError::Changed(err.to_string()),
            other => StoreError::Core(crate::runtime::walk_error(other)),
        }
    }
}

impl From<crate::container::ContainerError> for StoreError {
    fn from(err: crate::container::ContainerError) -> StoreError {
        match err {
            crate::container::ContainerError::Running(m) => StoreError::Running(m),
            other => StoreError::Core(other.into()),
        }
    }
}

impl From<crate::registry::RegError> for StoreError {
    fn from(err: crate::registry::RegError) -> StoreError {
        StoreError::Core(err.into())
    }
}

impl From<crate::runtime::RuntimeError> for StoreError {
    fn from(err: crate::runtime::RuntimeError) -> StoreError {
        StoreError::Core(err.into())
    }
}
