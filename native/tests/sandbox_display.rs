//! An X11 display mapped into the sandbox: a real X server (Xvfb) on the host, a real X client
//! (xdpyinfo) in the sandbox with network `none`. Without the display field the client cannot
//! connect, even when the spec's env names the display. Runs the real `orbit-sandbox` (root).

mod sandbox_common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use orbit_core::sandbox;
use sandbox_common::*;
use serde_json::{json, Value};

/// One Xvfb on a free display number, terminated on drop.
struct Xvfb {
    child: Child,
    number: u32,
}

impl Xvfb {
    /// None (with a message) when Xvfb is not installed. With `auth`, a cookie for the chosen
    /// number is added to that file before the server starts (it reads the file then).
    fn start(auth: Option<(&Path, &str)>) -> Option<Xvfb> {
        let Some(bin) = find_in_path("Xvfb") else {
            eprintln!("SKIPPED: Xvfb is not installed (Debian package xvfb); no display test ran");
            return None;
        };
        // Spread over numbers by pid so parallel test processes do not race for one, and never
        // try one number twice in this process (the tests here run in parallel).
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let first = 100 + std::process::id() % 400;
        for _ in 0..50 {
            let number = first + NEXT.fetch_add(1, Ordering::SeqCst);
            if in_use(number) {
                continue;
            }
            let mut cmd = Command::new(&bin);
            cmd.arg(format!(":{number}"))
                .args(["-screen", "0", "1234x567x24", "-nolisten", "tcp"]);
            if let Some((file, cookie)) = auth {
                let added = Command::new("xauth")
                    .arg("-f")
                    .arg(file)
                    .args(["-q", "add", &format!(":{number}"), ".", cookie])
                    .stderr(Stdio::null())
                    .status()
                    .expect("run xauth");
                assert!(added.success(), "xauth add failed");
                cmd.arg("-auth").arg(file);
            }
            let child = cmd
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .expect("start Xvfb");
            let mut x = Xvfb { child, number };
            let deadline = Instant::now() + Duration::from_secs(20);
            while Instant::now() < deadline {
                if x.socket().exists() && x.child.try_wait().unwrap().is_none() {
                    return Some(x);
                }
                if x.child.try_wait().unwrap().is_some() {
                    break; // lost a race for this number: try the next
                }
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        panic!("Xvfb did not start on any display number from {first}");
    }

    fn socket(&self) -> PathBuf {
        PathBuf::from(format!("/tmp/.X11-unix/X{}", self.number))
    }

    fn display(&self, xauthority: Option<&Path>) -> Value {
        json!({"number": self.number, "socket": self.socket(), "xauthority": xauthority})
    }
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        // SIGTERM lets Xvfb remove its socket and lock file.
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if self.child.try_wait().ok().flatten().is_some() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

fn in_use(n: u32) -> bool {
    Path::new(&format!("/tmp/.X{n}-lock")).exists()
        || Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
}

fn xdpyinfo(display: Option<Value>, env: Value, network: &str) -> Output {
    let mut s = json!({
        "kind": "native", "program": "/usr/bin/xdpyinfo",
        "env": env, "network": network,
    });
    if let Some(d) = display {
        s["display"] = d;
    }
    run(spec(s))
}

#[test]
fn an_x_client_reaches_the_mapped_display_and_only_through_it() {
    init();
    let Some(x) = Xvfb::start(None) else { return };
    let o = xdpyinfo(Some(x.display(None)), json!({}), "none");
    assert_eq!(
        o.status.code,
        Some(0),
        "stdout: {}\nstderr: {}",
        o.stdout,
        o.stderr
    );
    assert!(
        o.stdout.contains("dimensions:    1234x567"),
        "xdpyinfo did not see the Xvfb screen:\n{}",
        o.stdout
    );

    // The same run without the field: no socket inside, so no connection, even with DISPLAY set
    // in the env (it is dropped) and with the host's network (where the abstract socket is).
    let env = json!({"DISPLAY": format!(":{}", x.number)});
    for network in ["none", "host"] {
        let o = xdpyinfo(None, env.clone(), network);
        assert_ne!(o.status.code, Some(0), "{network}: {}", o.stdout);
        assert!(
            o.stderr.contains("unable to open display"),
            "{network}: {}",
            o.stderr
        );
    }

    // The display is part of a container's view: a run for the live instance without it is
    // refused, naming the difference.
    let key = format!("dpy-{}", std::process::id());
    let first = sandbox::spawn_run(spec(json!({
        "kind": "native", "program": "/bin/sh", "args": ["-c", "sleep 30"],
        "instance": key, "display": x.display(None),
    })))
    .expect("first run");
    let err = match sandbox::spawn_run(spec(json!({
        "kind": "native", "program": "/bin/true", "instance": key,
    }))) {
        Err(e) => e,
        Ok(_) => panic!("a run without the display joined an instance that has one"),
    };
    assert_eq!(err.code(), "ERUNNING");
    let msg = err.message();
    assert!(
        msg.contains(&format!("display :{}", x.number)) && msg.contains("no display"),
        "{msg}"
    );
    first.stop(Duration::from_secs(2)).unwrap();
}

#[test]
fn a_display_with_a_cookie_gets_a_copy_the_orbit_user_can_read() {
    init();
    if find_in_path("xauth").is_none() {
        eprintln!("SKIPPED: xauth is not installed (Debian package xauth)");
        return;
    }
    let dir = TempDir::new("/tmp", "xauth");
    let auth = dir.join("Xauthority");
    let cookie = format!(
        "{:032x}",
        std::process::id() as u128 * 0x9e37_79b9_7f4a_7c15
    );
    let Some(x) = Xvfb::start(Some((&auth, &cookie))) else {
        return;
    };
    // As a desktop's file: FamilyLocal entries for the host's name (the sandbox's is "orbit"),
    // readable by its owner (here root) only, never by orbit.
    std::fs::set_permissions(&auth, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();

    let o = xdpyinfo(Some(x.display(Some(&auth))), json!({}), "none");
    assert_eq!(
        o.status.code,
        Some(0),
        "stdout: {}\nstderr: {}",
        o.stdout,
        o.stderr
    );
    assert!(o.stdout.contains("dimensions:    1234x567"), "{}", o.stdout);

    // Without the cookie the server refuses the client.
    let o = xdpyinfo(Some(x.display(None)), json!({}), "none");
    assert_ne!(o.status.code, Some(0), "{}", o.stdout);

    // A missing cookie file is a coded error before the program starts.
    let gone = dir.join("missing");
    let err = match sandbox::spawn_run(spec(json!({
        "kind": "native", "program": "/usr/bin/xdpyinfo", "display": x.display(Some(&gone)),
    }))) {
        Err(e) => e,
        Ok(h) => {
            let o = finish(&h);
            panic!("ran without its cookie file: {:?} {}", o.status, o.stderr)
        }
    };
    assert_eq!(err.code(), "ENOENT", "{err}");
}
