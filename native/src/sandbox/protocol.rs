//! What the core and the runner say to each other. The core writes one `Request` as JSON to the
//! runner's fd 3 and closes it; the runner answers with `Event`s, one JSON object per line, on
//! fd 4 (each line is written with one write() under PIPE_BUF bytes, so lines never interleave).
//! The init reports to the runner the same way over a private pipe.

use std::io::Write;
use std::os::fd::{AsFd, BorrowedFd};
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::limits::LimitsApplied;
use super::spec::RunSpec;

/// Descriptor numbers in the runner.
pub const REQUEST_FD: i32 = 3;
pub const STATUS_FD: i32 = 4;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Request {
    pub spec: RunSpec,
    /// The core's pid: the runner dies with it (checked right after arming the death signal).
    #[serde(default)]
    pub parent_pid: Option<i32>,
    /// Present when the run joins a live instance instead of creating one.
    #[serde(default)]
    pub join: Option<JoinTarget>,
}

/// The instance a run joins, as the instance's own "started" event described it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct JoinTarget {
    pub init_pid: i32,
    /// /proc/<pid>/stat start time of the init, to refuse a recycled pid.
    pub init_start: u64,
    pub limits: LimitsApplied,
    #[serde(default)]
    pub cgroups: Vec<PathBuf>,
}

/// One line on the status pipe.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "ev", rename_all = "camelCase")]
pub enum Event {
    /// The program runs. From the init `pid` is its pid inside; the runner rewrites it to the
    /// host pid and adds the instance facts.
    #[serde(rename_all = "camelCase")]
    Started {
        pid: i32,
        #[serde(default)]
        init_pid: i32,
        #[serde(default)]
        init_start: u64,
        #[serde(default)]
        limits: LimitsApplied,
        #[serde(default)]
        cgroups: Vec<PathBuf>,
    },
    /// The program ended (its other processes may still be finishing).
    Exit {
        code: Option<i32>,
        signal: Option<i32>,
    },
    /// The run could not start (or the runner failed); `code` is a stable error code.
    Error { code: String, message: String },
    /// The instance ended: its init is gone, so is every process it held. Last line of a
    /// creating runner.
    Ended,
}

impl Event {
    pub fn error(err: &super::error::SandboxError) -> Event {
        Event::Error {
            code: err.code().to_string(),
            message: err.message().to_string(),
        }
    }
}

/// Write one event as one line with a single write(); long messages are cut to stay atomic.
pub fn send(fd: BorrowedFd<'_>, event: &Event) -> std::io::Result<()> {
    let mut event = event.clone();
    if let Event::Error { message, .. } = &mut event {
        if message.len() > 2048 {
            let mut cut = 2048;
            while !message.is_char_boundary(cut) {
                cut -= 1;
            }
            message.truncate(cut);
        }
    }
    let mut line = serde_json::to_vec(&event).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut file = std::fs::File::from(fd.try_clone_to_owned()?);
    file.write_all(&line)
}

/// Splits a byte stream into lines of events (bad lines are skipped).
#[derive(Default)]
pub struct LineReader {
    buf: Vec<u8>,
}

impl LineReader {
    pub fn push(&mut self, data: &[u8]) -> Vec<Event> {
        self.buf.extend_from_slice(data);
        let mut out = Vec::new();
        while let Some(pos) = self.buf.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = self.buf.drain(..=pos).collect();
            if let Ok(ev) = serde_json::from_slice(&line[..line.len() - 1]) {
                out.push(ev);
            }
        }
        out
    }
}

/// Shorthand for borrowing a descriptor to `send`.
pub fn send_to(fd: &impl AsFd, event: &Event) -> std::io::Result<()> {
    send(fd.as_fd(), event)
}
