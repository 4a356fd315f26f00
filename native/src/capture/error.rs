//! The capture module's error: a bad installer or argument (EINVAL), else whatever the module
//! it came from said, code kept.

use std::fmt;

use crate::error::CoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaptureError {
    /// EINVAL: the installer path, its type, the arguments, or a container that cannot install.
    Invalid(String),
    Core(CoreError),
}

impl CaptureError {
    pub fn code(&self) -> &'static str {
        match self {
            CaptureError::Invalid(_) => "EINVAL",
            CaptureError::Core(e) => e.code,
        }
    }
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Invalid(m) => write!(f, "EINVAL: {m}"),
            CaptureError::Core(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for CaptureError {}

impl From<CaptureError> for CoreError {
    fn from(err: CaptureError) -> CoreError {
        match err {
            CaptureError::Invalid(m) => CoreError::invalid(m),
            CaptureError::Core(e) => e,
        }
    }
}

macro_rules! through_core {
    ($($t:ty),*) => {$(
        impl From<$t> for CaptureError {
            fn from(err: $t) -> CaptureError {
                CaptureError::Core(err.into())
            }
        }
    )*};
}

through_core!(
    CoreError,
    crate::container::ContainerError,
    crate::runtime::RuntimeError,
    crate::sandbox::SandboxError,
    crate::registry::RegError
);

impl From<crate::walk::WalkError> for CaptureError {
    fn from(err: crate::walk::WalkError) -> CaptureError {
        CaptureError::Core(crate::runtime::walk_error(err))
    }
}
