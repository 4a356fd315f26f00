//! The core's side of one runner process: spawn it with the request on fd 3 and the status pipe
//! on fd 4, follow its events on a thread, signal it, and reap it. A runner's pid is only
//! signalled while it has not been reaped, so a signal never reaches a recycled pid.

use std::ffi::CString;
use std::io::{Read, Write};
use std::os::fd::{AsFd, AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStderr, ChildStdout};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::error::SandboxError;
use super::limits::LimitsApplied;
use super::protocol::{Event, LineReader, Request, REQUEST_FD, STATUS_FD};
use super::sys;

/// How a program ended: (exit code, signal).
pub type ExitPair = (Option<i32>, Option<i32>);

/// What a runner said when its program started.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Started {
    pub pid: i32,
    pub init_pid: i32,
    pub init_start: u64,
    pub limits: LimitsApplied,
    pub cgroups: Vec<PathBuf>,
}

#[derive(Default)]
struct State {
    started: Option<Started>,
    exit: Option<ExitPair>,
    error: Option<SandboxError>,
    /// The runner process is gone and reaped.
    ended: bool,
}

pub struct Runner {
    pid: i32,
    state: Mutex<State>,
    changed: Condvar,
}

/// How long a runner may take to report that its program started (set-up is milliseconds).
const START_TIMEOUT: Duration = Duration::from_secs(60);

impl Runner {
    pub fn pid(&self) -> i32 {
        self.pid
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Wait until `done` holds or `timeout` passes; returns the final check.
    fn wait_for(&self, timeout: Option<Duration>, done: impl Fn(&State) -> bool) -> bool {
        let deadline = timeout.map(|t| Instant::now() + t);
        let mut st = self.lock();
        while !done(&st) {
            match deadline {
                None => st = self.changed.wait(st).unwrap_or_else(|p| p.into_inner()),
                Some(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return false;
                    }
                    st = self
                        .changed
                        .wait_timeout(st, left)
                        .unwrap_or_else(|p| p.into_inner())
                        .0;
                }
            }
        }
        true
    }

    /// Block until the program started, or why it could not.
    pub fn wait_started(&self) -> Result<Started, SandboxError> {
        if !self.wait_for(Some(START_TIMEOUT), |s| {
            s.started.is_some() || s.error.is_some() || s.ended
        }) {
            self.signal(libc::SIGKILL);
            return Err(SandboxError::Setup(
                "the sandbox did not start within 60 s".into(),
            ));
        }
        let st = self.lock();
        match (&st.started, &st.error) {
            (Some(s), _) => Ok(s.clone()),
            (None, Some(e)) => Err(e.clone()),
            (None, None) => Err(SandboxError::Setup(
                "the runner exited without starting the program".into(),
            )),
        }
    }

    /// The program's (code, signal) once known; None if `timeout` passed first. A runner that
    /// ended without saying reports death by SIGKILL (it was killed with its process group).
    pub fn wait_exit(&self, timeout: Option<Duration>) -> Option<Result<ExitPair, SandboxError>> {
        if !self.wait_for(timeout, |s| s.exit.is_some() || s.ended) {
            return None;
        }
        let st = self.lock();
        Some(match (st.exit, &st.error) {
            (Some(e), _) => Ok(e),
            (None, Some(err)) if st.started.is_none() => Err(err.clone()),
            _ => Ok((None, Some(libc::SIGKILL))),
        })
    }

    pub fn has_exited(&self) -> bool {
        let st = self.lock();
        st.exit.is_some() || st.ended
    }

    /// Wait for the runner itself to be gone.
    pub fn wait_ended(&self, timeout: Option<Duration>) -> bool {
        self.wait_for(timeout, |s| s.ended)
    }

    pub fn ended(&self) -> bool {
        self.lock().ended
    }

    /// Signal the runner (see `runner` for what each signal means). No-op once it is reaped.
    pub fn signal(&self, sig: i32) {
        let st = self.lock();
        if !st.ended {
            let _ = sys::kill(self.pid, sig);
        }
    }

    fn follow(self: Arc<Self>, status: OwnedFd) {
        let mut file = std::fs::File::from(status);
        let mut reader = LineReader::default();
        let mut chunk = [0u8; 4096];
        loop {
            let n = match file.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            let events = reader.push(&chunk[..n]);
            let mut st = self.lock();
            for ev in events {
                match ev {
                    Event::Started {
                        pid,
                        init_pid,
                        init_start,
                        limits,
                        cgroups,
                    } => {
                        st.started = Some(Started {
                            pid,
                            init_pid,
                            init_start,
                            limits,
                            cgroups,
                        })
                    }
                    Event::Exit { code, signal } => st.exit = Some((code, signal)),
                    Event::Error { code, message } => {
                        st.error = Some(SandboxError::from_wire(&code, message))
                    }
                    Event::Ended => {}
                }
            }
            self.changed.notify_all();
        }
        // EOF: the runner is exiting. Wait for it without reaping, then reap under the lock so
        // `signal` never targets a pid that could have been recycled.
        let _ = sys::wait_exited_nowait(self.pid);
        let mut st = self.lock();
        let _ = sys::waitpid(self.pid, false);
        st.ended = true;
        self.changed.notify_all();
    }
}

