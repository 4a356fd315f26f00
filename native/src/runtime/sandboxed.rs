//! The one place runtimes and capture start sandboxed programs: run a spec, hand every output
//! line to a callback, wait for the program, then for the whole sandbox (wineserver and any
//! process the program left) to end, so the prefix is quiescent when this returns.

use std::io::Read;
use std::time::Duration;

use crate::sandbox::{self, RunSpec, SandboxError};

/// Which output stream a line came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    Stdout,
    Stderr,
}

impl OutputStream {
    pub fn name(self) -> &'static str {
        match self {
            OutputStream::Stdout => "stdout",
            OutputStream::Stderr => "stderr",
        }
    }
}

/// How the program ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    pub code: Option<i32>,
    pub signal: Option<i32>,
}

/// Longest line handed on; longer output is cut into pieces of this size.
const MAX_LINE: usize = 16 * 1024;
/// After the program exits: time for the rest of the sandbox to end on its own (its linger time
/// plus a margin), then for a forced stop.
const STOP_GRACE: Duration = Duration::from_secs(5);
const STOP_WAIT: Duration = Duration::from_secs(15);

/// Run `spec` to the end. `settle` bounds how long leftovers may run after the program exited.
pub fn run_to_end(
    spec: RunSpec,
    settle: Duration,
    on_line: &(dyn Fn(OutputStream, &str) + Sync),
) -> Result<Finished, SandboxError> {
    let handle = sandbox::spawn_run(spec)?;
    let stdout = handle.take_stdout();
    let stderr = handle.take_stderr();
    std::thread::scope(|s| {
        if let Some(r) = stdout {
            s.spawn(move || pump(r, OutputStream::Stdout, on_line));
        }
        if let Some(r) = stderr {
            s.spawn(move || pump(r, OutputStream::Stderr, on_line));
        }
        let status = handle.wait();
        if !handle.wait_instance_ended(settle) {
            handle.stop_instance(STOP_GRACE);
            handle.wait_instance_ended(STOP_WAIT);
        }
        // The pumps end once every process holding the pipes is gone, i.e. now.
        status.map(|st| Finished {
            code: st.code,
            signal: st.signal,
        })
    })
}

/// Split a stream into lines (lossy UTF-8, without the line end).
fn pump(mut r: impl Read, stream: OutputStream, on_line: &(dyn Fn(OutputStream, &str) + Sync)) {
    let mut pending: Vec<u8> = Vec::new();
    let mut chunk = [0u8; 8192];
    let emit = |bytes: &[u8]| {
        let text = String::from_utf8_lossy(bytes);
        on_line(stream, text.trim_end_matches('\r'));
    };
    loop {
        let n = match r.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        pending.extend_from_slice(&chunk[..n]);
        loop {
            let window = pending.len().min(MAX_LINE + 1);
            if let Some(pos) = pending[..window].iter().position(|&b| b == b'\n') {
                emit(&pending[..pos]);
                pending.drain(..=pos);
            } else if pending.len() >= MAX_LINE {
                emit(&pending[..MAX_LINE]);
                pending.drain(..MAX_LINE);
            } else {
                break;
            }
        }
    }
    if !pending.is_empty() {
        emit(&pending);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    #[test]
    fn pump_splits_lines_strips_cr_and_cuts_long_ones() {
        let mut input = b"one\r\ntwo\n".to_vec();
        input.extend(std::iter::repeat_n(b'x', MAX_LINE + 5));
        input.extend_from_slice(b"\nlast");
        let seen = Mutex::new(Vec::new());
        pump(&input[..], OutputStream::Stderr, &|s, l| {
            seen.lock().unwrap().push((s, l.len(), l.chars().next()))
        });
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen[0], (OutputStream::Stderr, 3, Some('o')));
        assert_eq!(seen[1].1, 3);
        assert_eq!(seen[2].1, MAX_LINE);
        assert_eq!(seen[3].1, 5);
        assert_eq!(seen[4], (OutputStream::Stderr, 4, Some('l')));
        assert_eq!(seen.len(), 5);
    }
}
