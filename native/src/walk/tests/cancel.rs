use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use super::super::{scan, Phase, ScanOptions};
use super::{pattern, TempTree};

fn tree_with_work() -> TempTree {
    let t = TempTree::new("cancel");
    for i in 0..200 {
        t.file(&format!("c{}/f{i}", i % 4), &pattern(50_000, i as u8));
    }
    t
}

#[test]
fn walk_cancel_before_start_is_ecanceled() {
    let t = tree_with_work();
    let cancel = AtomicBool::new(true);
    let err = scan(t.path(), &ScanOptions::default(), None, &|_| {}, &cancel).unwrap_err();
    assert_eq!(err.code(), "ECANCELED");
}

#[test]
fn walk_cancel_during_hashing_stops_the_scan() {
    let t = tree_with_work();
    let cancel = AtomicBool::new(false);
    let reached_done = AtomicBool::new(false);
    let on_progress = |p: super::super::Progress| {
        if p.phase == Phase::Hash {
            cancel.store(true, Ordering::Relaxed);
        }
        if p.phase == Phase::Done {
            reached_done.store(true, Ordering::Relaxed);
        }
    };
    let err = scan(
        t.path(),
        &ScanOptions::default(),
        None,
        &on_progress,
        &cancel,
    )
    .unwrap_err();
    assert_eq!(err.code(), "ECANCELED");
    assert!(!reached_done.load(Ordering::Relaxed));
}

#[test]
fn walk_cancel_mid_file_stops_reading() {
    let t = TempTree::new("cancel-big");
    // A sparse 256 MiB file: no disk writes, yet far more hashing than one 10 ms progress tick.
    let big = t.file("big.img", b"");
    std::fs::File::options()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(256 << 20)
        .unwrap();
    let cancel = AtomicBool::new(false);
    let seen = std::sync::atomic::AtomicU64::new(0);
    let on_progress = |p: super::super::Progress| {
        if p.phase == Phase::Hash && p.bytes_hashed > 0 {
            seen.store(p.bytes_hashed, Ordering::Relaxed);
            cancel.store(true, Ordering::Relaxed);
        }
    };
    let opts = ScanOptions {
        progress_interval: Duration::from_millis(10),
        ..Default::default()
    };
    let err = scan(t.path(), &opts, None, &on_progress, &cancel).unwrap_err();
    assert_eq!(err.code(), "ECANCELED");
    let seen = seen.load(Ordering::Relaxed);
    assert!(
        seen > 0 && seen < 256 << 20,
        "canceled part way through the file ({seen} bytes)"
    );
}

/// The read loop itself honours the flag: raised once the first bytes are in, the hash of a
/// sparse 1 GiB file stops after a few buffers instead of reading it all.
#[test]
fn walk_cancel_is_checked_between_buffers() {
    use std::os::unix::fs::MetadataExt;

    use super::super::entry::Timestamp;
    use super::super::hash::{hash_expected, Expected, BUF_SIZE};

    let t = TempTree::new("cancel-read");
    let big = t.file("huge.img", b"");
    std::fs::File::options()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(1 << 30)
        .unwrap();
    let meta = std::fs::metadata(&big).unwrap();
    let expected = Expected {
        dev: meta.dev(),
        ino: meta.ino(),
        size: meta.size(),
        mtime: Timestamp {
            secs: meta.mtime(),
            nsec: meta.mtime_nsec() as u32,
        },
    };
    let cancel = AtomicBool::new(false);
    let bytes = std::sync::atomic::AtomicU64::new(0);
    let mut buf = vec![0u8; BUF_SIZE];
    let result = std::thread::scope(|s| {
        s.spawn(|| {
            while bytes.load(Ordering::Relaxed) == 0 {
                std::hint::spin_loop();
            }
            cancel.store(true, Ordering::Relaxed);
        });
        hash_expected(&big, &expected, &mut buf, &cancel, &bytes)
    });
    assert_eq!(result.unwrap_err().code(), "ECANCELED");
    let read = bytes.load(Ordering::Relaxed);
    assert!(
        read < 1 << 30,
        "stopped after {read} of {} bytes",
        1u64 << 30
    );
}
