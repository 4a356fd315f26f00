//! The crate-wide error: a stable machine `code` (what JS code and HTTP mapping switch on) and a
//! human message. Module error enums convert into it with `From`, so `?` works across modules.

use std::fmt;
use std::io;
use std::path::Path;

/// One error of the core. `code` never changes meaning once shipped; `message` may be reworded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoreError {
    pub code: &'static str,
    pub message: String,
}

/// The core's result type.
pub type Result<T> = std::result::Result<T, CoreError>;

impl CoreError {
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        CoreError {
            code,
            message: message.into(),
        }
    }

    /// Bad argument from the caller.
    pub fn invalid(message: impl Into<String>) -> Self {
        CoreError::new("EINVAL", message)
    }

    /// An I/O failure with the path it concerned, e.g. `ENOENT: cannot open /x: No such file...`.
    pub fn io(err: io::Error, action: &str, path: &Path) -> Self {
        CoreError::new(
            io_code(&err),
            format!("cannot {action} {}: {err}", path.display()),
        )
    }

    /// A panic caught at the FFI boundary; the payload is kept when it is a string.
    pub fn from_panic(payload: &(dyn std::any::Any + Send)) -> Self {
        let detail = payload
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic payload".to_string());
        CoreError::new("EPANIC", format!("internal error in orbit core: {detail}"))
    }
}

/// Stable codes for the I/O failures callers react to; everything else is EIO.
fn io_code(err: &io::Error) -> &'static str {
    match err.kind() {
        io::ErrorKind::NotFound => "ENOENT",
        io::ErrorKind::PermissionDenied => "EACCES",
        io::ErrorKind::AlreadyExists => "EEXIST",
        io::ErrorKind::TimedOut => "ETIMEDOUT",
        // A full disk (or quota) is the one I/O failure users can fix themselves: name it.
        io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded => "ENOSPC",
        _ => "EIO",
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for CoreError {}

impl From<io::Error> for CoreError {
    /// Without path context; prefer `CoreError::io` where the path is known.
    fn from(err: io::Error) -> Self {
        CoreError::new(io_code(&err), err.to_string())
    }
}

impl From<serde_json::Error> for CoreError {
    fn from(err: serde_json::Error) -> Self {
        CoreError::new("EJSON", format!("invalid JSON: {err}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_keep_code_path_and_os_message() {
        let err = std::fs::File::open("/nonexistent/orbit-test").unwrap_err();
        let core = CoreError::io(err, "open", Path::new("/nonexistent/orbit-test"));
        assert_eq!(core.code, "ENOENT");
        assert!(
            core.message.contains("/nonexistent/orbit-test"),
            "{}",
            core.message
        );
        assert!(core.message.contains("No such file"), "{}", core.message);
    }

    #[test]
    fn a_full_disk_is_enospc() {
        for errno in [libc::ENOSPC, libc::EDQUOT] {
            let err = io::Error::from_raw_os_error(errno);
            assert_eq!(CoreError::io(err, "write", Path::new("/x")).code, "ENOSPC");
        }
    }

    #[test]
    fn json_errors_map_to_ejson() {
        let err: CoreError = serde_json::from_str::<serde_json::Value>("{")
            .unwrap_err()
            .into();
        assert_eq!(err.code, "EJSON");
    }

    #[test]
    fn panic_payloads_become_epanic() {
        let payload = std::panic::catch_unwind(|| panic!("boom {}", 1)).unwrap_err();
        let err = CoreError::from_panic(payload.as_ref());
        assert_eq!(err.code, "EPANIC");
        assert!(err.message.contains("boom 1"));
    }
}
