//! The registry module's error: one variant per failure a caller can react to, each with a
//! stable `code()` that survives the roll-up into the crate error.

use std::fmt;

/// Everything that can go wrong while reading, editing or writing hives and .reg files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RegError {
    /// A Wine hive file (system.reg, user.reg, userdef.reg) that does not parse.
    BadHive { line: usize, message: String },
    /// A `.reg` file (regedit format) that does not parse or names a root we do not hold.
    BadReg { line: usize, message: String },
    /// The key (path as the caller wrote it) does not exist.
    KeyNotFound { path: String },
    /// The key exists but has no value of that name.
    ValueNotFound { path: String, name: String },
    /// A bad argument: unknown root, name too long, value data of the wrong shape.
    Invalid { message: String },
    /// Reading or writing a hive file failed.
    Io { path: String, message: String },
}

impl RegError {
    /// The stable machine code for this error.
    pub fn code(&self) -> &'static str {
        match self {
            RegError::BadHive { .. } => "EBADHIVE",
            RegError::BadReg { .. } => "EBADREG",
            RegError::KeyNotFound { .. } => "ENOTFOUND_KEY",
            RegError::ValueNotFound { .. } => "ENOTFOUND_VALUE",
            RegError::Invalid { .. } => "EINVAL",
            RegError::Io { .. } => "EIO",
        }
    }

    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        RegError::Invalid {
            message: message.into(),
        }
    }

    pub(crate) fn bad_hive(line: usize, message: impl Into<String>) -> Self {
        RegError::BadHive {
            line,
            message: message.into(),
        }
    }

    pub(crate) fn bad_reg(line: usize, message: impl Into<String>) -> Self {
        RegError::BadReg {
            line,
            message: message.into(),
        }
    }

    pub(crate) fn key_not_found(path: &str) -> Self {
        RegError::KeyNotFound {
            path: path.to_string(),
        }
    }
}

impl fmt::Display for RegError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegError::BadHive { line, message } => {
                write!(f, "bad hive file, line {line}: {message}")
            }
            RegError::BadReg { line, message } => {
                write!(f, "bad .reg file, line {line}: {message}")
            }
            RegError::KeyNotFound { path } => write!(f, "registry key not found: {path}"),
            RegError::ValueNotFound { path, name } => {
                let shown = if name.is_empty() { "(default)" } else { name };
                write!(f, "registry value not found: {path} -> {shown}")
            }
            RegError::Invalid { message } => write!(f, "{message}"),
            RegError::Io { path, message } => write!(f, "{path}: {message}"),
        }
    }
}

impl std::error::Error for RegError {}

impl From<RegError> for crate::error::CoreError {
    fn from(err: RegError) -> Self {
        crate::error::CoreError::new(err.code(), err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_messages_carry_context() {
        let e = RegError::bad_hive(12, "unterminated key name");
        assert_eq!(e.code(), "EBADHIVE");
        assert_eq!(
            e.to_string(),
            "bad hive file, line 12: unterminated key name"
        );
        let e = RegError::ValueNotFound {
            path: "HKLM\\A".into(),
            name: String::new(),
        };
        assert_eq!(e.code(), "ENOTFOUND_VALUE");
        assert!(e.to_string().contains("(default)"));
        let core: crate::error::CoreError = RegError::key_not_found("HKCU\\X").into();
        assert_eq!(core.code, "ENOTFOUND_KEY");
        assert!(core.message.contains("HKCU\\X"));
    }
}
