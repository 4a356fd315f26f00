//! The `orbit-sandbox` runner: a separate executable the core spawns for every run, so no
//! namespace work ever happens inside the gateway process.
//!
//! Create mode: new session, die with the core, (user namespace when not root), cgroups, new
//! mount/pid/ipc/uts(/net) namespaces, fork the init, then relay: init events -> core, core
//! signals -> init, until the init (and so the whole instance) is gone.
//! Join mode: enter a live instance's namespaces through a pidfd, fork the program inside, relay
//! its events and signals until it exits.
//!
//! Signals from the core: SIGTERM = stop the program gracefully, SIGUSR1 = kill the program's
//! process group, SIGUSR2 = terminate the whole instance, SIGQUIT = kill the whole instance.

use std::io::Read;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::OnceLock;

use super::error::SandboxError;
use super::exec::{self, Prepared};
use super::init::{self, InitArgs, SIGNALS};
use super::limits::{self, LimitsApplied};
use super::plan::{self, HostView};
use super::procfs;
use super::protocol::{self, Event, JoinTarget, LineReader, Request, REQUEST_FD, STATUS_FD};
use super::spec::{RunSpec, MAX_SPEC_BYTES, ORBIT_GID, ORBIT_UID};
use super::sys::{self, Exit, Forked};

static STATUS: OnceLock<OwnedFd> = OnceLock::new();

/// Send an event to the core. False when the core is gone (the pipe is broken).
fn tell(ev: &Event) -> bool {
    STATUS
        .get()
        .is_some_and(|fd| protocol::send_to(fd, ev).is_ok())
}

/// Entry point of the `orbit-sandbox` binary; returns its exit code.
pub fn main() -> i32 {
    let parent_at_start = sys::getppid();
    // Nothing of the gateway but our two pipes and stdio may survive into the sandbox.
    sys::close_fds_from(STATUS_FD + 1);
    let Some(status) = sys::take_fd(STATUS_FD) else {
        eprintln!(
            "orbit-sandbox: started without its status pipe on fd 4; only Orbit's core runs this"
        );
        return 2;
    };
    let _ = sys::set_cloexec(STATUS_FD, true);
    let _ = STATUS.set(status);
    std::panic::set_hook(Box::new(|info| {
        tell(&Event::Error {
            code: "EPANIC".into(),
            message: format!("orbit-sandbox panicked: {info}"),
        });
    }));
    let outcome = read_request().and_then(|req| run(req, parent_at_start));
    match outcome {
        Ok(code) => code,
        Err(err) => {
            tell(&Event::error(&err));
            1
        }
    }
}

fn read_request() -> Result<Request, SandboxError> {
    let fd =
        sys::take_fd(REQUEST_FD).ok_or_else(|| SandboxError::Setup("no request on fd 3".into()))?;
    let mut buf = Vec::new();
    std::fs::File::from(fd)
        .take(MAX_SPEC_BYTES as u64 + 1)
        .read_to_end(&mut buf)
        .map_err(|e| SandboxError::os("read request", &e))?;
    if buf.len() > MAX_SPEC_BYTES {
        return Err(SandboxError::Invalid(
            "the spec is larger than 1 MiB".into(),
        ));
    }
    serde_json::from_slice(&buf).map_err(|e| SandboxError::Invalid(format!("bad request: {e}")))
}

fn run(req: Request, parent_at_start: i32) -> Result<i32, SandboxError> {
    // A new session: no controlling terminal, so nothing inside can push input into the
    // caller's terminal (TIOCSTI) or be hit by its job-control signals.
    sys::setsid().map_err(|e| SandboxError::os("setsid", &e))?;
    sys::set_parent_death_signal(libc::SIGKILL).map_err(|e| SandboxError::os("prctl", &e))?;
    if sys::getppid() != req.parent_pid.unwrap_or(parent_at_start) {
        return Err(SandboxError::Setup(
            "the core exited before the sandbox started".into(),
        ));
    }
    req.spec.validate()?;
    match req.join {
        None => create(&req.spec),
        Some(target) => join(&req.spec, &target),
    }
}

/// Map the caller's uid/gid to the orbit user inside a new user namespace (not root only).
fn enter_user_namespace() -> Result<(), SandboxError> {
    let (uid, gid) = (sys::geteuid(), sys::getegid());
    sys::unshare(libc::CLONE_NEWUSER)
        .map_err(|e| SandboxError::os("unshare user namespace", &e))?;
    let write = |file: &str, text: String| {
        std::fs::write(format!("/proc/self/{file}"), text)
            .map_err(|e| SandboxError::os(&format!("write {file}"), &e))
    };
    write("setgroups", "deny".into())?;
    write("uid_map", format!("{ORBIT_UID} {uid} 1\n"))?;
    write("gid_map", format!("{ORBIT_GID} {gid} 1\n"))?;
    Ok(())
}

