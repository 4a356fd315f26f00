//! The installer file: checked, hashed, and given a safe name under which the sandbox shows it.
//!
//! How it reaches Wine: the host file is bound read-only at `/orbit/installer/<name>` (outside
//! the prefix), and the install script copies it, as the sandbox's orbit user, into
//! `C:\windows\temp\orbit-install\` and runs it from there. Installers expect to start from a
//! drive path (NSIS, Inno and MSI all look at their own folder); without a `z:` drive the only
//! other way would be a `\\?\unix\` path, which many of them mishandle. The copy is removed
//! after the run and the folder is excluded from the capture.

use std::path::{Path, PathBuf};

use super::error::CaptureError;

/// Where the installer file appears inside the sandbox.
pub const INSTALLER_DIR: &str = "/orbit/installer";

/// What runs inside: copy, run (msiexec for .msi), wait for wineserver, remove the copy, and
/// exit with the installer's code. Name, kind and the installer's arguments arrive as
/// positional parameters, never as script text.
pub const INSTALL_SCRIPT: &str = r#"set -e
name="$1"; kind="$2"; shift 2
dir="$WINEPREFIX/drive_c/windows/temp/orbit-install"
mkdir -p "$dir"
cp "/orbit/installer/$name" "$dir/$name"
win="C:\\windows\\temp\\orbit-install\\$name"
set +e
if [ "$kind" = msi ]; then
  wine msiexec /i "$win" /qn "$@"
else
  wine "$win" "$@"
fi
code=$?
wineserver -w
rm -rf "$dir"
exit $code
"#;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstallerKind {
    Exe,
    Msi,
}

impl InstallerKind {
    pub fn name(self) -> &'static str {
        match self {
            InstallerKind::Exe => "exe",
            InstallerKind::Msi => "msi",
        }
    }
}

/// A checked installer file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Installer {
    /// Canonical host path.
    pub path: PathBuf,
    /// Safe file name used inside.
    pub name: String,
    pub kind: InstallerKind,
    pub size: u64,
    pub blake3: String,
}

/// The file name as it may appear inside: `[A-Za-z0-9._ ()+-]`, no leading dot, at most 100
/// characters, extension kept.
pub fn safe_name(file_name: &str) -> String {
    let mapped: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._ ()+-".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    let trimmed = mapped.trim_start_matches(['.', ' ']).to_string();
    if trimmed.chars().count() <= 100 {
        return trimmed;
    }
    let (stem, ext) = trimmed.rsplit_once('.').unwrap_or((&trimmed, ""));
    format!("{}.{ext}", &stem[..96 - ext.len().min(8)])
}

/// Check the installer at `path` and hash it.
pub fn check(path: &Path) -> Result<Installer, CaptureError> {
    let invalid = |m: String| CaptureError::Invalid(m);
    let canonical = std::fs::canonicalize(path)
        .map_err(|e| invalid(format!("installer {}: {e}", path.display())))?;
    let meta = std::fs::metadata(&canonical)
        .map_err(|e| invalid(format!("installer {}: {e}", path.display())))?;
    if !meta.is_file() {
        return Err(invalid(format!(
            "installer {} is not a regular file",
            path.display()
        )));
    }
    let file_name = canonical.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let lower = file_name.to_ascii_lowercase();
    let kind = if lower.ends_with(".exe") {
        InstallerKind::Exe
    } else if lower.ends_with(".msi") {
        InstallerKind::Msi
    } else {
        return Err(invalid(format!(
            "installer {} must be an .exe or .msi file",
            path.display()
        )));
    };
    if canonical.to_str().is_none_or(|s| s.contains(['\0', '\n'])) {
        return Err(invalid("the installer's path must be UTF-8".into()));
    }
    let name = safe_name(file_name);
    let h = crate::hash::hash_file(&canonical, |_| {})?;
    Ok(Installer {
        path: canonical,
        name,
        kind,
        size: h.size,
        blake3: h.hash,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_made_safe_and_keep_their_extension() {
        assert_eq!(safe_name("acme-setup-v1.exe"), "acme-setup-v1.exe");
        assert_eq!(safe_name("Setup (x64) 1.2+.exe"), "Setup (x64) 1.2+.exe");
        assert_eq!(safe_name("..$(rm -rf);`x`.msi"), "_(rm -rf)__x_.msi");
        assert_eq!(safe_name("évil\\name.exe"), "_vil_name.exe");
        let long = format!("{}.exe", "a".repeat(300));
        let s = safe_name(&long);
        assert!(s.len() <= 100 && s.ends_with(".exe"), "{s}");
    }
}
