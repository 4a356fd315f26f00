//! The X11 display: spec JSON and validation, the environment it sets (and the one it removes),
//! its mount steps in the plan, and the Xauthority copy in the executor.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::super::display::{cookies_for, X11Display, XAUTHORITY};
use super::*;

fn x(number: u32, xauthority: Option<&str>) -> X11Display {
    X11Display {
        number,
        socket: format!("/tmp/.X11-unix/X{number}").into(),
        xauthority: xauthority.map(PathBuf::from),
    }
}

fn with_display(d: X11Display) -> RunSpec {
    RunSpec {
        display: Some(d),
        ..native("/usr/bin/xdpyinfo")
    }
}

#[test]
fn display_json_shape_and_validation() {
    let spec: RunSpec = serde_json::from_str(
        r#"{"kind":"native","program":"/x","display":{"number":5,"socket":"/tmp/.X11-unix/X5","xauthority":"/home/u/.Xauthority"}}"#,
    )
    .unwrap();
    assert_eq!(spec.display, Some(x(5, Some("/home/u/.Xauthority"))));
    assert!(spec.validate().is_ok());
    let none: RunSpec =
        serde_json::from_str(r#"{"kind":"native","program":"/x","display":null}"#).unwrap();
    assert_eq!(none.display, None);
    assert!(serde_json::from_str::<RunSpec>(
        r#"{"kind":"native","program":"/x","display":{"number":1,"socket":"/s","tcp":true}}"#
    )
    .is_err());

    let bad = |d: X11Display, needle: &str| {
        let err = with_display(d).validate().unwrap_err();
        assert_eq!(err.code(), "EINVAL");
        assert!(err.message().contains(needle), "{needle}: {err}");
    };
    bad(x(65536, None), "display.number");
    for socket in [
        "tmp/.X11-unix/X0",
        "/tmp/../etc/X0",
        "/tmp/.X11-unix/",
        "/a//b",
    ] {
        bad(
            X11Display {
                socket: socket.into(),
                ..x(0, None)
            },
            "display.socket",
        );
    }
    bad(x(0, Some("relative/.Xauthority")), "display.xauthority");
    bad(x(0, Some("/home/u/../.Xauthority")), "display.xauthority");
    assert!(with_display(x(65535, None)).validate().is_ok());
}

#[test]
fn display_sets_display_and_xauthority_and_nothing_else_can() {
    let from_env = BTreeMap::from([
        ("DISPLAY".to_string(), ":0".to_string()),
        ("XAUTHORITY".to_string(), "/home/u/.Xauthority".to_string()),
        ("FOO".to_string(), "bar".to_string()),
    ]);
    let env = |s: RunSpec| -> BTreeMap<String, String> { s.environment().into_iter().collect() };

    // Without a display: DISPLAY/XAUTHORITY from the spec's env are not passed.
    let plain = env(RunSpec {
        env: from_env.clone(),
        ..native("/bin/env")
    });
    assert!(!plain.contains_key("DISPLAY") && !plain.contains_key("XAUTHORITY"));
    assert_eq!(plain["FOO"], "bar");

    // With one: the display's values win over the env's.
    let shown = env(RunSpec {
        env: from_env.clone(),
        ..with_display(x(7, None))
    });
    assert_eq!(shown["DISPLAY"], ":7");
    assert!(
        !shown.contains_key("XAUTHORITY"),
        "no xauthority, no variable"
    );
    let authed = env(RunSpec {
        env: from_env,
        ..with_display(x(7, Some("/run/user/1000/gdm/Xauthority")))
    });
    assert_eq!(authed["DISPLAY"], ":7");
    assert_eq!(authed["XAUTHORITY"], XAUTHORITY);
}

fn touches_x11(op: &MountOp) -> bool {
    let inside = |p: &Path| p.starts_with("/tmp/.X11-unix") || p == Path::new(XAUTHORITY);
    match op {
        MountOp::Mkdir { path, .. } => inside(path),
        MountOp::Bind { dst, .. } => inside(dst),
        MountOp::Xauthority { .. } => true,
        _ => false,
    }
}

#[test]
fn plan_shows_the_socket_and_the_cookie_only_with_a_display() {
    let plain = plan::build(&native("/bin/true"), &host());
    assert!(!plain.iter().any(touches_x11), "no display, no X steps");

    let ops = plan::build(&with_display(x(5, None)), &host());
    let tmp = position(
        &ops,
        |o| matches!(o, MountOp::Tmpfs { target, .. } if target == Path::new("/tmp")),
    );
    let dir = position(&ops, |o| {
        *o == MountOp::Mkdir {
            path: "/tmp/.X11-unix".into(),
            mode: 0o1777,
        }
    });
    let bind = position(&ops, |o| {
        *o == MountOp::Bind {
            src: "/.oldroot/tmp/.X11-unix/X5".into(),
            dst: "/tmp/.X11-unix/X5".into(),
            readonly: true,
            restrict: Restrict::NoSuidDevExec,
        }
    });
    let detach = position(&ops, |o| matches!(o, MountOp::DetachOldRoot { .. }));
    assert!(tmp < dir && dir < bind && bind < detach);
    assert!(!ops.iter().any(|o| matches!(o, MountOp::Xauthority { .. })));

    let ops = plan::build(&with_display(x(5, Some("/home/u/.Xauthority"))), &host());
    let copy = position(&ops, |o| {
        *o == MountOp::Xauthority {
            src: "/.oldroot/home/u/.Xauthority".into(),
            dst: XAUTHORITY.into(),
            number: 5,
            owner: (ORBIT_UID, ORBIT_GID),
        }
    });
    let tmp = position(
        &ops,
        |o| matches!(o, MountOp::Tmpfs { target, .. } if target == Path::new("/tmp")),
    );
    let detach = position(&ops, |o| matches!(o, MountOp::DetachOldRoot { .. }));
    assert!(tmp < copy && copy < detach);
    assert_eq!(ops.iter().filter(|o| touches_x11(o)).count(), 3);
}

/// One Xauthority entry as xauth writes it.
fn entry(family: u16, address: &str, number: &str, cookie: &[u8]) -> Vec<u8> {
    let mut e = family.to_be_bytes().to_vec();
    for f in [
        address.as_bytes(),
        number.as_bytes(),
        b"MIT-MAGIC-COOKIE-1",
        cookie,
    ] {
        e.extend_from_slice(&(f.len() as u16).to_be_bytes());
        e.extend_from_slice(f);
    }
    e
}

#[test]
fn the_cookie_copy_keeps_this_displays_entries_for_any_host() {
    // FamilyLocal (256) entries for the host's name: inside, the host name is "orbit".
    let file = [
        entry(256, "desktop", "7", &[7; 16]),
        entry(256, "desktop", "5", &[5; 16]),
        entry(0, "\x0a\x00\x00\x01", "5", &[9; 16]),
        entry(256, "desktop", "50", &[50; 16]),
    ]
    .concat();
    let out = cookies_for(&file, 5).unwrap();
    assert_eq!(
        out,
        [
            entry(0xffff, "desktop", "5", &[5; 16]),
            entry(0xffff, "\x0a\x00\x00\x01", "5", &[9; 16]),
        ]
        .concat()
    );
    // No cookie for that display (or an empty file): none is copied; the X server decides.
    assert_eq!(cookies_for(&file, 6).unwrap(), Vec::<u8>::new());
    assert_eq!(cookies_for(b"", 5).unwrap(), Vec::<u8>::new());
    let cut = cookies_for(&file[..file.len() - 3], 7).unwrap_err();
    assert_eq!(cut.code(), "EINVAL");
    assert!(cut.message().contains("not an Xauthority file"), "{cut}");
}

#[test]
fn executor_copies_the_cookie_to_the_orbit_user() {
    let copy = MountOp::Xauthority {
        src: "/.oldroot/home/u/.Xauthority".into(),
        dst: XAUTHORITY.into(),
        number: 5,
        owner: (ORBIT_UID, ORBIT_GID),
    };
    let fake = Fake {
        kinds: vec![("/.oldroot/home/u/.Xauthority".into(), FileKind::File)],
        contents: entry(256, "desktop", "5", &[1; 16]),
        ..Default::default()
    };
    mounts::apply(std::slice::from_ref(&copy), &fake).unwrap();
    assert_eq!(
        *fake.calls.borrow(),
        [
            "read /.oldroot/home/u/.Xauthority 65536",
            "write /tmp/.Xauthority 600",
            "chown /tmp/.Xauthority 61000:61000",
        ]
    );

    // A missing file is a coded error naming the host path as the caller wrote it.
    let missing = Fake::default();
    let err = mounts::apply(std::slice::from_ref(&copy), &missing).unwrap_err();
    assert_eq!(err.code(), "ENOENT");
    assert!(err.message().contains("/home/u/.Xauthority"), "{err}");
    assert!(!err.message().contains(".oldroot"), "{err}");
    assert!(missing.calls.borrow().is_empty());

    // An unreadable or foreign file stops the set-up before anything is written.
    let failing = Fake {
        kinds: vec![("/.oldroot/home/u/.Xauthority".into(), FileKind::File)],
        fail_on: Some("read"),
        ..Default::default()
    };
    assert!(mounts::apply(std::slice::from_ref(&copy), &failing).is_err());
    assert_eq!(failing.calls.borrow().len(), 1);
    let foreign = Fake {
        kinds: vec![("/.oldroot/home/u/.Xauthority".into(), FileKind::File)],
        contents: b"not an Xauthority file".to_vec(),
        ..Default::default()
    };
    let err = mounts::apply(std::slice::from_ref(&copy), &foreign).unwrap_err();
    assert_eq!(err.code(), "EINVAL");
    assert_eq!(foreign.calls.borrow().len(), 1, "nothing written");

    // A cookie file for other displays only: an empty one inside (the X server decides).
    let other = Fake {
        kinds: vec![("/.oldroot/home/u/.Xauthority".into(), FileKind::File)],
        contents: entry(256, "desktop", "6", &[1; 16]),
        ..Default::default()
    };
    mounts::apply(std::slice::from_ref(&copy), &other).unwrap();
    assert_eq!(
        other.calls.borrow()[1..],
        [
            "write /tmp/.Xauthority 600",
            "chown /tmp/.Xauthority 61000:61000"
        ]
    );
}
