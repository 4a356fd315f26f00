use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64};

use super::super::hash::{hash_expected, Expected, BUF_SIZE};
use super::super::{hash_file, Kind, ScanOptions, Timestamp, Tree};
use super::{paths, pattern, scan_ok, scan_with, TempTree};

#[test]
fn walk_records_every_kind_with_blake3_and_never_follows_symlinks() {
    let t = TempTree::new("kinds");
    let outside = TempTree::new("outside");
    outside.file("secret/key", b"not yours");
    let big = pattern(1024 * 1024 + 7, 3);
    t.file("a.txt", b"hello");
    t.file("empty", b"");
    t.file("big.bin", &big);
    t.file("dir/sub/deep.txt", b"deep");
    t.dir("emptydir");
    t.symlink("link-rel", "a.txt");
    t.symlink("link-out", outside.at("secret/key"));
    t.symlink("link-dir-out", outside.at("secret"));
    t.symlink("dangling", "/nonexistent/orbit");
    fs::set_permissions(t.at("a.txt"), fs::Permissions::from_mode(0o751)).unwrap();
    let has_fifo = t.fifo("pipe");

    let s = scan_ok(t.path());
    let tree = &s.tree;
    let mut expected = vec![
        "a.txt",
        "big.bin",
        "dangling",
        "dir",
        "dir/sub",
        "dir/sub/deep.txt",
        "empty",
        "emptydir",
        "link-dir-out",
        "link-out",
        "link-rel",
    ];
    if has_fifo {
        expected.push("pipe");
    }
    expected.sort();
    assert_eq!(
        paths(tree),
        expected,
        "exactly the tree, nothing through the symlinks"
    );

    for (path, content) in [
        ("a.txt", &b"hello"[..]),
        ("empty", b""),
        ("big.bin", &big),
        ("dir/sub/deep.txt", b"deep"),
    ] {
        let e = tree.get(path).unwrap();
        assert_eq!(e.kind, Kind::File);
        assert_eq!(e.size, content.len() as u64, "{path}");
        assert_eq!(e.hash, Some(*blake3::hash(content).as_bytes()), "{path}");
        assert!(!e.whiteout && !e.opaque);
    }
    assert_eq!(tree.get("a.txt").unwrap().mode & 0o7777, 0o751);
    assert_eq!(
        tree.get("a.txt").unwrap().mode & libc::S_IFMT,
        libc::S_IFREG
    );

    let link = tree.get("link-out").unwrap();
    assert_eq!(link.kind, Kind::Symlink);
    assert_eq!(
        link.link_target.as_deref(),
        Some(outside.at("secret/key").to_str().unwrap())
    );
    assert_eq!(link.hash, None);
    assert_eq!(
        link.size,
        outside.at("secret/key").to_str().unwrap().len() as u64
    );
    assert_eq!(
        tree.get("link-rel").unwrap().link_target.as_deref(),
        Some("a.txt")
    );
    assert_eq!(
        tree.get("dangling").unwrap().link_target.as_deref(),
        Some("/nonexistent/orbit")
    );

    for dir in ["dir", "dir/sub", "emptydir"] {
        let e = tree.get(dir).unwrap();
        assert_eq!((e.kind, e.size, e.hash), (Kind::Dir, 0, None), "{dir}");
    }
    if has_fifo {
        let fifo = tree.get("pipe").unwrap();
        assert_eq!(
            (fifo.kind, fifo.hash, fifo.whiteout),
            (Kind::Other, None, false)
        );
        assert_eq!(fifo.mode & libc::S_IFMT, libc::S_IFIFO);
    } else {
        eprintln!("mkfifo not permitted here: fifo case skipped");
    }
    assert_eq!(s.last.files_seen, 4);
    assert_eq!(s.last.files_hashed, 4);
    assert_eq!(s.last.bytes_hashed, 5 + big.len() as u64 + 4);
}

#[test]
fn walk_order_is_path_bytes_and_json_is_deterministic() {
    let t = TempTree::new("order");
    for name in ["a/b", "a-c", "B", "é", "a/b0", "a.x"] {
        t.file(name, name.as_bytes());
    }
    let first = scan_ok(t.path()).tree;
    assert_eq!(paths(&first), ["B", "a", "a-c", "a.x", "a/b", "a/b0", "é"]);
    let second = scan_ok(t.path()).tree;
    assert_eq!(
        first.to_json(),
        second.to_json(),
        "two scans of one tree serialize identically"
    );

    let json = first.to_json();
    assert_eq!(Tree::from_json(&json).unwrap(), first, "JSON round trip");
    let value: serde_json::Value = serde_json::from_slice(&json).unwrap();
    assert_eq!(value["version"], 1);
    let e = &value["entries"][0];
    assert_eq!(e["path"], "B");
    assert_eq!(e["kind"], "file");
    assert_eq!(e["hash"], blake3::hash(b"B").to_hex().as_str());
    assert!(
        e["mtime"].as_array().is_some_and(|a| a.len() == 2),
        "mtime is [secs, nsec]"
    );
    assert!(
        e.get("linkTarget").is_none() && e.get("whiteout").is_none(),
        "absent fields are omitted"
    );
    assert!(!String::from_utf8(json).unwrap().contains('\n'), "compact");
}

