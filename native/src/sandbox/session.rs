//! Runs by number, for callers that cannot hold a `RunHandle` (the JS binding): the program's
//! output is pumped in chunks from two threads to a sink as it arrives, and `wait`/`stop`
//! find the run by its id. A run is forgotten once its exit status has been collected.

use std::collections::HashMap;
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde::Serialize;

use super::error::SandboxError;
use super::limits::LimitsApplied;
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
    /// One message per pump when its stream reached EOF.
    pumps_done: Mutex<mpsc::Receiver<()>>,
}

const CHUNK: usize = 64 * 1024;
/// After the program exits, how long `wait` lets the output catch up. Output still held open by
/// leftovers keeps flowing to the sink after `wait` returned.
const OUTPUT_GRACE: Duration = Duration::from_millis(500);

fn runs() -> &'static Mutex<HashMap<u64, Arc<Entry>>> {
    static RUNS: OnceLock<Mutex<HashMap<u64, Arc<Entry>>>> = OnceLock::new();
    RUNS.get_or_init(Default::default)
}

fn pump(
    mut from: impl Read + Send + 'static,
    stream: Stream,
    sink: Option<Sink>,
    done: mpsc::Sender<()>,
) {
    let spawned = std::thread::Builder::new()
        .name(format!("orbit-run-{}", stream.name()))
        .spawn(move || {
            let mut buf = vec![0u8; CHUNK];
            loop {
                match from.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        if let Some(sink) = &sink {
                            sink(stream, &buf[..n]);
                        }
                    }
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                    Err(_) => break,
                }
            }
            let _ = done.send(());
        });
    if spawned.is_err() {
        // Without a pump nobody reads the pipe; the program would block once it is full.
        eprintln!("orbit: cannot start an output pump thread");
    }
}

/// Start `spec`; its output goes to `sink` (or is drained and dropped without one).
pub fn start(spec: RunSpec, sink: Option<Sink>) -> Result<RunInfo, SandboxError> {
    static NEXT: AtomicU64 = AtomicU64::new(1);
    let handle = spawn_run(spec)?;
    let (tx, rx) = mpsc::channel();
    if let Some(out) = handle.take_stdout() {
        pump(out, Stream::Stdout, sink.clone(), tx.clone());
    }
    if let Some(err) = handle.take_stderr() {
        pump(err, Stream::Stderr, sink, tx);
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
    let entry = Arc::new(Entry {
        handle,
        pumps_done: Mutex::new(rx),
    });
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

/// After the exit: give the output a moment to be delivered, then forget the run.
fn collect(id: u64, entry: &Entry, status: ExitStatus) -> ExitStatus {
    let deadline = Instant::now() + OUTPUT_GRACE;
    let done = entry.pumps_done.lock().unwrap_or_else(|p| p.into_inner());
    for _ in 0..2 {
        if done
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .is_err()
        {
            break;
        }
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
