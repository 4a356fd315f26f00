//! The last steps before a program runs, shared by the init (first run) and a joining runner:
//! new session, clean signals and descriptors, limits, the orbit user with no way back to
//! privileges, the working directory, execve. Any failure goes back over a close-on-exec pipe
//! as `code\tmessage`; a successful exec closes the pipe, which the parent reads as "started".

use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use super::error::SandboxError;
use super::spec::{self, Kind, RunSpec, ORBIT_GID, ORBIT_UID};
use super::sys;

/// Everything execve needs, converted before fork so the child only does system calls.
pub struct Prepared {
    kind: Kind,
    program: String,
    exec_path: String,
    argv: Vec<CString>,
    envp: Vec<CString>,
    cwd: String,
    rlimits: Vec<(libc::__rlimit_resource_t, u64)>,
    clear_groups: bool,
    /// stdout and stderr to /dev/null as well: a helper that outlives the run (the container's
    /// wineserver) must not hold the run's output pipes open.
    quiet: bool,
}

fn c(s: &str) -> Result<CString, SandboxError> {
    CString::new(s).map_err(|_| SandboxError::Invalid("NUL in argument".into()))
}

impl Prepared {
    pub fn new(
        spec: &RunSpec,
        rlimits: Vec<(libc::__rlimit_resource_t, u64)>,
        userns: bool,
    ) -> Result<Prepared, SandboxError> {
        let (exec_path, argv) = spec.argv();
        Ok(Prepared {
            kind: spec.kind,
            program: spec.program.clone(),
            exec_path,
            argv: argv.iter().map(|a| c(a)).collect::<Result<_, _>>()?,
            envp: spec
                .environment()
                .iter()
                .map(|(k, v)| c(&format!("{k}={v}")))
                .collect::<Result<_, _>>()?,
            cwd: spec.sandbox_cwd(),
            rlimits,
            // In a user namespace setgroups is denied (and there are no groups to drop).
            clear_groups: !userns,
            quiet: false,
        })
    }

    /// `wineserver -p<persistence>` as the run's user, with the run's environment (the same
    /// WINEPREFIX, so the same server socket) and limits, and no output.
    pub fn wineserver(
        spec: &RunSpec,
        persistence: u64,
        rlimits: Vec<(libc::__rlimit_resource_t, u64)>,
        userns: bool,
    ) -> Result<Prepared, SandboxError> {
        let mut p = Prepared::new(spec, rlimits, userns)?;
        // Native: there is no Windows program to look for before the exec.
        p.kind = Kind::Native;
        p.program = spec::WINESERVER.into();
        p.exec_path = spec::WINESERVER.into();
        // Debian's wrapper runs `wineserver64 -p0 "$@"`: the last -p wins.
        p.argv = vec![c("wineserver")?, c(&format!("-p{persistence}"))?];
        p.cwd = spec::PREFIX.into();
        p.quiet = true;
        Ok(p)
    }
}

/// Find `path` allowing any letter case in each component, like Windows does.
pub fn find_case_insensitive(path: &Path) -> Option<PathBuf> {
    if path.exists() {
        return Some(path.to_path_buf());
    }
    let mut cur = PathBuf::from("/");
    for part in path.components().skip(1) {
        let want = part.as_os_str().to_str()?;
        let exact = cur.join(want);
        if exact.exists() {
            cur = exact;
            continue;
        }
        let found = std::fs::read_dir(&cur).ok()?.flatten().find(|e| {
            e.file_name()
                .to_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(want))
        })?;
        cur = found.path();
    }
    Some(cur)
}

fn report(pipe: &OwnedFd, code: &str, message: &str) -> ! {
    let mut f = std::fs::File::from(pipe.try_clone().unwrap_or_else(|_| sys::exit_now(127)));
    let _ = f.write_all(format!("{code}\t{message}").as_bytes());
    sys::exit_now(127)
}

