//! One live sandbox per container: runs of the same container share it (one mount namespace,
//! one /tmp, one overlay mount), other containers get their own, two starts at once create only
//! one, a dead instance is detected and replaced, a run that needs a different view is refused.

mod sandbox_common;

use std::sync::{Arc, Barrier};
use std::time::Duration;

use orbit_core::sandbox;
use sandbox_common::*;
use serde_json::json;

fn in_container(id: &str, script: &str) -> orbit_core::sandbox::RunSpec {
    spec(
        json!({"kind": "native", "program": "/bin/sh", "args": ["-c", script], "instance": id, "lingerMs": 200}),
    )
}

fn id(tag: &str) -> String {
    format!("t-{tag}-{}", std::process::id())
}

#[test]
fn runs_of_one_container_share_its_sandbox_and_others_do_not() {
    init();
    let c1 = id("share");
    let a = sandbox::spawn_run(in_container(&c1, "echo from-a > /tmp/shared; sleep 2")).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let b = sandbox::spawn_run(in_container(
        &c1,
        "cat /tmp/shared; cat /proc/1/comm; echo $$",
    ))
    .unwrap();
    assert!(b.joined() && !a.joined());
    assert_eq!(a.init_pid(), b.init_pid());
    let ob = finish(&b);
    let lines: Vec<&str> = ob.stdout.lines().collect();
    assert_eq!(
        &lines[..2],
        &["from-a", "orbit-init"],
        "{}{}",
        ob.stdout,
        ob.stderr
    );
    assert_ne!(lines[2], "1");
    assert_eq!(ob.status.code, Some(0));
    // another container sees nothing of it
    let other = run(in_container(
        &id("other"),
        "test -e /tmp/shared && echo LEAK; echo ok",
    ));
    assert_eq!(other.stdout, "ok\n");
    assert_eq!(finish(&a).status.code, Some(0));
    // With no run left, the sandbox lingers briefly and then ends by itself: it is not leaked.
    // (Polled, not timed: under load the linger and teardown take longer.)
    let listed = |c: &str| {
        sandbox::list_instances()
            .iter()
            .any(|i| i.key.as_deref() == Some(c))
    };
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while listed(&c1) && std::time::Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        !listed(&c1),
        "the container's sandbox outlived its last run"
    );
}

#[test]
fn two_starts_at_once_create_one_sandbox() {
    init();
    let c = id("race");
    let gate = Arc::new(Barrier::new(4));
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (gate, c) = (gate.clone(), c.clone());
            std::thread::spawn(move || {
                gate.wait();
                sandbox::spawn_run(in_container(&c, "sleep 1")).unwrap()
            })
        })
        .collect();
    let handles: Vec<_> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let init = handles[0].init_pid();
    assert!(
        handles.iter().all(|h| h.init_pid() == init),
        "more than one sandbox was made"
    );
    assert_eq!(handles.iter().filter(|h| !h.joined()).count(), 1);
    for h in &handles {
        assert_eq!(h.wait().unwrap().code, Some(0));
    }
}

#[test]
fn a_dead_sandbox_is_replaced_by_a_new_one() {
    init();
    let c = id("stale");
    let first = sandbox::spawn_run(in_container(&c, "true")).unwrap();
    first.wait().unwrap();
    assert!(first.wait_instance_ended(Duration::from_secs(5)));
    let second = sandbox::spawn_run(in_container(&c, "cat /proc/1/comm")).unwrap();
    assert!(!second.joined());
    assert_ne!(second.init_pid(), first.init_pid());
    assert_eq!(finish(&second).stdout, "orbit-init\n");
}

#[test]
fn stop_of_one_run_leaves_the_other_runs_of_the_container_running() {
    init();
    let c = id("stopone");
    let (ma, mb) = (marker("a"), marker("b"));
    let a = sandbox::spawn_run(in_container(&c, &format!("sleep {ma}"))).unwrap();
    let b = sandbox::spawn_run(in_container(&c, &format!("sleep {mb}"))).unwrap();
    assert!(b.joined());
    assert!(eventually(Duration::from_secs(3), || !pids_with(&ma)
        .is_empty()
        && !pids_with(&mb).is_empty()));
    assert_eq!(
        b.stop(Duration::from_millis(500)).unwrap().signal,
        Some(libc::SIGTERM)
    );
    assert!(pids_with(&mb).is_empty());
    assert!(
        !pids_with(&ma).is_empty(),
        "stopping the joined run took the first one down"
    );
    assert!(!a.instance_ended());
    // stopping the last run ends the sandbox
    a.stop(Duration::from_millis(500)).unwrap();
    assert!(a.instance_ended());
    assert!(pids_with(&ma).is_empty());
}

