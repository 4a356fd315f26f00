//! Unit tests that need no root: spec validation, the mount plan as data, the plan executor over
//! a recording fake `Sys`, cgroup discovery from sample /proc texts, the event line protocol.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

use super::limits::{self, Mechanism};
use super::mounts;
use super::plan::{self, HostEntry, HostView, MountOp, Restrict};
use super::protocol::{Event, LineReader};
use super::spec::*;
use super::sys::{FileKind, Sys};

mod display;

fn native(program: &str) -> RunSpec {
    RunSpec {
        kind: Kind::Native,
        program: program.into(),
        args: vec![],
        env: BTreeMap::new(),
        cwd: None,
        prefix: None,
        binds: vec![],
        network: Network::None,
        limits: Limits::default(),
        instance: None,
        linger_ms: None,
        display: None,
    }
}

fn wine(program: &str) -> RunSpec {
    RunSpec {
        kind: Kind::Wine,
        prefix: Some(Prefix::Overlay {
            lower: "/d/rt/abc".into(),
            upper: "/d/c/1/layer/upper".into(),
            work: "/d/c/1/layer/work".into(),
        }),
        ..native(program)
    }
}

fn host() -> HostView {
    HostView {
        system: vec![
            ("usr".into(), HostEntry::Dir),
            ("bin".into(), HostEntry::Link("usr/bin".into())),
            ("lib64".into(), HostEntry::Missing),
        ],
        etc: vec![
            ("ld.so.cache".into(), HostEntry::File),
            (
                "resolv.conf".into(),
                HostEntry::Resolved {
                    path: "/run/resolv.conf".into(),
                    dir: false,
                },
            ),
            ("hosts".into(), HostEntry::File),
        ],
        userns: false,
    }
}

#[test]
fn only_a_containers_wine_instance_gets_a_lasting_wineserver() {
    let keyed = |kind: Kind, linger_ms: Option<u64>| RunSpec {
        kind,
        instance: Some("c1".into()),
        linger_ms,
        ..wine("C:\\a.exe")
    };
    // The default wine linger (10 s), less the time Wine gets to shut itself down.
    assert_eq!(keyed(Kind::Wine, None).wineserver_persistence(), Some(9));
    assert_eq!(
        keyed(Kind::Wine, Some(2_000)).wineserver_persistence(),
        Some(1)
    );
    assert_eq!(
        keyed(Kind::Wine, Some(1_900)).wineserver_persistence(),
        None
    );
    assert_eq!(keyed(Kind::Native, None).wineserver_persistence(), None);
    // A private sandbox: no other run can join it, Wine ends its server as usual.
    assert_eq!(wine("C:\\a.exe").wineserver_persistence(), None);
}

