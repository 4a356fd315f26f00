//! One output pipe of a run, pumped to a sink from its own thread, and the question `wait` asks
//! of it once the program has exited: has everything it wrote been delivered?
//!
//! The end of the stream (EOF) is not the answer: anything the program started keeps the pipe
//! open (Wine's services hold the stderr of the run that booted Wine for as long as the
//! container's wineserver lives). What the program itself wrote is in the pipe by the time it
//! has exited, so "delivered" means: nothing left in the pipe (FIONREAD) and no chunk on its
//! way to the sink.

use std::io::Read;
use std::os::fd::{AsFd, OwnedFd};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Instant;

use super::session::{Sink, Stream};
use super::sys;

const CHUNK: usize = 64 * 1024;

#[derive(Default)]
struct State {
    /// Between "the pipe is readable" and "the chunk read was handed to the sink".
    delivering: bool,
    /// The stream ended (or cannot be read any more).
    done: bool,
}

pub struct Pump {
    /// A duplicate of the pipe's read end, only to ask how much waits in it.
    probe: Option<OwnedFd>,
    state: Mutex<State>,
    changed: Condvar,
}

impl Pump {
    /// Read `from` to its end on a new thread, handing each chunk to `sink` (dropped without one).
    pub fn start(
        from: impl Read + AsFd + Send + 'static,
        stream: Stream,
        sink: Option<Sink>,
    ) -> Arc<Pump> {
        let pump = Arc::new(Pump {
            probe: from.as_fd().try_clone_to_owned().ok(),
            state: Mutex::default(),
            changed: Condvar::new(),
        });
        let me = pump.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("orbit-run-{}", stream.name()))
            .spawn(move || me.run(from, stream, sink));
        if spawned.is_err() {
            // Without a pump nobody reads the pipe; the program would block once it is full.
            eprintln!("orbit: cannot start an output pump thread");
            pump.finish();
        }
        pump
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn finish(&self) {
        let mut st = self.lock();
        st.done = true;
        st.delivering = false;
        self.changed.notify_all();
    }

    fn run(&self, mut from: impl Read + AsFd, stream: Stream, sink: Option<Sink>) {
        let mut buf = vec![0u8; CHUNK];
        loop {
            // Wait for data *before* saying "delivering", so a blocked read never looks busy, and
            // data already taken out of the pipe never looks delivered before it is.
            match sys::poll_readable(&[from.as_fd()], None) {
                Ok(revents) if revents.first().is_some_and(|&r| r != 0) => {}
                Ok(_) => continue, // interrupted
                Err(_) => break,
            }
            self.lock().delivering = true;
            match from.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if let Some(sink) = &sink {
                        sink(stream, &buf[..n]);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
            let mut st = self.lock();
            st.delivering = false;
            self.changed.notify_all();
        }
        self.finish();
    }

    /// True when everything in the pipe so far reached the sink (or the stream ended); false if
    /// `deadline` passed first (e.g. something else keeps writing).
    pub fn wait_delivered(&self, deadline: Instant) -> bool {
        let mut st = self.lock();
        loop {
            // Without a probe only the end of the stream tells.
            let empty = || {
                self.probe
                    .as_ref()
                    .is_some_and(|fd| sys::pending_bytes(fd.as_fd()).is_ok_and(|n| n == 0))
            };
            if st.done || (!st.delivering && empty()) {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
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
