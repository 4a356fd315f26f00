//! Limits: the run says which mechanism applied; a memory hog under a small limit dies; a fork
//! bomb hits the process limit; the instance's cgroups are gone once it ends.

mod sandbox_common;

use std::path::PathBuf;
use std::time::Duration;

use orbit_core::sandbox::{self, Mechanism};
use sandbox_common::*;
use serde_json::json;

/// What this machine should give, decided independently of the code under test: a v1 hierarchy
/// for the controller that root can write, else rlimit (v2 delegation is not set up here).
fn expected(controller: &str) -> Mechanism {
    let mountinfo = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    let v1 = mountinfo
        .lines()
        .any(|l| l.contains(" - cgroup cgroup ") && l.split(',').any(|o| o == controller));
    if v1 && is_root() {
        Mechanism::CgroupV1
    } else {
        Mechanism::Rlimit
    }
}

#[test]
fn the_run_reports_the_mechanism_and_its_cgroup_is_removed_at_the_end() {
    init();
    let h = sandbox::spawn_run(spec(json!({
        "kind": "native", "program": "/bin/sh", "args": ["-c", "cat /proc/self/cgroup; sleep 0.3"],
        "limits": {"memoryBytes": 67108864, "pids": 50}
    })))
    .unwrap();
    let limits = h.limits();
    assert_eq!(limits.memory, expected("memory"));
    assert_eq!(limits.pids, expected("pids"));
    let mut groups: Vec<PathBuf> = Vec::new();
    if limits.memory == Mechanism::CgroupV1 {
        let procs = std::fs::read_to_string(format!("/proc/{}/cgroup", h.pid())).unwrap();
        let mem = procs.lines().find(|l| l.contains(":memory:")).unwrap();
        assert!(mem.contains("/orbit/"), "{mem}");
        let dir = PathBuf::from("/sys/fs/cgroup/memory")
            .join(mem.rsplit_once(':').unwrap().1.trim_start_matches('/'));
        assert_eq!(
            std::fs::read_to_string(dir.join("memory.limit_in_bytes"))
                .unwrap()
                .trim(),
            "67108864"
        );
        groups.push(dir);
    }
    if limits.pids == Mechanism::CgroupV1 {
        let procs = std::fs::read_to_string(format!("/proc/{}/cgroup", h.pid())).unwrap();
        let line = procs.lines().find(|l| l.contains(":pids:")).unwrap();
        let dir = PathBuf::from("/sys/fs/cgroup/pids")
            .join(line.rsplit_once(':').unwrap().1.trim_start_matches('/'));
        assert_eq!(
            std::fs::read_to_string(dir.join("pids.max"))
                .unwrap()
                .trim(),
            "52"
        );
        groups.push(dir);
    }
    let o = finish(&h);
    assert_eq!(o.status.limits, limits);
    assert!(h.wait_instance_ended(Duration::from_secs(5)));
    for g in groups {
        assert!(!g.exists(), "{} left behind", g.display());
    }
}

#[test]
fn a_memory_hog_under_a_small_limit_dies() {
    init();
    // The shell accumulates 256 MiB in a variable: far over the 32 MiB limit.
    let o = run(spec(json!({
        "kind": "native", "program": "/bin/sh",
        "args": ["-c", "x=$(head -c 268435456 /dev/zero | tr '\\0' a); echo survived ${#x}"],
        "limits": {"memoryBytes": 33554432}
    })));
    assert!(!o.stdout.contains("survived"), "{}", o.stdout);
    assert!(
        o.status.signal == Some(libc::SIGKILL) || o.status.code != Some(0),
        "{:?}",
        o.status
    );
    assert_ne!(o.status.limits.memory, Mechanism::None);
    // the same program without a limit survives (so the limit, not the program, killed it)
    let o = run(sh(
        "x=$(head -c 67108864 /dev/zero | tr '\\0' a); echo survived ${#x}",
    ));
    assert_eq!(o.stdout, "survived 67108864\n");
}

#[test]
fn a_fork_bomb_hits_the_process_limit() {
    init();
    let o = run(spec(json!({
        "kind": "native", "program": "/bin/sh",
        "args": ["-c", "i=0; while [ $i -lt 40 ]; do sleep 2 & i=$((i+1)); done; echo spawned"],
        "limits": {"pids": 8}
    })));
    assert!(
        o.stderr.to_lowercase().contains("fork"),
        "stderr: {} / stdout: {}",
        o.stderr,
        o.stdout
    );
    assert_ne!(o.status.code, Some(0));
}
