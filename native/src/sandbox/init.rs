//! The init: pid 1 of a run's pid namespace. It builds the view (mount plan), starts the program,
//! reaps every child, relays stop requests, and decides when the instance ends. When it exits,
//! the kernel kills every process left in the namespace: that is what takes a run down whole.

use std::os::fd::{AsFd, OwnedFd};
use std::time::{Duration, Instant};

use super::exec::{self, Prepared};
use super::mounts;
use super::plan::MountOp;
use super::protocol::{self, Event};
use super::spec::Network;
use super::sys::{self, Exit, Forked, RealSys};

/// Signals the init (and the runner) take through sigtimedwait/signalfd; blocked before fork.
pub const SIGNALS: &[i32] = &[
    libc::SIGCHLD,
    libc::SIGTERM,
    libc::SIGINT,
    libc::SIGHUP,
    libc::SIGQUIT,
    libc::SIGUSR1,
    libc::SIGUSR2,
];

/// After everything was sent SIGTERM, how long the init waits before it exits (killing the rest).
const TERM_GRACE: Duration = Duration::from_secs(2);

pub struct InitArgs<'a> {
    pub plan: &'a [MountOp],
    pub prepared: &'a Prepared,
    /// The container's wineserver, started before the program (see `start_wineserver`).
    pub wineserver: Option<&'a Prepared>,
    pub network: Network,
    pub linger: Duration,
    /// Events to the runner.
    pub to_runner: OwnedFd,
    /// From the runner: hangs up when the runner is gone; one byte once it has read "started".
    pub from_runner: OwnedFd,
}

fn exit_fields(e: Exit) -> (Option<i32>, Option<i32>) {
    match e {
        Exit::Code(c) => (Some(c), None),
        Exit::Signal(s) => (None, Some(s)),
    }
}

/// In the forked child of the runner. Never returns.
pub fn run(a: InitArgs<'_>) -> ! {
    let _ = sys::set_parent_death_signal(libc::SIGKILL);
    // The runner may have died before the death signal was armed: then the pipe has hung up.
    if sys::poll_readable(&[a.from_runner.as_fd()], Some(Duration::ZERO))
        .map_or(true, |r| r[0] != 0)
    {
        sys::exit_now(1);
    }
    sys::set_process_name("orbit-init");
    // Modes in the plan are meant exactly; the program gets 022 back in `exec`.
    sys::umask(0);
    let say = |ev: &Event| {
        let _ = protocol::send_to(&a.to_runner, ev);
    };
    let mut flags = libc::CLONE_NEWNS | libc::CLONE_NEWIPC | libc::CLONE_NEWUTS;
    if a.network == Network::None {
        flags |= libc::CLONE_NEWNET;
    }
    if let Err(e) = sys::unshare(flags) {
        say(&Event::error(&super::error::SandboxError::os(
            "unshare", &e,
        )));
        sys::exit_now(1);
    }
    let _ = sys::sethostname("orbit");
    if a.network == Network::None {
        let _ = sys::loopback_up();
    }
    if let Err(err) = mounts::apply(a.plan, &RealSys) {
        say(&Event::error(&err));
        sys::exit_now(1);
    }
    if let Some(server) = a.wineserver {
        start_wineserver(server);
    }
    let (err_r, err_w) = match sys::pipe() {
        Ok(p) => p,
        Err(e) => {
            say(&Event::error(&super::error::SandboxError::os("pipe", &e)));
            sys::exit_now(1)
        }
    };
    let main = match sys::fork() {
        Ok(Forked::Child) => {
            drop(err_r);
            exec::exec_program(a.prepared, err_w)
        }
        Ok(Forked::Parent(pid)) => pid,
        Err(e) => {
            say(&Event::error(&super::error::SandboxError::os("fork", &e)));
            sys::exit_now(1)
        }
    };
    drop(err_w);
    if let Err(err) = exec::await_exec(err_r) {
        let _ = sys::waitpid(main, false);
        say(&Event::error(&err));
        sys::exit_now(1);
    }
    say(&Event::Started {
        pid: main,
        init_pid: 0,
        init_start: 0,
        limits: Default::default(),
        cgroups: vec![],
    });
    // The runner looks the program's host pid up from outside; until it says so the program stays
    // unreaped (a zombie keeps its pid), so even a program that exits at once can be found.
    let _ = sys::poll_readable(&[a.from_runner.as_fd()], Some(Duration::from_secs(5)));
    drop(a.from_runner);
    // From here on only the program holds the output pipes: their EOF means the run's output ended.
    let _ = sys::stdio_to_dev_null();
    let code = serve(main, a.linger, &say);
    sys::exit_now(code)
}

