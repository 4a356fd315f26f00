//! The extended-attribute calls the walk needs to see overlayfs markers; std has no xattr API.
//! All calls are the `l*` variants, so a symlink is never followed.
//! (When the crate's syscall module exists, these belong there.)

use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

fn c_path(path: &Path) -> io::Result<CString> {
    CString::new(path.as_os_str().as_bytes())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "path contains a NUL byte"))
}

/// Whether an errno means "this filesystem keeps no extended attributes": then there are none.
fn no_xattr_support(err: &io::Error) -> bool {
    matches!(err.raw_os_error(), Some(libc::ENOTSUP))
}

/// The names of `path`'s extended attributes (as stored, e.g. `trusted.overlay.opaque`).
pub fn list_xattrs(path: &Path) -> io::Result<Vec<Vec<u8>>> {
    let p = c_path(path)?;
    let mut buf = vec![0u8; 512];
    loop {
        // SAFETY: `p` is NUL-terminated and outlives the call; `buf` is writable for its length.
        let n = unsafe { libc::llistxattr(p.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        if n >= 0 {
            buf.truncate(n as usize);
            let names = buf
                .split(|b| *b == 0)
                .filter(|n| !n.is_empty())
                .map(<[u8]>::to_vec);
            return Ok(names.collect());
        }
        let err = io::Error::last_os_error();
        if no_xattr_support(&err) {
            return Ok(Vec::new());
        }
        if err.raw_os_error() != Some(libc::ERANGE) {
            return Err(err);
        }
        // The list grew between calls or did not fit: ask for its size and retry.
        // SAFETY: a null buffer with size 0 only asks for the needed length.
        let need = unsafe { libc::llistxattr(p.as_ptr(), std::ptr::null_mut(), 0) };
        if need < 0 {
            return Err(io::Error::last_os_error());
        }
        buf.resize((need as usize).max(buf.len() * 2), 0);
    }
}

/// The value of one extended attribute, or None when it is not set.
pub fn get_xattr(path: &Path, name: &str) -> io::Result<Option<Vec<u8>>> {
    let p = c_path(path)?;
    let n = CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "xattr name contains NUL"))?;
    let mut buf = vec![0u8; 256];
    loop {
        // SAFETY: both strings are NUL-terminated and live across the call; `buf` is writable
        // for its length.
        let got =
            unsafe { libc::lgetxattr(p.as_ptr(), n.as_ptr(), buf.as_mut_ptr().cast(), buf.len()) };
        if got >= 0 {
            buf.truncate(got as usize);
            return Ok(Some(buf));
        }
        let err = io::Error::last_os_error();
        match err.raw_os_error() {
            Some(libc::ENODATA) => return Ok(None),
            Some(libc::ERANGE) if buf.len() < 1 << 16 => buf.resize(buf.len() * 4, 0),
            _ if no_xattr_support(&err) => return Ok(None),
            _ => return Err(err),
        }
    }
}

/// Set an extended attribute without following a symlink (tests build overlay layers with it).
#[cfg(test)]
pub fn set_xattr(path: &Path, name: &str, value: &[u8]) -> io::Result<()> {
    let p = c_path(path)?;
    let n = CString::new(name)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "xattr name contains NUL"))?;
    // SAFETY: both strings are NUL-terminated and live across the call; `value` is readable
    // for its length.
    let rc = unsafe {
        libc::lsetxattr(
            p.as_ptr(),
            n.as_ptr(),
            value.as_ptr().cast(),
            value.len(),
            0,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}
