use std::fs::{self, File, FileTimes};
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, SystemTime};

use super::super::{diff, Kind, Reason, ScanOptions, Tree};
use super::{paths, scan_ok, scan_with, TempTree};

fn base(t: &TempTree) {
    t.file("keep.txt", b"same");
    t.file("edit.txt", b"old content");
    t.file("chmod.sh", b"#!/bin/sh");
    t.file("touch.txt", b"only the time moves");
    t.file("gone/a.txt", b"a");
    t.file("gone/deep/b.txt", b"b");
    t.symlink("link", "keep.txt");
    t.file("shape", b"a file that becomes a directory");
}

fn added_paths(d: &super::super::TreeDiff) -> Vec<&str> {
    d.added.iter().map(|e| e.path.as_str()).collect()
}

fn removed_paths(d: &super::super::TreeDiff) -> Vec<&str> {
    d.removed.iter().map(|e| e.path.as_str()).collect()
}

#[test]
fn walk_diff_classifies_added_changed_removed() {
    let t = TempTree::new("diff");
    base(&t);
    let before = scan_ok(t.path()).tree;

    fs::write(t.at("edit.txt"), b"new content!").unwrap();
    fs::set_permissions(t.at("chmod.sh"), fs::Permissions::from_mode(0o755)).unwrap();
    let later = SystemTime::now() + Duration::from_secs(60);
    File::options()
        .write(true)
        .open(t.at("touch.txt"))
        .unwrap()
        .set_times(FileTimes::new().set_modified(later))
        .unwrap();
    fs::remove_dir_all(t.at("gone")).unwrap();
    t.file("new/dir/app.exe", b"MZ");
    fs::remove_file(t.at("link")).unwrap();
    t.symlink("link", "edit.txt");
    fs::remove_file(t.at("shape")).unwrap();
    t.file("shape/inner", b"x");
    let after = scan_ok(t.path()).tree;

    let d = diff(&before, &after);
    assert_eq!(
        added_paths(&d),
        ["new", "new/dir", "new/dir/app.exe", "shape/inner"]
    );
    assert_eq!(
        removed_paths(&d),
        ["gone", "gone/a.txt", "gone/deep", "gone/deep/b.txt"]
    );
    let changed: Vec<(&str, &[Reason])> = d
        .changed
        .iter()
        .map(|c| (c.path.as_str(), &c.reasons[..]))
        .collect();
    assert_eq!(
        changed,
        [
            ("chmod.sh", &[Reason::Mode][..]),
            ("edit.txt", &[Reason::Content][..]),
            ("link", &[Reason::LinkTarget][..]),
            ("shape", &[Reason::Kind][..]),
        ]
    );
    // Directories are in the lists, told apart by their kind.
    assert_eq!(d.added[0].kind, Kind::Dir);
    assert_eq!(d.removed[0].kind, Kind::Dir);
    let app = &d.added[2];
    assert_eq!(
        (app.size, app.hash),
        (2, Some(*blake3::hash(b"MZ").as_bytes()))
    );
    let edit = &d.changed[1];
    assert_eq!(
        edit.before.hash,
        Some(*blake3::hash(b"old content").as_bytes())
    );
    assert_eq!(
        edit.after.hash,
        Some(*blake3::hash(b"new content!").as_bytes())
    );

    assert!(diff(&after, &after).is_empty());
    let back = diff(&after, &before);
    assert_eq!(added_paths(&back), removed_paths(&d), "diff is symmetric");

    let json = serde_json::to_value(&d).unwrap();
    assert_eq!(json["changed"][0]["reasons"][0], "mode");
    assert_eq!(json["changed"][2]["reasons"][0], "linkTarget");
    assert_eq!(json["removed"][0]["kind"], "dir");
}

#[test]
fn walk_diff_without_hashes_falls_back_to_size_and_mtime() {
    let t = TempTree::new("nohash");
    t.file("a", b"1234");
    t.file("b", b"1234");
    let opts = ScanOptions {
        hash: false,
        ..Default::default()
    };
    let before = scan_with(t.path(), &opts, None).unwrap();
    assert_eq!(before.last.files_hashed, 0);
    assert!(before.tree.entries().iter().all(|e| e.hash.is_none()));
    fs::write(t.at("a"), b"12345").unwrap();
    let after = scan_with(t.path(), &opts, None).unwrap().tree;
    let d = diff(&before.tree, &after);
    assert_eq!(d.changed.len(), 1);
    assert_eq!(
        (d.changed[0].path.as_str(), &d.changed[0].reasons[..]),
        ("a", &[Reason::Content][..])
    );
}

#[test]
fn walk_diff_of_empty_trees() {
    let t = TempTree::new("emptydiff");
    t.file("x/y", b"1");
    let full = scan_ok(t.path()).tree;
    let empty = Tree::default();
    assert_eq!(paths(&full), ["x", "x/y"]);
    assert_eq!(added_paths(&diff(&empty, &full)), ["x", "x/y"]);
    assert_eq!(removed_paths(&diff(&full, &empty)), ["x", "x/y"]);
    assert!(diff(&empty, &empty).is_empty());
}
