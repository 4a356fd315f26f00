//! What a run cannot see or touch (threats.md, "Inside the sandbox"): the host's /root, data dir
//! and other containers, /tmp, writes to system dirs, kernel knobs in /proc, privileges, mount
//! propagation both ways, host pids, leaked descriptors, the caller's terminal.

mod sandbox_common;

use std::os::fd::AsRawFd;
use std::time::Duration;

use orbit_core::sandbox::{self, sys};
use sandbox_common::*;
use serde_json::json;

#[test]
fn host_home_data_dir_other_containers_and_tmp_are_not_visible() {
    init();
    assert!(is_root(), "these tests run as root");
    // A marker in the host's /root, and a data dir with two containers.
    let root_marker = TempDir::new("/root", "marker");
    std::fs::write(root_marker.join("secret"), "s").unwrap();
    let data = TempDir::new("/tmp", "data");
    for c in ["a", "b"] {
        std::fs::create_dir_all(data.join(&format!("containers/{c}/layer"))).unwrap();
        std::fs::write(data.join(&format!("containers/{c}/layer/{c}.txt")), c).unwrap();
    }
    let script = format!(
        "test -e {root} && echo ROOT_VISIBLE; ls /root 2>/dev/null | grep . && echo ROOT_LISTED; \
         test -e {data} && echo DATA_VISIBLE; test -e /tmp/{tmpname} && echo HOST_TMP_VISIBLE; \
         ls /tmp | grep . && echo TMP_NOT_EMPTY; test -e /.oldroot && echo OLDROOT; \
         ls /home; ls /orbit/prefix; test -e /orbit/prefix/b.txt && echo OTHER_CONTAINER; \
         ls /proc | grep -c '^[0-9]'",
        root = root_marker.path().display(),
        data = data.path().display(),
        tmpname = data.path().file_name().unwrap().to_string_lossy(),
    );
    let o = run(spec(json!({
        "kind": "native", "program": "/bin/sh", "args": ["-c", script],
        "prefix": {"mode": "bind", "path": data.join("containers/a/layer")}
    })));
    assert_eq!(o.status.code, Some(0), "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    for bad in [
        "ROOT_VISIBLE",
        "ROOT_LISTED",
        "DATA_VISIBLE",
        "HOST_TMP_VISIBLE",
        "TMP_NOT_EMPTY",
        "OLDROOT",
        "OTHER_CONTAINER",
    ] {
        assert!(!lines.contains(&bad), "{bad}: {}", o.stdout);
    }
    // /home holds only the orbit home; the prefix shows container a's layer only
    assert_eq!(&lines[..2], &["orbit", "a.txt"], "{}", o.stdout);
    // only the sandbox's own processes: init, sh, ls, grep (no host pid)
    let pids: usize = lines[2].parse().unwrap();
    assert!(pids <= 4, "{pids} processes visible");
}

#[test]
fn system_dirs_are_read_only_and_tmp_is_private() {
    init();
    let host_tmp_name = format!("orbit-sbx-private-{}", std::process::id());
    let script = format!(
        "for p in /usr/x /etc/x /x /bin/x /lib/x /dev/x; do touch $p 2>/dev/null && echo WROTE $p; done; \
         echo inside > /tmp/{host_tmp_name} && cat /tmp/{host_tmp_name}; echo home > ~/h && cat ~/h"
    );
    let o = run(sh(&script));
    assert_eq!(o.status.code, Some(0), "{}", o.stderr);
    assert!(!o.stdout.contains("WROTE"), "{}", o.stdout);
    assert_eq!(o.stdout, "inside\nhome\n");
    assert!(
        !std::path::Path::new(&format!("/tmp/{host_tmp_name}")).exists(),
        "sandbox /tmp is the host's"
    );
}

#[test]
fn proc_knobs_are_read_only_and_sensitive_files_masked() {
    init();
    let o = run(sh(
        "echo '|/tmp/x' > /proc/sys/kernel/core_pattern 2>/dev/null && echo CORE_PATTERN_WRITTEN; \
         echo 1 > /proc/sysrq-trigger 2>/dev/null && echo SYSRQ; \
         cat /proc/kcore >/dev/null 2>&1 && echo KCORE_READ; \
         echo keys=$(wc -c < /proc/keys) timer=$(wc -c < /proc/timer_list); \
         grep -q ' /proc/sys proc ro' /proc/mounts && echo SYS_RO",
    ));
    assert!(
        !o.stdout.contains("CORE_PATTERN_WRITTEN")
            && !o.stdout.contains("SYSRQ")
            && !o.stdout.contains("KCORE_READ"),
        "{}",
        o.stdout
    );
    assert!(
        o.stdout.contains("keys=0 timer=0"),
        "masked files read empty: {}",
        o.stdout
    );
    assert!(o.stdout.contains("SYS_RO"), "{}", o.stdout);
    assert_eq!(
        std::fs::read_to_string("/proc/sys/kernel/core_pattern")
            .unwrap()
            .trim(),
        "core"
    );
}