#[test]
fn stopping_the_container_ends_every_run_in_it() {
    init();
    let c = id("stopall");
    let (ma, mb) = (marker("a"), marker("b"));
    let a = sandbox::spawn_run(in_container(&c, &format!("sleep {ma}"))).unwrap();
    let b = sandbox::spawn_run(in_container(&c, &format!("sleep {mb}"))).unwrap();
    assert!(eventually(Duration::from_secs(3), || !pids_with(&mb).is_empty()));
    assert!(sandbox::stop_instance(&c, Duration::from_millis(500)).unwrap());
    assert!(pids_with(&ma).is_empty() && pids_with(&mb).is_empty());
    assert_eq!(a.wait().unwrap().signal, Some(libc::SIGTERM));
    assert!(b.wait().unwrap().signal.is_some());
    assert!(!sandbox::stop_instance(&c, Duration::from_millis(100)).unwrap());
}

#[test]
fn a_run_needing_another_view_is_refused_while_the_container_runs() {
    init();
    let c = id("view");
    let dir = TempDir::new("/tmp", "view");
    let a = sandbox::spawn_run(in_container(&c, "sleep 1")).unwrap();
    let mut other = in_container(&c, "true");
    other.binds.push(orbit_core::sandbox::Bind {
        src: dir.path().into(),
        dst: "/orbit/extra".into(),
        writable: false,
    });
    let err = sandbox::spawn_run(other).err().unwrap();
    assert_eq!(err.code(), "ERUNNING", "{err}");
    a.wait().unwrap();
}

#[test]
fn runs_share_one_overlay_whose_writes_land_in_the_layer_only() {
    init();
    let root = TempDir::new("/tmp", "overlay");
    let (lower, upper, work) = (
        root.join("runtime"),
        root.join("c/layer/upper"),
        root.join("c/layer/work"),
    );
    for d in [&lower, &upper, &work] {
        std::fs::create_dir_all(d).unwrap();
    }
    std::fs::write(lower.join("base.txt"), "base\n").unwrap();
    // A base runtime is made inside the sandbox, so its files belong to the orbit user.
    std::os::unix::fs::chown(lower.join("base.txt"), Some(61000), Some(61000)).unwrap();
    let c = id("overlay");
    let mk = |script: &str| {
        spec(
            json!({"kind": "native", "program": "/bin/sh", "args": ["-c", script], "instance": c, "lingerMs": 100,
            "prefix": {"mode": "overlay", "lower": lower, "upper": upper, "work": work}}),
        )
    };
    let a = sandbox::spawn_run(mk(
        "echo changed > /orbit/prefix/base.txt; echo new > /orbit/prefix/new.txt; sleep 1",
    ))
    .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let b = sandbox::spawn_run(mk("cat /orbit/prefix/base.txt /orbit/prefix/new.txt; grep -c ' /orbit/prefix ' /proc/self/mountinfo")).unwrap();
    assert!(b.joined());
    let ob = finish(&b);
    assert_eq!(ob.stdout, "changed\nnew\n1\n", "{}", ob.stderr);
    a.wait().unwrap();
    assert!(a.wait_instance_ended(Duration::from_secs(5)));
    assert_eq!(
        std::fs::read_to_string(lower.join("base.txt")).unwrap(),
        "base\n",
        "the base runtime was written"
    );
    assert!(!lower.join("new.txt").exists());
    assert_eq!(
        std::fs::read_to_string(upper.join("new.txt")).unwrap(),
        "new\n"
    );
    assert_eq!(
        std::fs::read_to_string(upper.join("base.txt")).unwrap(),
        "changed\n"
    );
    // the layer persists into the next sandbox of the container
    let o = run(mk("cat /orbit/prefix/new.txt"));
    assert_eq!(o.stdout, "new\n");
}