/// In the forked child: become the program. Never returns.
pub fn exec_program(p: &Prepared, err_pipe: OwnedFd) -> ! {
    let fail = |code: &str, msg: String| -> ! { report(&err_pipe, code, &msg) };
    let _ = sys::setsid();
    // Die with our parent: the init for a first run, the joining runner otherwise.
    let _ = sys::set_parent_death_signal(libc::SIGKILL);
    sys::reset_signals_for_exec();
    sys::umask(0o022);
    match std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
    {
        Ok(null) => {
            let fds: &[i32] = if p.quiet { &[0, 1, 2] } else { &[0] };
            if fds
                .iter()
                .any(|&fd| sys::dup2(null.as_raw_fd(), fd).is_err())
            {
                fail("ESANDBOX", "cannot set stdio".into());
            }
        }
        Err(e) => fail("ESANDBOX", format!("open /dev/null: {e}")),
    }
    // Keep only 0, 1, 2 and the error pipe (moved to 3, close-on-exec): nothing else of the
    // runner or the gateway reaches the program.
    let err_pipe = if err_pipe.as_raw_fd() == 3 {
        err_pipe
    } else {
        match sys::dup_to_cloexec(err_pipe.as_fd(), 3) {
            Ok(moved) => {
                std::mem::forget(err_pipe); // closed by close_fds_from below
                moved
            }
            Err(e) => fail("ESANDBOX", format!("dup: {e}")),
        }
    };
    sys::close_fds_from(4);
    let fail = |code: &str, msg: String| -> ! { report(&err_pipe, code, &msg) };
    for &(res, value) in &p.rlimits {
        if let Err(e) = sys::setrlimit(res, value) {
            fail("ESANDBOX", format!("setrlimit: {e}"));
        }
    }
    if let Err(e) = sys::drop_privileges(ORBIT_UID, ORBIT_GID, p.clear_groups) {
        fail("ESANDBOX", format!("cannot become the orbit user: {e}"));
    }
    if let Err(e) = sys::set_no_new_privs() {
        fail("ESANDBOX", format!("no_new_privs: {e}"));
    }
    if p.kind == Kind::Wine {
        if let Ok(Some(unix)) = spec::windows_to_sandbox(&p.program) {
            if find_case_insensitive(Path::new(&unix)).is_none_or(|f| !f.is_file()) {
                fail(
                    "ENOTFOUND_PROGRAM",
                    format!("{} does not exist in the container", p.program),
                );
            }
        }
    }
    if let Err(e) = std::env::set_current_dir(&p.cwd) {
        fail(
            "EINVAL",
            format!("cwd {} is not usable inside the sandbox: {e}", p.cwd),
        );
    }
    let candidates: Vec<String> = if p.exec_path.contains('/') {
        vec![p.exec_path.clone()]
    } else {
        spec::PATH
            .split(':')
            .map(|d| format!("{d}/{}", p.exec_path))
            .collect()
    };
    let mut last = std::io::Error::from_raw_os_error(libc::ENOENT);
    for cand in &candidates {
        let Ok(path) = CString::new(cand.as_str()) else {
            break;
        };
        last = sys::execve(&path, &p.argv, &p.envp);
        if last.raw_os_error() != Some(libc::ENOENT) && last.raw_os_error() != Some(libc::ENOTDIR) {
            break;
        }
    }
    match (last.raw_os_error(), p.kind) {
        (Some(libc::ENOENT) | Some(libc::ENOTDIR), Kind::Native) => fail(
            "ENOTFOUND_PROGRAM",
            format!("{} does not exist inside the sandbox", p.program),
        ),
        (Some(libc::ENOENT), Kind::Wine) => {
            fail("ESANDBOX", format!("{} is not installed", spec::WINE))
        }
        (Some(libc::EACCES), _) => fail(
            "EACCES",
            format!("{} is not executable: {last}", p.exec_path),
        ),
        _ => fail("ESANDBOX", format!("execve {}: {last}", p.exec_path)),
    }
}

/// In the parent: wait for the child's exec (pipe closed, Ok) or its failure report.
pub fn await_exec(err_read: OwnedFd) -> Result<(), SandboxError> {
    let mut buf = String::new();
    let _ = std::fs::File::from(err_read).read_to_string(&mut buf);
    if buf.is_empty() {
        return Ok(());
    }
    let (code, message) = buf.split_once('\t').unwrap_or(("ESANDBOX", buf.as_str()));
    Err(SandboxError::from_wire(code, message.to_string()))
}
