//! Store tests over real temp dirs: round trips, dedupe, verification, atomic writes under
//! concurrent readers, chunked hives, and the store lock.

use std::fs;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::container::files::{random_hex, remove_tree};

struct Temp(PathBuf);

impl Temp {
    fn new(tag: &str) -> Temp {
        let p = std::env::temp_dir().join(format!("orbit-store-{tag}-{}", random_hex(4)));
        fs::create_dir_all(&p).unwrap();
        Temp(p)
    }
    fn store(&self) -> Store {
        Store::at(self.0.join("store")).unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = remove_tree(&self.0);
    }
}

fn never() -> AtomicBool {
    AtomicBool::new(false)
}

fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
    let mut s = seed | 1;
    (0..n)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            s as u8
        })
        .collect()
}

/// A plausible Wine hive of about `keys` * 60 bytes.
fn hive_text(keys: usize, stamp: u64) -> Vec<u8> {
    let mut t = String::from(
        "WINE REGISTRY Version 2\n;; All keys relative to \\\\Machine\n\n#arch=win64\n\n",
    );
    for k in 0..keys {
        let time = if k % 5000 == 7 {
            stamp
        } else {
            1_700_000_000 + k as u64
        };
        t.push_str(&format!(
            "[Software\\\\Vendor{k}\\\\Key] {time}\n\"Value\"=\"{k:08}\"\n\n"
        ));
    }
    t.into_bytes()
}

#[test]
fn objects_round_trip_once_read_only_and_fanned_out() {
    let t = Temp::new("rt");
    let s = t.store();
    let lock = s.lock_shared(&never()).unwrap();
    let data = pseudo_random(3 * 1024 * 1024 + 17, 1);
    let put = s
        .put_reader(&lock, &mut &data[..], None, &never(), &|_| {})
        .unwrap();
    assert!(put.written);
    assert_eq!(put.hash, *blake3::hash(&data).as_bytes());
    assert_eq!(put.size, data.len() as u64);
    let again = s
        .put_reader(&lock, &mut &data[..], None, &never(), &|_| {})
        .unwrap();
    assert!(!again.written, "the same content is stored once");
    let p = s.object_path(&put.hash);
    let h = hex(&put.hash);
    assert!(p.ends_with(format!("objects/{}/{}", &h[..2], &h[2..])));
    assert_eq!(
        fs::metadata(&p).unwrap().permissions().mode() & 0o777,
        0o444
    );
    assert_eq!(s.read_object(&put.hash).unwrap(), data);
    assert!(s.contains(&put.hash, Some(data.len() as u64)));
    assert!(
        !s.contains(&put.hash, Some(1)),
        "a wrong size counts as absent"
    );
    // Small content too, and put_bytes agrees with put_reader.
    let small = s.put_bytes(&lock, b"hello").unwrap();
    assert_eq!(small, *blake3::hash(b"hello").as_bytes());
    assert_eq!(s.read_object(&small).unwrap(), b"hello");
    assert!(
        fs::read_dir(s.tmp_dir()).unwrap().next().is_none(),
        "tmp/ is empty after writes"
    );
}

#[test]
fn a_damaged_object_is_ecorrupt_on_read_and_in_verify() {
    let t = Temp::new("corrupt");
    let s = t.store();
    let lock = s.lock_shared(&never()).unwrap();
    let good = s.put_bytes(&lock, b"intact content").unwrap();
    let bad = s.put_bytes(&lock, &pseudo_random(100_000, 3)).unwrap();
    let p = s.object_path(&bad);
    fs::set_permissions(&p, fs::Permissions::from_mode(0o644)).unwrap();
    let mut f = fs::OpenOptions::new().write(true).open(&p).unwrap();
    f.write_all(b"X").unwrap();
    drop(f);
    let err = s.read_object(&bad).unwrap_err();
    assert_eq!(err.code(), "ECORRUPT", "{err}");
    let mut out = fs::File::create(t.0.join("copy")).unwrap();
    let err = s
        .copy_object_to(&bad, &mut out, &never(), &|_| {})
        .unwrap_err();
    assert_eq!(err.code(), "ECORRUPT");
    let v = s.verify(&never()).unwrap();
    assert_eq!((v.checked, v.corrupt.clone()), (2, vec![hex(&bad)]));
    assert_eq!(s.read_object(&good).unwrap(), b"intact content");
    let missing = [7u8; 32];
    assert_eq!(
        s.read_object(&missing).unwrap_err().code(),
        "ENOTFOUND_OBJECT"
    );
}

#[test]
fn unfinished_or_mismatched_writes_leave_nothing() {
    let t = Temp::new("abort");
    let s = t.store();
    let lock = s.lock_shared(&never()).unwrap();
    let mut w = s.writer(&lock).unwrap();
    w.write_all_bytes(b"half an object").unwrap();
    drop(w);
    let mut w = s.writer(&lock).unwrap();
    w.write_all_bytes(b"some content").unwrap();
    let err = w.finish(Some(&[0u8; 32])).unwrap_err();
    assert_eq!(err.code(), "ECORRUPT");
    assert_eq!(s.objects().unwrap().len(), 0);
    assert!(fs::read_dir(s.tmp_dir()).unwrap().next().is_none());
    // A known hash that does not match what is read: ECHANGED, nothing stored.
    let err = s
        .put_reader(
            &lock,
            &mut &b"new content"[..],
            Some(&[1u8; 32]),
            &never(),
            &|_| {},
        )
        .unwrap_err();
    assert_eq!(err.code(), "ECHANGED");
    assert_eq!(s.objects().unwrap().len(), 0);
    // Canceled before it starts: ECANCELED.
    let raised = AtomicBool::new(true);
    let err = s
        .put_reader(&lock, &mut &b"x"[..], None, &raised, &|_| {})
        .unwrap_err();
    assert_eq!(err.code(), "ECANCELED");
}