/// Longest wait for `wineserver` to come up before the program starts without it.
const WINESERVER_START: Duration = Duration::from_secs(10);

/// Start the container's wineserver and wait until it listens: its launcher forks the server
/// off and exits once the socket is ready; the server itself then belongs to the init (its
/// parent is gone), holds none of the run's pipes, and outlives the program by its persistence.
/// Best effort: if it cannot start, the program's Wine starts its own server as it always does.
fn start_wineserver(server: &Prepared) {
    let Ok((err_r, err_w)) = sys::pipe() else {
        return;
    };
    let pid = match sys::fork() {
        Ok(Forked::Child) => {
            drop(err_r);
            exec::exec_program(server, err_w)
        }
        Ok(Forked::Parent(pid)) => pid,
        Err(_) => return,
    };
    drop(err_w);
    let _ = exec::await_exec(err_r);
    let deadline = Instant::now() + WINESERVER_START;
    loop {
        if !matches!(sys::waitpid(pid, true), Ok(None)) {
            return;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            let _ = sys::kill(pid, libc::SIGKILL);
            let _ = sys::waitpid(pid, false);
            return;
        }
        // SIGCHLD is blocked in the init: wait for it here; other signals stay pending for `serve`.
        let _ = sys::sigtimedwait(&[libc::SIGCHLD], left.min(Duration::from_millis(100)));
    }
}

/// Processes of the namespace other than the init: (all, attached). Attached ones were started by
/// a joining runner outside the namespace, so their parent pid reads as 0.
fn census() -> (usize, usize) {
    let (mut all, mut attached) = (0, 0);
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return (0, 0);
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        if pid == 1 {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so cut at the last ')'.
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse::<i32>().ok());
        all += 1;
        if ppid == Some(0) {
            attached += 1;
        }
    }
    (all, attached)
}

/// Reap, relay signals, and return the init's exit code once the instance is over.
fn serve(main: i32, linger: Duration, say: &dyn Fn(&Event)) -> i32 {
    let mut main_exit: Option<Exit> = None;
    let mut idle_since: Option<Instant> = None;
    let mut terminating_since: Option<Instant> = None;
    let mut shutting_down = false;
    loop {
        while let Ok(Some((pid, status))) = sys::waitpid(-1, true) {
            if pid == main {
                main_exit = Some(status);
                let (code, signal) = exit_fields(status);
                say(&Event::Exit { code, signal });
            }
        }
        let now = Instant::now();
        if let Some(status) = main_exit {
            let code = match status {
                Exit::Code(c) => c,
                Exit::Signal(s) => 128 + s,
            };
            let (all, attached) = census();
            if all == 0 {
                return code;
            }
            if attached == 0 || shutting_down {
                let since = *idle_since.get_or_insert(now);
                if terminating_since.is_none() && (shutting_down || now - since >= linger) {
                    let _ = sys::kill(-1, libc::SIGTERM);
                    terminating_since = Some(now);
                }
            } else {
                idle_since = None;
                terminating_since = None;
            }
            if terminating_since.is_some_and(|t| now - t >= TERM_GRACE) {
                return code;
            }
        }
        let timeout = if main_exit.is_none() {
            Duration::from_secs(1)
        } else {
            Duration::from_millis(50)
        };
        // Only the runner (outside the namespace: sender pid 0) may drive the init. In a user
        // namespace the program has the init's uid and could signal pid 1 itself.
        match sys::sigtimedwait(SIGNALS, timeout) {
            Ok(Some((_, sender))) if sender != 0 => {}
            Ok(Some((libc::SIGTERM | libc::SIGINT | libc::SIGHUP, _))) => {
                let _ = sys::kill(-main, libc::SIGTERM);
            }
            Ok(Some((libc::SIGUSR1, _))) => {
                let _ = sys::kill(-main, libc::SIGKILL);
            }
            Ok(Some((libc::SIGUSR2, _))) => {
                shutting_down = true;
                let _ = sys::kill(-1, libc::SIGTERM);
                terminating_since.get_or_insert(Instant::now());
            }
            Ok(Some((libc::SIGQUIT, _))) => return 128 + libc::SIGKILL,
            _ => {}
        }
    }
}
