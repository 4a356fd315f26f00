//! A native program runs in the sandbox: exit codes and signals, argv verbatim, env and cwd,
//! separate and streamed output, coded errors. Runs the real `orbit-sandbox` runner (root).

mod sandbox_common;

use std::io::Read;
use std::time::{Duration, Instant};

use orbit_core::sandbox::{self, Mechanism};
use sandbox_common::*;
use serde_json::json;

#[test]
fn exit_codes_and_signals_come_back() {
    init();
    let t = run(spec(json!({"kind": "native", "program": "/bin/true"})));
    assert_eq!((t.status.code, t.status.signal), (Some(0), None));
    let f = run(spec(json!({"kind": "native", "program": "false"}))); // found through PATH
    assert_eq!(f.status.code, Some(1));
    assert_eq!(run(sh("exit 7")).status.code, Some(7));
    let seg = run(sh("kill -SEGV $$"));
    assert_eq!(
        (seg.status.code, seg.status.signal),
        (None, Some(libc::SIGSEGV))
    );
    assert_eq!(t.status.limits.memory, Mechanism::None);
}

#[test]
fn echo_hi_reaches_stdout() {
    init();
    let o = run(sh("echo hi"));
    assert_eq!(o.stdout, "hi\n");
    assert_eq!(o.stderr, "");
}

#[test]
fn option_like_arguments_arrive_verbatim() {
    init();
    let args = [
        "%s\n", "--bind", "/", "/", "--", "-n", "", "a b", "$HOME", "*",
    ];
    let o = run(spec(
        json!({"kind": "native", "program": "/usr/bin/printf", "args": args}),
    ));
    assert_eq!(o.status.code, Some(0), "{}", o.stderr);
    assert_eq!(o.stdout, "--bind\n/\n/\n--\n-n\n\na b\n$HOME\n*\n");
}

#[test]
fn env_is_exactly_the_spec_plus_fixed_variables_and_cwd_applies() {
    init();
    std::env::set_var("ORBIT_GATEWAY_SECRET", "must-not-leak");
    let o = run(spec(json!({
        "kind": "native", "program": "/bin/sh",
        "args": ["-c", "env | sort; pwd"],
        "env": {"FOO": "bar baz", "HOME": "/root"},
        "cwd": "/tmp"
    })));
    assert_eq!(o.status.code, Some(0), "{}", o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert!(lines.contains(&"FOO=bar baz"), "{}", o.stdout);
    assert!(
        lines.contains(&"HOME=/home/orbit"),
        "fixed HOME wins: {}",
        o.stdout
    );
    assert!(lines.contains(&"USER=orbit") && lines.contains(&"LOGNAME=orbit"));
    assert!(
        !o.stdout.contains("ORBIT_GATEWAY_SECRET"),
        "gateway env leaked: {}",
        o.stdout
    );
    assert_eq!(lines.last(), Some(&"/tmp"));
    // sh adds PWD/OLDPWD/SHLVL itself; nothing else beyond what we set.
    let names: Vec<&str> = lines[..lines.len() - 1]
        .iter()
        .filter_map(|l| l.split('=').next())
        .collect();
    for n in &names {
        assert!(
            ["FOO", "HOME", "USER", "LOGNAME", "PATH", "PWD", "OLDPWD", "SHLVL", "_"].contains(n),
            "unexpected {n}"
        );
    }
}

#[test]
fn stdout_and_stderr_are_separate() {
    init();
    let o = run(sh("echo out; echo err >&2; echo out2"));
    assert_eq!(o.stdout, "out\nout2\n");
    assert_eq!(o.stderr, "err\n");
}

#[test]
fn output_streams_while_the_program_runs() {
    init();
    let start = Instant::now();
    let h = sandbox::spawn_run(sh("echo first; sleep 2; echo second")).unwrap();
    let mut out = h.take_stdout().unwrap();
    let mut buf = [0u8; 64];
    let n = out.read(&mut buf).unwrap();
    let first_at = start.elapsed();
    assert_eq!(&buf[..n], b"first\n");
    assert!(
        first_at < Duration::from_millis(1500),
        "first chunk came after {first_at:?}"
    );
    assert_eq!(
        h.wait_timeout(Duration::ZERO).unwrap(),
        None,
        "still running when the first chunk arrived"
    );
    let mut rest = String::new();
    out.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "second\n");
    assert_eq!(h.wait().unwrap().code, Some(0));
    assert!(start.elapsed() >= Duration::from_secs(2));
}

#[test]
fn missing_program_and_bad_cwd_are_coded_errors() {
    init();
    let err = sandbox::spawn_run(spec(
        json!({"kind": "native", "program": "/nonexistent/prog"}),
    ))
    .err()
    .unwrap();
    assert_eq!(err.code(), "ENOTFOUND_PROGRAM", "{err}");
    let err = sandbox::spawn_run(spec(
        json!({"kind": "native", "program": "no-such-command-orbit"}),
    ))
    .err()
    .unwrap();
    assert_eq!(err.code(), "ENOTFOUND_PROGRAM", "{err}");
    // a host file that exists outside is not a program inside
    let err = sandbox::spawn_run(spec(
        json!({"kind": "native", "program": env!("CARGO_BIN_EXE_orbit-sandbox")}),
    ))
    .err()
    .unwrap();
    assert_eq!(err.code(), "ENOTFOUND_PROGRAM", "{err}");
    let err = sandbox::spawn_run(spec(
        json!({"kind": "native", "program": "/bin/true", "cwd": "/nope"}),
    ))
    .err()
    .unwrap();
    assert_eq!(err.code(), "EINVAL", "{err}");
    let err = sandbox::spawn_run(spec(json!({"kind": "native", "program": "/etc/passwd"})))
        .err()
        .unwrap();
    assert_eq!(err.code(), "EACCES", "{err}");
    let err = sandbox::spawn_run(spec(json!({"kind": "native", "program": "/bin/true",
        "binds": [{"src": "/nonexistent-orbit-src", "dst": "/orbit/x"}]})))
    .err()
    .unwrap();
    assert_eq!(err.code(), "ENOENT", "{err}");
    assert!(err.message().contains("/nonexistent-orbit-src"), "{err}");
}

#[test]
fn even_a_program_that_exits_at_once_has_its_host_pid_reported() {
    init();
    for _ in 0..20 {
        let h =
            sandbox::spawn_run(spec(json!({"kind": "native", "program": "/bin/true"}))).unwrap();
        assert!(
            h.pid() > 0 && h.pid() != h.init_pid(),
            "pid {} init {}",
            h.pid(),
            h.init_pid()
        );
        h.wait().unwrap();
    }
}

#[test]
fn a_spec_larger_than_a_pipe_holds_arrives_whole() {
    init();
    // 400 KiB of arguments: more than the request pipe takes before the runner reads it.
    let big: Vec<String> = (0..4)
        .map(|i| char::from(b'a' + i).to_string().repeat(100_000))
        .collect();
    let mut args = vec![
        "-c".to_string(),
        "echo ${#1} ${#2} ${#3} ${#4} $(printf %s \"$4\" | head -c 3)".to_string(),
        "sh".to_string(),
    ];
    args.extend(big);
    let o = run(spec(
        json!({"kind": "native", "program": "/bin/sh", "args": args}),
    ));
    assert_eq!(o.status.code, Some(0), "{}", o.stderr);
    assert_eq!(o.stdout, "100000 100000 100000 100000 ddd\n");
}
