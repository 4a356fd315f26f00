//! What a run asks for: program, arguments, environment, working directory, the prefix and extra
//! binds it sees, network policy and limits. Plain data (JSON from the gateway), validated here
//! before any process is spawned, so the runner only ever receives a spec that makes sense.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::display::X11Display;
use super::error::SandboxError;

/// The unprivileged identity every program runs as, the same on every machine.
pub const ORBIT_UID: u32 = 61000;
pub const ORBIT_GID: u32 = 61000;
pub const ORBIT_USER: &str = "orbit";
/// The fixed home inside (a private tmpfs; Wine keeps the profile inside the prefix).
pub const HOME: &str = "/home/orbit";
/// Where the container's prefix (or layer) appears inside, the same for every container.
pub const PREFIX: &str = "/orbit/prefix";
/// Extra binds must land under here (and not under the prefix).
pub const BIND_ROOT: &str = "/orbit";
pub const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// The Wine launcher inside the sandbox (host /usr is bound read-only).
pub const WINE: &str = "/usr/bin/wine";
/// Wine's server, which the sandbox starts itself for a container's Wine instance (see
/// `RunSpec::wineserver_persistence`).
pub const WINESERVER: &str = "/usr/bin/wineserver";
/// Time Wine gets, between the end of the wineserver's persistence and the end of the linger,
/// to shut its own services down and save the registry before the sandbox terminates them.
pub const WINE_SHUTDOWN_MARGIN: std::time::Duration = std::time::Duration::from_secs(1);
/// Largest spec the runner accepts over its pipe.
pub const MAX_SPEC_BYTES: usize = 1 << 20;

/// One run. See `validate` for the rules each field must follow.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RunSpec {
    pub kind: Kind,
    /// native: an absolute path inside the sandbox, or a bare name looked up in PATH;
    /// wine: a Windows path such as `C:\Program Files\Acme\acme.exe`.
    pub program: String,
    /// Passed to the program verbatim: `--bind / /` or `--` are data, never runner options.
    #[serde(default)]
    pub args: Vec<String>,
    /// The program's environment; HOME, USER, LOGNAME, PATH (and WINEPREFIX) are fixed on top.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// native: an absolute Linux path inside; wine: a `C:\...` path (mapped into the prefix).
    #[serde(default)]
    pub cwd: Option<String>,
    /// What appears at /orbit/prefix.
    #[serde(default)]
    pub prefix: Option<Prefix>,
    /// Extra host paths mapped in (e.g. an installer, read-only).
    #[serde(default)]
    pub binds: Vec<Bind>,
    #[serde(default)]
    pub network: Network,
    #[serde(default)]
    pub limits: Limits,
    /// The container id: runs naming the same instance share one sandbox (and one wineserver).
    /// None: a private sandbox for this run only.
    #[serde(default)]
    pub instance: Option<String>,
    /// How long the sandbox waits, once no run is attached, for leftovers (wineserver) to exit
    /// on their own before it terminates them. Default: 1 s for native, 10 s for wine. A
    /// container's wine instance keeps its wineserver warm for about that long (see
    /// `wineserver_persistence`), so the container counts as running until then.
    #[serde(default)]
    pub linger_ms: Option<u64>,
    /// An X11 display shown inside (see `display`). None: no display, and DISPLAY/XAUTHORITY
    /// from `env` are dropped, so a run never points at a socket the sandbox does not hold.
    #[serde(default)]
    pub display: Option<X11Display>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Native,
    Wine,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "lowercase", deny_unknown_fields)]
