//! Set-up overhead of the sandbox for /bin/true, against a bare fork+exec and bubblewrap with an
//! equivalent view. Not a correctness test: run with
//! `cargo test --release --test sandbox_bench -- --ignored --nocapture`.

mod sandbox_common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use orbit_core::sandbox;
use sandbox_common::*;
use serde_json::json;

const N: usize = 40;

fn stats(name: &str, mut samples: Vec<Duration>) {
    samples.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
    println!(
        "{name:<44} median {:>7.2} ms  mean {:>7.2} ms  p90 {:>7.2} ms",
        ms(samples[samples.len() / 2]),
        ms(mean),
        ms(samples[samples.len() * 9 / 10])
    );
}

fn time(mut f: impl FnMut()) -> Vec<Duration> {
    f(); // warm caches
    (0..N)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect()
}

/// bwrap with the same kind of view: system dirs read-only, a few /etc files, fresh /proc,
/// minimal /dev, private /tmp and home, new pid/ipc/uts/net namespaces, new session.
fn bwrap_args() -> Vec<String> {
    let mut a: Vec<String> = [
        "--unshare-pid",
        "--unshare-ipc",
        "--unshare-uts",
        "--unshare-net",
        "--die-with-parent",
        "--new-session",
        "--ro-bind",
        "/usr",
        "/usr",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        "--tmpfs",
        "/home/orbit",
        "--unshare-user",
        "--uid",
        "61000",
        "--gid",
        "61000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for top in ["bin", "sbin", "lib", "lib64"] {
        match std::fs::read_link(format!("/{top}")) {
            Ok(t) => a.extend([
                "--symlink".into(),
                t.display().to_string(),
                format!("/{top}"),
            ]),
            Err(_) if std::path::Path::new(&format!("/{top}")).exists() => {
                a.extend(["--ro-bind".into(), format!("/{top}"), format!("/{top}")])
            }
            Err(_) => {}
        }
    }
    for etc in [
        "ld.so.cache",
        "ld.so.conf",
        "ld.so.conf.d",
        "alternatives",
        "fonts",
        "ssl/certs",
    ] {
        let p = format!("/etc/{etc}");
        if std::path::Path::new(&p).exists() {
            a.extend(["--ro-bind".into(), p.clone(), p]);
        }
    }
    a.push("/bin/true".into());
    a
}

#[test]
#[ignore]
fn overhead_of_a_sandboxed_bin_true() {
    init();
    stats(
        "bare fork+exec /bin/true",
        time(|| assert!(Command::new("/bin/true").status().unwrap().success())),
    );
    let args = bwrap_args();
    stats(
        "bwrap (equivalent view) /bin/true",
        time(|| {
            let st = Command::new("bwrap")
                .args(&args)
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(st.success());
        }),
    );
    stats(
        "orbit sandbox: spawn -> exit status",
        time(|| {
            let h = sandbox::spawn_run(spec(json!({"kind": "native", "program": "/bin/true"})))
                .unwrap();
            assert_eq!(h.wait().unwrap().code, Some(0));
        }),
    );
    stats(
        "orbit sandbox: spawn -> sandbox torn down",
        time(|| {
            let h = sandbox::spawn_run(spec(json!({"kind": "native", "program": "/bin/true"})))
                .unwrap();
            h.wait().unwrap();
            assert!(h.wait_instance_ended(Duration::from_secs(5)));
        }),
    );
    let key = format!("bench-{}", std::process::id());
    let host = sandbox::spawn_run(spec(
        json!({"kind": "native", "program": "/bin/sleep", "args": ["600"], "instance": key}),
    ))
    .unwrap();
    stats(
        "orbit sandbox: join a running container",
        time(|| {
            let h = sandbox::spawn_run(spec(
                json!({"kind": "native", "program": "/bin/true", "instance": key}),
            ))
            .unwrap();
            assert!(h.joined());
            assert_eq!(h.wait().unwrap().code, Some(0));
        }),
    );
    host.stop(Duration::from_millis(200)).unwrap();
}