fn create(spec: &RunSpec) -> Result<i32, SandboxError> {
    let userns = sys::geteuid() != 0;
    let me = sys::getpid();
    let name = format!("{me}-{}", procfs::start_time(me).unwrap_or(0));
    let (applied, groups) = limits::apply(&spec.limits, &name);
    let result = create_in_groups(spec, userns, applied, &groups);
    limits::remove(&groups);
    if result.is_ok() {
        tell(&Event::Ended);
    }
    result
}

fn create_in_groups(
    spec: &RunSpec,
    userns: bool,
    applied: LimitsApplied,
    groups: &limits::Groups,
) -> Result<i32, SandboxError> {
    let plan = plan::build(spec, &HostView::probe(userns));
    let rlimits = limits::rlimits(&spec.limits, &applied);
    let wineserver = spec
        .wineserver_persistence()
        .map(|secs| Prepared::wineserver(spec, secs, rlimits.clone(), userns))
        .transpose()?;
    let prepared = Prepared::new(spec, rlimits, userns)?;
    if userns {
        enter_user_namespace()?;
    }
    // Only the pid namespace is made here (it applies to the children, the init first); the init
    // makes the others itself, so the runner stays in the host's mount namespace, untouched by
    // the pivot_root and still able to read the host's /proc and remove the cgroups at the end.
    sys::unshare(libc::CLONE_NEWPID).map_err(|e| SandboxError::os("unshare pid namespace", &e))?;
    let (from_init, to_runner) = sys::pipe().map_err(|e| SandboxError::os("pipe", &e))?;
    let (alive_r, alive_w) = sys::pipe().map_err(|e| SandboxError::os("pipe", &e))?;
    // Blocked before fork: the init inherits the mask and takes them with sigtimedwait.
    sys::block_signals(SIGNALS).map_err(|e| SandboxError::os("sigprocmask", &e))?;
    let init = match sys::fork().map_err(|e| SandboxError::os("fork", &e))? {
        Forked::Child => {
            drop((from_init, alive_w));
            init::run(InitArgs {
                plan: &plan,
                prepared: &prepared,
                wineserver: wineserver.as_ref(),
                network: spec.network,
                linger: spec.linger(),
                to_runner,
                from_runner: alive_r,
            })
        }
        Forked::Parent(pid) => pid,
    };
    drop((to_runner, alive_r));
    let _ = sys::stdio_to_dev_null();
    let sigfd = sys::signalfd(SIGNALS).map_err(|e| SandboxError::os("signalfd", &e))?;
    let init_start = procfs::start_time(init).unwrap_or(0);
    let cgroups = groups.dirs.iter().map(|(d, _)| d.clone()).collect();
    relay_instance(
        init, init_start, from_init, sigfd, applied, cgroups, alive_w,
    );
    Ok(0)
}

/// Create mode's loop. `to_init` is held until the end: the init watches it for our death, and
/// gets one byte once the program's host pid has been looked up.
#[allow(clippy::too_many_arguments)]
fn relay_instance(
    init: i32,
    init_start: u64,
    from_init: OwnedFd,
    sigfd: OwnedFd,
    limits: LimitsApplied,
    cgroups: Vec<std::path::PathBuf>,
    to_init: OwnedFd,
) {
    let to_init = std::fs::File::from(to_init);
    let mut reader = LineReader::default();
    let mut from_init = Some(std::fs::File::from(from_init));
    let (mut started, mut exited, mut failed) = (false, false, false);
    let forward = |ev: Event, started: &mut bool, exited: &mut bool, failed: &mut bool| {
        let ev = match ev {
            Event::Started { pid, .. } => {
                *started = true;
                let host = procfs::host_pid_of_child(init, pid).unwrap_or(0);
                let _ = std::io::Write::write_all(&mut &to_init, b"k");
                Event::Started {
                    pid: host,
                    init_pid: init,
                    init_start,
                    limits,
                    cgroups: cgroups.clone(),
                }
            }
            Event::Exit { .. } => {
                *exited = true;
                ev
            }
            Event::Error { .. } => {
                *failed = true;
                ev
            }
            Event::Ended => return,
        };
        if !tell(&ev) {
            // The core is gone: so must the run be.
            let _ = sys::kill(init, libc::SIGKILL);
        }
    };
    loop {
        let mut fds: Vec<BorrowedFd<'_>> = vec![sigfd.as_fd()];
        if let Some(f) = &from_init {
            fds.push(f.as_fd());
        }
        let revents = sys::poll_readable(&fds, None).unwrap_or_default();
        if revents.get(1).is_some_and(|&r| r != 0) {
            let mut chunk = [0u8; 4096];
            match from_init.as_mut().map(|f| f.read(&mut chunk)) {
                Some(Ok(n)) if n > 0 => {
                    for ev in reader.push(&chunk[..n]) {
                        forward(ev, &mut started, &mut exited, &mut failed);
                    }
                }
                _ => from_init = None,
            }
        }
        while let Ok(Some(sig)) = sys::read_signalfd(sigfd.as_fd()) {
            let relay = match sig {
                libc::SIGCHLD => None,
                libc::SIGTERM | libc::SIGINT | libc::SIGHUP => Some(libc::SIGTERM),
                libc::SIGQUIT => Some(libc::SIGKILL),
                other => Some(other),
            };
            if let Some(s) = relay {
                let _ = sys::kill(init, s);
                continue;
            }
            let Ok(Some((_, status))) = sys::waitpid(init, true) else {
                continue;
            };
            // The init is gone, so is everything else: drain what it said, then report.
            if let Some(mut f) = from_init.take() {
                let mut rest = Vec::new();
                let _ = f.read_to_end(&mut rest);
                for ev in reader.push(&rest) {
                    forward(ev, &mut started, &mut exited, &mut failed);
                }
            }
            if started && !exited {
                // Killed together with its instance (stop, or the instance was killed).
                tell(&Event::Exit {
                    code: None,
                    signal: Some(libc::SIGKILL),
                });
            } else if !started && !failed {
                let how = match status {
                    Exit::Code(c) => format!("exit code {c}"),
                    Exit::Signal(s) => format!("signal {s}"),
                };
                tell(&Event::Error {
                    code: "ESANDBOX".into(),
                    message: format!("the sandbox init ended during set-up ({how})"),
                });
            }
            return;
        }
    }
}

