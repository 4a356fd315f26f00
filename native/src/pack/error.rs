//! The pack module's error: one variant per way an export or import can fail that a caller (or a
//! test) tells apart, each with a stable code. Errors of other modules pass through with theirs.

use std::fmt;

use crate::error::CoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PackError {
    /// EUNSAFE_PATH: an archive path that could name something outside its tree (absolute, `..`,
    /// empty components, backslashes, control characters, a collision after case folding or
    /// Unicode normalisation, a parent that is a symlink or missing).
    UnsafePath(String),
    /// EUNSAFE_ENTRY: an entry Orbit will not create (device, fifo, socket, hard link, a symlink
    /// leading out of its tree, a kind whose mode bits disagree).
    UnsafeEntry(String),
    /// ETOO_LARGE: over a cap (total bytes, entry count, zstd window, section length).
    TooLarge(String),
    /// EBADARCHIVE: not a .ctnr, truncated, or structurally malformed.
    BadArchive(String),
    /// EBADVERSION: a .ctnr of a format version this Orbit does not read (usually newer).
    BadVersion(String),
    /// EBADSIG: no valid signature over the header and manifest.
    BadSig(String),
    /// EUNTRUSTED: validly signed by a key this installation does not trust.
    Untrusted(String),
    /// EBADPASS: encrypted, and the passphrase is missing or wrong.
    BadPass(String),
    /// ETAMPERED: the signed header/manifest verified, but content does not match it (a chunk
    /// signature or tag, a file hash, a length).
    Tampered(String),
    /// ECANCELED: the caller's cancel flag was raised.
    Canceled,
    /// EINVAL: a bad argument from the caller.
    Invalid(String),
    /// Anything from another module or the OS, with its own code.
    Core(CoreError),
}

impl PackError {
    pub fn code(&self) -> &'static str {
        match self {
            PackError::UnsafePath(_) => "EUNSAFE_PATH",
            PackError::UnsafeEntry(_) => "EUNSAFE_ENTRY",
            PackError::TooLarge(_) => "ETOO_LARGE",
            PackError::BadArchive(_) => "EBADARCHIVE",
            PackError::BadVersion(_) => "EBADVERSION",
            PackError::BadSig(_) => "EBADSIG",
            PackError::Untrusted(_) => "EUNTRUSTED",
            PackError::BadPass(_) => "EBADPASS",
            PackError::Tampered(_) => "ETAMPERED",
            PackError::Canceled => "ECANCELED",
            PackError::Invalid(_) => "EINVAL",
            PackError::Core(e) => e.code,
        }
    }

    /// An I/O failure with the action and path it concerned.
    pub fn io(err: std::io::Error, action: &str, path: &std::path::Path) -> PackError {
        PackError::Core(CoreError::io(err, action, path))
    }

    fn message(&self) -> String {
        match self {
            PackError::UnsafePath(m)
            | PackError::UnsafeEntry(m)
            | PackError::TooLarge(m)
            | PackError::BadArchive(m)
            | PackError::BadVersion(m)
            | PackError::BadSig(m)
            | PackError::Untrusted(m)
            | PackError::BadPass(m)
            | PackError::Tampered(m)
            | PackError::Invalid(m) => m.clone(),
            PackError::Canceled => "the operation was canceled".into(),
            PackError::Core(e) => e.message.clone(),
        }
    }
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code(), self.message())
    }
}

impl std::error::Error for PackError {}

impl From<PackError> for CoreError {
    fn from(err: PackError) -> CoreError {
        match err {
            PackError::Core(e) => e,
            other => CoreError::new(other.code(), other.message()),
        }
    }
}

impl From<CoreError> for PackError {
    fn from(err: CoreError) -> PackError {
        PackError::Core(err)
    }
}

impl From<crate::container::ContainerError> for PackError {
    fn from(err: crate::container::ContainerError) -> PackError {
        PackError::Core(err.into())
    }
}

impl From<crate::runtime::RuntimeError> for PackError {
    fn from(err: crate::runtime::RuntimeError) -> PackError {
        PackError::Core(err.into())
    }
}

impl From<crate::walk::WalkError> for PackError {
    fn from(err: crate::walk::WalkError) -> PackError {
        match err {
            crate::walk::WalkError::Canceled => PackError::Canceled,
            other => PackError::Core(crate::runtime::walk_error(other)),
        }
    }
}

impl From<crate::store::StoreError> for PackError {
    fn from(err: crate::store::StoreError) -> PackError {
        match err {
            crate::store::StoreError::Canceled => PackError::Canceled,
            other => PackError::Core(other.into()),
        }
    }
}

pub type Result<T> = std::result::Result<T, PackError>;
