//! The runtime module's error, with stable codes; other modules' errors pass through.

use std::fmt;

use crate::container::ContainerError;
use crate::error::CoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuntimeError {
    /// EINVAL: a bad id or data dir.
    Invalid(String),
    /// ENOTFOUND_RUNTIME: no runtime with this id (or none for the installed Wine).
    NotFound(String),
    /// ENOWINE: Wine is not installed (or `wine --version` does not answer).
    NoWine(String),
    /// EWINEBOOT: `wineboot` failed inside the sandbox; the message ends with its last output.
    Wineboot(String),
    /// EBADRUNTIME: runtime.json or tree.json of a runtime cannot be read.
    Corrupt(String),
    Core(CoreError),
}

impl RuntimeError {
    pub fn code(&self) -> &'static str {
        match self {
            RuntimeError::Invalid(_) => "EINVAL",
            RuntimeError::NotFound(_) => "ENOTFOUND_RUNTIME",
            RuntimeError::NoWine(_) => "ENOWINE",
            RuntimeError::Wineboot(_) => "EWINEBOOT",
            RuntimeError::Corrupt(_) => "EBADRUNTIME",
            RuntimeError::Core(e) => e.code,
        }
    }

    pub fn io(err: std::io::Error, action: &str, path: &std::path::Path) -> RuntimeError {
        RuntimeError::Core(CoreError::io(err, action, path))
    }
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e: CoreError = self.clone().into();
        e.fmt(f)
    }
}

impl std::error::Error for RuntimeError {}

impl From<RuntimeError> for CoreError {
    fn from(err: RuntimeError) -> CoreError {
        let code = err.code();
        match err {
            RuntimeError::Core(e) => e,
            RuntimeError::Invalid(m)
            | RuntimeError::NotFound(m)
            | RuntimeError::NoWine(m)
            | RuntimeError::Wineboot(m)
            | RuntimeError::Corrupt(m) => CoreError::new(code, m),
        }
    }
}

impl From<CoreError> for RuntimeError {
    fn from(err: CoreError) -> RuntimeError {
        RuntimeError::Core(err)
    }
}

impl From<ContainerError> for RuntimeError {
    fn from(err: ContainerError) -> RuntimeError {
        RuntimeError::Core(err.into())
    }
}

impl From<RuntimeError> for ContainerError {
    fn from(err: RuntimeError) -> ContainerError {
        ContainerError::Core(err.into())
    }
}

impl From<crate::sandbox::SandboxError> for RuntimeError {
    fn from(err: crate::sandbox::SandboxError) -> RuntimeError {
        RuntimeError::Core(err.into())
    }
}

impl From<crate::registry::RegError> for RuntimeError {
    fn from(err: crate::registry::RegError) -> RuntimeError {
        RuntimeError::Core(err.into())
    }
}

/// The walk module has no crate-error conversion of its own; keep its code and message.
pub fn walk_error(err: crate::walk::WalkError) -> CoreError {
    CoreError::new(err.code(), err.to_string())
}

impl From<crate::walk::WalkError> for RuntimeError {
    fn from(err: crate::walk::WalkError) -> RuntimeError {
        RuntimeError::Core(walk_error(err))
    }
}
