//! Starting a run and following it: `spawn_run` picks create or join, `RunHandle` gives the
//! program's pid, output pipes, exit status and a bounded stop.

use std::path::PathBuf;
use std::process::{ChildStderr, ChildStdout};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::client::{self, Launched, Runner, Started};
use super::error::SandboxError;
use super::instance::{self, Instance};
use super::limits::LimitsApplied;
use super::protocol::{JoinTarget, Request};
use super::spec::RunSpec;
use super::sys;

/// How a run's program ended, and which mechanism enforced its limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExitStatus {
    pub code: Option<i32>,
    pub signal: Option<i32>,
    pub limits: LimitsApplied,
}

/// A started run.
pub struct RunHandle {
    runner: Arc<Runner>,
    instance: Arc<Instance>,
    started: Started,
    stdout: Mutex<Option<ChildStdout>>,
    stderr: Mutex<Option<ChildStderr>>,
}

static RUNNER_PATH: RwLock<Option<PathBuf>> = RwLock::new(None);

/// Use this `orbit-sandbox` executable (tests, or a binding that knows where it installed it).
pub fn set_runner_path(path: impl Into<PathBuf>) {
    *RUNNER_PATH.write().unwrap_or_else(|p| p.into_inner()) = Some(path.into());
}

/// The runner: as configured, else $ORBIT_SANDBOX_RUNNER, else `orbit-sandbox` next to the
/// loaded addon (native/orbit-sandbox beside native/orbit_core.node), else next to the executable.
pub fn runner_path() -> Result<PathBuf, SandboxError> {
    if let Some(p) = RUNNER_PATH
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
    {
        return Ok(p);
    }
    if let Some(p) = std::env::var_os("ORBIT_SANDBOX_RUNNER") {
        return Ok(PathBuf::from(p));
    }
    let beside = |obj: PathBuf| obj.parent().map(|d| d.join("orbit-sandbox"));
    let candidates: Vec<PathBuf> = [
        sys::own_object_path().and_then(beside),
        std::env::current_exe().ok().and_then(beside),
    ]
    .into_iter()
    .flatten()
    .collect();
    candidates
        .iter()
        .find(|p| p.is_file())
        .cloned()
        .ok_or_else(|| {
            let tried: Vec<String> = candidates.iter().map(|p| p.display().to_string()).collect();
            SandboxError::RunnerNotFound(format!(
                "orbit-sandbox not found (tried {})",
                tried.join(", ")
            ))
        })
}

/// Start `spec` in a sandbox: a new one, or the container's live one when `spec.instance` names
/// a container that is already running.
pub fn spawn_run(spec: RunSpec) -> Result<RunHandle, SandboxError> {
    spec.validate()?;
    let runner = runner_path()?;
    let Some(key) = spec.instance.clone() else {
        return create(&runner, spec, None);
    };
    let slot = instance::slot(&key);
    let mut current = slot.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(inst) = current.clone().filter(|i| i.alive()) {
        if let Some(why) = inst.incompatibility(&spec) {
            return Err(SandboxError::Running(format!(
                "container {key} is running with {why}; stop it before starting this run"
            )));
        }
        match join(&runner, spec.clone(), inst) {
            Err(SandboxError::Stale(_)) => {} // ended meanwhile: make a new one below
            other => return other,
        }
    }
    *current = None;
    let handle = create(&runner, spec, Some(key))?;
    *current = Some(handle.instance.clone());
    Ok(handle)
}

fn create(
    runner: &std::path::Path,
    spec: RunSpec,
    key: Option<String>,
) -> Result<RunHandle, SandboxError> {
    let req = Request {
        spec: spec.clone(),
        parent_pid: Some(std::process::id() as i32),
        join: None,
    };
    let Launched {
        runner,
        stdout,
        stderr,
    } = client::launch(runner, &req)?;
    let started = runner.wait_started()?;
    let instance = Instance::new(key, spec, runner.clone(), started.clone());
    Ok(RunHandle {
        runner,
        instance,
        started,
        stdout: Mutex::new(stdout),
        stderr: Mutex::new(stderr),
    })
}

