//! Progress reports of exports and imports, throttled so a callback into JS is cheap.

use std::time::{Duration, Instant};

use serde::Serialize;

/// Which step an export or import is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Export: scanning and hashing the layer.
    Scan,
    /// Export: writing the content.
    Pack,
    /// Import: reading and checking the header, signature and manifest.
    Verify,
    /// Import: writing verified content into the work folder.
    Unpack,
    /// Import: installing or making the base runtime.
    Runtime,
    /// Moving into place.
    Finalize,
    Done,
}

/// One report: files and bytes of content done, of the totals (known once the manifest is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub phase: Phase,
    pub files_done: u64,
    pub files_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

/// Receives progress (from the operation's thread).
pub type OnProgress<'a> = &'a (dyn Fn(Progress) + Sync);

/// Sends reports at most every `interval`, except phase changes and the end, always sent.
pub struct Reporter<'a> {
    on: OnProgress<'a>,
    last: Instant,
    interval: Duration,
    pub state: Progress,
}

impl<'a> Reporter<'a> {
    pub fn new(on: OnProgress<'a>) -> Reporter<'a> {
        Reporter {
            on,
            last: Instant::now(),
            interval: Duration::from_millis(100),
            state: Progress {
                phase: Phase::Verify,
                files_done: 0,
                files_total: 0,
                bytes_done: 0,
                bytes_total: 0,
            },
        }
    }

    /// Enter a phase (reported at once).
    pub fn phase(&mut self, phase: Phase, files_total: u64, bytes_total: u64) {
        self.state = Progress {
            phase,
            files_done: 0,
            files_total,
            bytes_done: 0,
            bytes_total,
        };
        self.send();
    }

    /// Update the counts; reported when the interval passed.
    pub fn update(&mut self, files_done: u64, bytes_done: u64) {
        self.state.files_done = files_done;
        self.state.bytes_done = bytes_done;
        if self.last.elapsed() >= self.interval {
            self.send();
        }
    }

    pub fn send(&mut self) {
        self.last = Instant::now();
        (self.on)(self.state);
    }
}
