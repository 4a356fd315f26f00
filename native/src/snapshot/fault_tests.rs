//! Crash-only proof: snapshots, restores, clones and gc run in a child process (this test
//! binary, re-executed) that is SIGKILLed at random points, again and again. After every kill the
//! container is opened again and must show exactly the layer from before the interrupted
//! operation or the one it was making (a clone: the source unchanged, the clone absent or whole),
//! every object in the store must hash to its name, every snapshot must have all its objects,
//! and the operations must keep working.
//!
//! ORBIT_FAULT_SECS sets how long the parent keeps killing (default 20 s).

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::testutil::*;
use super::*;
use crate::container::DataDir;

const ENV_DIR: &str = "ORBIT_FAULT_DIR";
const ENV_SEED: &str = "ORBIT_FAULT_SEED";
const ENV_SUPERVISE: &str = "ORBIT_FAULT_SUPERVISE";
const FILES: u64 = 250;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A digest of what a container's layer shows, frozen layers included (contents, modes, times,
/// links, overlay markers).
fn view_digest(data: &DataDir, id: &str) -> String {
    let store = Store::open(data).unwrap();
    let paths = data.container(id).unwrap();
    let roots = layer::layer_roots(&store, &paths).unwrap();
    let s = layer::scan_roots(roots, &|_| {}, &never()).unwrap();
    let mut entries = s.entries;
    for (e, src) in entries.iter_mut().zip(&s.sources) {
        if e.kind == crate::walk::Kind::File && !e.whiteout {
            let abs = s.roots[*src as usize].join(&e.path);
            e.hash = Some(crate::walk::hash_file(&abs).unwrap().0);
        }
    }
    tree_digest(&crate::walk::Tree::from_entries(entries).unwrap())
}

fn tree_digest(t: &crate::walk::Tree) -> String {
    let json = serde_json::to_vec(&canon(t)).unwrap();
    blake3::hash(&json).to_hex().to_string()
}

fn journal(dir: &Path, line: &str) {
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("journal"))
        .unwrap();
    f.write_all(format!("{line}\n").as_bytes()).unwrap();
}

fn seed_layer(upper: &Path) {
    rich_layer(upper);
    let mut rng = Rng(42);
    for i in 0..FILES {
        let size = 1000 + rng.below(120_000) as usize;
        put(
            upper,
            &format!("drive_c/data/{}/f{i}", i % 16),
            &pseudo_random(size, i + 1),
        );
    }
}

#[test]
#[ignore = "the child half of kill_at_random_points; does nothing without ORBIT_FAULT_DIR"]
fn fault_child() {
    let Ok(dir) = std::env::var(ENV_DIR) else {
        return;
    };
    let dir = Path::new(&dir);
    let data = DataDir::new(dir.join("data")).unwrap();
    let upper = data.container("c").unwrap().upper();
    let digest = || view_digest(&data, "c");
    let seed: u64 = std::env::var(ENV_SEED)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(7);
    // Scrambled: the parent draws seeds from the same xorshift, so a child seeded with its raw
    // value would replay the parent's stream, and the next child the same stream two steps on
    // (same clone ids, EEXIST).
    let mut rng = Rng((seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0xD1B5_4A32_D192_ED03) | 1);
    for n in 0.. {
        match rng.below(4) {
            0 => {
                journal(dir, "modify");
                for _ in 0..1 + rng.below(20) {
                    let i = rng.below(FILES);
                    let size = 1000 + rng.below(200_000) as usize;
                    put(
                        &upper,
                        &format!("drive_c/data/{}/f{i}", i % 16),
                        &pseudo_random(size, rng.next()),
                    );
                }
                journal(dir, &format!("snapshot {}", digest()));
                create(&data, "c", &format!("s{n}"), &quiet, &never()).unwrap();
            }
            1 => {
                let snaps = list(&data, "c").unwrap();
                let pick = &snaps[rng.below(snaps.len() as u64) as usize];
                journal(dir, &format!("restore {} {}", pick.id, digest()));
                restore(&data, "c", &pick.id, &quiet, &never()).unwrap();
            }
            2 => {
                // The pid keeps ids apart across children whatever their seeds.
                let id = format!("k{}-{}", std::process::id(), rng.below(1_000_000_000));
                journal(dir, &format!("clone {id} {}", digest()));
                let spec = crate::clone::CloneSpec {
                    id: Some(id),
                    name: None,
                };
                match crate::clone::clone(&data, "c", spec, &never()) {
                    Ok(_) => {}
                    // Too many stacked clones: a restore flattens the layer.
                    Err(e) if e.code() == "ELIMIT" => {
                        let last = list(&data, "c").unwrap().pop().unwrap();
                        journal(dir, &format!("restore {} {}", last.id, digest()));
                        restore(&data, "c", &last.id, &quiet, &never()).unwrap();
                    }
                    Err(e) => panic!("{e}"),
                }
            }
            _ => {
                let snaps = list(&data, "c").unwrap();
                journal(dir, &format!("gc {}", digest()));
                if snaps.len() > 4 {
                    delete(
                        &data,
                        "c",
                        &snaps[1 + rng.below(snaps.len() as u64 - 1) as usize].id,
                    )
                    .unwrap();
                }
                gc(&data, &quiet, &never()).unwrap();
            }
        }
        journal(dir, &format!("done {}", digest()));
    }
}