fn join(
    runner: &std::path::Path,
    mut spec: RunSpec,
    inst: Arc<Instance>,
) -> Result<RunHandle, SandboxError> {
    // Limits belong to the instance: a joining run shares its groups (or gets the same rlimits).
    spec.limits = inst.spec.limits;
    let s = &inst.started;
    let target = JoinTarget {
        init_pid: s.init_pid,
        init_start: s.init_start,
        limits: s.limits,
        cgroups: s.cgroups.clone(),
    };
    let req = Request {
        spec,
        parent_pid: Some(std::process::id() as i32),
        join: Some(target),
    };
    let Launched {
        runner,
        stdout,
        stderr,
    } = client::launch(runner, &req)?;
    let started = runner.wait_started()?;
    inst.attach(&runner);
    Ok(RunHandle {
        runner,
        instance: inst,
        started,
        stdout: Mutex::new(stdout),
        stderr: Mutex::new(stderr),
    })
}

impl RunHandle {
    /// The program's pid on the host.
    pub fn pid(&self) -> i32 {
        self.started.pid
    }

    /// The host pid of the sandbox's init (pid 1 inside).
    pub fn init_pid(&self) -> i32 {
        self.started.init_pid
    }

    /// The runner process that relays this run (diagnostics and tests).
    pub fn runner_pid(&self) -> i32 {
        self.runner.pid()
    }

    /// True when this run joined a sandbox another run had created.
    pub fn joined(&self) -> bool {
        !Arc::ptr_eq(&self.runner, &self.instance.creator)
    }

    pub fn limits(&self) -> LimitsApplied {
        self.started.limits
    }

    /// The program's stdout (once; the caller pumps it, e.g. from a thread).
    pub fn take_stdout(&self) -> Option<ChildStdout> {
        self.stdout.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    pub fn take_stderr(&self) -> Option<ChildStderr> {
        self.stderr.lock().unwrap_or_else(|p| p.into_inner()).take()
    }

    fn status(
        &self,
        r: Result<client::ExitPair, SandboxError>,
    ) -> Result<ExitStatus, SandboxError> {
        r.map(|(code, signal)| ExitStatus {
            code,
            signal,
            limits: self.started.limits,
        })
    }

    /// Block until the program exits.
    pub fn wait(&self) -> Result<ExitStatus, SandboxError> {
        let r = self
            .runner
            .wait_exit(None)
            .unwrap_or(Ok((None, Some(libc::SIGKILL))));
        self.status(r)
    }

    /// The exit status if the program exits within `timeout`.
    pub fn wait_timeout(&self, timeout: Duration) -> Result<Option<ExitStatus>, SandboxError> {
        self.runner
            .wait_exit(Some(timeout))
            .map(|r| self.status(r))
            .transpose()
    }

    /// Stop the run: SIGTERM to the program's process group, SIGKILL after `grace`; then, if no
    /// other run shares the sandbox, end the sandbox too (leftovers get SIGTERM, then `grace`,
    /// then everything is killed). Returns within about 2 x grace + a few seconds at most.
    pub fn stop(&self, grace: Duration) -> Result<ExitStatus, SandboxError> {
        let start = Instant::now();
        if !self.runner.has_exited() {
            self.runner.signal(libc::SIGTERM);
            if self.runner.wait_exit(Some(grace)).is_none() {
                self.runner.signal(libc::SIGUSR1);
                if self
                    .runner
                    .wait_exit(Some(Duration::from_secs(2)))
                    .is_none()
                {
                    // The runner itself is stuck: killing it kills the program (death signal).
                    self.runner.signal(libc::SIGKILL);
                }
            }
        }
        let status = self.wait();
        if self.instance.attached() == 0 {
            let left = grace
                .saturating_sub(start.elapsed())
                .max(Duration::from_millis(500));
            self.instance.shutdown(left);
        }
        status
    }

    /// End the whole sandbox this run belongs to (every run of the container).
    pub fn stop_instance(&self, grace: Duration) {
        self.instance.shutdown(grace);
    }

    /// True once the sandbox (its init and every process in it) is gone.
    pub fn instance_ended(&self) -> bool {
        self.instance.creator.ended()
    }

    /// Wait until the sandbox is gone (after the program exits, leftovers get the linger time).
    pub fn wait_instance_ended(&self, timeout: Duration) -> bool {
        self.instance.creator.wait_ended(Some(timeout))
    }
}
