//! A run ends whole: stop() leaves no process behind, a killed runner or a dead gateway takes
//! every process of the run down (parent-death chain), leftovers get a bounded linger.

mod sandbox_common;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orbit_core::sandbox::{self, session};
use sandbox_common::*;
use serde_json::json;

/// A program with a background child, one that ignores SIGTERM, and a foreground sleep; all
/// carry `m` in their argv so the host can find them.
fn busy(m: &str) -> String {
    format!("sleep {m} & (trap '' TERM; sleep {m}) & sleep {m}; wait")
}

#[test]
fn stop_leaves_no_process_behind() {
    init();
    let m = marker("stop");
    let h = sandbox::spawn_run(sh(&busy(&m))).unwrap();
    assert!(
        eventually(Duration::from_secs(3), || pids_with(&m).len() >= 3),
        "processes did not start"
    );
    let start = Instant::now();
    let status = h.stop(Duration::from_millis(500)).unwrap();
    let took = start.elapsed();
    assert_eq!(status.signal, Some(libc::SIGTERM), "{status:?}");
    assert!(h.instance_ended(), "the sandbox outlived stop()");
    assert_eq!(pids_with(&m), Vec::<u32>::new(), "left behind after stop()");
    assert!(took < Duration::from_secs(5), "stop took {took:?}");
    assert!(h.wait_timeout(Duration::ZERO).unwrap().is_some());
}

#[test]
fn stop_escalates_to_sigkill_for_a_program_ignoring_sigterm() {
    init();
    let m = marker("stubborn");
    let h = sandbox::spawn_run(sh(&format!("trap '' TERM; sleep {m}; sleep {m}"))).unwrap();
    // The shell and its first sleep: the trap is set by then (the shell alone may not be there yet).
    assert!(eventually(Duration::from_secs(3), || pids_with(&m).len() >= 2));
    let start = Instant::now();
    let status = h.stop(Duration::from_millis(300)).unwrap();
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(status.signal, Some(libc::SIGKILL), "{status:?}");
    assert_eq!(pids_with(&m), Vec::<u32>::new());
}

#[test]
fn killing_the_runner_kills_the_whole_run() {
    init();
    let m = marker("runner");
    let h = sandbox::spawn_run(sh(&busy(&m))).unwrap();
    assert!(eventually(Duration::from_secs(3), || pids_with(&m).len() >= 3));
    std::process::Command::new("kill")
        .args(["-KILL", &h.runner_pid().to_string()])
        .status()
        .unwrap();
    assert!(
        eventually(Duration::from_secs(3), || pids_with(&m).is_empty()),
        "survivors: {:?}",
        pids_with(&m)
    );
    assert_eq!(h.wait().unwrap().signal, Some(libc::SIGKILL));
}

#[test]
fn a_dead_gateway_takes_every_run_down() {
    init();
    // The runner's real parent is a stand-in gateway process (sh) that gets SIGKILLed.
    let dir = TempDir::new("/tmp", "gw");
    let m = marker("gateway");
    let req = json!({"spec": {"kind": "native", "program": "/bin/sh", "args": ["-c", busy(&m)]}});
    std::fs::write(dir.join("req.json"), req.to_string()).unwrap();
    let gateway = std::process::Command::new("/bin/sh")
        .arg("-c")
        .arg(r#""$0" 3<"$1/req.json" 4>"$1/status" >/dev/null 2>&1; echo runner-ended"#)
        .arg(env!("CARGO_BIN_EXE_orbit-sandbox"))
        .arg(dir.path())
        .spawn()
        .unwrap();
    assert!(
        eventually(Duration::from_secs(3), || pids_with(&m).len() >= 3),
        "run did not start"
    );
    let status = std::fs::read_to_string(dir.join("status")).unwrap();
    assert!(status.contains(r#""ev":"started""#), "{status}");
    let mut gateway = gateway;
    gateway.kill().unwrap();
    gateway.wait().unwrap();
    assert!(
        eventually(Duration::from_secs(3), || pids_with(&m).is_empty()),
        "survivors: {:?}",
        pids_with(&m)
    );
}

#[test]
fn wait_returns_at_program_exit_and_leftovers_get_a_bounded_linger() {
    init();
    let m = marker("linger");
    let start = Instant::now();
    let h = sandbox::spawn_run(spec(json!({
        "kind": "native", "program": "/bin/sh", "args": ["-c", format!("sleep {m} & echo started")],
        "lingerMs": 300
    })))
    .unwrap();
    let o = finish(&h);
    assert_eq!(o.status.code, Some(0));
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "wait blocked on a background process"
    );
    // the background sleep ignores nothing: linger 300 ms, then SIGTERM ends it and the sandbox
    assert!(
        h.wait_instance_ended(Duration::from_secs(5)),
        "sandbox did not end"
    );
    assert!(pids_with(&m).is_empty());
    assert!(start.elapsed() >= Duration::from_millis(300));
}

#[test]
fn the_sandbox_ends_at_once_when_nothing_is_left() {
    init();
    let h = sandbox::spawn_run(spec(
        json!({"kind": "native", "program": "/bin/true", "lingerMs": 60000}),
    ))
    .unwrap();
    h.wait().unwrap();
    assert!(
        h.wait_instance_ended(Duration::from_secs(2)),
        "an empty sandbox waited for its linger"
    );
}

#[test]
fn session_wait_returns_with_all_output_delivered_while_a_leftover_holds_the_pipes() {
    init();
    let m = marker("held");
    let got = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink: session::Sink = {
        let got = got.clone();
        Arc::new(move |stream, chunk| {
            if stream == sandbox::Stream::Stdout {
                got.lock().unwrap().extend_from_slice(chunk);
            }
        })
    };
    // 1 MiB (more than a pipe holds, so it is written while the pump reads), then exit, with a
    // background sleep keeping stdout and stderr open: no EOF comes when the program exits.
    let script = format!("sleep {m} & head -c 1048576 /dev/zero | tr '\\0' x; echo end");
    let info = session::start(
        spec(
            json!({"kind": "native", "program": "/bin/sh", "args": ["-c", script],
            "lingerMs": 3000}),
        ),
        Some(sink),
    )
    .unwrap();
    let status = session::wait(info.id).unwrap();
    assert_eq!(status.code, Some(0));
    assert!(
        !pids_with(&m).is_empty(),
        "the leftover was meant to still hold the pipes"
    );
    let out = got.lock().unwrap().clone();
    assert_eq!(
        out.len(),
        (1 << 20) + 4,
        "output missing when wait returned"
    );
    assert!(out.ends_with(b"xend\n"));
}
