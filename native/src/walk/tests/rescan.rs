//! The stat-only fast path: what a rescan trusts and what it reads again.

use std::fs::{self, File, FileTimes};
use std::time::{Duration, SystemTime};

use super::super::{ScanOptions, Timestamp, Tree, TreeIndex};
use super::{pattern, scan_ok, scan_with, TempTree};

fn fifty_files(t: &TempTree) {
    for i in 0..50 {
        t.file(
            &format!("d{}/f{i}.bin", i % 5),
            &pattern(1000 + i * 37, i as u8),
        );
    }
}

fn set_mtime(path: &std::path::Path, to: SystemTime) {
    let f = File::options().write(true).open(path).unwrap();
    f.set_times(FileTimes::new().set_modified(to)).unwrap();
}

#[test]
fn walk_rescan_of_unchanged_tree_reads_no_file() {
    let t = TempTree::new("rescan");
    fifty_files(&t);
    let first = scan_ok(t.path());
    assert_eq!((first.last.files_hashed, first.last.files_reused), (50, 0));

    let prev = TreeIndex::new(first.tree.clone());
    let again = scan_with(t.path(), &ScanOptions::default(), Some(&prev)).unwrap();
    assert_eq!(again.last.files_hashed, 0, "stat-only: nothing read");
    assert_eq!(again.last.bytes_hashed, 0);
    assert_eq!(again.last.files_reused, 50);
    assert_eq!(again.last.total_bytes, Some(0));
    assert_eq!(again.tree, first.tree);

    // The manifest itself, loaded back from JSON, serves as the stat cache.
    let loaded = TreeIndex::new(Tree::from_json(&first.tree.to_json()).unwrap());
    let third = scan_with(t.path(), &ScanOptions::default(), Some(&loaded)).unwrap();
    assert_eq!((third.last.files_hashed, third.last.files_reused), (0, 50));
}

#[test]
fn walk_rescan_rehashes_same_size_file_with_new_mtime() {
    let t = TempTree::new("mtime");
    fifty_files(&t);
    let first = scan_ok(t.path()).tree;
    let target = t.at("d3/f8.bin");
    let old = fs::read(&target).unwrap();
    let new = pattern(old.len(), 200);
    assert_ne!(old, new);
    fs::write(&target, &new).unwrap();
    set_mtime(&target, SystemTime::now() + Duration::from_secs(5));

    let prev = TreeIndex::new(first.clone());
    let s = scan_with(t.path(), &ScanOptions::default(), Some(&prev)).unwrap();
    assert_eq!((s.last.files_hashed, s.last.files_reused), (1, 49));
    assert_eq!(s.last.bytes_hashed, new.len() as u64);
    let e = s.tree.get("d3/f8.bin").unwrap();
    assert_eq!(e.size, first.get("d3/f8.bin").unwrap().size, "same size");
    assert_eq!(e.hash, Some(*blake3::hash(&new).as_bytes()));
}

/// An in-place rewrite that keeps the size and restores the old mtime. With size+mtime+inode
/// alone this would go unnoticed; the key also holds ctime, which no program can set back, so
/// the file is read again. (What stays undetected: all five equal, see statcache.rs.)
#[test]
fn walk_rescan_catches_rewrite_that_restores_mtime() {
    let t = TempTree::new("ctime");
    fifty_files(&t);
    let target = t.at("d1/f1.bin");
    let before = fs::metadata(&target).unwrap();
    let first = scan_ok(t.path()).tree;
    std::thread::sleep(Duration::from_millis(20));
    let new = pattern(before.len() as usize, 99);
    fs::write(&target, &new).unwrap();
    set_mtime(&target, before.modified().unwrap());
    let e_then = first.get("d1/f1.bin").unwrap();
    let after = scan_ok(t.path()).tree;
    let e_now = after.get("d1/f1.bin").unwrap();
    assert_eq!(
        (e_now.size, e_now.mtime, e_now.ino),
        (e_then.size, e_then.mtime, e_then.ino)
    );
    assert_ne!(e_now.ctime, e_then.ctime);

    let prev = TreeIndex::new(first);
    let s = scan_with(t.path(), &ScanOptions::default(), Some(&prev)).unwrap();
    assert_eq!(s.last.files_hashed, 1);
    assert_eq!(
        s.tree.get("d1/f1.bin").unwrap().hash,
        Some(*blake3::hash(&new).as_bytes())
    );
}

#[test]
fn walk_rescan_rehashes_a_file_replaced_by_another_inode() {
    let t = TempTree::new("inode");
    fifty_files(&t);
    let first = scan_ok(t.path()).tree;
    let target = t.at("d0/f0.bin");
    let meta = fs::metadata(&target).unwrap();
    let new = pattern(meta.len() as usize, 77);
    let tmp = t.file("d0/.tmp", &new);
    set_mtime(&tmp, meta.modified().unwrap());
    fs::rename(&tmp, &target).unwrap();

    let s = scan_with(
        t.path(),
        &ScanOptions::default(),
        Some(&TreeIndex::new(first)),
    )
    .unwrap();
    assert_eq!(s.last.files_hashed, 1);
    assert_eq!(
        s.tree.get("d0/f0.bin").unwrap().hash,
        Some(*blake3::hash(&new).as_bytes())
    );
}

#[test]
fn walk_rescan_trusts_only_entries_older_than_trust_before() {
    let t = TempTree::new("trust");
    fifty_files(&t);
    let first = scan_ok(t.path()).tree;
    let long_ago = Timestamp { secs: 1, nsec: 0 };
    let later = Timestamp {
        secs: Timestamp::now().secs + 3600,
        nsec: 0,
    };
    let distrust = TreeIndex::new(first.clone()).trust_before(long_ago);
    let s = scan_with(t.path(), &ScanOptions::default(), Some(&distrust)).unwrap();
    assert_eq!((s.last.files_hashed, s.last.files_reused), (50, 0));
    let trust = TreeIndex::new(first).trust_before(later);
    let s = scan_with(t.path(), &ScanOptions::default(), Some(&trust)).unwrap();
    assert_eq!((s.last.files_hashed, s.last.files_reused), (0, 50));
}

#[test]
fn walk_progress_is_rate_limited_and_ends_with_done() {
    let t = TempTree::new("progress");
    for i in 0..3000 {
        t.file(&format!("p{}/f{i}", i % 30), b"x");
    }
    let quiet = ScanOptions {
        progress_interval: Duration::from_secs(3600),
        ..Default::default()
    };
    let s = scan_with(t.path(), &quiet, None).unwrap();
    let phases: Vec<_> = s.reports.iter().map(|p| p.phase).collect();
    use super::super::Phase::*;
    assert_eq!(
        phases,
        [Hash, Done],
        "one report when hashing starts, one at the end"
    );
    assert_eq!(s.reports[0].total_bytes, Some(3000));
    assert_eq!(s.reports[0].files_to_hash, 3000);
    assert_eq!(
        (s.last.entries_seen, s.last.files_seen, s.last.files_hashed),
        (3030, 3000, 3000)
    );

    let chatty = ScanOptions {
        progress_interval: Duration::ZERO,
        ..Default::default()
    };
    let s = scan_with(t.path(), &chatty, None).unwrap();
    assert!(
        s.reports.len() < 3000 / 10,
        "bounded even when asked for every event: {}",
        s.reports.len()
    );
    let mut last_phase = Walk;
    for p in &s.reports {
        assert!(p.phase as u8 >= last_phase as u8, "phases never go back");
        last_phase = p.phase;
    }
    assert_eq!(last_phase, Done);
}
