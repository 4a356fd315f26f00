//! What a capture leaves out, because Wine or Orbit changes it on any run, not the installer.
//! The lists are written into every manifest (`excluded`), so a reader knows what was not
//! recorded. Found by diffing a container after running a program that changes nothing.

use crate::registry::{RegValue, REG_EXPAND_SZ, REG_MULTI_SZ, REG_SZ};

/// Paths relative to the prefix, with everything below them. `*` stands for one name.
pub const EXCLUDED_PATHS: &[&str] = &[
    // The hives: their changes are in the manifest's registry section, key by key.
    "system.reg",
    "user.reg",
    "userdef.reg",
    // Rewritten by Wine at every start.
    ".update-timestamp",
    // Drive letters and device links: the sandbox decides what a container sees.
    "dosdevices",
    // Temporary folders (and the copy of the installer Orbit runs from C:\windows\temp).
    "drive_c/windows/temp",
    "drive_c/users/*/Temp",
    "drive_c/users/*/AppData/Local/Temp",
];

/// Keys (with their subkeys) that describe the machine a run happened on, not the application:
/// network adapters (they follow the container's network policy), Plug and Play devices and
/// device classes (Wine's display driver rewrites the display adapter's `DriverDateData` at every
/// start, and the monitor class comes and goes), and the video outputs.
pub const EXCLUDED_KEYS: &[&str] = &[
    r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows NT\CurrentVersion\NetworkCards",
    r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\DeviceClasses",
    r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Enum",
    r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\Class",
    r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\Video",
];

/// Values left out wherever they are: strings naming a host path, which Wine writes for host
/// resources such as the fonts it registers from /usr/share/fonts.
pub const EXCLUDED_VALUES: &str =
    r"string values whose data starts with \??\unix\, \\?\unix\ or Z:\ (host paths)";

fn component_match(path: &str, pattern: &str) -> bool {
    let mut p = path.split('/');
    for want in pattern.split('/') {
        match p.next() {
            Some(got) if want == "*" || got == want => {}
            _ => return false,
        }
    }
    true
}

/// True when a prefix path is (under) one of `EXCLUDED_PATHS`.
pub fn is_excluded_path(path: &str) -> bool {
    EXCLUDED_PATHS
        .iter()
        .any(|pattern| component_match(path, pattern))
}

/// True when a key is (under) one of `EXCLUDED_KEYS` (case-insensitive, whole components).
pub fn is_excluded_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    EXCLUDED_KEYS.iter().any(|k| {
        let k = k.to_ascii_lowercase();
        key == k
            || key
                .strip_prefix(&k)
                .is_some_and(|rest| rest.starts_with('\\'))
    })
}

/// True for a value that names a host path (see `EXCLUDED_VALUES`).
pub fn is_excluded_value(value: &RegValue) -> bool {
    if ![REG_SZ, REG_EXPAND_SZ, REG_MULTI_SZ].contains(&value.raw_type) {
        return false;
    }
    let text: String = value
        .data
        .chunks_exact(2)
        .take(16)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .map(|u| char::from_u32(u32::from(u)).unwrap_or('\u{fffd}'))
        .collect::<String>()
        .to_ascii_lowercase();
    text.starts_with(r"\??\unix\") || text.starts_with(r"\\?\unix\") || text.starts_with(r"z:\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_match_by_whole_components_and_wildcards() {
        assert!(is_excluded_path("user.reg"));
        assert!(is_excluded_path("dosdevices/z:"));
        assert!(is_excluded_path(
            "drive_c/windows/temp/orbit-install/setup.exe"
        ));
        assert!(is_excluded_path("drive_c/users/orbit/Temp/x.tmp"));
        assert!(is_excluded_path("drive_c/users/orbit/AppData/Local/Temp"));
        assert!(!is_excluded_path("user.reg.bak"));
        assert!(!is_excluded_path("drive_c/windows/temperature.txt"));
        assert!(!is_excluded_path(
            "drive_c/users/orbit/AppData/Roaming/Acme/config.ini"
        ));
        assert!(!is_excluded_path("drive_c/Program Files/Acme/acme.exe"));
    }

    #[test]
    fn keys_and_host_path_values() {
        assert!(is_excluded_key(
            r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows NT\CurrentVersion\NetworkCards\2"
        ));
        assert!(is_excluded_key(
            r"hkey_local_machine\system\currentcontrolset\enum"
        ));
        assert!(!is_excluded_key(
            r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Enumerate"
        ));
        assert!(!is_excluded_key(r"HKEY_LOCAL_MACHINE\Software\Acme"));
        assert!(is_excluded_key(
            r"HKEY_LOCAL_MACHINE\System\CurrentControlSet\Control\Class\{4d36e968-e325-11ce-bfc1-08002be10318}\0000"
        ));
        assert!(is_excluded_value(&RegValue::sz(
            "DejaVu Sans (TrueType)",
            r"\??\unix\usr\share\fonts\DejaVuSans.ttf"
        )));
        assert!(is_excluded_value(&RegValue::sz(
            "x",
            r"Z:\usr\share\fonts\a.ttf"
        )));
        assert!(!is_excluded_value(&RegValue::sz(
            "InstallDir",
            r"C:\Program Files\Acme"
        )));
        assert!(!is_excluded_value(&RegValue::dword("Count", 1)));
    }
}
