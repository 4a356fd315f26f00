//! Win32 programs through Wine in the sandbox: a base runtime made by `wineboot --init` inside
//! the sandbox (a plain writable bind, as runtime creation does it), then container runs on an
//! overlay of it: arguments and environment as data, no way to the host through Z:, \\?\unix\ or
//! C:\..\.., runs of one container share one wineserver, stop ends them all.
//!
//! One test, in steps, because making the runtime takes ~10 s.

mod sandbox_common;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use orbit_core::sandbox::{self, RunSpec};
use sandbox_common::*;
use serde_json::json;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../test/fixtures");

/// test/fixtures/build/<name>.exe if scripts/build-fixtures.mjs made it, else compiled here.
fn fixture(name: &str, source: &str, extra: &[&str], out_dir: &Path) -> PathBuf {
    let built = Path::new(FIXTURES)
        .join("build")
        .join(format!("{name}.exe"));
    if built.is_file() {
        return built;
    }
    let out = out_dir.join(format!("{name}.exe"));
    let st = std::process::Command::new("x86_64-w64-mingw32-gcc")
        .args(["-municode", "-mconsole", "-static", "-Os", "-s", "-o"])
        .arg(&out)
        .arg(Path::new(FIXTURES).join(source))
        .args(extra)
        .status()
        .expect("x86_64-w64-mingw32-gcc is installed");
    assert!(st.success(), "compiling {source}");
    out
}

fn copy_into(dir: &Path, exe: &Path, name: &str) {
    let dst = dir.join(name);
    std::fs::copy(exe, &dst).unwrap();
    std::os::unix::fs::chown(&dst, Some(61000), Some(61000)).unwrap();
}

fn pid_ns(pid: i32) -> u64 {
    std::fs::metadata(format!("/proc/{pid}/ns/pid"))
        .map(|m| m.ino())
        .unwrap()
}

/// Host pids and names of the processes in pid namespace `ns`.
fn namespace_members(ns: u64) -> Vec<(u32, String)> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|p| {
            std::fs::metadata(format!("/proc/{p}/ns/pid"))
                .map(|m| m.ino())
                .ok()
                == Some(ns)
                && ns != 0
        })
        .map(|p| {
            (
                p,
                std::fs::read_to_string(format!("/proc/{p}/comm"))
                    .unwrap_or_default()
                    .trim()
                    .to_string(),
            )
        })
        .collect()
}