/// All runners are spawned from one thread that lives as long as the process: the runner's
/// parent-death signal fires when the spawning *thread* exits, and it must mean "the gateway died".
fn spawn_on_spawner_thread(job: SpawnJob) -> std::io::Result<i32> {
    type Job = (SpawnJob, mpsc::Sender<std::io::Result<i32>>);
    static SPAWNER: OnceLock<Mutex<mpsc::Sender<Job>>> = OnceLock::new();
    let tx = SPAWNER.get_or_init(|| {
        let (tx, rx) = mpsc::channel::<Job>();
        std::thread::Builder::new()
            .name("orbit-sandbox-spawner".into())
            .spawn(move || {
                for (job, reply) in rx {
                    let argv = [job.path.clone()];
                    // The runner needs no environment: the program's comes from the spec, never
                    // from the gateway.
                    let _ = reply.send(sys::spawn_mapped(&job.path, &argv, &[], &job.maps));
                }
            })
            .expect("spawning the sandbox spawner thread");
        Mutex::new(tx)
    });
    let (reply_tx, reply_rx) = mpsc::channel();
    tx.lock()
        .unwrap_or_else(|p| p.into_inner())
        .send((job, reply_tx))
        .map_err(|_| std::io::Error::other("sandbox spawner thread is gone"))?;
    reply_rx
        .recv()
        .map_err(|_| std::io::Error::other("sandbox spawner thread is gone"))?
}

/// The runner to start and its descriptors: (ours, the number it has in the runner). Ours stay
/// open in the caller until the spawn is done.
struct SpawnJob {
    path: CString,
    maps: Vec<(RawFd, RawFd)>,
}

/// A started runner with the program's output pipes.
pub struct Launched {
    pub runner: Arc<Runner>,
    pub stdout: Option<ChildStdout>,
    pub stderr: Option<ChildStderr>,
}

fn pipe_above_stdio() -> Result<(OwnedFd, OwnedFd), SandboxError> {
    let (r, w) = sys::pipe().map_err(|e| SandboxError::os("pipe", &e))?;
    // Numbered above 4 so mapping them onto fds 3 and 4 in the child cannot clobber each other.
    let r2 = sys::dup_above(r.as_fd(), 10).map_err(|e| SandboxError::os("dup", &e))?;
    let w2 = sys::dup_above(w.as_fd(), 10).map_err(|e| SandboxError::os("dup", &e))?;
    Ok((r2, w2))
}

/// Write as much of `body` as the pipe takes without blocking; returns how much that was.
fn prewrite(pipe: &mut std::fs::File, body: &[u8]) -> usize {
    if sys::set_nonblocking(pipe.as_fd(), true).is_err() {
        return 0;
    }
    let mut done = 0;
    while done < body.len() {
        match pipe.write(&body[done..]) {
            Ok(n) if n > 0 => done += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            _ => break,
        }
    }
    done
}

/// Spawn the runner for `req` and start following it.
pub fn launch(runner_path: &Path, req: &Request) -> Result<Launched, SandboxError> {
    let body = serde_json::to_vec(req).map_err(|e| SandboxError::Invalid(e.to_string()))?;
    let path = CString::new(runner_path.as_os_str().as_bytes())
        .map_err(|_| SandboxError::Invalid("the runner path contains NUL".into()))?;
    let (req_r, req_w) = pipe_above_stdio()?;
    let (status_r, status_w) = pipe_above_stdio()?;
    let (out_r, out_w) = pipe_above_stdio()?;
    let (err_r, err_w) = pipe_above_stdio()?;
    let null = std::fs::File::open("/dev/null")
        .and_then(|f| sys::dup_above(f.as_fd(), 10))
        .map_err(|e| SandboxError::os("open /dev/null", &e))?;
    let job = SpawnJob {
        path,
        maps: vec![
            (null.as_raw_fd(), 0),
            (out_w.as_raw_fd(), 1),
            (err_w.as_raw_fd(), 2),
            (req_r.as_raw_fd(), REQUEST_FD),
            (status_w.as_raw_fd(), STATUS_FD),
        ],
    };
    // What fits in the pipe goes in before the spawn, so the runner reads its request at once
    // instead of waiting for this thread to be scheduled again (each hand-over between threads
    // and processes costs milliseconds on a busy machine). Non-blocking: nobody reads yet.
    let mut req_w = std::fs::File::from(req_w);
    let written = prewrite(&mut req_w, &body);
    // All of it: close our end now, so the runner sees the end of its request.
    let req_w = (written < body.len()).then_some(req_w);
    let pid = spawn_on_spawner_thread(job).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            SandboxError::RunnerNotFound(format!("{} does not exist", runner_path.display()))
        }
        _ => SandboxError::os(&format!("spawn {}", runner_path.display()), &e),
    })?;
    drop((null, out_w, err_w, req_r, status_w));
    let runner = Arc::new(Runner {
        pid,
        state: Mutex::default(),
        changed: Condvar::new(),
    });
    let follower = runner.clone();
    std::thread::Builder::new()
        .name("orbit-sandbox-status".into())
        .spawn(move || follower.follow(status_r))
        .map_err(|e| SandboxError::os("spawn status thread", &e))?;
    // The rest, if any. A runner that died early makes this fail with EPIPE; its status tells
    // the story.
    if let Some(mut req_w) = req_w {
        let _ = sys::set_nonblocking(req_w.as_fd(), false);
        let _ = req_w.write_all(&body[written..]);
    }
    Ok(Launched {
        runner,
        stdout: Some(ChildStdout::from(out_r)),
        stderr: Some(ChildStderr::from(err_r)),
    })
}
