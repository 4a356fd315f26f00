//! Execute a mount plan (see `plan`) through a `Sys`. Runs in the init, as root of the new mount
//! namespace, before the program exists; the first failing step aborts with its name and path.

use std::path::{Path, PathBuf};

use super::display::{cookies_for, MAX_XAUTHORITY_BYTES};
use super::error::SandboxError;
use super::plan::{MountOp, Restrict};
use super::sys::{FileKind, Sys};
use libc::{
    c_ulong, MS_BIND, MS_NODEV, MS_NOEXEC, MS_NOSUID, MS_PRIVATE, MS_RDONLY, MS_REC, MS_REMOUNT,
};

fn restrict_flags(r: Restrict) -> c_ulong {
    match r {
        Restrict::None => 0,
        Restrict::NoSuidDev => MS_NOSUID | MS_NODEV,
        Restrict::NoSuidDevExec => MS_NOSUID | MS_NODEV | MS_NOEXEC,
    }
}

fn fail(step: &str, path: &Path, err: std::io::Error) -> SandboxError {
    SandboxError::os(&format!("{step} {}", path.display()), &err)
}

/// Apply every operation in order.
pub fn apply(ops: &[MountOp], sys: &dyn Sys) -> Result<(), SandboxError> {
    for op in ops {
        apply_one(op, sys)?;
    }
    Ok(())
}

fn ensure_parent(sys: &dyn Sys, path: &Path) -> std::io::Result<()> {
    match path.parent() {
        Some(parent) if parent != Path::new("") => sys.mkdir_all(parent, 0o755),
        _ => Ok(()),
    }
}

/// Bind `src` on `dst` (made to match: directory or empty file), then restrict/remount.
fn bind(
    sys: &dyn Sys,
    src: &Path,
    dst: &Path,
    readonly: bool,
    restrict: Restrict,
) -> Result<(), SandboxError> {
    let kind = sys.kind(src).map_err(|e| fail("stat", src, e))?;
    let Some(kind) = kind else {
        return Err(SandboxError::PathNotFound(format!(
            "bind source {} does not exist",
            shown(src)
        )));
    };
    ensure_parent(sys, dst).map_err(|e| fail("mkdir", dst, e))?;
    match kind {
        FileKind::Dir => sys.mkdir_all(dst, 0o755),
        FileKind::File => sys.create_file(dst),
    }
    .map_err(|e| fail("create mount point", dst, e))?;
    sys.mount(Some(src), dst, None, MS_BIND | MS_REC, None)
        .map_err(|e| fail("bind", dst, e))?;
    let extra = restrict_flags(restrict);
    if readonly {
        sys.remount_readonly(dst, extra)
            .map_err(|e| fail("remount read-only", dst, e))?;
    } else if extra != 0 {
        // A bind ignores flags on creation: restricting it takes a remount of the bind.
        let flags = MS_REMOUNT | MS_BIND | extra;
        sys.mount(None, dst, None, flags, None)
            .map_err(|e| fail("restrict", dst, e))?;
    }
    Ok(())
}

/// Host paths appear as /.oldroot/... during set-up; show them as the caller wrote them.
fn shown(p: &Path) -> String {
    let s = p.display().to_string();
    s.strip_prefix(super::plan::OLD_ROOT)
        .map(str::to_string)
        .unwrap_or(s)
}