#[test]
fn win32_programs_run_isolated_in_a_container() {
    init();
    let root = TempDir::new("/tmp", "wine");
    let bin = root.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let hello = fixture("hello", "hello.c", &[], &bin);
    let probe = fixture("escape-probe", "escape-probe.c", &[], &bin);
    let acme = fixture(
        "acme-v1",
        "acme.c",
        &["-DACME_VERSION=\"1.0.0\"", "-lshell32", "-ladvapi32"],
        &bin,
    );

    // 1. Base runtime: wineboot --init into a plain writable bind.
    let runtime = root.join("runtimes/base");
    std::fs::create_dir_all(&runtime).unwrap();
    let o = run(spec(json!({
        "kind": "native", "program": "/usr/bin/wineboot", "args": ["--init"],
        "env": {"WINEPREFIX": "/orbit/prefix"},
        "prefix": {"mode": "bind", "path": runtime}
    })));
    assert_eq!(o.status.code, Some(0), "wineboot: {}", o.stderr);
    assert!(runtime.join("system.reg").is_file() && runtime.join("drive_c/windows").is_dir());
    assert_eq!(
        std::fs::metadata(runtime.join("system.reg")).unwrap().uid(),
        61000
    );

    // 2. A container: its layer over the runtime, with the test programs in it.
    let c = root.join("containers/c1/layer");
    let (upper, work) = (c.join("upper"), c.join("work"));
    std::fs::create_dir_all(upper.join("drive_c/Apps")).unwrap();
    std::fs::create_dir_all(&work).unwrap();
    std::os::unix::fs::chown(upper.join("drive_c"), Some(61000), Some(61000)).unwrap();
    std::os::unix::fs::chown(upper.join("drive_c/Apps"), Some(61000), Some(61000)).unwrap();
    for (exe, name) in [
        (&hello, "hello.exe"),
        (&probe, "escape-probe.exe"),
        (&acme, "acme.exe"),
    ] {
        copy_into(&upper.join("drive_c/Apps"), exe, name);
    }
    let prefix = json!({"mode": "overlay", "lower": runtime, "upper": upper, "work": work});
    let wine = |program: &str, args: Vec<String>, instance: Option<&str>| -> RunSpec {
        spec(
            json!({"kind": "wine", "program": program, "args": args, "prefix": prefix,
            "env": {"ORBIT_TEST_ENV": "x y"}, "instance": instance, "lingerMs": 5000}),
        )
    };

    let o = run(wine(
        "C:\\Apps\\hello.exe",
        vec![
            "--bind".into(),
            "/".into(),
            "/".into(),
            "--".into(),
            "a b".into(),
        ],
        None,
    ));
    assert_eq!(o.status.code, Some(5), "{}{}", o.stdout, o.stderr);
    let lines: Vec<&str> = o.stdout.lines().collect();
    assert_eq!(lines[0], "hello from win32");
    assert_eq!(
        &lines[2..7],
        &[
            "arg[1]=--bind",
            "arg[2]=/",
            "arg[3]=/",
            "arg[4]=--",
            "arg[5]=a b"
        ]
    );
    assert!(lines.contains(&"cwd=C:\\Apps"), "{}", o.stdout);
    assert!(
        lines.contains(&"env[ORBIT_TEST_ENV]=x y") && lines.contains(&"env[USERNAME]=orbit"),
        "{}",
        o.stdout
    );
    assert!(
        !runtime.join("drive_c/Apps").exists(),
        "the run wrote into the base runtime"
    );

    // 3. No way out through Wine's path forms. Host targets get a marker if anything escapes.
    let outside = TempDir::new("/tmp", "escape-target");
    let other = root.join("containers/c2");
    std::fs::create_dir_all(&other).unwrap();
    let args: Vec<String> = vec![
        "--keep".into(),
        outside.path().display().to_string(),
        "/root".into(),
        other.display().to_string(),
    ];
    let o = run(wine("C:\\Apps\\escape-probe.exe", args, None));
    assert_eq!(o.status.code, Some(0), "{}", o.stderr);
    let probe_line = |name: &str| {
        o.stdout
            .lines()
            .find(|l| l.starts_with(&format!("PROBE {name} ")))
            .unwrap_or("")
            .to_string()
    };
    assert!(
        probe_line("control-temp").contains("write=ok read=ok"),
        "{}",
        o.stdout
    );
    for name in [
        "z-root",
        "unix-root",
        "arg1-z",
        "arg1-unix",
        "arg1-unix-dot",
        "arg2-z",
        "arg2-unix",
        "arg3-z",
        "arg3-unix",
    ] {
        assert!(
            !probe_line(name).contains("write=ok"),
            "{name} escaped: {}",
            probe_line(name)
        );
    }
    let markers_in = |dir: &Path| -> Vec<String> {
        std::fs::read_dir(dir)
            .map(|d| {
                d.flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    // the probe's marker files, not other tests' temp dirs that share the prefix
                    .filter(|n| n.starts_with("orbit-probe-") && n.ends_with(".txt"))
                    .collect()
            })
            .unwrap_or_default()
    };
    for dir in [
        Path::new("/tmp"),
        Path::new("/root"),
        outside.path(),
        &other,
        &runtime,
    ] {
        assert_eq!(
            markers_in(dir),
            Vec::<String>::new(),
            "a probe reached {}",
            dir.display()
        );
    }
    // C:\..\.. stays on C: — in the container's layer
    assert_eq!(markers_in(&upper.join("drive_c")).len(), 1, "{}", o.stdout);

    // 4. Two runs of one container share one sandbox and one wineserver.
    let a = sandbox::spawn_run(wine(
        "C:\\Apps\\acme.exe",
        vec!["--sleep".into(), "4".into()],
        Some("c1"),
    ))
    .unwrap();
    let mut a_out = a.take_stdout().unwrap();
    let mut first = [0u8; 64];
    let n = std::io::Read::read(&mut a_out, &mut first).unwrap();
    assert!(String::from_utf8_lossy(&first[..n]).contains("acme sleeping 4"));
    let b = sandbox::spawn_run(wine("C:\\Apps\\hello.exe", vec![], Some("c1"))).unwrap();
    assert!(b.joined());
    let ob = finish(&b);
    assert_eq!(ob.status.code, Some(0), "{}", ob.stderr);
    let ns = pid_ns(a.init_pid());
    let members = namespace_members(ns);
    let servers = members
        .iter()
        .filter(|(_, comm)| comm.starts_with("wineserver"))
        .count();
    assert_eq!(servers, 1, "{members:?}");

    // 5. Stop ends every process of the container, wineserver included.
    let status = a.stop(Duration::from_secs(2)).unwrap();
    assert!(status.signal.is_some() || status.code.is_some());
    assert!(a.instance_ended());
    assert_eq!(
        namespace_members(ns),
        vec![],
        "processes of the container survived stop()"
    );

    // 6. A container stays warm between runs: a run that starts after the previous one ended
    //    joins its sandbox and finds the same wineserver, so Wine does not boot again.
    let first = sandbox::spawn_run(wine(
        "C:\\Apps\\acme.exe",
        vec!["--exit".into(), "0".into()],
        Some("c1"),
    ))
    .unwrap();
    // Wine's services keep the stderr of the run that booted Wine: read it in the background.
    for r in [
        first
            .take_stdout()
            .map(|r| Box::new(r) as Box<dyn std::io::Read + Send>),
        first
            .take_stderr()
            .map(|r| Box::new(r) as Box<dyn std::io::Read + Send>),
    ]
    .into_iter()
    .flatten()
    {
        std::thread::spawn(move || std::io::copy(&mut { r }, &mut std::io::sink()));
    }
    assert_eq!(first.wait().unwrap().code, Some(0));
    let ns = pid_ns(first.init_pid());
    let server = wineserver_of(ns).expect("a wineserver in the container");
    // Longer than Wine takes to end its own server once its last program exited (-p0).
    std::thread::sleep(Duration::from_secs(2));
    let second = sandbox::spawn_run(wine(
        "C:\\Apps\\acme.exe",
        vec!["--exit".into(), "0".into()],
        Some("c1"),
    ))
    .unwrap();
    assert!(
        second.joined(),
        "the container's sandbox ended with its program"
    );
    let o = finish(&second);
    assert_eq!(o.status.code, Some(0), "{}", o.stderr);
    assert_eq!(
        wineserver_of(ns),
        Some(server),
        "the second run started a new wineserver"
    );
    second.stop_instance(Duration::from_secs(2));
    assert!(second.wait_instance_ended(Duration::from_secs(10)));
}

/// The wineserver of pid namespace `ns`: host pid and start time (a pid alone may be reused).
fn wineserver_of(ns: u64) -> Option<(u32, String)> {
    namespace_members(ns)
        .into_iter()
        .find(|(_, comm)| comm.starts_with("wineserver"))
        .map(|(pid, _)| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let start = stat
                .rsplit_once(')')
                .and_then(|(_, rest)| rest.split_whitespace().nth(19))
                .unwrap_or("")
                .to_string();
            (pid, start)
        })
}
