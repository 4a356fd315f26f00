//! The walk module's one error type. Every variant names the path it concerns, and `code()` gives
//! the stable machine code that the crate error and the gateway switch on.

use std::fmt;
use std::io;

/// A failed scan, hash or manifest load.
#[derive(Debug)]
pub enum WalkError {
    /// An I/O call failed on `path` (code ENOENT, EACCES or EIO from the OS error).
    Io {
        path: String,
        action: &'static str,
        source: io::Error,
    },
    /// A name or symlink target under the root is not UTF-8 (code EBADNAME). `path` shows the
    /// offending bytes lossily (U+FFFD), for humans only.
    BadName { path: String },
    /// The cancel flag was raised (code ECANCELED).
    Canceled,
    /// A caller argument or a loaded manifest is malformed (code EINVAL).
    Invalid { message: String },
    /// A file changed between its stat and its hash, so the scan would record a state that never
    /// existed (code ECHANGED). Scans are meant for quiescent trees; the caller may retry.
    Changed { path: String, detail: &'static str },
    /// The tree uses an overlayfs feature whose meaning a plain walk cannot reproduce, e.g. a
    /// redirect_dir rename or a metacopy-only file (code EUNSUPPORTED).
    Unsupported { path: String, detail: &'static str },
}

impl WalkError {
    /// The stable code: ENOENT, EACCES, EIO, EBADNAME, ECANCELED, EINVAL, ECHANGED or EUNSUPPORTED.
    pub fn code(&self) -> &'static str {
        match self {
            WalkError::Io { source, .. } => match source.kind() {
                io::ErrorKind::NotFound => "ENOENT",
                io::ErrorKind::PermissionDenied => "EACCES",
                io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => "ENOSPC",
                _ => "EIO",
            },
            WalkError::BadName { .. } => "EBADNAME",
            WalkError::Canceled => "ECANCELED",
            WalkError::Invalid { .. } => "EINVAL",
            WalkError::Changed { .. } => "ECHANGED",
            WalkError::Unsupported { .. } => "EUNSUPPORTED",
        }
    }

    pub(crate) fn io(action: &'static str, path: impl fmt::Display, source: io::Error) -> Self {
        WalkError::Io {
            path: path.to_string(),
            action,
            source,
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        WalkError::Invalid {
            message: message.into(),
        }
    }
}

impl fmt::Display for WalkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WalkError::Io {
                path,
                action,
                source,
            } => write!(f, "cannot {action} {path}: {source}"),
            WalkError::BadName { path } => {
                write!(
                    f,
                    "name is not valid UTF-8 (Orbit records UTF-8 names only): {path}"
                )
            }
            WalkError::Canceled => write!(f, "scan canceled"),
            WalkError::Invalid { message } => write!(f, "{message}"),
            WalkError::Changed { path, detail } => {
                write!(f, "{path} changed while it was being scanned ({detail})")
            }
            WalkError::Unsupported { path, detail } => write!(f, "{path}: {detail}"),
        }
    }
}

impl std::error::Error for WalkError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            WalkError::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}