fn apply_one(op: &MountOp, sys: &dyn Sys) -> Result<(), SandboxError> {
    match op {
        MountOp::MakeRootPrivate => sys
            .mount(None, Path::new("/"), None, MS_REC | MS_PRIVATE, None)
            .map_err(|e| fail("make private", Path::new("/"), e)),
        MountOp::Tmpfs {
            target,
            mode,
            owner,
            restrict,
        } => {
            let mut data = format!("mode={mode:o}");
            if let Some((uid, gid)) = owner {
                data.push_str(&format!(",uid={uid},gid={gid}"));
            }
            sys.mount(
                Some(Path::new("tmpfs")),
                target,
                Some("tmpfs"),
                restrict_flags(*restrict),
                Some(&data),
            )
            .map_err(|e| fail("mount tmpfs on", target, e))
        }
        MountOp::Mkdir { path, mode } => sys
            .mkdir_all(path, *mode)
            .map_err(|e| fail("mkdir", path, e)),
        MountOp::Symlink { target, link } => {
            ensure_parent(sys, link).map_err(|e| fail("mkdir", link, e))?;
            sys.symlink(target, link)
                .map_err(|e| fail("symlink", link, e))
        }
        MountOp::WriteFile {
            path,
            contents,
            mode,
        } => sys
            .write_file(path, contents.as_bytes(), *mode)
            .map_err(|e| fail("write", path, e)),
        MountOp::Bind {
            src,
            dst,
            readonly,
            restrict,
        } => bind(sys, src, dst, *readonly, *restrict),
        MountOp::Overlay {
            lower,
            upper,
            work,
            dst,
            userxattr,
        } => {
            let lowers: Vec<PathBuf> = lower
                .to_string_lossy()
                .split(':')
                .map(PathBuf::from)
                .collect();
            for dir in lowers.iter().chain([upper, work]) {
                if sys.kind(dir).map_err(|e| fail("stat", dir, e))? != Some(FileKind::Dir) {
                    return Err(SandboxError::PathNotFound(format!(
                        "prefix directory {} does not exist",
                        shown(dir)
                    )));
                }
            }
            let mut data = format!(
                "lowerdir={},upperdir={},workdir={}",
                lower.display(),
                upper.display(),
                work.display()
            );
            if *userxattr {
                data.push_str(",userxattr");
            }
            sys.mount(
                Some(Path::new("overlay")),
                dst,
                Some("overlay"),
                MS_NOSUID | MS_NODEV,
                Some(&data),
            )
            .map_err(|e| fail("mount overlay on", dst, e))
        }
        MountOp::Proc { dst } => sys
            .mount(
                Some(Path::new("proc")),
                dst,
                Some("proc"),
                MS_NOSUID | MS_NODEV | MS_NOEXEC,
                None,
            )
            .map_err(|e| fail("mount proc on", dst, e)),
        MountOp::Devpts { dst } => sys
            .mount(
                Some(Path::new("devpts")),
                dst,
                Some("devpts"),
                MS_NOSUID | MS_NOEXEC,
                Some("newinstance,ptmxmode=0666,mode=620"),
            )
            .map_err(|e| fail("mount devpts on", dst, e)),
        MountOp::Mask { path } => match sys.kind(path).map_err(|e| fail("stat", path, e))? {
            None => Ok(()),
            Some(FileKind::File) => sys
                .mount(Some(Path::new("/dev/null")), path, None, MS_BIND, None)
                .map_err(|e| fail("mask", path, e)),
            Some(FileKind::Dir) => sys
                .mount(
                    Some(Path::new("tmpfs")),
                    path,
                    Some("tmpfs"),
                    MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                    Some("mode=755"),
                )
                .map_err(|e| fail("mask", path, e)),
        },
        MountOp::ReadOnly { path } => {
            if sys.kind(path).map_err(|e| fail("stat", path, e))?.is_none() {
                return Ok(());
            }
            sys.mount(Some(path), path, None, MS_BIND | MS_REC, None)
                .map_err(|e| fail("bind", path, e))?;
            sys.remount_readonly(path, MS_NOSUID | MS_NODEV | MS_NOEXEC)
                .map_err(|e| fail("remount read-only", path, e))
        }
        MountOp::Chown { path, uid, gid } => sys
            .chown(path, *uid, *gid)
            .map_err(|e| fail("chown", path, e)),
        MountOp::PivotRoot { new_root, put_old } => sys
            .pivot_root(new_root, put_old)
            .map_err(|e| fail("pivot_root to", new_root, e)),
        MountOp::Chdir { path } => sys.chdir(path).map_err(|e| fail("chdir", path, e)),
        MountOp::Xauthority {
            src,
            dst,
            number,
            owner: (uid, gid),
        } => {
            if sys.kind(src).map_err(|e| fail("stat", src, e))?.is_none() {
                return Err(SandboxError::PathNotFound(format!(
                    "display.xauthority {} does not exist",
                    shown(src)
                )));
            }
            let bytes = sys
                .read_file(src, MAX_XAUTHORITY_BYTES)
                .map_err(|e| fail("read", Path::new(&shown(src)), e))?;
            let cookies = cookies_for(&bytes, *number)?;
            sys.write_file(dst, &cookies, 0o600)
                .map_err(|e| fail("write", dst, e))?;
            sys.chown(dst, *uid, *gid)
                .map_err(|e| fail("chown", dst, e))
        }
        MountOp::DetachOldRoot { path } => {
            sys.umount_detach(path)
                .map_err(|e| fail("detach", path, e))?;
            sys.rmdir(path).map_err(|e| fail("rmdir", path, e))
        }
        MountOp::RemountReadOnly { path } => sys
            .remount_readonly(path, 0)
            .map_err(|e| fail("remount read-only", path, e)),
    }
}
