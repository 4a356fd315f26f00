//! overlayfs markers in an upper layer, read from extended attributes.
//!
//! A container's `layer/` is an overlay upper dir, so a scan must record what overlayfs reads:
//! a directory whose `overlay.opaque` is "y" hides the lower directory's contents; "x" (Linux 6.7+)
//! says the directory holds xattr whiteouts, regular files carrying `overlay.whiteout`. Both the
//! `trusted.` (mounted as root) and `user.` (mounted with `userxattr`) namespaces are honoured.
//! Char-device 0:0 whiteouts need no xattr and are recognised from `lstat` alone (see scan).
//!
//! `overlay.redirect` (a directory renamed with redirect_dir=on) and `overlay.metacopy` (a file
//! whose data still lives in the lower layer) cannot be reproduced from the upper dir alone, so
//! the scan refuses them: the sandbox mounts with redirect_dir=off,metacopy=off.

use std::path::Path;

use super::error::WalkError;
use super::sys;

const NAMESPACES: [&str; 2] = ["trusted.overlay.", "user.overlay."];

/// What a directory's xattrs say.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct DirMarks {
    pub opaque: bool,
    pub has_xwhiteouts: bool,
}

fn has(names: &[Vec<u8>], suffix: &str) -> Option<String> {
    NAMESPACES
        .iter()
        .map(|ns| format!("{ns}{suffix}"))
        .find(|full| names.iter().any(|n| n == full.as_bytes()))
}

fn list(abs: &Path) -> Result<Vec<Vec<u8>>, WalkError> {
    sys::list_xattrs(abs)
        .map_err(|e| WalkError::io("list extended attributes of", abs.display(), e))
}

/// Read a directory's overlay markers (one `llistxattr`, plus a read only when a marker is set).
pub(crate) fn dir_marks(abs: &Path) -> Result<DirMarks, WalkError> {
    let names = list(abs)?;
    if names.is_empty() {
        return Ok(DirMarks::default());
    }
    if has(&names, "redirect").is_some() {
        return Err(WalkError::Unsupported {
            path: abs.display().to_string(),
            detail: "overlayfs redirect_dir entry (mount the layer with redirect_dir=off)",
        });
    }
    let mut marks = DirMarks::default();
    if let Some(name) = has(&names, "opaque") {
        let value = sys::get_xattr(abs, &name)
            .map_err(|e| WalkError::io("read extended attribute of", abs.display(), e))?
            .unwrap_or_default();
        marks.opaque = value == b"y";
        marks.has_xwhiteouts = value == b"x";
    }
    Ok(marks)
}

/// Whether a regular file is an xattr whiteout; refuses metacopy files. Only called for files in
/// a directory marked "x", or for files with no data blocks (metacopy files are all hole), so a
/// plain tree costs no per-file xattr call.
pub(crate) fn file_is_whiteout(abs: &Path, in_xwhiteout_dir: bool) -> Result<bool, WalkError> {
    let names = list(abs)?;
    if has(&names, "metacopy").is_some() {
        return Err(WalkError::Unsupported {
            path: abs.display().to_string(),
            detail:
                "overlayfs metacopy file, its data is in the lower layer (mount with metacopy=off)",
        });
    }
    Ok(in_xwhiteout_dir && has(&names, "whiteout").is_some())
}
