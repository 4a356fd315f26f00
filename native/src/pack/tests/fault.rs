//! Crash-only behaviour: exports and imports run in a child process (this test binary, running
//! the ignored `child_process` test) that is SIGKILLed at random points. After each kill the data
//! dir must be consistent: no half-imported container visible, the export's destination either
//! absent or a complete archive, work folders cleaned by the next import or by `cleanup`, and
//! the operation repeatable. The seed is printed, and ORBIT_PACK_FAULT_SEED replays a run.

use std::fs;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::builder::test_key;
use super::roundtrip::fill_layer;
use super::{data_dir, import_simple, layer_listing, native_container, TempDir};
use crate::container::{self, DataDir};
use crate::pack::{self, ExportOptions, ImportOptions, MIN_ITERATIONS};

const OP: &str = "ORBIT_PACK_FAULT_OP";
/// Kills that must land while the operation runs, and the most rounds tried to get them.
const KILLS_WANTED: u32 = 6;
const MAX_ROUNDS: u32 = 60;

/// The child side: does one export or import as told by the environment, then exits.
#[test]
#[ignore = "run by the fault-injection tests as a child process"]
fn child_process() {
    let Ok(op) = std::env::var(OP) else { return };
    let data = DataDir::new(std::env::var("ORBIT_PACK_FAULT_DATA").unwrap()).unwrap();
    let archive = std::env::var("ORBIT_PACK_FAULT_ARCHIVE").unwrap();
    let never = AtomicBool::new(false);
    let r = match op.as_str() {
        "export" => {
            pack::export(&data, "app", Path::new(&archive), &opts(), &|_| {}, &never).map(|_| ())
        }
        "import" => {
            let o = ImportOptions {
                id: Some("victim".into()),
                trust: true,
                ..ImportOptions::default()
            };
            pack::import(&data, Path::new(&archive), &o, &|_| {}, &never).map(|_| ())
        }
        other => panic!("unknown op {other}"),
    };
    r.unwrap();
}

fn opts() -> ExportOptions {
    ExportOptions {
        passphrase: None,
        iterations: Some(MIN_ITERATIONS),
        chunk_size: Some(64 * 1024),
        level: Some(3),
        ..ExportOptions::default()
    }
}

fn spawn(op: &str, data: &DataDir, archive: &Path) -> Child {
    Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "pack::tests::fault::child_process",
            "--ignored",
            "--test-threads=1",
        ])
        .env(OP, op)
        .env("ORBIT_PACK_FAULT_DATA", data.root())
        .env("ORBIT_PACK_FAULT_ARCHIVE", archive)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

/// Run to the end; how long it took.
fn run_whole(op: &str, data: &DataDir, archive: &Path) -> Duration {
    let t = Instant::now();
    let status = spawn(op, data, archive).wait().unwrap();
    assert!(status.success(), "{op} failed in the child");
    t.elapsed()
}

/// Start, and SIGKILL after `delay` (if still running). True when it was killed mid-way.
fn run_killed(op: &str, data: &DataDir, archive: &Path, delay: Duration) -> bool {
    let mut child = spawn(op, data, archive);
    let deadline = Instant::now() + delay;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return false;
        }
        std::thread::sleep(Duration::from_millis(1));
    }
    let killed = child.try_wait().unwrap().is_none();
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    killed
}

