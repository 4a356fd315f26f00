//! overlayfs upper layers: markers recorded, and capture's classification against the lower layer.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use super::super::sys::set_xattr;
use super::super::{diff, diff_overlay_upper, Kind, Reason, ScanOptions, TreeDiff};
use super::{scan_ok, scan_with, TempTree};

/// Set an xattr, or say why the case is skipped (trusted.* needs CAP_SYS_ADMIN).
fn try_xattr(path: &std::path::Path, name: &str, value: &[u8]) -> bool {
    match set_xattr(path, name, value) {
        Ok(()) => true,
        Err(e) => {
            eprintln!("cannot set {name} here ({e}): case skipped");
            false
        }
    }
}

#[test]
fn walk_records_whiteouts_and_opaque_dirs() {
    let t = TempTree::new("marks");
    if !t.whiteout("deleted.dll") {
        eprintln!("mknod not permitted here: whiteout case skipped");
        return;
    }
    let opaque = t.dir("replaced");
    t.file("replaced/new.txt", b"n");
    let user_opaque = t.dir("user-replaced");
    let plain = t.dir("plain");
    if !try_xattr(&opaque, "trusted.overlay.opaque", b"y") {
        return;
    }
    let _ = try_xattr(&user_opaque, "user.overlay.opaque", b"y");
    // Another overlay xattr value that does not mean opaque.
    let _ = try_xattr(&plain, "trusted.overlay.impure", b"y");
    let xdir = t.dir("xw");
    let xfile = t.file("xw/gone.txt", b"");
    t.file("xw/kept.txt", b"k");
    assert!(try_xattr(&xdir, "trusted.overlay.opaque", b"x"));
    assert!(try_xattr(&xfile, "trusted.overlay.whiteout", b""));

    let tree = scan_ok(t.path()).tree;
    let w = tree.get("deleted.dll").unwrap();
    assert_eq!(
        (w.kind, w.whiteout, w.rdev, w.hash),
        (Kind::Other, true, Some(0), None)
    );
    assert_eq!(w.mode & libc::S_IFMT, libc::S_IFCHR);
    assert!(tree.get("replaced").unwrap().opaque);
    assert!(!tree.get("plain").unwrap().opaque);
    if fs::metadata(&user_opaque).is_ok()
        && super::super::sys::get_xattr(&user_opaque, "user.overlay.opaque")
            .unwrap()
            .is_some()
    {
        assert!(
            tree.get("user-replaced").unwrap().opaque,
            "userxattr mounts mark with user.overlay.*"
        );
    }
    let xw = tree.get("xw").unwrap();
    assert!(
        !xw.opaque,
        "\"x\" marks a directory holding xattr whiteouts, not an opaque one"
    );
    let g = tree.get("xw/gone.txt").unwrap();
    assert_eq!((g.kind, g.whiteout, g.hash), (Kind::File, true, None));
    assert!(!tree.get("xw/kept.txt").unwrap().whiteout);

    let json = String::from_utf8(tree.to_json()).unwrap();
    assert!(
        json.contains(r#""path":"deleted.dll","kind":"other""#)
            && json.contains(r#""whiteout":true"#)
    );
    assert!(json.contains(r#""opaque":true"#));

    let blind = scan_with(
        t.path(),
        &ScanOptions {
            overlay: false,
            ..Default::default()
        },
        None,
    )
    .unwrap()
    .tree;
    assert!(!blind.get("replaced").unwrap().opaque);
    assert!(
        blind.get("deleted.dll").unwrap().whiteout,
        "0:0 devices need no xattr"
    );
}

#[test]
fn walk_refuses_redirect_and_metacopy_layers() {
    let t = TempTree::new("redirect");
    let d = t.dir("renamed");
    if !try_xattr(&d, "trusted.overlay.redirect", b"/old") {
        return;
    }
    let err = scan_with(t.path(), &ScanOptions::default(), None)
        .err()
        .unwrap();
    assert_eq!(err.code(), "EUNSUPPORTED");
    assert!(err.to_string().contains("renamed"), "{err}");

    let t = TempTree::new("metacopy");
    let f = t.file("lib.dll", b"");
    // A metacopy upper file has the lower file's size and no data blocks.
    fs::File::options()
        .write(true)
        .open(&f)
        .unwrap()
        .set_len(1 << 20)
        .unwrap();
    assert!(try_xattr(&f, "trusted.overlay.metacopy", b""));
    let err = scan_with(t.path(), &ScanOptions::default(), None)
        .err()
        .unwrap();
    assert_eq!(err.code(), "EUNSUPPORTED");
    assert!(err.to_string().contains("lib.dll"), "{err}");
}

/// A lower layer and an upper layer written the way overlayfs writes them.
#[test]
fn walk_overlay_upper_classification() {
    let lower = TempTree::new("lower");
    lower.file("windows/system32/kernel32.dll", b"k32");
    lower.file("windows/system32/old.dll", b"old");
    lower.file("windows/win.ini", b"[windows]");
    lower.file("users/public/desktop.ini", b"d");
    lower.file("temp/junk/a.tmp", b"a");
    lower.file("temp/junk/b.tmp", b"b");
    lower.file("temp/keep.tmp", b"k");
    lower.file("cache/x/y", b"y");
    lower.file("cache/z", b"z");
    lower.file("same.txt", b"unchanged");

    let upper = TempTree::new("upper");
    if !upper.whiteout("windows/system32/old.dll") {
        eprintln!("mknod not permitted here: overlay classification skipped");
        return;
    }
    upper.file("windows/win.ini", b"[windows]\nchanged=1");
    upper.file("Program Files/App/app.exe", b"MZ app");
    assert!(
        upper.whiteout("temp/junk"),
        "whiting out a directory hides its subtree"
    );
    let cache = upper.dir("cache");
    upper.file("cache/z", b"z");
    if !try_xattr(&cache, "trusted.overlay.opaque", b"y") {
        return;
    }
    upper.file("users", b"a file where a directory was");
    upper.file("same.txt", b"unchanged"); // copied up, never modified

    let lo = scan_ok(lower.path()).tree;
    let up = scan_ok(upper.path()).tree;
    let d = diff_overlay_upper(&lo, &up);
    let added: Vec<&str> = d.added.iter().map(|e| e.path.as_str()).collect();
    let removed: Vec<&str> = d.removed.iter().map(|e| e.path.as_str()).collect();
    let changed: Vec<(&str, &[Reason])> = d
        .changed
        .iter()
        .map(|c| (c.path.as_str(), &c.reasons[..]))
        .collect();
    assert_eq!(
        added,
        [
            "Program Files",
            "Program Files/App",
            "Program Files/App/app.exe"
        ]
    );
    assert_eq!(
        removed,
        [
            "cache/x",
            "cache/x/y", // hidden by the opaque directory
            "temp/junk",
            "temp/junk/a.tmp",
            "temp/junk/b.tmp",
            "users/public",
            "users/public/desktop.ini", // hidden by the file "users"
            "windows/system32/old.dll",
        ]
    );
    assert_eq!(
        changed,
        [
            ("users", &[Reason::Kind][..]),
            ("windows/win.ini", &[Reason::Content][..])
        ]
    );
    let removed_dll = d
        .removed
        .iter()
        .find(|e| e.path.ends_with("old.dll"))
        .unwrap();
    assert_eq!(
        removed_dll.hash,
        Some(*blake3::hash(b"old").as_bytes()),
        "removed entries carry the lower hash"
    );
    assert!(d.removed.iter().chain(&d.added).all(|e| !e.whiteout));
}

/// The same classification, checked against the kernel: mount the overlay, change things
/// through it, then compare diff_overlay_upper(lower, upper) with diff(lower, merged view).
#[test]
fn walk_overlay_upper_agrees_with_a_real_overlay_mount() {
    let lower = TempTree::new("ovl-lower");
    lower.file("drive_c/windows/system32/a.dll", b"a");
    lower.file("drive_c/windows/system32/b.dll", b"b");
    lower.file("drive_c/windows/win.ini", b"[windows]");
    lower.file("drive_c/users/me/Temp/x.tmp", b"x");
    lower.file("drive_c/users/me/Temp/y.tmp", b"y");
    lower.file("drive_c/ProgramData/old/data.bin", b"old");
    lower.file("drive_c/chmod.me", b"mode");
    lower.symlink("dosdevices/c:", "../drive_c");
    let upper = TempTree::new("ovl-upper");
    let work = TempTree::new("ovl-work");
    let merged = TempTree::new("ovl-merged");
    let opts = format!(
        "lowerdir={},upperdir={},workdir={},redirect_dir=off,metacopy=off",
        lower.path().display(),
        upper.path().display(),
        work.path().display()
    );
    let mounted = Command::new("mount")
        .args(["-t", "overlay", "orbit-walk-test", "-o", &opts])
        .arg(merged.path())
        .status();
    if !mounted.is_ok_and(|s| s.success()) {
        eprintln!("cannot mount overlayfs here: real-mount case skipped");
        return;
    }
    let m = |rel: &str| merged.at(rel);
    let run = || -> std::io::Result<()> {
        fs::write(m("drive_c/windows/win.ini"), b"[windows]\nx=1")?;
        fs::remove_file(m("drive_c/windows/system32/b.dll"))?;
        fs::remove_dir_all(m("drive_c/users/me/Temp"))?;
        fs::create_dir(m("drive_c/users/me/Temp"))?; // re-created: opaque in the upper layer
        fs::write(m("drive_c/users/me/Temp/new.tmp"), b"n")?;
        fs::remove_dir_all(m("drive_c/ProgramData/old"))?;
        fs::write(m("drive_c/ProgramData/old"), b"now a file")?;
        fs::create_dir_all(m("drive_c/Program Files/App"))?;
        fs::write(m("drive_c/Program Files/App/app.exe"), b"MZ")?;
        fs::set_permissions(m("drive_c/chmod.me"), fs::Permissions::from_mode(0o700))?;
        fs::remove_file(m("dosdevices/c:"))?;
        std::os::unix::fs::symlink("../drive_c/windows", m("dosdevices/c:"))?;
        // Opened for writing and left as is: copied up but unchanged.
        fs::File::options()
            .append(true)
            .open(m("drive_c/windows/system32/a.dll"))?;
        Ok(())
    };
    let changes = run();
    let merged_scan = scan_with(merged.path(), &ScanOptions::default(), None);
    let _ = Command::new("umount").arg(merged.path()).status();
    changes.unwrap();

    let lo = scan_ok(lower.path()).tree;
    let up = scan_ok(upper.path()).tree;
    assert!(
        up.entries().iter().any(|e| e.whiteout),
        "the kernel wrote whiteouts"
    );
    assert!(
        up.get("drive_c/users/me/Temp").unwrap().opaque,
        "the kernel marked the re-created dir opaque"
    );
    let from_layers = diff_overlay_upper(&lo, &up);
    let from_kernel = diff(&lo, &merged_scan.unwrap().tree);

    let summary = |d: &TreeDiff| {
        let a: Vec<_> = d
            .added
            .iter()
            .map(|e| (e.path.clone(), e.kind, e.hash))
            .collect();
        let c: Vec<_> = d
            .changed
            .iter()
            .map(|c| (c.path.clone(), c.reasons.clone(), c.after.hash))
            .collect();
        let r: Vec<_> = d
            .removed
            .iter()
            .map(|e| (e.path.clone(), e.kind, e.hash))
            .collect();
        (a, c, r)
    };
    assert_eq!(summary(&from_layers), summary(&from_kernel));
    let (added, changed, removed) = summary(&from_layers);
    let names = |v: Vec<String>| v.join(" ");
    assert_eq!(
        names(added.into_iter().map(|x| x.0).collect()),
        "drive_c/Program Files drive_c/Program Files/App drive_c/Program Files/App/app.exe drive_c/users/me/Temp/new.tmp"
    );
    assert_eq!(
        names(changed.into_iter().map(|x| x.0).collect()),
        "dosdevices/c: drive_c/ProgramData/old drive_c/chmod.me drive_c/windows/win.ini"
    );
    assert_eq!(
        names(removed.into_iter().map(|x| x.0).collect()),
        "drive_c/ProgramData/old/data.bin drive_c/users/me/Temp/x.tmp drive_c/users/me/Temp/y.tmp drive_c/windows/system32/b.dll"
    );
}
