//! The container module's error: one variant per failure a caller reacts to, each with a stable
//! code; errors of the modules it calls (registry, sandbox, I/O) pass through with their own code.

use std::fmt;

use crate::error::CoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ContainerError {
    /// EINVAL: a bad id, data dir, spec or patch.
    Invalid(String),
    /// ENOTFOUND_CONTAINER: no container with this id.
    NotFound(String),
    /// EEXIST: a container with this id exists already.
    Exists(String),
    /// ERUNNING: the container runs (or an install/registry edit holds it).
    Running(String),
    /// EBADCONFIG: container.yml exists but cannot be read as a container.
    BadConfig(String),
    /// Anything from another module, with its code (ENOTFOUND_RUNTIME, EIO, EBADHIVE...).
    Core(CoreError),
}

impl ContainerError {
    pub fn code(&self) -> &'static str {
        match self {
            ContainerError::Invalid(_) => "EINVAL",
            ContainerError::NotFound(_) => "ENOTFOUND_CONTAINER",
            ContainerError::Exists(_) => "EEXIST",
            ContainerError::Running(_) => "ERUNNING",
            ContainerError::BadConfig(_) => "EBADCONFIG",
            ContainerError::Core(e) => e.code,
        }
    }

    pub fn not_found(id: &str) -> ContainerError {
        ContainerError::NotFound(format!("no container with id {id:?}"))
    }

    /// An I/O failure with the action and path it concerned.
    pub fn io(err: std::io::Error, action: &str, path: &std::path::Path) -> ContainerError {
        ContainerError::Core(CoreError::io(err, action, path))
    }
}

impl fmt::Display for ContainerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContainerError::Invalid(m)
            | ContainerError::NotFound(m)
            | ContainerError::Exists(m)
            | ContainerError::Running(m)
            | ContainerError::BadConfig(m) => write!(f, "{}: {m}", self.code()),
            ContainerError::Core(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ContainerError {}

impl From<ContainerError> for CoreError {
    fn from(err: ContainerError) -> CoreError {
        let code = err.code();
        match err {
            ContainerError::Core(e) => e,
            ContainerError::Invalid(m)
            | ContainerError::NotFound(m)
            | ContainerError::Exists(m)
            | ContainerError::Running(m)
            | ContainerError::BadConfig(m) => CoreError::new(code, m),
        }
    }
}

impl From<CoreError> for ContainerError {
    fn from(err: CoreError) -> ContainerError {
        ContainerError::Core(err)
    }
}

impl From<crate::registry::RegError> for ContainerError {
    fn from(err: crate::registry::RegError) -> ContainerError {
        ContainerError::Core(err.into())
    }
}

impl From<crate::sandbox::SandboxError> for ContainerError {
    fn from(err: crate::sandbox::SandboxError) -> ContainerError {
        ContainerError::Core(err.into())
    }
}