/// Everything that must hold after a kill; returns what the last journal line was about.
fn check(dir: &Path, data: &DataDir) -> String {
    let r = recover(data, "c").expect("the container opens again");
    let now = view_digest(data, "c");
    let text = fs::read_to_string(dir.join("journal")).unwrap_or_default();
    let last = text.lines().last().unwrap_or("start").to_string();
    let words: Vec<&str> = last.split(' ').collect();
    match words.as_slice() {
        ["restore", id, before] => {
            let target = tree_digest(&tree(data, "c", id).unwrap());
            assert!(
                now == *before || now == target,
                "after a kill during restore to {id} the layer is neither the old nor the new one ({r:?})"
            );
        }
        ["clone", id, before] => {
            assert_eq!(
                &now, before,
                "a clone must not change what its source shows"
            );
            if data.container(id).unwrap().config().is_file() {
                assert_eq!(&view_digest(data, id), before, "a clone is whole or absent");
            }
        }
        ["snapshot" | "gc" | "done", before] => {
            assert_eq!(&now, before, "a {} must not change the layer", words[0])
        }
        _ => {}
    }
    let store = Store::open(data).unwrap();
    let v = store.verify(&never()).unwrap();
    assert!(
        v.corrupt.is_empty(),
        "objects that do not hash to their name: {:?}",
        v.corrupt
    );
    for s in list(data, "c").unwrap() {
        let t = load_tree(&store, &s.tree).expect("every snapshot's tree is there");
        for e in t.entries() {
            if let Some(h) = e.hash {
                assert!(
                    store.contains(&h, Some(e.size)),
                    "{}: {} is missing",
                    s.id,
                    e.path
                );
            }
        }
    }
    words[0].to_string()
}

/// The parent of the children, itself run as a child process: forking from the test runner
/// would hand its open lock files to each child until exec, and other tests of the runner would
/// then see their containers busy.
#[test]
fn kill_at_random_points() {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(&exe)
        .args([
            "--exact",
            "snapshot::fault_tests::fault_supervisor",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(ENV_SUPERVISE, "1")
        .output()
        .unwrap();
    let text =
        String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{text}");
    assert!(
        text.contains("kills by operation in progress"),
        "the supervisor did not run:\n{text}"
    );
    eprintln!(
        "{}",
        text.lines()
            .filter(|l| l.contains("kills by"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
#[ignore = "the parent half of kill_at_random_points; does nothing without ORBIT_FAULT_SUPERVISE"]
fn fault_supervisor() {
    if std::env::var(ENV_SUPERVISE).is_err() {
        return;
    }
    let secs: u64 = std::env::var("ORBIT_FAULT_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let t = Temp::new("fault");
    let data = DataDir::new(t.0.join("data")).unwrap();
    let paths = native(&data, "c");
    seed_layer(&paths.upper());
    create(&data, "c", "base", &quiet, &never()).unwrap();
    let exe = std::env::current_exe().unwrap();
    let deadline = Instant::now() + Duration::from_secs(secs);
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    let mut rng = Rng(seed | 1);
    let mut kills = std::collections::BTreeMap::<String, u32>::new();
    while Instant::now() < deadline {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "snapshot::fault_tests::fault_child",
                "--ignored",
                "--test-threads=1",
            ])
            .env(ENV_DIR, &t.0)
            .env(ENV_SEED, rng.next().to_string())
            // libtest prints a failing test's panic on stdout: keep both for the report.
            .stdout(fs::File::create(t.0.join("child.out")).unwrap())
            .stderr(fs::File::create(t.0.join("child.err")).unwrap())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(20 + rng.below(400)));
        let _ = child.kill();
        let status = child.wait().unwrap();
        if status.code().is_some() {
            let out = fs::read_to_string(t.0.join("child.out")).unwrap_or_default();
            let err = fs::read_to_string(t.0.join("child.err")).unwrap_or_default();
            panic!("the child failed on its own ({status:?}):\n{out}\n{err}");
        }
        let during = check(&t.0, &data);
        *kills.entry(during).or_default() += 1;
    }
    // And it all still works.
    put(&paths.upper(), "after-the-storm", b"ok");
    let s = create(&data, "c", "final", &quiet, &never())
        .unwrap()
        .snapshot;
    restore(&data, "c", "000-base", &quiet, &never()).unwrap();
    restore(&data, "c", &s.id, &quiet, &never()).unwrap();
    assert!(paths.upper().join("after-the-storm").is_file());
    gc(&data, &quiet, &never()).unwrap();
    assert!(Store::open(&data)
        .unwrap()
        .verify(&never())
        .unwrap()
        .corrupt
        .is_empty());
    eprintln!("kills by operation in progress: {kills:?}");
    assert!(kills.values().sum::<u32>() >= 5, "{kills:?}");
}
