//! Helpers shared by the sandbox integration tests: specs, running to completion with both
//! output streams, temp dirs, and a host-side scan for processes by a marker in their argv.
#![allow(dead_code)]

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use orbit_core::sandbox::{self, ExitStatus, RunHandle, RunSpec};
use serde_json::{json, Value};

/// Point the core at the runner cargo built for these tests.
pub fn init() {
    sandbox::set_runner_path(env!("CARGO_BIN_EXE_orbit-sandbox"));
}

pub fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .unwrap()
        .lines()
        .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
}

/// A spec from JSON (the same shape the gateway sends).
pub fn spec(v: Value) -> RunSpec {
    serde_json::from_value(v).expect("valid spec JSON")
}

pub fn sh(script: &str) -> RunSpec {
    spec(json!({ "kind": "native", "program": "/bin/sh", "args": ["-c", script] }))
}

pub struct Output {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

/// Collect both streams on threads (so neither pipe fills up), then wait.
pub fn finish(h: &RunHandle) -> Output {
    let drain = |r: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut s = String::new();
            if let Some(mut r) = r {
                let _ = r.read_to_string(&mut s);
            }
            s
        })
    };
    let out = drain(h.take_stdout().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let err = drain(h.take_stderr().map(|r| Box::new(r) as Box<dyn Read + Send>));
    let status = h.wait().expect("wait");
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

pub fn run(spec: RunSpec) -> Output {
    let h = sandbox::spawn_run(spec).expect("spawn_run");
    finish(&h)
}

/// `sh -c script`, asserting exit code 0; returns stdout.
pub fn sh_ok(script: &str) -> String {
    let o = run(sh(script));
    assert_eq!(
        o.status.code,
        Some(0),
        "script failed: {script}\nstdout: {}\nstderr: {}",
        o.stdout,
        o.stderr
    );
    o.stdout
}

/// A directory removed (recursively) on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(base: &str, tag: &str) -> TempDir {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p = PathBuf::from(base).join(format!("orbit-sbx-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A string unique to this test process, to find its processes on the host.
pub fn marker(tag: &str) -> String {
    static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    // Usable as a sleep duration too: `sleep 1000.<pid><n>` shows up in argv.
    let _ = tag;
    format!("1000.{}{:03}", std::process::id(), n)
}

/// Host pids whose argv contains `needle`.
pub fn pids_with(needle: &str) -> Vec<u32> {
    let me = std::process::id();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != me)
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| {
                    String::from_utf8_lossy(&c)
                        .replace('\0', " ")
                        .contains(needle)
                })
                .unwrap_or(false)
        })
        .collect()
}

/// Poll until `f` holds or `timeout` passes.
pub fn eventually(timeout: Duration, mut f: impl FnMut() -> bool) -> bool {
    let end = Instant::now() + timeout;
    loop {
        if f() {
            return true;
        }
        if Instant::now() > end {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
