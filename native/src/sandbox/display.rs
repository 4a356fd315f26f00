//! An X11 display mapped into the sandbox, opt-in (`RunSpec::display`), so a GUI program can
//! show windows. The caller (the gateway) names the host's X socket; the sandbox shows it at the
//! standard place inside its private /tmp, and the environment points X clients at it. A unix
//! socket file works across network namespaces, so this holds with network `none` too: X clients
//! try the abstract socket first (per network namespace, so absent there) and fall back to the
//! file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::error::SandboxError;
use super::plan::{MountOp, Restrict};

/// Where X clients look for local sockets (`X<number>` inside).
pub const X11_DIR: &str = "/tmp/.X11-unix";
/// Where the display's Xauthority copy lives inside.
pub const XAUTHORITY: &str = "/tmp/.Xauthority";
/// Largest Xauthority file read (real ones hold a few entries of ~50 bytes).
pub const MAX_XAUTHORITY_BYTES: u64 = 64 * 1024;
/// X display numbers as X clients accept them (`:N` maps to TCP port 6000+N).
pub const MAX_DISPLAY_NUMBER: u32 = 65535;

/// One X display on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct X11Display {
    /// The display number: `DISPLAY=:<number>` inside.
    pub number: u32,
    /// The host path of the X server's unix socket (normally `/tmp/.X11-unix/X<number>`).
    pub socket: PathBuf,
    /// The host path of an Xauthority file holding the display's cookie, if it needs one.
    #[serde(default)]
    pub xauthority: Option<PathBuf>,
}

impl X11Display {
    /// `number` in range, host paths absolute and clean (like `binds.src`).
    pub fn validate(&self) -> Result<(), SandboxError> {
        if self.number > MAX_DISPLAY_NUMBER {
            return Err(SandboxError::Invalid(format!(
                "display.number must be at most {MAX_DISPLAY_NUMBER}, got {}",
                self.number
            )));
        }
        super::spec::check_host_path("display.socket", &self.socket)?;
        if let Some(x) = &self.xauthority {
            super::spec::check_host_path("display.xauthority", x)?;
        }
        Ok(())
    }

    /// The variables X clients read, set on top of the spec's env.
    pub fn environment(&self) -> Vec<(String, String)> {
        let mut env = vec![("DISPLAY".to_string(), format!(":{}", self.number))];
        if self.xauthority.is_some() {
            env.push(("XAUTHORITY".into(), XAUTHORITY.into()));
        }
        env
    }

    /// `:5`, for messages.
    pub fn shown(display: Option<&X11Display>) -> String {
        match display {
            Some(d) => format!("display :{} ({})", d.number, d.socket.display()),
            None => "no display".into(),
        }
    }

    /// The mount steps, after the private /tmp exists and before the host is detached. `old`
    /// maps a host path to where it is reachable during set-up.
    pub fn ops(&self, old: impl Fn(&Path) -> PathBuf) -> Vec<MountOp> {
        let mut ops = vec![
            // World-writable and sticky, as on any host, so the directory looks as X expects.
            MountOp::Mkdir {
                path: X11_DIR.into(),
                mode: 0o1777,
            },
            // A file bind: the executor creates the empty mount point first. Read-only does not
            // stop connect() on a socket (EROFS is for regular files, directories and links);
            // it stops the run from replacing or chmod-ing the server's socket.
            MountOp::Bind {
                src: old(&self.socket),
                dst: PathBuf::from(format!("{X11_DIR}/X{}", self.number)),
                readonly: true,
                restrict: Restrict::NoSuidDevExec,
            },
        ];
        if let Some(x) = &self.xauthority {
            // A copy, not a bind: the host file is usually mode 0600 and owned by the desktop's
            // user, which the sandbox user (orbit) could not read through a bind; the copy
            // belongs to orbit (0600) whoever owns the original, and the run cannot write back
            // to the host's file. Its entries are also rewritten (see `cookies_for`), which a
            // bind could not do. Read at set-up time (not when the plan is built) so the plan
            // stays pure and the bytes never travel through the spec.
            ops.push(MountOp::Xauthority {
                src: old(x),
                dst: XAUTHORITY.into(),
                number: self.number,
                owner: (super::spec::ORBIT_UID, super::spec::ORBIT_GID),
            });
        }
        ops
    }
}

/// Any host or address: an entry X clients use whatever their host name.
const FAMILY_WILD: u16 = 0xffff;

/// The Xauthority entries for display `number`, each made a wildcard entry. A desktop's file
/// names the host (FamilyLocal + its host name), but inside the sandbox the host name is
/// `orbit`, so X clients would find no matching entry and connect without a cookie; wildcard
/// entries match any host (as `xauth nlist | sed 's/^..../ffff/' | xauth nmerge` does for
/// containers). Entries for other displays stay out of the sandbox, and a file that is not an
/// Xauthority file (a wrong path) is refused rather than copied in; one with no entry for this
/// display gives an empty file (the gateway passes the user's usual file without knowing).
pub fn cookies_for(file: &[u8], number: u32) -> Result<Vec<u8>, SandboxError> {
    let bad = || SandboxError::Invalid("display.xauthority is not an Xauthority file".into());
    let want = number.to_string();
    let mut out = Vec::new();
    let mut rest = file;
    while !rest.is_empty() {
        // family (u16), then address, number, name and data, each a u16 length and bytes;
        // all big-endian.
        take(&mut rest, 2).ok_or_else(bad)?;
        let mut fields: Vec<&[u8]> = Vec::with_capacity(4);
        for _ in 0..4 {
            let len = take(&mut rest, 2).ok_or_else(bad)?;
            let len = u16::from_be_bytes([len[0], len[1]]) as usize;
            fields.push(take(&mut rest, len).ok_or_else(bad)?);
        }
        if fields[1] != want.as_bytes() {
            continue;
        }
        out.extend_from_slice(&FAMILY_WILD.to_be_bytes());
        for f in fields {
            out.extend_from_slice(&(f.len() as u16).to_be_bytes());
            out.extend_from_slice(f);
        }
    }
    // No entry for this display: nothing to copy. An X server that needs no cookie (Xvfb, a
    // desktop allowing local clients) still takes the run; one that needs it says so to the client.
    Ok(out)
}

/// The next `n` bytes of `rest`, advancing it; None when fewer are left.
fn take<'a>(rest: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if rest.len() < n {
        return None;
    }
    let (head, tail) = rest.split_at(n);
    *rest = tail;
    Some(head)
}
