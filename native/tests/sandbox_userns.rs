//! The runner started by an unprivileged user: the sandbox is made inside a new user namespace
//! (the caller's uid becomes the orbit user), overlay uses user xattrs, limits fall back to rlimits.

mod sandbox_common;

use std::process::Command;

use sandbox_common::*;
use serde_json::{json, Value};

const NOBODY: u32 = 65534;

/// Run the runner as `nobody` with `request` on fd 3; returns (status events, stdout).
fn run_unprivileged(dir: &TempDir, request: Value) -> (Vec<Value>, String) {
    // The test binary's target dir may not be reachable for nobody: use a copy it can execute.
    let runner = dir.join("orbit-sandbox");
    if !runner.exists() {
        std::fs::copy(env!("CARGO_BIN_EXE_orbit-sandbox"), &runner).unwrap();
    }
    std::fs::write(dir.join("req.json"), request.to_string()).unwrap();
    let out = Command::new("setpriv")
        .args([
            format!("--reuid={NOBODY}"),
            format!("--regid={NOBODY}"),
            "--clear-groups".into(),
        ])
        .arg("/bin/sh")
        .arg("-c")
        .arg(r#"exec "$0" 3<"$1/req.json" 4>"$1/status""#)
        .arg(&runner)
        .arg(dir.path())
        .output()
        .unwrap();
    let status = std::fs::read_to_string(dir.join("status")).unwrap();
    let events = status
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (events, String::from_utf8_lossy(&out.stdout).into_owned())
}

#[test]
fn an_unprivileged_caller_gets_the_same_sandbox_in_a_user_namespace() {
    assert!(is_root(), "the test needs root to switch to nobody");
    let dir = TempDir::new("/tmp", "userns");
    std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    std::fs::set_permissions(
        dir.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let (lower, upper, work) = (dir.join("lower"), dir.join("upper"), dir.join("work"));
    for d in [&lower, &upper, &work] {
        std::fs::create_dir(d).unwrap();
        std::os::unix::fs::chown(d, Some(NOBODY), Some(NOBODY)).unwrap();
    }
    std::fs::write(lower.join("base.txt"), "base").unwrap();
    let script = "id -u; id -un; cat /proc/1/comm; touch /usr/x 2>/dev/null && echo USR_WRITABLE; \
                  echo hi > /orbit/prefix/new.txt && cat /orbit/prefix/base.txt; echo; \
                  grep CapEff /proc/self/status; test -e /root/.cargo && echo ROOT_VISIBLE; echo end";
    let (events, stdout) = run_unprivileged(
        &dir,
        json!({"spec": {"kind": "native", "program": "/bin/sh", "args": ["-c", script],
            "prefix": {"mode": "overlay", "lower": lower, "upper": upper, "work": work},
            "limits": {"memoryBytes": 268435456}}}),
    );
    assert_eq!(events[0]["ev"], "started", "{events:?}");
    assert_eq!(
        events[0]["limits"]["memory"], "rlimit",
        "no cgroup is writable for nobody"
    );
    assert_eq!(events[1], json!({"ev": "exit", "code": 0, "signal": null}));
    assert_eq!(events.last().unwrap()["ev"], "ended");
    assert_eq!(
        stdout,
        "61000\norbit\norbit-init\nbase\nCapEff:\t0000000000000000\nend\n"
    );
    // the write landed in the upper dir, owned by the caller outside
    let meta = std::fs::metadata(upper.join("new.txt")).unwrap();
    assert_eq!(std::os::unix::fs::MetadataExt::uid(&meta), NOBODY);
    assert!(!lower.join("new.txt").exists());
}

#[test]
fn the_program_cannot_drive_the_init_with_signals_even_as_the_same_uid() {
    // In a user namespace the init and the program share uid 61000, so the kernel lets the
    // program signal pid 1; the init must only obey its runner (a sender outside the namespace).
    let dir = TempDir::new("/tmp", "userns-sig");
    std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let script =
        "for s in QUIT USR2 USR1 TERM; do kill -$s 1 && echo sent-$s; done; sleep 0.5; echo alive";
    let (events, stdout) = run_unprivileged(
        &dir,
        json!({"spec": {"kind": "native", "program": "/bin/sh", "args": ["-c", script]}}),
    );
    assert_eq!(
        stdout, "sent-QUIT\nsent-USR2\nsent-USR1\nsent-TERM\nalive\n",
        "{events:?}"
    );
    assert_eq!(events[1], json!({"ev": "exit", "code": 0, "signal": null}));
}

#[test]
fn an_unprivileged_caller_can_join_its_running_sandbox() {
    let dir = TempDir::new("/tmp", "userns-join");
    std::os::unix::fs::chown(dir.path(), Some(NOBODY), Some(NOBODY)).unwrap();
    let runner = dir.join("orbit-sandbox");
    std::fs::copy(env!("CARGO_BIN_EXE_orbit-sandbox"), &runner).unwrap();
    let first = json!({"spec": {"kind": "native", "program": "/bin/sh",
        "args": ["-c", "echo from-first > /tmp/x; sleep 2"], "lingerMs": 100}});
    std::fs::write(dir.join("first.json"), first.to_string()).unwrap();
    let mut creator = Command::new("setpriv")
        .args([
            format!("--reuid={NOBODY}"),
            format!("--regid={NOBODY}"),
            "--clear-groups".into(),
        ])
        .arg("/bin/sh")
        .arg("-c")
        .arg(r#"exec "$0" 3<"$1/first.json" 4>"$1/first.status""#)
        .arg(&runner)
        .arg(dir.path())
        .spawn()
        .unwrap();
    let status_file = dir.join("first.status");
    assert!(eventually(std::time::Duration::from_secs(3), || {
        std::fs::read_to_string(&status_file).is_ok_and(|s| s.contains("started"))
    }));
    let started: Value = serde_json::from_str(
        std::fs::read_to_string(&status_file)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let join = json!({
        "spec": {"kind": "native", "program": "/bin/sh", "args": ["-c", "cat /tmp/x; cat /proc/1/comm"]},
        "join": {"initPid": started["initPid"], "initStart": started["initStart"], "limits": started["limits"]}
    });
    let (events, stdout) = run_unprivileged(&dir, join);
    assert_eq!(events[0]["initPid"], started["initPid"], "{events:?}");
    assert_eq!(stdout, "from-first\norbit-init\n");
    assert!(creator.wait().unwrap().success());
}