#[test]
fn the_program_is_the_unprivileged_orbit_user() {
    init();
    let o = run(sh("id -u; id -g; id -un; id -G; grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs)' /proc/self/status; hostname"));
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(
        &lines[..4],
        &["61000", "61000", "orbit", "61000"],
        "{}",
        o.stdout
    );
    assert!(lines.contains(&"CapEff:\t0000000000000000"), "{}", o.stdout);
    assert!(lines.contains(&"CapPrm:\t0000000000000000"), "{}", o.stdout);
    assert!(lines.contains(&"NoNewPrivs:\t1"), "{}", o.stdout);
    assert_eq!(lines.last(), Some(&"orbit"));
    // and it cannot undo the read-only view
    let o = run(sh(
        "mount -o remount,rw /usr 2>&1; umount /usr 2>&1; touch /usr/x 2>&1 || echo STILL_RO",
    ));
    assert!(o.stdout.contains("STILL_RO"), "{}", o.stdout);
}

#[test]
fn pid_one_is_the_init_and_the_program_is_pid_two() {
    init();
    let h = sandbox::spawn_run(sh("cat /proc/1/comm; echo $$")).unwrap();
    let o = finish(&h);
    assert_eq!(o.stdout, "orbit-init\n2\n");
    assert!(h.init_pid() > 0 && h.pid() > 0 && h.init_pid() != h.pid());
}

fn mount_ids(mountinfo: &str) -> std::collections::BTreeSet<String> {
    mountinfo
        .lines()
        .filter_map(|l| l.split(' ').next().map(String::from))
        .collect()
}

#[test]
fn mounts_do_not_propagate_in_either_direction() {
    init();
    let share = TempDir::new("/tmp", "share");
    std::fs::create_dir_all(share.join("sub")).unwrap();
    std::fs::write(share.join("sub/under"), "").unwrap();
    let before = mount_ids(&std::fs::read_to_string("/proc/self/mountinfo").unwrap());
    // The program waits for the host to mount over sub, then lists it.
    let h = sandbox::spawn_run(spec(json!({
        "kind": "native", "program": "/bin/sh",
        "args": ["-c", "while ! test -e /orbit/share/go; do sleep 0.05; done; ls /orbit/share/sub"],
        "binds": [{"src": share.path(), "dst": "/orbit/share", "writable": false}]
    })))
    .unwrap();
    // Inside -> outside: the sandbox made dozens of mounts; the host sees none of them.
    let during = std::fs::read_to_string("/proc/self/mountinfo").unwrap();
    assert_eq!(
        mount_ids(&during),
        before,
        "sandbox mounts leaked to the host"
    );
    assert!(!during.contains("/orbit/"), "{during}");
    let inside = std::fs::read_to_string(format!("/proc/{}/mountinfo", h.pid())).unwrap();
    assert!(
        inside.contains(" /orbit/share ") && inside.contains(" /tmp "),
        "{inside}"
    );
    // Outside -> inside: a tmpfs mounted on the host after the start stays invisible inside.
    let sub = share.join("sub");
    let st = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "orbit-test", sub.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::write(sub.join("over"), "").unwrap();
    std::fs::write(share.join("go"), "").unwrap();
    let o = finish(&h);
    std::process::Command::new("umount")
        .arg(&sub)
        .status()
        .unwrap();
    assert_eq!(o.status.code, Some(0), "{}", o.stderr);
    assert_eq!(
        o.stdout, "under\n",
        "the host's later mount propagated inside"
    );
}