pub enum Prefix {
    /// The container's layer over a read-only base runtime (the normal run).
    Overlay {
        /// One directory, or several joined with ':' top first (a clone's frozen layers, then
        /// the runtime), as overlayfs's lowerdir.
        lower: PathBuf,
        upper: PathBuf,
        work: PathBuf,
    },
    /// A plain writable directory (runtime creation, or a native container's layer).
    Bind { path: PathBuf },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bind {
    /// Absolute host path (file or directory).
    pub src: PathBuf,
    /// Absolute path inside, under /orbit/ but not under /orbit/prefix.
    pub dst: String,
    #[serde(default)]
    pub writable: bool,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Network {
    /// A new, empty network namespace (loopback only).
    #[default]
    None,
    /// The host's network (and its resolv.conf/hosts).
    Host,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Limits {
    pub memory_bytes: Option<u64>,
    /// Processes of the sandbox (Orbit's own init and runner count as two more under cgroups).
    pub pids: Option<u32>,
}

fn invalid(msg: impl Into<String>) -> SandboxError {
    SandboxError::Invalid(msg.into())
}

fn no_nul(what: &str, s: &str) -> Result<(), SandboxError> {
    if s.contains('\0') {
        return Err(invalid(format!("{what} must not contain NUL")));
    }
    Ok(())
}

/// An absolute path made of plain components only (no `.`, `..`, empty or trailing parts).
fn is_clean_absolute(p: &str) -> bool {
    p.starts_with('/')
        && !p.contains('\0')
        && (p == "/" || !p.ends_with('/'))
        && p[1..]
            .split('/')
            .all(|c| !c.is_empty() && c != "." && c != "..")
}

pub(super) fn check_host_path(what: &str, p: &Path) -> Result<(), SandboxError> {
    let s = p
        .to_str()
        .ok_or_else(|| invalid(format!("{what} must be UTF-8")))?;
    if !is_clean_absolute(s) {
        return Err(invalid(format!(
            "{what} must be a clean absolute path, got {s:?}"
        )));
    }
    Ok(())
}

/// Overlay options are a comma/colon separated string: those characters cannot be escaped.
fn check_overlay_path(what: &str, p: &Path) -> Result<(), SandboxError> {
    check_host_path(what, p)?;
    if p.to_string_lossy().contains([',', ':', '\\']) {
        return Err(invalid(format!("{what} must not contain ',', ':' or '\\'")));
    }
    Ok(())
}

/// `X:\...`: a drive letter, a colon, a backslash; no NUL or control characters.
pub fn is_windows_path(p: &str) -> bool {
    let b = p.as_bytes();
    b.len() >= 3
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && b[2] == b'\\'
        && !p.chars().any(char::is_control)
}

/// Map a `C:\...` path to where it lives inside the sandbox (`/orbit/prefix/drive_c/...`).
/// Other drives are not mapped by the sandbox itself, so they yield None.
pub fn windows_to_sandbox(p: &str) -> Result<Option<String>, SandboxError> {
    if !is_windows_path(p) {
        return Err(invalid(format!(
            "{p:?} is not a Windows path like C:\\dir\\file.exe"
        )));
    }
    if !p[..1].eq_ignore_ascii_case("c") {
        return Ok(None);
    }
    let mut out = format!("{PREFIX}/drive_c");
    for part in p[3..].split(['\\', '/']).filter(|s| !s.is_empty()) {
        if part == "." || part == ".." {
            return Err(invalid(format!(
                "{p:?} must not contain . or .. components"
            )));
        }
        out.push('/');
        out.push_str(part);
    }
    Ok(Some(out))
}

impl RunSpec {
    /// Check every field; the error names the first one that is wrong.
    pub fn validate(&self) -> Result<(), SandboxError> {
        if self.program.is_empty() {
            return Err(invalid("program is required"));
        }
        no_nul("program", &self.program)?;
        match self.kind {
            Kind::Native => {
                if self.program.contains('/') && !is_clean_absolute(&self.program) {
                    return Err(invalid(
                        "a native program is an absolute path or a bare name found in PATH",
                    ));
                }
            }
            Kind::Wine => {
                if !is_windows_path(&self.program) {
                    return Err(invalid(
                        "a wine program is a Windows path like C:\\dir\\app.exe",
                    ));
                }
                if self.prefix.is_none() {
                    return Err(invalid("a wine run needs a prefix"));
                }
            }
        }
        for a in &self.args {
            no_nul("args", a)?;
        }
        for (k, v) in &self.env {
            if k.is_empty() || k.contains('=') || k.contains('\0') {
                return Err(invalid(format!("env name {k:?} is not valid")));
            }
            no_nul("env values", v)?;
        }
        if let Some(cwd) = &self.cwd {
            match self.kind {
                Kind::Native if !is_clean_absolute(cwd) => {
                    return Err(invalid(
                        "cwd must be a clean absolute path inside the sandbox",
                    ))
                }
                Kind::Wine if windows_to_sandbox(cwd)?.is_none() => {
                    return Err(invalid("a wine cwd must be on drive C:"))
                }
                _ => {}
            }
        }
        match &self.prefix {
            Some(Prefix::Overlay { lower, upper, work }) => {
                // Several lower dirs (a clone's frozen layers over its runtime) are joined
                // with ':', top first, as overlayfs's lowerdir takes them.
                for part in lower.to_string_lossy().split(':') {
                    check_overlay_path("prefix.lower", Path::new(part))?;
                }
                check_overlay_path("prefix.upper", upper)?;
                check_overlay_path("prefix.work", work)?;
            }
            Some(Prefix::Bind { path }) => check_host_path("prefix.path", path)?,
            None => {}
        }
        let mut seen = std::collections::BTreeSet::new();
        for b in &self.binds {
            check_host_path("binds.src", &b.src)?;
            let under_root = b
                .dst
                .strip_prefix(BIND_ROOT)
                .is_some_and(|r| r.starts_with('/'));
            let in_prefix = b.dst == PREFIX || b.dst.starts_with(&format!("{PREFIX}/"));
            if !is_clean_absolute(&b.dst) || !under_root || in_prefix {
                return Err(invalid(format!(
                    "binds.dst {:?} must be a clean path under {BIND_ROOT}/ outside {PREFIX}",
                    b.dst
                )));
            }
            if !seen.insert(&b.dst) {
                return Err(invalid(format!("binds.dst {:?} is used twice", b.dst)));
            }
        }
        if self.limits.memory_bytes.is_some_and(|m| m < 4 << 20) {
            return Err(invalid("limits.memoryBytes must be at least 4 MiB"));
        }
        if self.limits.pids == Some(0) {
            return Err(invalid("limits.pids must be at least 1"));
        }
        if let Some(id) = &self.instance {
            let ok = !id.is_empty()
                && id.len() <= 128
                && id
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"._-".contains(&c))
                && !id.starts_with('.');
            if !ok {
                return Err(invalid("instance must be 1-128 of [A-Za-z0-9._-]"));
            }
        }
        if self.linger_ms.is_some_and(|ms| ms > 600_000) {
            return Err(invalid("lingerMs must be at most 600000"));
        }
        if let Some(d) = &self.display {
            d.validate()?;
        }
        Ok(())
    }

    /// The path passed to execve and the full argv (argv[0] included).
    pub fn argv(&self) -> (String, Vec<String>) {
        match self.kind {
            Kind::Native => {
                let mut argv = vec![self.program.clone()];
                argv.extend(self.args.iter().cloned());
                (self.program.clone(), argv)
            }
            Kind::Wine => {
                let mut argv = vec!["wine".to_string(), self.program.clone()];
                argv.extend(self.args.iter().cloned());
                (WINE.to_string(), argv)
            }
        }
    }

    /// Exactly the spec's env, with the sandbox's fixed variables on top. The display comes
    /// only through `display`: DISPLAY/XAUTHORITY in `env` are replaced or dropped.
    pub fn environment(&self) -> Vec<(String, String)> {
        let mut env = self.env.clone();
        env.remove("DISPLAY");
        env.remove("XAUTHORITY");
        if let Some(d) = &self.display {
            env.extend(d.environment());
        }
        for (k, v) in [
            ("HOME", HOME),
            ("USER", ORBIT_USER),
            ("LOGNAME", ORBIT_USER),
            ("PATH", PATH),
        ] {
            env.insert(k.into(), v.into());
        }
        if self.kind == Kind::Wine {
            env.insert("WINEPREFIX".into(), PREFIX.into());
            env.entry("WINEDEBUG".into())
                .or_insert_with(|| "-all".into());
        }
        env.into_iter().collect()
    }

    /// The working directory inside the sandbox.
    pub fn sandbox_cwd(&self) -> String {
        match (self.kind, &self.cwd) {
            (Kind::Native, Some(c)) => c.clone(),
            (Kind::Native, None) => HOME.to_string(),
            (Kind::Wine, Some(c)) => windows_to_sandbox(c)
                .ok()
                .flatten()
                .unwrap_or_else(|| PREFIX.into()),
            // A Windows program usually expects to start in its own directory.
            (Kind::Wine, None) => windows_to_sandbox(&self.program)
                .ok()
                .flatten()
                .and_then(|p| {
                    Path::new(&p)
                        .parent()
                        .map(|d| d.to_string_lossy().into_owned())
                })
                .unwrap_or_else(|| format!("{PREFIX}/drive_c")),
        }
    }

    /// How long leftovers get once no run is attached.
    pub fn linger(&self) -> std::time::Duration {
        let default = if self.kind == Kind::Wine {
            10_000
        } else {
            1_000
        };
        std::time::Duration::from_millis(self.linger_ms.unwrap_or(default))
    }

    /// Seconds the container's wineserver stays up once no Windows program runs, when the
    /// sandbox starts it itself (`wineserver -p<N>`, before the first program). The server Wine
    /// starts on its own ends right after the last program (Debian's wrapper passes `-p0`), and
    /// with it the sandbox, so every run of a container booted Wine again (wineserver, wineboot,
    /// services, plugplay...: about a second). Kept for the linger time, the next run joins the
    /// sandbox and finds Wine warm; Wine then shuts itself down (services told, registry saved)
    /// just before the linger ends. None: no joinable instance, or a linger too short to be
    /// worth it; Wine starts its own server as usual.
    pub fn wineserver_persistence(&self) -> Option<u64> {
        if self.kind != Kind::Wine || self.instance.is_none() {
            return None;
        }
        let secs = self.linger().saturating_sub(WINE_SHUTDOWN_MARGIN).as_secs();
        (secs > 0).then_some(secs)
    }
}

/// `/a/b` -> `/.oldroot/a/b`: where a host path is reachable after pivot_root, before detach.
pub fn under_old_root(old_root: &str, host: &Path) -> PathBuf {
    let mut p = PathBuf::from(old_root);
    p.extend(
        host.components()
            .filter(|c| matches!(c, Component::Normal(_))),
    );
    p
}