#[test]
fn objects_appear_whole_while_many_writers_run() {
    // Readers that list objects/ while writers are busy only ever see complete objects.
    let t = Temp::new("atomic");
    let s = Arc::new(t.store());
    let stop = Arc::new(AtomicBool::new(false));
    let checker = {
        let (s, stop) = (s.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut checks = 0;
            while !stop.load(Ordering::Relaxed) {
                for (h, _) in s.objects().unwrap() {
                    // The object may be read while its writer renamed it a microsecond ago.
                    let bytes = fs::read(s.object_path(&h)).unwrap();
                    assert_eq!(
                        *blake3::hash(&bytes).as_bytes(),
                        h,
                        "partial object visible"
                    );
                    checks += 1;
                }
            }
            checks
        })
    };
    let writers: Vec<_> = (0..4)
        .map(|w| {
            let s = s.clone();
            std::thread::spawn(move || {
                let lock = s.lock_shared(&never()).unwrap();
                for i in 0..40 {
                    let data = pseudo_random(50_000 + i * 37_000, (w * 1000 + i) as u64 + 1);
                    s.put_reader(&lock, &mut &data[..], None, &never(), &|_| {})
                        .unwrap();
                }
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let checks = checker.join().unwrap();
    assert_eq!(s.objects().unwrap().len(), 160);
    assert!(checks > 0);
    assert!(s.verify(&never()).unwrap().corrupt.is_empty());
}

#[test]
fn hives_are_chunked_and_a_second_copy_costs_little() {
    let t = Temp::new("chunks");
    let s = t.store();
    let lock = s.lock_shared(&never()).unwrap();
    let a = hive_text(30_000, 1_800_000_001);
    let b = hive_text(30_000, 1_800_000_999);
    assert_ne!(a, b);
    let pa = s
        .put_reader(&lock, &mut &a[..], None, &never(), &|_| {})
        .unwrap();
    let after_a = s.usage().unwrap();
    let pb = s
        .put_reader(&lock, &mut &b[..], None, &never(), &|_| {})
        .unwrap();
    let after_b = s.usage().unwrap();
    assert_eq!((after_a.recipes, after_b.recipes), (1, 2));
    let growth = (after_b.bytes - after_a.bytes) as f64 / after_a.bytes as f64;
    assert!(
        growth < 0.10,
        "second hive grew the store by {:.1}%",
        growth * 100.0
    );
    assert_eq!(s.read_object(&pa.hash).unwrap(), a);
    assert_eq!(s.read_object(&pb.hash).unwrap(), b);
    assert!(s.contains(&pb.hash, Some(b.len() as u64)));
    assert!(
        !s.object_path(&pb.hash).exists(),
        "stored as a recipe, not whole"
    );
    // A missing chunk makes the file corrupt, not silently short.
    let rec = recipe::load(&s, &pb.hash).unwrap().unwrap();
    fs::remove_file(s.object_path(&rec.chunks[3])).unwrap();
    assert_eq!(s.read_object(&pb.hash).unwrap_err().code(), "ECORRUPT");
}

#[test]
fn gc_lock_waits_for_writers_and_can_be_canceled() {
    let t = Temp::new("lock");
    let s = Arc::new(t.store());
    let shared = s.lock_shared(&never()).unwrap();
    let second = s.lock_shared(&never()).unwrap();
    let cancel = Arc::new(AtomicBool::new(false));
    let waiter = {
        let (s, cancel) = (s.clone(), cancel.clone());
        std::thread::spawn(move || {
            let t0 = Instant::now();
            let r = s.lock_exclusive(&cancel).map(|_| ());
            (r, t0.elapsed())
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    cancel.store(true, Ordering::Relaxed);
    let (r, waited) = waiter.join().unwrap();
    assert_eq!(r.unwrap_err().code(), "ECANCELED");
    assert!(waited >= Duration::from_millis(90));
    drop((shared, second));
    let ex = s.lock_exclusive(&never()).unwrap();
    assert!(ex.is_exclusive());
    // A writer now waits for gc.
    let blocked = {
        let s = s.clone();
        std::thread::spawn(move || {
            let t0 = Instant::now();
            let _l = s.lock_shared(&never()).unwrap();
            t0.elapsed()
        })
    };
    std::thread::sleep(Duration::from_millis(100));
    drop(ex);
    assert!(blocked.join().unwrap() >= Duration::from_millis(90));
    // Removing objects needs the exclusive lock.
    let l = s.lock_shared(&never()).unwrap();
    let h = s.put_bytes(&l, b"x").unwrap();
    assert_eq!(s.remove_object(&l, &h).unwrap_err().code(), "EINVAL");
}
