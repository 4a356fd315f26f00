//! Paths inside a prefix (`drive_c/Program Files/Acme/acme.exe`) and the Windows paths programs
//! see (`C:\Program Files\Acme\acme.exe`). Only drive C: is a folder of the prefix.

/// `drive_c/...` -> `C:\...`; None for paths outside drive C (hives, dosdevices).
pub fn to_windows(prefix_path: &str) -> Option<String> {
    let rest = prefix_path.strip_prefix("drive_c")?;
    if rest.is_empty() {
        return Some("C:\\".into());
    }
    let rest = rest.strip_prefix('/')?;
    Some(format!("C:\\{}", rest.replace('/', "\\")))
}

/// `C:\...` (any case, `\` or `/`) -> `drive_c/...`; None for other drives or `.`/`..` parts.
pub fn from_windows(path: &str) -> Option<String> {
    let b = path.as_bytes();
    if b.len() < 2 || !b[0].eq_ignore_ascii_case(&b'c') || b[1] != b':' {
        return None;
    }
    let mut out = String::from("drive_c");
    for part in path[2..].split(['\\', '/']).filter(|p| !p.is_empty()) {
        if part == "." || part == ".." {
            return None;
        }
        out.push('/');
        out.push_str(part);
    }
    Some(out)
}

/// A Windows path folded for comparison: lowercase, `\` separators, no trailing separator.
pub fn fold(path: &str) -> String {
    path.replace('/', "\\")
        .trim_end_matches('\\')
        .to_lowercase()
}

/// `drive_c/...` as a Windows path, anything else as it is (for lists that mix both).
pub fn shown(prefix_path: &str) -> String {
    to_windows(prefix_path).unwrap_or_else(|| prefix_path.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_map_both_ways() {
        assert_eq!(
            to_windows("drive_c/Program Files/Acme/acme.exe").as_deref(),
            Some("C:\\Program Files\\Acme\\acme.exe")
        );
        assert_eq!(to_windows("drive_c").as_deref(), Some("C:\\"));
        assert_eq!(to_windows("drive_cx/a"), None);
        assert_eq!(to_windows("user.reg"), None);
        assert_eq!(
            from_windows("C:\\Program Files\\Acme\\acme.exe").as_deref(),
            Some("drive_c/Program Files/Acme/acme.exe")
        );
        assert_eq!(from_windows("c:/a//b/").as_deref(), Some("drive_c/a/b"));
        assert_eq!(from_windows("D:\\a"), None);
        assert_eq!(from_windows("C:\\a\\..\\..\\etc"), None);
        assert_eq!(fold("C:/Program Files/ACME/"), "c:\\program files\\acme");
    }
}