#[test]
fn no_descriptor_of_the_caller_leaks_into_the_run() {
    init();
    // Inheritable descriptors, as a careless gateway might hold (runc CVE-2024-21626 class).
    let leak1 = std::fs::File::open("/etc/hostname").unwrap();
    let leak2 = std::fs::File::open("/").unwrap();
    sys::set_cloexec(leak1.as_raw_fd(), false).unwrap();
    sys::set_cloexec(leak2.as_raw_fd(), false).unwrap();
    // Looked at from the host while the program sleeps: exactly stdin (/dev/null), stdout, stderr.
    let h = sandbox::spawn_run(spec(
        json!({"kind": "native", "program": "/bin/sleep", "args": ["1"]}),
    ))
    .unwrap();
    let fds: std::collections::BTreeMap<String, String> =
        std::fs::read_dir(format!("/proc/{}/fd", h.pid()))
            .unwrap()
            .flatten()
            .map(|e| {
                let target = std::fs::read_link(e.path())
                    .map(|t| t.display().to_string())
                    .unwrap_or_default();
                (e.file_name().to_string_lossy().into_owned(), target)
            })
            .collect();
    assert_eq!(fds.keys().collect::<Vec<_>>(), ["0", "1", "2"], "{fds:?}");
    assert_eq!(fds["0"], "/dev/null");
    assert!(
        fds["1"].starts_with("pipe:") && fds["2"].starts_with("pipe:"),
        "{fds:?}"
    );
    assert_eq!(finish(&h).status.code, Some(0));
    drop((leak1, leak2));
}

#[test]
fn the_run_has_no_controlling_terminal() {
    init();
    // A new session without a terminal: /dev/tty cannot be opened, so TIOCSTI/TIOCLINUX have
    // nothing to push into; stdin is /dev/null, which is no terminal either.
    let o = run(sh(
        "exec 3</proc/self/stat; read -r stat <&3; set -- ${stat##*) }; echo tty=$5 session=$4 pid=$$; \
         (echo > /dev/tty) 2>/dev/null && echo TTY_OPEN; test -t 0 && echo STDIN_TTY; echo done",
    ));
    assert!(o.stdout.contains("tty=0 session=2 pid=2"), "{}", o.stdout);
    assert!(
        !o.stdout.contains("TTY_OPEN") && !o.stdout.contains("STDIN_TTY"),
        "{}",
        o.stdout
    );
    let py = std::path::Path::new("/usr/bin/python3");
    if py.exists() {
        let o = run(spec(
            json!({"kind": "native", "program": "/usr/bin/python3", "args": ["-c",
            "import fcntl, termios\nfor fd in (0, 1, 2):\n    try:\n        fcntl.ioctl(fd, termios.TIOCSTI, b'x'); print('INJECTED', fd)\n    except OSError as e:\n        print('denied', fd, e.errno)\n"]}),
        ));
        assert_eq!(
            o.stdout.matches("denied").count(),
            3,
            "{}{}",
            o.stdout,
            o.stderr
        );
    }
    let _ = Duration::ZERO;
}

#[test]
fn network_none_has_only_loopback_and_host_reaches_the_host() {
    init();
    // A listener on the host's loopback: reachable with network "host", not with "none".
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let probe = format!(
        "import socket\n\
         s = socket.socket(); s.settimeout(2)\n\
         try:\n    s.connect(('127.0.0.1', {port})); print('host-port=open')\n\
         except OSError as e:\n    print('host-port=closed')\n\
         l = socket.socket(); l.bind(('127.0.0.1', 0)); l.listen(1)\n\
         c = socket.create_connection(l.getsockname(), timeout=2); print('loopback=ok')\n\
         import os; print('ifaces=' + ','.join(sorted(os.listdir('/proc/self/net/dev_snmp6') if os.path.isdir('/proc/self/net/dev_snmp6') else [l.split(':')[0].strip() for l in open('/proc/self/net/dev').readlines()[2:]])))\n"
    );
    let run_with = |network: &str| {
        run(spec(
            json!({"kind": "native", "program": "/usr/bin/python3", "args": ["-c", probe], "network": network}),
        ))
    };
    let none = run_with("none");
    assert_eq!(none.status.code, Some(0), "{}", none.stderr);
    assert!(
        none.stdout.contains("host-port=closed") && none.stdout.contains("loopback=ok"),
        "{}",
        none.stdout
    );
    assert!(none.stdout.contains("ifaces=lo\n"), "{}", none.stdout);
    let host = run_with("host");
    assert!(
        host.stdout.contains("host-port=open"),
        "{}{}",
        host.stdout,
        host.stderr
    );
    drop(listener);
}
