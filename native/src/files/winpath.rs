//! Windows paths a caller may name: on the container's C: drive only, never climbing with `..`.

use crate::error::{CoreError, Result};

/// Longest path accepted (Windows' own limit for `\\?\` paths).
const MAX_LEN: usize = 32_767;

/// The names below `C:\` of a Windows path (`C:`, `C:\`, `c:/Program Files\Acme`...). Empty and
/// `.` names are dropped; `..`, other drives, UNC and device paths, relative paths and names no
/// Windows file can have are EINVAL.
pub fn parse(path: &str) -> Result<Vec<String>> {
    if path.len() > MAX_LEN {
        return Err(CoreError::invalid("the path is longer than 32767 bytes"));
    }
    let bytes = path.as_bytes();
    let on_c = bytes.len() >= 2
        && bytes[0].eq_ignore_ascii_case(&b'c')
        && bytes[1] == b':'
        && (bytes.len() == 2 || bytes[2] == b'\\' || bytes[2] == b'/');
    if !on_c {
        return Err(CoreError::invalid(format!(
            "{path:?} is not a path on the container's C: drive (write it like C:\\Program Files)"
        )));
    }
    let mut names = Vec::new();
    for name in path[2..].split(['\\', '/']) {
        match name {
            "" | "." => {}
            ".." => {
                return Err(CoreError::invalid(format!(
                    "{path:?}: '..' is not allowed; name the folder from C:\\"
                )))
            }
            _ => {
                if let Some(c) = name.chars().find(|c| {
                    matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') || c.is_control()
                }) {
                    return Err(CoreError::invalid(format!(
                        "{path:?}: {c:?} cannot be part of a Windows file name"
                    )));
                }
                names.push(name.to_string());
            }
        }
    }
    Ok(names)
}