fn join(spec: &RunSpec, t: &JoinTarget) -> Result<i32, SandboxError> {
    let stale = |why: &str| SandboxError::Stale(format!("the container's sandbox ended ({why})"));
    let pidfd = sys::pidfd_open(t.init_pid).map_err(|_| stale("init gone"))?;
    // The pidfd pins whatever process had the pid when opened: check it is still that init.
    if procfs::start_time(t.init_pid) != Some(t.init_start) {
        return Err(stale("pid reused"));
    }
    limits::join(&t.cgroups).map_err(|_| stale("cgroup gone"))?;
    let mut flags = 0;
    for (name, flag) in [
        ("user", libc::CLONE_NEWUSER),
        ("mnt", libc::CLONE_NEWNS),
        ("pid", libc::CLONE_NEWPID),
        ("ipc", libc::CLONE_NEWIPC),
        ("uts", libc::CLONE_NEWUTS),
        ("net", libc::CLONE_NEWNET),
    ] {
        if procfs::ns_inode(None, name) != procfs::ns_inode(Some(t.init_pid), name) {
            flags |= flag;
        }
    }
    let userns = flags & libc::CLONE_NEWUSER != 0;
    let prepared = Prepared::new(spec, limits::rlimits(&spec.limits, &t.limits), userns)?;
    sys::setns(pidfd.as_fd(), flags).map_err(|e| match e.raw_os_error() {
        Some(libc::ESRCH) => stale("init exited"),
        _ => SandboxError::os("setns", &e),
    })?;
    drop(pidfd);
    sys::block_signals(SIGNALS).map_err(|e| SandboxError::os("sigprocmask", &e))?;
    let (err_r, err_w) = sys::pipe().map_err(|e| SandboxError::os("pipe", &e))?;
    let child = match sys::fork() {
        Ok(Forked::Child) => {
            drop(err_r);
            exec::exec_program(&prepared, err_w)
        }
        Ok(Forked::Parent(pid)) => pid,
        // The namespace's init is gone: no process can be created in it any more.
        Err(e) if e.raw_os_error() == Some(libc::ENOMEM) => {
            return Err(stale("pid namespace dead"))
        }
        Err(e) => return Err(SandboxError::os("fork", &e)),
    };
    drop(err_w);
    exec::await_exec(err_r)?;
    let sigfd = sys::signalfd(SIGNALS).map_err(|e| SandboxError::os("signalfd", &e))?;
    tell(&Event::Started {
        pid: child,
        init_pid: t.init_pid,
        init_start: t.init_start,
        limits: t.limits,
        cgroups: t.cgroups.clone(),
    });
    let _ = sys::stdio_to_dev_null();
    loop {
        let _ = sys::poll_readable(&[sigfd.as_fd()], None);
        while let Ok(Some(sig)) = sys::read_signalfd(sigfd.as_fd()) {
            let relay = match sig {
                libc::SIGCHLD => None,
                libc::SIGTERM | libc::SIGINT | libc::SIGHUP | libc::SIGUSR2 => Some(libc::SIGTERM),
                _ => Some(libc::SIGKILL),
            };
            if let Some(s) = relay {
                let _ = sys::kill(-child, s);
                continue;
            }
            if let Ok(Some((_, status))) = sys::waitpid(child, true) {
                let (code, signal) = match status {
                    Exit::Code(c) => (Some(c), None),
                    Exit::Signal(s) => (None, Some(s)),
                };
                tell(&Event::Exit { code, signal });
                return Ok(0);
            }
        }
    }
}