#[test]
fn walk_manifest_loader_rejects_bad_input() {
    let entry = r#"{"path":"PATH","kind":"file","mode":33188,"size":0,"mtime":[0,0],"ctime":[0,0],"ino":1,"dev":1,"nlink":1}"#;
    let doc = |paths: &[&str], version: u32| {
        let list: Vec<String> = paths.iter().map(|p| entry.replace("PATH", p)).collect();
        format!(r#"{{"version":{version},"entries":[{}]}}"#, list.join(","))
    };
    assert!(
        Tree::from_json(doc(&["b", "a"], 1).as_bytes()).is_ok(),
        "any order is sorted on load"
    );
    for bad in [
        doc(&["../x"], 1),
        doc(&["/etc/x"], 1),
        doc(&["a//b"], 1),
        doc(&["a", "a"], 1),
        doc(&["a"], 2),
    ] {
        let err = Tree::from_json(bad.as_bytes()).unwrap_err();
        assert_eq!(err.code(), "EINVAL", "{bad}");
    }
    let bad_hash = doc(&["a"], 1).replace(r#""nlink":1"#, r#""nlink":1,"hash":"abc""#);
    assert_eq!(
        Tree::from_json(bad_hash.as_bytes()).unwrap_err().code(),
        "EINVAL"
    );
    assert_eq!(Tree::from_json(b"{").unwrap_err().code(), "EINVAL");
}

#[test]
fn walk_exclusions_skip_whole_components_only() {
    let t = TempTree::new("exclude");
    t.file("skip/inner.txt", b"x");
    t.file("a/b/c.txt", b"x");
    t.file("a/bc.txt", b"x");
    t.file("keep.txt", b"x");
    let opts = ScanOptions {
        exclude: vec!["skip".into(), "a/b".into()],
        ..Default::default()
    };
    let tree = scan_with(t.path(), &opts, None).unwrap().tree;
    assert_eq!(paths(&tree), ["a", "a/bc.txt", "keep.txt"]);

    for bad in ["../x", "/abs", "", "a/./b"] {
        let opts = ScanOptions {
            exclude: vec![bad.into()],
            ..Default::default()
        };
        assert_eq!(
            scan_with(t.path(), &opts, None).err().unwrap().code(),
            "EINVAL",
            "{bad:?}"
        );
    }
}

#[test]
fn walk_refuses_non_utf8_names_and_targets() {
    let t = TempTree::new("badname");
    t.file("sub/ok.txt", b"x");
    fs::write(t.at("sub").join(OsStr::from_bytes(b"bad\xffname")), b"x").unwrap();
    let err = scan_with(t.path(), &ScanOptions::default(), None)
        .err()
        .unwrap();
    assert_eq!(err.code(), "EBADNAME");
    let msg = err.to_string();
    assert!(
        msg.contains(t.at("sub").to_str().unwrap()) && msg.contains("bad\u{fffd}name"),
        "{msg}"
    );

    let t2 = TempTree::new("badtarget");
    std::os::unix::fs::symlink(OsStr::from_bytes(b"to\xfe"), t2.at("link")).unwrap();
    let err = scan_with(t2.path(), &ScanOptions::default(), None)
        .err()
        .unwrap();
    assert_eq!(err.code(), "EBADNAME");
    assert!(err.to_string().contains("link"), "{err}");
}

#[test]
fn walk_root_errors_name_the_path() {
    let t = TempTree::new("roots");
    let missing = t.at("missing");
    let err = scan_with(&missing, &ScanOptions::default(), None)
        .err()
        .unwrap();
    assert_eq!(err.code(), "ENOENT");
    assert!(err.to_string().contains(missing.to_str().unwrap()), "{err}");

    let file = t.file("plain", b"x");
    let err = scan_with(&file, &ScanOptions::default(), None)
        .err()
        .unwrap();
    assert_eq!(err.code(), "EINVAL");
    assert!(err.to_string().contains(file.to_str().unwrap()), "{err}");

    t.dir("real");
    let link = t.symlink("link-to-dir", t.at("real"));
    let err = scan_with(&link, &ScanOptions::default(), None)
        .err()
        .unwrap();
    assert_eq!(
        err.code(),
        "EINVAL",
        "a symlinked root is not followed either"
    );
}

#[test]
fn walk_hash_file_matches_blake3_and_refuses_non_files() {
    let t = TempTree::new("hashfile");
    let data = pattern(3 * BUF_SIZE + 11, 9);
    let p = t.file("f", &data);
    assert_eq!(
        hash_file(&p).unwrap(),
        (*blake3::hash(&data).as_bytes(), data.len() as u64)
    );
    let empty = t.file("e", b"");
    assert_eq!(
        hash_file(&empty).unwrap(),
        (*blake3::hash(b"").as_bytes(), 0)
    );
    assert_eq!(hash_file(&t.at("nope")).unwrap_err().code(), "ENOENT");
    assert_eq!(
        hash_file(t.path()).unwrap_err().code(),
        "EINVAL",
        "a directory is not a file"
    );
    if t.fifo("pipe") {
        // Opened non-blocking and refused after fstat: this must not hang.
        let err = hash_file(&t.at("pipe")).unwrap_err();
        assert_eq!(err.code(), "EINVAL");
        assert!(err.to_string().contains("pipe"), "{err}");
    }
}

#[test]
fn walk_hash_refuses_a_file_changed_since_its_stat() {
    let t = TempTree::new("changed");
    let p = t.file("f", b"0123456789");
    let meta = fs::metadata(&p).unwrap();
    let right = Expected {
        dev: meta.dev(),
        ino: meta.ino(),
        size: meta.size(),
        mtime: Timestamp {
            secs: meta.mtime(),
            nsec: meta.mtime_nsec() as u32,
        },
    };
    let mut buf = vec![0u8; BUF_SIZE];
    let (cancel, bytes) = (AtomicBool::new(false), AtomicU64::new(0));
    let ok = hash_expected(&p, &right, &mut buf, &cancel, &bytes).unwrap();
    assert_eq!(ok, *blake3::hash(b"0123456789").as_bytes());

    let cases = [
        Expected {
            ino: right.ino + 1,
            ..right
        },
        Expected { size: 11, ..right },
        Expected {
            mtime: Timestamp {
                secs: right.mtime.secs - 10,
                ..right.mtime
            },
            ..right
        },
    ];
    for wrong in cases {
        let err = hash_expected(&p, &wrong, &mut buf, &cancel, &bytes).unwrap_err();
        assert_eq!(err.code(), "ECHANGED");
        assert!(err.to_string().contains(p.to_str().unwrap()), "{err}");
    }
    fs::remove_file(&p).unwrap();
    std::os::unix::fs::symlink("/etc/hostname", &p).unwrap();
    let err = hash_expected(&p, &right, &mut buf, &cancel, &bytes).unwrap_err();
    assert_eq!(
        err.code(),
        "ECHANGED",
        "a symlink swapped in is never followed"
    );
}

#[test]
fn walk_hard_links_are_hashed_once() {
    let t = TempTree::new("links");
    let data = pattern(100_000, 1);
    t.file("one", &data);
    fs::hard_link(t.at("one"), t.at("two")).unwrap();
    t.file("other", b"x");
    let s = scan_ok(t.path());
    assert_eq!(s.last.files_seen, 3);
    assert_eq!(s.last.files_hashed, 2);
    assert_eq!(s.last.bytes_hashed, data.len() as u64 + 1);
    let want = Some(*blake3::hash(&data).as_bytes());
    assert_eq!(s.tree.get("one").unwrap().hash, want);
    assert_eq!(s.tree.get("two").unwrap().hash, want);
    assert_eq!(s.tree.get("two").unwrap().nlink, 2);
}

/// A tmpfs mounted inside the tree: its mount point is recorded, its contents only on request.
#[test]
fn walk_stays_on_one_filesystem_unless_asked() {
    let t = TempTree::new("xdev");
    t.file("top.txt", b"x");
    let mnt = t.dir("mnt");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "orbit-walk-test"])
        .arg(&mnt)
        .status();
    if !mounted.is_ok_and(|s| s.success()) {
        eprintln!("cannot mount tmpfs here: cross-filesystem case skipped");
        return;
    }
    fs::write(mnt.join("inside.txt"), b"other fs").unwrap();
    let one = scan_with(t.path(), &ScanOptions::default(), None);
    let all = scan_with(
        t.path(),
        &ScanOptions {
            cross_filesystems: true,
            ..Default::default()
        },
        None,
    );
    let _ = Command::new("umount").arg(&mnt).status();
    assert_eq!(paths(&one.unwrap().tree), ["mnt", "top.txt"]);
    assert_eq!(
        paths(&all.unwrap().tree),
        ["mnt", "mnt/inside.txt", "top.txt"]
    );
}
