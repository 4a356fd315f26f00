//! Timings, printed and never asserted (shared, noisy machines). Run with
//! `cargo test --release walk::tests::perf -- --nocapture` (add `--ignored` for the 200 MB bench).

use std::process::Command;
use std::time::Instant;

use super::super::{hash_file, ScanOptions, TreeIndex};
use super::{pattern, scan_with, TempTree};

/// `files` files in 100 directories; sizes cycle so the total is about `files * avg` bytes.
fn build(t: &TempTree, files: usize, avg: usize) -> u64 {
    let mut total = 0u64;
    for i in 0..files {
        let len = avg / 2 + (i * 7919) % avg;
        t.file(
            &format!("dir{:02}/sub{}/file{i:05}.bin", i % 100, i % 7),
            &pattern(len, i as u8),
        );
        total += len as u64;
    }
    total
}

fn ms(since: Instant) -> f64 {
    since.elapsed().as_secs_f64() * 1000.0
}

/// First scan, then a stat-only rescan (best of three, the machine is shared); returns
/// (first ms, rescan ms).
fn first_and_rescan(t: &TempTree, files: usize) -> (f64, f64) {
    let start = Instant::now();
    let first = scan_with(t.path(), &ScanOptions::default(), None).unwrap();
    let first_ms = ms(start);
    assert_eq!(first.last.files_hashed, files as u64);
    let prev = TreeIndex::new(first.tree);
    let mut rescan_ms = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let again = scan_with(t.path(), &ScanOptions::default(), Some(&prev)).unwrap();
        rescan_ms = rescan_ms.min(ms(start));
        assert_eq!(
            (again.last.files_hashed, again.last.files_reused),
            (0, files as u64)
        );
    }
    (first_ms, rescan_ms)
}

/// Best of three runs of a shell pipeline, in ms (None when it fails, e.g. a missing tool).
fn shell_ms(script: &str) -> Option<f64> {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let ok = Command::new("sh")
            .arg("-c")
            .arg(script)
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            return None;
        }
        best = best.min(ms(start));
    }
    Some(best)
}

#[test]
fn walk_perf_10k_small_files() {
    let t = TempTree::new("perf10k");
    let bytes = build(&t, 10_000, 2048);
    let (first, rescan) = first_and_rescan(&t, 10_000);
    println!(
        "walk perf: 10000 files / {:.1} MB: first scan {first:.0} ms, rescan {rescan:.0} ms ({:.1}% of first)",
        bytes as f64 / 1e6,
        100.0 * rescan / first
    );
    if let Some(find) = shell_ms(&format!(
        "find '{}' -printf '%s %T@ %C@ %i\\n' > /dev/null",
        t.path().display()
    )) {
        println!("walk perf: find -printf over the same tree (stat baseline) {find:.0} ms");
    }
}

#[test]
#[ignore = "benchmark: writes ~200 MB; run explicitly with --ignored --nocapture"]
fn walk_bench_10k_files_200mb() {
    let t = TempTree::new("bench200");
    let bytes = build(&t, 10_000, 20_000);
    let mb = bytes as f64 / 1e6;
    let (first, rescan) = first_and_rescan(&t, 10_000);

    // The same bytes hashed one file after another on one thread, for the parallel speed-up.
    let files: Vec<_> = walkdir::WalkDir::new(t.path())
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file())
        .map(|e| e.into_path())
        .collect();
    let start = Instant::now();
    for f in &files {
        hash_file(f).unwrap();
    }
    let serial = ms(start);

    println!("walk bench: 10000 files / {mb:.0} MB (page cache warm)");
    println!(
        "  first scan  {first:>8.0} ms  {:>7.0} MB/s",
        mb / first * 1000.0
    );
    println!(
        "  rescan      {rescan:>8.1} ms  ({:.2}% of first, stat only)",
        100.0 * rescan / first
    );
    println!(
        "  serial hash {serial:>8.0} ms  (one thread, no walk; parallel speed-up {:.2}x)",
        serial / first
    );
    let root = t.path().display();
    if let Some(find) = shell_ms(&format!(
        "find '{root}' -printf '%s %T@ %C@ %i\\n' > /dev/null"
    )) {
        println!("  find -printf (stat baseline) {find:>6.1} ms");
    }
    if let Some(tar) = shell_ms(&format!(
        "tar -C '{root}' -cf - . | zstd -1 -T0 -q -c > /dev/null"
    )) {
        println!("  tar | zstd -1 -T0 baseline   {tar:>6.0} ms");
    }
}
