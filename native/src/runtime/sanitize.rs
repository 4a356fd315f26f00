//! Cut a fresh Wine prefix off from the host before it becomes a base runtime.
//!
//! `wineboot --init` maps drive `z:` to `/`, links `com1` and friends to host devices, and points
//! the user's Desktop, Documents, Music... at `$HOME`. Inside the sandbox those would only reach
//! the sandbox's own view, but a runtime is shared by every container and may be used by other
//! tools: it must hold no path out of itself. Drive links are removed (only `c:` stays); folder
//! links become plain empty folders. winemenubuilder (which writes .desktop files and icons into
//! the host's menus) is disabled in the registry, so no run of any container starts it.

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, MetadataExt};
use std::path::{Component, Path};

use serde::Serialize;

use super::error::RuntimeError;
use crate::registry::{HiveSet, RegError, RegValue};

/// What was cut, as paths relative to the prefix.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Sanitized {
    /// Drive and device links removed (`dosdevices/z:`, `dosdevices/com1`...).
    pub removed: Vec<String>,
    /// Folder links replaced by empty folders (`drive_c/users/orbit/Desktop`...).
    pub replaced: Vec<String>,
}

/// Remove every symlink in `prefix` that leads out of it (see the module docs).
pub fn cut_host_links(prefix: &Path) -> Result<Sanitized, RuntimeError> {
    let owner = fs::metadata(prefix).map_err(|e| RuntimeError::io(e, "stat", prefix))?;
    let mut links = Vec::new();
    for entry in walkdir::WalkDir::new(prefix).follow_links(false) {
        let entry = entry
            .map_err(|e| RuntimeError::Core(crate::error::CoreError::new("EIO", e.to_string())))?;
        if entry.file_type().is_symlink() {
            links.push(entry.into_path());
        }
    }
    let mut out = Sanitized::default();
    for link in links {
        let target = fs::read_link(&link).map_err(|e| RuntimeError::io(e, "read link", &link))?;
        let Ok(rel) = link.strip_prefix(prefix) else {
            continue;
        };
        if stays_inside(rel, &target) {
            continue;
        }
        fs::remove_file(&link).map_err(|e| RuntimeError::io(e, "remove", &link))?;
        let shown = rel.to_string_lossy().into_owned();
        if rel.starts_with("dosdevices") {
            out.removed.push(shown);
        } else {
            fs::DirBuilder::new()
                .mode(0o755)
                .create(&link)
                .map_err(|e| RuntimeError::io(e, "create", &link))?;
            std::os::unix::fs::chown(&link, Some(owner.uid()), Some(owner.gid()))
                .map_err(|e| RuntimeError::io(e, "chown", &link))?;
            out.replaced.push(shown);
        }
    }
    out.removed.sort();
    out.replaced.sort();
    Ok(out)
}

/// Whether a link at `rel` (relative to the prefix) with `target` resolves inside the prefix.
/// Resolution is lexical; links met on the way are judged the same way, so after this pass
/// every remaining link stays inside.
pub fn stays_inside(rel: &Path, target: &Path) -> bool {
    if target.is_absolute() {
        return false;
    }
    let mut at: Vec<&OsStr> = rel
        .parent()
        .map(|p| {
            p.components()
                .filter_map(|c| {
                    if let Component::Normal(n) = c {
                        Some(n)
                    } else {
                        None
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    for c in target.components() {
        match c {
            Component::Normal(n) => at.push(n),
            Component::CurDir => {}
            Component::ParentDir => {
                if at.pop().is_none() {
                    return false;
                }
            }
            Component::RootDir | Component::Prefix(_) => return false,
        }
    }
    true
}

/// DllOverrides `winemenubuilder.exe=""` (disabled) for the user, and no RunServices entry that
/// would start it. Needs no wineserver running on the prefix.
pub fn disable_menubuilder(prefix: &Path) -> Result<(), RuntimeError> {
    let mut set = HiveSet::load(prefix)?;
    set.set_value(
        r"HKEY_CURRENT_USER\Software\Wine\DllOverrides",
        RegValue::sz("winemenubuilder.exe", ""),
    )?;
    match set.delete_value(
        r"HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\RunServices",
        "winemenubuilder",
    ) {
        Ok(()) | Err(RegError::KeyNotFound { .. }) | Err(RegError::ValueNotFound { .. }) => {}
        Err(e) => return Err(e.into()),
    }
    set.save(prefix)?;
    // The hives were rewritten by us: give them back to the prefix's owner, whom Wine runs as.
    let owner = fs::metadata(prefix).map_err(|e| RuntimeError::io(e, "stat", prefix))?;
    for name in ["system.reg", "user.reg", "userdef.reg"] {
        let p = prefix.join(name);
        std::os::unix::fs::chown(&p, Some(owner.uid()), Some(owner.gid()))
            .map_err(|e| RuntimeError::io(e, "chown", &p))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_are_judged_by_where_they_lead() {
        let p = Path::new;
        assert!(stays_inside(p("dosdevices/c:"), p("../drive_c")));
        assert!(!stays_inside(p("dosdevices/z:"), p("/")));
        assert!(!stays_inside(p("dosdevices/com1"), p("/dev/ttyS0")));
        assert!(!stays_inside(
            p("drive_c/users/orbit/Desktop"),
            p("/home/orbit")
        ));
        assert!(!stays_inside(p("dosdevices/d:"), p("../../outside")));
        assert!(stays_inside(p("drive_c/a/b"), p("./../c/./d")));
        assert!(!stays_inside(p("a"), p("..")));
    }

    #[test]
    fn host_links_are_cut_and_folders_stay_folders() {
        let dir = std::env::temp_dir().join(format!(
            "orbit-sanitize-{}",
            crate::container::files::random_hex(4)
        ));
        let prefix = dir.join("prefix");
        fs::create_dir_all(prefix.join("dosdevices")).unwrap();
        fs::create_dir_all(prefix.join("drive_c/users/orbit")).unwrap();
        std::os::unix::fs::symlink("../drive_c", prefix.join("dosdevices/c:")).unwrap();
        std::os::unix::fs::symlink("/", prefix.join("dosdevices/z:")).unwrap();
        std::os::unix::fs::symlink("/home/orbit", prefix.join("drive_c/users/orbit/Desktop"))
            .unwrap();
        std::os::unix::fs::symlink("Desktop", prefix.join("drive_c/users/orbit/Bureau")).unwrap();
        let out = cut_host_links(&prefix).unwrap();
        assert_eq!(out.removed, vec!["dosdevices/z:".to_string()]);
        assert_eq!(
            out.replaced,
            vec!["drive_c/users/orbit/Desktop".to_string()]
        );
        assert!(fs::symlink_metadata(prefix.join("dosdevices/c:"))
            .unwrap()
            .file_type()
            .is_symlink());
        assert!(
            fs::symlink_metadata(prefix.join("drive_c/users/orbit/Desktop"))
                .unwrap()
                .is_dir()
        );
        assert!(
            fs::symlink_metadata(prefix.join("drive_c/users/orbit/Bureau"))
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert_eq!(
            cut_host_links(&prefix).unwrap(),
            Sanitized::default(),
            "a second pass finds nothing"
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
