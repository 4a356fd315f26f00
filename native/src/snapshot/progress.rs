//! Progress reports of snapshot, restore, clone and gc: one flat shape for every phase.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Listing the layer (stat calls); `files_done` counts entries seen.
    Scan,
    /// Reading and storing the files the stat cache could not vouch for.
    Store,
    /// Making new objects and files durable.
    Sync,
    /// Writing a layer from the store (restore, flatten).
    Build,
    /// Swapping the built layer in.
    Swap,
    /// gc: reading every snapshot's tree.
    Mark,
    /// gc: removing unreferenced objects.
    Sweep,
    Done,
}

/// Where a long operation is. Totals are 0 until known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Progress {
    pub phase: Phase,
    pub files_done: u64,
    pub files_total: u64,
    pub bytes_done: u64,
    pub bytes_total: u64,
}

impl Progress {
    pub fn at(phase: Phase) -> Progress {
        Progress {
            phase,
            files_done: 0,
            files_total: 0,
            bytes_done: 0,
            bytes_total: 0,
        }
    }
}

/// A progress callback. Called from the thread that runs the operation only, at a bounded rate.
pub type OnProgress<'a> = &'a dyn Fn(Progress);