/// xorshift64: the kill times, reproducible from the printed seed.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let seed = std::env::var("ORBIT_PACK_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos() as u64
                    | 1
            });
        eprintln!("fault injection seed: ORBIT_PACK_FAULT_SEED={seed}");
        Rng(seed)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n.max(1)
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .map(|r| {
            r.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn imports_killed_at_random_points_leave_no_half_container() {
    let root = TempDir::new("fault");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    fill_layer(&upper, 6_000_000);
    let key = test_key();
    let archive = root.path().join("app.ctnr");
    pack::export_with(
        &a,
        "app",
        &archive,
        &opts(),
        &key,
        &|_| {},
        &AtomicBool::new(false),
    )
    .unwrap();
    let want = layer_listing(&upper);

    let full = run_whole("import", &b, &archive);
    container::delete(&b, "victim").unwrap();
    let mut rng = Rng::seeded();
    let mut killed = 0;
    let mut rounds = 0;
    // Until enough kills landed mid-way: on a loaded machine a whole run's time varies a lot, so
    // a fixed number of rounds may see most kills come too late (the child done) or too early.
    for round in 0..MAX_ROUNDS {
        if killed >= KILLS_WANTED {
            break;
        }
        rounds += 1;
        let delay = Duration::from_micros(rng.below(full.as_micros() as u64));
        killed += run_killed("import", &b, &archive, delay) as u32;
        // Visible containers are complete ones only; nothing half-made under any name.
        let visible = names(&b.containers());
        assert!(
            visible.iter().all(|n| n == "victim" || n.starts_with('.')),
            "round {round}: {visible:?}"
        );
        assert!(
            !visible
                .iter()
                .any(|n| n.starts_with(".new") || n.starts_with(".deleted")),
            "{visible:?}"
        );
        if b.container("victim").unwrap().dir.exists() {
            let c = container::get(&b, "victim").unwrap();
            assert_eq!(
                layer_listing(&b.container("victim").unwrap().upper()),
                want,
                "round {round}"
            );
            assert!(!c.running);
            container::delete(&b, "victim").unwrap();
        }
        // The dead import's work folder goes at the next cleanup (or the next import).
        pack::cleanup(&b).unwrap();
        let tmp = names(&b.root().join("tmp"));
        assert!(
            tmp.iter().all(|n| !n.starts_with("import-")),
            "round {round}: {tmp:?}"
        );
    }
    eprintln!("{killed} of {rounds} imports killed mid-way (a whole import takes {full:?})");
    assert!(
        killed >= KILLS_WANTED,
        "the kills must land mid-way often enough to mean something"
    );
    // And the operation still works afterwards.
    let r = import_simple(
        &b,
        &archive,
        &ImportOptions {
            id: Some("victim".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(
        layer_listing(&b.container(&r.container.config.id).unwrap().upper()),
        want
    );
}

#[test]
fn exports_killed_at_random_points_leave_the_old_archive_or_a_whole_one() {
    let root = TempDir::new("fault");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    fill_layer(&upper, 6_000_000);
    pack::trust(&b, &pack::installation_key(&a).unwrap().public_key()).unwrap();
    let out_dir = root.path().join("out");
    fs::create_dir_all(&out_dir).unwrap();
    let dest = out_dir.join("app.ctnr");
    let full = run_whole("export", &a, &dest);
    fs::remove_file(&dest).unwrap();
    let mut rng = Rng::seeded();
    let mut killed = 0;
    let mut rounds = 0;
    // Until enough kills landed mid-way: on a loaded machine a whole run's time varies a lot, so
    // a fixed number of rounds may see most kills come too late (the child done) or too early.
    for round in 0..MAX_ROUNDS {
        if killed >= KILLS_WANTED {
            break;
        }
        rounds += 1;
        let delay = Duration::from_micros(rng.below(full.as_micros() as u64));
        killed += run_killed("export", &a, &dest, delay) as u32;
        // The destination is absent or a complete archive; a partial never has its name.
        if dest.exists() {
            let id = format!("r{round}");
            import_simple(
                &b,
                &dest,
                &ImportOptions {
                    id: Some(id.clone()),
                    ..Default::default()
                },
            )
            .unwrap_or_else(|e| {
                panic!("round {round}: the archive at the destination is broken: {e}")
            });
            assert_eq!(
                layer_listing(&b.container(&id).unwrap().upper()),
                layer_listing(&upper)
            );
            fs::remove_file(&dest).unwrap();
        }
        // The container is not left busy by the dead export.
        assert!(
            container::lock::lock_busy("app", &a.container("app").unwrap(), "checking").is_ok()
        );
    }
    eprintln!("{killed} of {rounds} exports killed mid-way (a whole export takes {full:?})");
    assert!(
        killed >= KILLS_WANTED,
        "the kills must land mid-way often enough to mean something"
    );
    // The next export removes dead partial files and writes a whole archive.
    run_whole("export", &a, &dest);
    let left: Vec<String> = names(&out_dir)
        .into_iter()
        .filter(|n| n.contains(".partial-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    import_simple(
        &b,
        &dest,
        &ImportOptions {
            id: Some("last".into()),
            ..Default::default()
        },
    )
    .unwrap();
}