#[test]
fn spec_json_uses_camel_case_and_defaults() {
    let spec: RunSpec = serde_json::from_str(
        r#"{"kind":"wine","program":"C:\\a\\b.exe","prefix":{"mode":"bind","path":"/x"},"limits":{"memoryBytes":67108864},"lingerMs":5}"#,
    )
    .unwrap();
    assert_eq!(spec.kind, Kind::Wine);
    assert_eq!(spec.network, Network::None);
    assert_eq!(spec.limits.memory_bytes, Some(64 << 20));
    assert!(spec.validate().is_ok());
    assert!(
        serde_json::from_str::<RunSpec>(r#"{"kind":"native","program":"/x","bogus":1}"#).is_err()
    );
}

#[test]
fn validation_names_the_bad_field() {
    let bad = |s: RunSpec, needle: &str| {
        let err = s.validate().unwrap_err();
        assert_eq!(err.code(), "EINVAL");
        assert!(err.message().contains(needle), "{err}");
    };
    bad(native(""), "program");
    bad(native("rel/prog"), "absolute");
    bad(native("/bin/../bin/sh"), "absolute");
    bad(wine("-rf"), "Windows path");
    bad(wine("C:/x.exe"), "Windows path");
    bad(
        RunSpec {
            prefix: None,
            ..wine("C:\\x.exe")
        },
        "prefix",
    );
    bad(
        RunSpec {
            args: vec!["a\0b".into()],
            ..native("/bin/echo")
        },
        "NUL",
    );
    bad(
        RunSpec {
            env: [("A=B".to_string(), "x".to_string())].into(),
            ..native("/bin/echo")
        },
        "env name",
    );
    bad(
        RunSpec {
            cwd: Some("tmp".into()),
            ..native("/bin/echo")
        },
        "cwd",
    );
    bad(
        RunSpec {
            cwd: Some("D:\\x".into()),
            ..wine("C:\\x.exe")
        },
        "drive C:",
    );
    let bind = |dst: &str| RunSpec {
        binds: vec![Bind {
            src: "/h/x".into(),
            dst: dst.into(),
            writable: false,
        }],
        ..native("/bin/true")
    };
    bad(bind("/usr/x"), "binds.dst");
    bad(bind("/orbit/prefix/x"), "binds.dst");
    bad(bind("/orbit/../etc"), "binds.dst");
    bad(bind("/orbitx"), "binds.dst");
    bad(
        RunSpec {
            prefix: Some(Prefix::Overlay {
                lower: "/a,b".into(),
                upper: "/u".into(),
                work: "/w".into(),
            }),
            ..wine("C:\\x.exe")
        },
        "prefix.lower",
    );
    bad(
        RunSpec {
            instance: Some("../x".into()),
            ..native("/bin/true")
        },
        "instance",
    );
    bad(
        RunSpec {
            limits: Limits {
                memory_bytes: Some(1000),
                pids: None,
            },
            ..native("/bin/true")
        },
        "memoryBytes",
    );
    assert!(bind("/orbit/share/setup.exe").validate().is_ok());
    assert!(native("sh").validate().is_ok());
}

#[test]
fn argv_keeps_option_like_arguments_as_data() {
    let s = RunSpec {
        args: vec!["--bind".into(), "/".into(), "/".into(), "--".into()],
        ..native("/bin/echo")
    };
    assert_eq!(
        s.argv(),
        (
            "/bin/echo".into(),
            vec![
                "/bin/echo".into(),
                "--bind".into(),
                "/".into(),
                "/".into(),
                "--".into()
            ]
        )
    );
    let w = RunSpec {
        args: vec!["--".into()],
        ..wine("C:\\Program Files\\Acme\\acme.exe")
    };
    assert_eq!(
        w.argv(),
        (
            WINE.into(),
            vec![
                "wine".into(),
                "C:\\Program Files\\Acme\\acme.exe".into(),
                "--".into()
            ]
        )
    );
}

#[test]
fn environment_is_the_spec_plus_fixed_variables() {
    let mut s = native("/bin/env");
    s.env.insert("FOO".into(), "bar".into());
    s.env.insert("HOME".into(), "/root".into());
    let env: BTreeMap<_, _> = s.environment().into_iter().collect();
    assert_eq!(env["FOO"], "bar");
    assert_eq!(env["HOME"], HOME);
    assert_eq!(env["USER"], "orbit");
    assert!(!env.contains_key("WINEPREFIX"));
    let mut w = wine("C:\\a.exe");
    w.env.insert("WINEDEBUG".into(), "+relay".into());
    let env: BTreeMap<_, _> = w.environment().into_iter().collect();
    assert_eq!(env["WINEPREFIX"], PREFIX);
    assert_eq!(env["WINEDEBUG"], "+relay");
    assert_eq!(
        wine("C:\\a.exe")
            .environment()
            .into_iter()
            .find(|(k, _)| k == "WINEDEBUG")
            .unwrap()
            .1,
        "-all"
    );
}

#[test]
fn windows_paths_map_into_the_prefix() {
    assert_eq!(
        windows_to_sandbox("C:\\Program Files\\Acme")
            .unwrap()
            .unwrap(),
        "/orbit/prefix/drive_c/Program Files/Acme"
    );
    assert_eq!(
        windows_to_sandbox("c:\\").unwrap().unwrap(),
        "/orbit/prefix/drive_c"
    );
    assert_eq!(windows_to_sandbox("D:\\x").unwrap(), None);
    assert!(windows_to_sandbox("C:\\..\\..\\etc").is_err());
    assert_eq!(
        wine("C:\\Apps\\a.exe").sandbox_cwd(),
        "/orbit/prefix/drive_c/Apps"
    );
    assert_eq!(
        RunSpec {
            cwd: Some("C:\\w".into()),
            ..wine("C:\\a.exe")
        }
        .sandbox_cwd(),
        "/orbit/prefix/drive_c/w"
    );
    assert_eq!(native("/bin/true").sandbox_cwd(), HOME);
}

fn position(ops: &[MountOp], pred: impl Fn(&MountOp) -> bool) -> usize {
    ops.iter().position(pred).expect("op missing")
}

#[test]
fn plan_pivots_first_and_detaches_the_host_last() {
    let ops = plan::build(&native("/bin/true"), &host());
    assert_eq!(ops[0], MountOp::MakeRootPrivate);
    let pivot = position(&ops, |o| matches!(o, MountOp::PivotRoot { .. }));
    let detach = position(&ops, |o| matches!(o, MountOp::DetachOldRoot { .. }));
    assert!(pivot < 5 && detach > pivot);
    // every host path is read through the old root, and only between pivot and detach
    for (i, op) in ops.iter().enumerate() {
        if let MountOp::Bind { src, .. } = op {
            assert!(src.starts_with(plan::OLD_ROOT), "{src:?}");
            assert!(i > pivot && i < detach);
        }
    }
    assert_eq!(
        ops.last(),
        Some(&MountOp::RemountReadOnly { path: "/".into() })
    );
}

#[test]
fn plan_binds_system_dirs_read_only_and_recreates_links() {
    let ops = plan::build(&native("/bin/true"), &host());
    assert!(ops.contains(&MountOp::Bind {
        src: "/.oldroot/usr".into(),
        dst: "/usr".into(),
        readonly: true,
        restrict: Restrict::NoSuidDev
    }));
    assert!(ops.contains(&MountOp::Symlink {
        target: "usr/bin".into(),
        link: "/bin".into()
    }));
    assert!(!ops
        .iter()
        .any(|o| matches!(o, MountOp::Bind { dst, .. } if dst == Path::new("/lib64"))));
    // nothing of the host's home, root, data or /tmp is bound
    for op in &ops {
        if let MountOp::Bind { src, .. } = op {
            for hidden in [
                "/.oldroot/root",
                "/.oldroot/home",
                "/.oldroot/tmp",
                "/.oldroot/var",
            ] {
                assert!(!src.starts_with(hidden), "{src:?}");
            }
        }
    }
}

#[test]
fn plan_shows_name_resolution_only_with_host_network() {
    let none = plan::build(&native("/bin/true"), &host());
    assert!(!none
        .iter()
        .any(|o| matches!(o, MountOp::Bind { dst, .. } if dst == Path::new("/etc/resolv.conf"))));
    assert!(none
        .iter()
        .any(|o| matches!(o, MountOp::WriteFile { path, .. } if path == Path::new("/etc/hosts"))));
    let host_net = plan::build(
        &RunSpec {
            network: Network::Host,
            ..native("/bin/true")
        },
        &host(),
    );
    assert!(host_net.contains(&MountOp::Bind {
        src: "/.oldroot/run/resolv.conf".into(),
        dst: "/etc/resolv.conf".into(),
        readonly: true,
        restrict: Restrict::NoSuidDev
    }));
    assert!(!host_net
        .iter()
        .any(|o| matches!(o, MountOp::WriteFile { path, .. } if path == Path::new("/etc/hosts"))));
}

#[test]
fn plan_masks_proc_and_makes_private_tmp_and_home() {
    let ops = plan::build(&native("/bin/true"), &host());
    for p in [
        "/proc/kcore",
        "/proc/keys",
        "/proc/timer_list",
        "/proc/sched_debug",
    ] {
        assert!(ops.contains(&MountOp::Mask { path: p.into() }), "{p}");
    }
    for p in ["/proc/sys", "/proc/sysrq-trigger"] {
        assert!(ops.contains(&MountOp::ReadOnly { path: p.into() }), "{p}");
    }
    let proc_at = position(&ops, |o| matches!(o, MountOp::Proc { .. }));
    let mask_at = position(&ops, |o| matches!(o, MountOp::Mask { .. }));
    assert!(proc_at < mask_at);
    assert!(ops
        .iter()
        .any(|o| matches!(o, MountOp::Tmpfs { target, .. } if target == Path::new("/tmp"))));
    assert!(ops.contains(&MountOp::Tmpfs {
        target: HOME.into(),
        mode: 0o700,
        owner: Some((ORBIT_UID, ORBIT_GID)),
        restrict: Restrict::NoSuidDev
    }));
    let passwd = plan::passwd();
    assert!(passwd.contains("orbit:x:61000:61000:Orbit:/home/orbit:"));
}

#[test]
fn plan_puts_the_prefix_at_one_fixed_path() {
    let ops = plan::build(&wine("C:\\a.exe"), &host());
    assert!(ops.contains(&MountOp::Overlay {
        lower: "/.oldroot/d/rt/abc".into(),
        upper: "/.oldroot/d/c/1/layer/upper".into(),
        work: "/.oldroot/d/c/1/layer/work".into(),
        dst: PREFIX.into(),
        userxattr: false,
    }));
    assert!(ops.contains(&MountOp::Chown {
        path: "/.oldroot/d/c/1/layer/upper".into(),
        uid: ORBIT_UID,
        gid: ORBIT_GID
    }));
    let runtime = RunSpec {
        prefix: Some(Prefix::Bind {
            path: "/d/rt/new".into(),
        }),
        ..wine("C:\\a.exe")
    };
    let ops = plan::build(
        &runtime,
        &HostView {
            userns: true,
            ..host()
        },
    );
    assert!(ops.contains(&MountOp::Bind {
        src: "/.oldroot/d/rt/new".into(),
        dst: PREFIX.into(),
        readonly: false,
        restrict: Restrict::NoSuidDev
    }));
    let with_bind = RunSpec {
        binds: vec![Bind {
            src: "/h/setup.exe".into(),
            dst: "/orbit/share/setup.exe".into(),
            writable: false,
        }],
        ..wine("C:\\a.exe")
    };
    let ops = plan::build(&with_bind, &host());
    assert!(ops.contains(&MountOp::Bind {
        src: "/.oldroot/h/setup.exe".into(),
        dst: "/orbit/share/setup.exe".into(),
        readonly: true,
        restrict: Restrict::NoSuidDev
    }));
}

/// Records every call; `kinds` answers `kind` queries.
#[derive(Default)]
struct Fake {
    calls: RefCell<Vec<String>>,
    kinds: Vec<(PathBuf, FileKind)>,
    fail_on: Option<&'static str>,
    /// What `read_file` returns.
    contents: Vec<u8>,
}

impl Fake {
    fn rec(&self, s: String) -> io::Result<()> {
        let fail = self.fail_on.is_some_and(|f| s.contains(f));
        self.calls.borrow_mut().push(s);
        if fail {
            Err(io::Error::from_raw_os_error(libc::EPERM))
        } else {
            Ok(())
        }
    }
}

impl Sys for Fake {
    fn mount(
        &self,
        src: Option<&Path>,
        target: &Path,
        fstype: Option<&str>,
        flags: libc::c_ulong,
        data: Option<&str>,
    ) -> io::Result<()> {
        self.rec(format!(
            "mount {:?} {} {:?} {flags:#x} {:?}",
            src,
            target.display(),
            fstype,
            data
        ))
    }
    fn remount_readonly(&self, target: &Path, extra: libc::c_ulong) -> io::Result<()> {
        self.rec(format!("remount_ro {} {extra:#x}", target.display()))
    }
    fn umount_detach(&self, target: &Path) -> io::Result<()> {
        self.rec(format!("umount {}", target.display()))
    }
    fn pivot_root(&self, n: &Path, o: &Path) -> io::Result<()> {
        self.rec(format!("pivot {} {}", n.display(), o.display()))
    }
    fn chdir(&self, p: &Path) -> io::Result<()> {
        self.rec(format!("chdir {}", p.display()))
    }
    fn mkdir_all(&self, p: &Path, mode: u32) -> io::Result<()> {
        self.rec(format!("mkdir {} {mode:o}", p.display()))
    }
    fn rmdir(&self, p: &Path) -> io::Result<()> {
        self.rec(format!("rmdir {}", p.display()))
    }
    fn create_file(&self, p: &Path) -> io::Result<()> {
        self.rec(format!("touch {}", p.display()))
    }
    fn write_file(&self, p: &Path, _c: &[u8], mode: u32) -> io::Result<()> {
        self.rec(format!("write {} {mode:o}", p.display()))
    }
    fn symlink(&self, t: &Path, l: &Path) -> io::Result<()> {
        self.rec(format!("symlink {} {}", t.display(), l.display()))
    }
    fn kind(&self, p: &Path) -> io::Result<Option<FileKind>> {
        Ok(self.kinds.iter().find(|(k, _)| k == p).map(|(_, v)| *v))
    }
    fn chown(&self, p: &Path, uid: u32, gid: u32) -> io::Result<()> {
        self.rec(format!("chown {} {uid}:{gid}", p.display()))
    }
    fn read_file(&self, p: &Path, max: u64) -> io::Result<Vec<u8>> {
        self.rec(format!("read {} {max}", p.display()))
            .map(|()| self.contents.clone())
    }
}

#[test]
fn executor_binds_files_and_dirs_with_matching_mount_points_then_remounts() {
    let fake = Fake {
        kinds: vec![
            ("/.oldroot/h/setup.exe".into(), FileKind::File),
            ("/.oldroot/usr".into(), FileKind::Dir),
        ],
        ..Default::default()
    };
    let ops = [
        MountOp::Bind {
            src: "/.oldroot/usr".into(),
            dst: "/usr".into(),
            readonly: true,
            restrict: Restrict::NoSuidDev,
        },
        MountOp::Bind {
            src: "/.oldroot/h/setup.exe".into(),
            dst: "/orbit/share/setup.exe".into(),
            readonly: false,
            restrict: Restrict::NoSuidDev,
        },
    ];
    mounts::apply(&ops, &fake).unwrap();
    let calls = fake.calls.borrow();
    let bind = libc::MS_BIND | libc::MS_REC;
    assert_eq!(calls[1], "mkdir /usr 755");
    assert_eq!(
        calls[2],
        format!("mount Some(\"/.oldroot/usr\") /usr None {bind:#x} None")
    );
    assert!(calls[3].starts_with("remount_ro /usr"));
    assert_eq!(calls[5], "touch /orbit/share/setup.exe");
    assert!(
        calls[7].contains("/orbit/share/setup.exe") && !calls[7].starts_with("remount_ro"),
        "writable bind stays rw: {}",
        calls[7]
    );
}

#[test]
fn executor_stops_at_the_first_failure_with_a_coded_error() {
    let fake = Fake {
        fail_on: Some("pivot"),
        ..Default::default()
    };
    let err = mounts::apply(&plan::build(&native("/bin/true"), &host()), &fake).unwrap_err();
    assert_eq!(err.code(), "ESANDBOX");
    assert!(err.message().contains("pivot_root"), "{err}");
    assert!(fake.calls.borrow().last().unwrap().starts_with("pivot"));
    // a missing bind source is ENOENT, naming the host path (not /.oldroot/...)
    let fake = Fake::default();
    let ops = [MountOp::Bind {
        src: "/.oldroot/nope".into(),
        dst: "/orbit/x".into(),
        readonly: true,
        restrict: Restrict::NoSuidDev,
    }];
    let err = mounts::apply(&ops, &fake).unwrap_err();
    assert_eq!(err.code(), "ENOENT");
    assert!(err.message().contains(" /nope "), "{err}");
}

#[test]
fn executor_masks_only_what_exists() {
    let fake = Fake {
        kinds: vec![
            ("/proc/keys".into(), FileKind::File),
            ("/proc/acpi".into(), FileKind::Dir),
        ],
        ..Default::default()
    };
    let ops: Vec<MountOp> = ["/proc/keys", "/proc/acpi", "/proc/kcore"]
        .iter()
        .map(|p| MountOp::Mask { path: p.into() })
        .collect();
    mounts::apply(&ops, &fake).unwrap();
    let calls = fake.calls.borrow();
    assert_eq!(calls.len(), 2);
    assert!(calls[0].starts_with("mount Some(\"/dev/null\") /proc/keys"));
    assert!(calls[1].contains("/proc/acpi Some(\"tmpfs\")"));
}

const MOUNTINFO: &str = "\
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
";

#[test]
fn cgroup_v1_place_is_our_own_group_in_the_controller_hierarchy() {
    let mounts = limits::parse_mountinfo(MOUNTINFO);
    assert_eq!(mounts.len(), 3);
    let own = limits::parse_proc_cgroup("8:pids:/\n4:memory:/api/96e\n0::/\n");
    let no_v2 = |_: &Path| Some(String::new());
    let mem = limits::locate("memory", &mounts, &own, no_v2).unwrap();
    assert_eq!(
        mem,
        limits::Place {
            own: "/sys/fs/cgroup/memory/api/96e".into(),
            v2: false
        }
    );
    let pids = limits::locate("pids", &mounts, &own, no_v2).unwrap();
    assert_eq!(pids.own, PathBuf::from("/sys/fs/cgroup/pids"));
}

#[test]
fn cgroup_v2_is_used_only_when_delegated() {
    let mounts = limits::parse_mountinfo("30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
    let own = limits::parse_proc_cgroup("0::/user.slice/orbit.service\n");
    let delegated = |p: &Path| {
        (p == Path::new("/sys/fs/cgroup/user.slice/orbit.service/cgroup.subtree_control"))
            .then(|| "cpu memory pids".to_string())
    };
    let place = limits::locate("pids", &mounts, &own, delegated).unwrap();
    assert_eq!(
        place,
        limits::Place {
            own: "/sys/fs/cgroup/user.slice/orbit.service".into(),
            v2: true
        }
    );
    assert_eq!(
        limits::locate("memory", &mounts, &own, |_| Some("cpu".into())),
        None
    );
}

#[test]
fn rlimits_cover_only_limits_no_cgroup_took() {
    let l = Limits {
        memory_bytes: Some(64 << 20),
        pids: Some(10),
    };
    let applied = limits::LimitsApplied {
        memory: Mechanism::CgroupV1,
        pids: Mechanism::Rlimit,
    };
    assert_eq!(
        limits::rlimits(&l, &applied),
        vec![(libc::RLIMIT_NPROC, 10)]
    );
    assert_eq!(
        serde_json::to_string(&applied).unwrap(),
        r#"{"memory":"cgroup-v1","pids":"rlimit"}"#
    );
}

#[test]
fn event_lines_survive_arbitrary_chunking() {
    let lines = concat!(
        r#"{"ev":"started","pid":5,"initPid":4,"initStart":9,"limits":{"memory":"none","pids":"none"},"cgroups":[]}"#,
        "\n",
        r#"{"ev":"exit","code":3,"signal":null}"#,
        "\n",
        r#"{"ev":"ended"}"#,
        "\n"
    );
    let mut r = LineReader::default();
    let mut events = Vec::new();
    for chunk in lines.as_bytes().chunks(7) {
        events.extend(r.push(chunk));
    }
    assert_eq!(events.len(), 3);
    assert!(matches!(
        events[0],
        Event::Started {
            pid: 5,
            init_pid: 4,
            ..
        }
    ));
    assert_eq!(
        events[1],
        Event::Exit {
            code: Some(3),
            signal: None
        }
    );
    assert_eq!(events[2], Event::Ended);
}

#[test]
fn a_sweep_removes_old_empty_groups_only() {
    let t = std::env::temp_dir().join(format!("orbit-sweep-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&t);
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    let group = |name: &str, aged: bool, busy: bool| {
        let d = t.join(name);
        std::fs::create_dir_all(&d).unwrap();
        // A file stands for a cgroup's processes: rmdir fails on it as on a busy group.
        if busy {
            std::fs::write(d.join("cgroup.procs"), "42").unwrap();
        }
        if aged {
            std::fs::File::open(&d).unwrap().set_modified(old).unwrap();
        }
    };
    group("crashed-1", true, false);
    group("crashed-2", true, false);
    group("just-made", false, false);
    group("running", true, true);
    std::fs::write(t.join("notify_on_release"), "0").unwrap();
    assert_eq!(limits::sweep_stale(&t, limits::STALE_AFTER), 2);
    let mut left: Vec<String> = std::fs::read_dir(&t)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(left, ["just-made", "notify_on_release", "running"]);
    assert_eq!(
        limits::sweep_stale(&t.join("absent"), limits::STALE_AFTER),
        0
    );
    std::fs::remove_dir_all(&t).unwrap();
}
