//! Runs by number, for callers that cannot hold a `RunHandle` (the JS binding): the program's
//! output is pumped in chunks from two threads to a sink as it arrives, and `wait`/`stop`
//! find the run by its id. A run is forgotten once its exit status has been collected.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::error::SandboxError;
use super::limits::LimitsApplied;
use super::pump::Pump;
use super::run::{spawn_run, ExitStatus, RunHandle};
use super::spec::RunSpec;

/// Which output stream a chunk came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    pub fn name(self) -> &'static str {
        match self {
            Stream::Stdout => "stdout",
            Stream::Stderr => "stderr",
        }
    }
}

/// Receives output chunks, from the pump threads.
pub type Sink = Arc<dyn Fn(Stream, &[u8]) + Send + Sync>;

/// What a caller learns when a run has started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunInfo {
    pub id: u64,
    pub pid: i32,
    pub init_pid: i32,
    pub runner_pid: i32,
    pub joined: bool,
    pub limits: LimitsApplied,
}

struct Entry {
    handle: RunHandle,
    pumps: Vec<Arc<Pump>>,
}

/// After the program exits, the longest `wait` lets its output reach the sink (it returns as
/// soon as the pipes hold nothing more). Output of leftovers that hold the pipes open keeps
/// flowing to the sink after `wait` returned.
const OUTPUT_GRACE: Duration = Duration::from_millis(500);

fn runs() -> &'static Mutex<HashMap<u64, Arc<Entry>>> {
    static RUNS: OnceLock<Mutex<HashMap<u64, Arc<Entry>>>> = OnceLock::new();
    RUNS.get_or_init(Default::default)
}

/// Start `spec`; its output goes to `sink` (or is drained and dropped without one).
pub fn start(spec: RunSpec, sink: Option<Sink>) -> Result<RunInfo, SandboxError> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let handle = spawn_run(spec)?;
    let mut pumps = Vec::new();
    if let Some(out) = handle.take_stdout() {
        pumps.push(Pump::start(out, Stream::Stdout, sink.clone()));
    }
    if let Some(err) = handle.take_stderr() {
        pumps.push(Pump::start(err, Stream::Stderr, sink));
    }
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    let info = RunInfo {
        id,
        pid: handle.pid(),
        init_pid: handle.init_pid(),
        runner_pid: handle.runner_pid(),
        joined: handle.joined(),
        limits: handle.limits(),
    };
    let entry = Arc::new(Entry { handle, pumps });
    runs()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, entry);
    Ok(info)
}

fn entry(id: u64) -> Result<Arc<Entry>, SandboxError> {
    runs()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&id)
        .cloned()
        .ok_or_else(|| {
            SandboxError::RunNotFound(format!(
                "no run {id} (finished and collected, or never started)"
            ))
        })
}

/// After the exit: let what the program wrote reach the sink, then forget the run.
fn collect(id: u64, entry: &Entry, status: ExitStatus) -> ExitStatus {
    let deadline = Instant::now() + OUTPUT_GRACE;
    for pump in &entry.pumps {
        pump.wait_delivered(deadline);
    }
    runs().lock().unwrap_or_else(|p| p.into_inner()).remove(&id);
    status
}

/// Block until run `id` exits.
pub fn wait(id: u64) -> Result<ExitStatus, SandboxError> {
    let e = entry(id)?;
    let status = e.handle.wait()?;
    Ok(collect(id, &e, status))
}

/// Stop run `id` (see `RunHandle::stop`).
pub fn stop(id: u64, grace: Duration) -> Result<ExitStatus, SandboxError> {
    let e = entry(id)?;
    let status = e.handle.stop(grace)?;
    Ok(collect(id, &e, status))
}
