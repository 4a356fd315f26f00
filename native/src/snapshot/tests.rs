//! Snapshot tests over native containers in temp data dirs (no Wine): create with the stat
//! cache, restore of every entry kind, swap recovery from each intent state, diff, delete, gc
//! (also while snapshots are being taken), cancel and ERUNNING.

use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::testutil::*;
use super::*;
use crate::container::lock::lock_busy;
use crate::registry::{HiveId, HiveSet, RegValue};
use crate::store::parse_hash;

#[test]
fn a_snapshot_of_an_unchanged_layer_reads_no_file() {
    let t = Temp::new("statcache");
    let data = t.data();
    let paths = native(&data, "c1");
    rich_layer(&paths.upper());
    let first = create(&data, "c1", "base", &quiet, &never()).unwrap();
    assert_eq!(first.snapshot.id, "000-base");
    assert_eq!(first.snapshot.parent, None);
    assert!(first.files_read >= 7, "{first:?}");
    assert_eq!(first.files_reused, 0);
    assert!(first.objects_written >= 6);

    let second = create(&data, "c1", "again", &quiet, &never()).unwrap();
    assert_eq!(second.snapshot.id, "001-again");
    assert_eq!(second.snapshot.parent.as_deref(), Some("000-base"));
    assert_eq!(
        (second.files_read, second.bytes_read, second.objects_written),
        (0, 0, 0),
        "{second:?}"
    );
    // Every path is vouched for; the first snapshot read the hard link pair once.
    assert_eq!(second.files_reused, first.files_read + 1);
    assert_eq!(
        second.snapshot.tree, first.snapshot.tree,
        "same tree, same object"
    );

    // One changed file: exactly one read.
    put(
        &paths.upper(),
        "drive_c/users/orbit/AppData/Roaming/App/config.ini",
        b"version=2.0.0\n",
    );
    let third = create(&data, "c1", "changed", &quiet, &never()).unwrap();
    assert_eq!(
        (third.files_read, third.objects_written),
        (1, 1),
        "{third:?}"
    );
    assert_ne!(third.snapshot.tree, first.snapshot.tree);
    let ids: Vec<String> = list(&data, "c1")
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(ids, ["000-base", "001-again", "002-changed"]);
    assert_eq!(get(&data, "c1", "002-changed").unwrap(), third.snapshot);
}

#[test]
fn restore_brings_back_contents_modes_links_whiteouts_opaque_dirs_and_times() {
    let t = Temp::new("restore");
    let data = t.data();
    let paths = native(&data, "c1");
    rich_layer(&paths.upper());
    let before = scan_canon(&paths.upper());
    let snap = create(&data, "c1", "base", &quiet, &never())
        .unwrap()
        .snapshot;
    assert_eq!(canon(&tree(&data, "c1", &snap.id).unwrap()), before);

    // Wreck the layer: edit, delete, add, chmod; leave junk in the overlay workdir.
    let up = paths.upper();
    put(
        &up,
        "drive_c/users/orbit/AppData/Roaming/App/config.ini",
        b"version=9.9.9\n",
    );
    fs::remove_file(up.join("drive_c/big.bin")).unwrap();
    fs::remove_file(up.join("drive_c/windows/deleted.dll")).unwrap();
    fs::remove_file(up.join("drive_c/link")).unwrap();
    put(&up, "drive_c/new-file", b"not in the snapshot");
    fs::set_permissions(
        up.join("drive_c/Program Files/App/app.exe"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    put(&paths.work(), "work/leftover", b"x");
    assert_ne!(scan_canon(&up), before);

    let r = restore(&data, "c1", &snap.id, &quiet, &never()).unwrap();
    assert_eq!(r.snapshot.id, "000-base");
    assert_eq!(
        scan_canon(&paths.upper()),
        before,
        "the layer is the snapshot again"
    );
    assert_eq!(
        fs::read_dir(paths.work()).unwrap().count(),
        0,
        "the workdir is empty"
    );
    let a = fs::metadata(paths.upper().join("drive_c/hard/a")).unwrap();
    let b = fs::metadata(paths.upper().join("drive_c/hard/b")).unwrap();
    assert_eq!((a.ino(), a.nlink()), (b.ino(), 2), "hard links stay links");
    let leftovers: Vec<_> = fs::read_dir(&paths.dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.') && n != ".lock")
        .collect();
    assert_eq!(leftovers, Vec::<String>::new());
    if crate::store::sys::euid() == 0 {
        let m = fs::metadata(paths.upper().join("drive_c/big.bin")).unwrap();
        assert_eq!(
            (m.uid(), m.gid()),
            (crate::sandbox::ORBIT_UID, crate::sandbox::ORBIT_GID)
        );
    }
    // The restored layer is its own stat cache: the next snapshot reads nothing.
    let next = create(&data, "c1", "after-restore", &quiet, &never()).unwrap();
    assert_eq!(next.files_read, 0, "{next:?}");
    assert_eq!(next.snapshot.parent.as_deref(), Some("000-base"));
    assert_eq!(
        canon(&tree(&data, "c1", &next.snapshot.id).unwrap()),
        before
    );
}

#[test]
fn restore_refuses_while_busy_and_unknown_snapshots() {
    let t = Temp::new("busy");
    let data = t.data();
    let paths = native(&data, "c1");
    put(&paths.upper(), "f", b"1");
    let snap = create(&data, "c1", "one", &quiet, &never())
        .unwrap()
        .snapshot;
    let busy = lock_busy("c1", &paths, "a test").unwrap();
    let err = restore(&data, "c1", &snap.id, &quiet, &never()).unwrap_err();
    assert_eq!(err.code(), "ERUNNING", "{err}");
    assert_eq!(
        create(&data, "c1", "two", &quiet, &never())
            .unwrap_err()
            .code(),
        "ERUNNING"
    );
    drop(busy);
    for bad in ["001-one", "nope", "../x", "000-one/../x"] {
        let err = restore(&data, "c1", bad, &quiet, &never()).unwrap_err();
        assert_eq!(err.code(), "ENOTFOUND_SNAPSHOT", "{bad}: {err}");
    }
    assert_eq!(
        create(&data, "c1", "bad label", &quiet, &never())
            .unwrap_err()
            .code(),
        "EINVAL"
    );
    assert_eq!(
        create(&data, "nope", "x", &quiet, &never())
            .unwrap_err()
            .code(),
        "ENOTFOUND_CONTAINER"
    );
}

#[test]
fn canceled_operations_change_nothing() {
    let t = Temp::new("cancel");
    let data = t.data();
    let paths = native(&data, "c1");
    rich_layer(&paths.upper());
    let raised = AtomicBool::new(true);
    assert_eq!(
        create(&data, "c1", "x", &quiet, &raised)
            .unwrap_err()
            .code(),
        "ECANCELED"
    );
    assert!(list(&data, "c1").unwrap().is_empty());
    let snap = create(&data, "c1", "base", &quiet, &never())
        .unwrap()
        .snapshot;
    put(&paths.upper(), "changed", b"after");
    let before = scan_canon(&paths.upper());
    // Raise the flag from inside the build: the restore stops and the layer stays.
    let cancel = AtomicBool::new(false);
    let err = restore(
        &data,
        "c1",
        &snap.id,
        &|p| {
            if p.phase == Phase::Build {
                cancel.store(true, Ordering::Relaxed)
            }
        },
        &cancel,
    )
    .unwrap_err();
    assert_eq!(err.code(), "ECANCELED");
    assert_eq!(scan_canon(&paths.upper()), before);
    assert!(!fs::read_dir(&paths.dir)
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().starts_with(".layer-")));
}

#[test]
fn a_swap_interrupted_at_any_step_is_finished_by_recover() {
    for stop in [
        swap::Step::Freeze,
        swap::Step::Swap,
        swap::Step::FinishClone,
        swap::Step::Cleanup,
    ] {
        let t = Temp::new("recover");
        let data = t.data();
        let paths = native(&data, "c1");
        rich_layer(&paths.upper());
        let snap = create(&data, "c1", "base", &quiet, &never())
            .unwrap()
            .snapshot;
        let target = canon(&tree(&data, "c1", &snap.id).unwrap());
        put(&paths.upper(), "drive_c/after", b"made after the snapshot");
        let old = scan_canon(&paths.upper());
        restore_until(&data, "c1", &snap.id, &quiet, &never(), stop).unwrap();
        assert!(
            swap::intent_path(&paths).exists(),
            "{stop:?}: intent committed"
        );
        let now = scan_canon(&paths.upper());
        assert!(
            now == old || now == target,
            "{stop:?}: the layer is the old or the new one"
        );
        // Any operation (here: a snapshot) finishes the swap first.
        let r = recover(&data, "c1").unwrap();
        assert_eq!(r.finished.as_deref(), Some("restore"), "{stop:?}");
        assert_eq!(scan_canon(&paths.upper()), target, "{stop:?}");
        assert!(!swap::intent_path(&paths).exists());
        assert_eq!(fs::read_dir(paths.work()).unwrap().count(), 0);
    }
}

#[test]
fn a_crash_between_two_renames_or_before_the_commit_is_recovered() {
    let t = Temp::new("renames");
    let data = t.data();
    let paths = native(&data, "c1");
    put(&paths.upper(), "a", b"old layer");
    let snap = create(&data, "c1", "base", &quiet, &never())
        .unwrap()
        .snapshot;
    let target = canon(&tree(&data, "c1", &snap.id).unwrap());
    put(&paths.upper(), "b", b"added later");
    let old = scan_canon(&paths.upper());
    // Intent written, then the fallback's first rename done (layer moved away), then a crash.
    restore_until(&data, "c1", &snap.id, &quiet, &never(), swap::Step::Freeze).unwrap();
    fs::rename(paths.dir.join("layer"), paths.dir.join(".layer-old-test")).unwrap();
    recover(&data, "c1").unwrap();
    assert_eq!(scan_canon(&paths.upper()), target);
    assert!(!paths.dir.join(".layer-old-test").exists());

    // A crash before the commit point: a staged folder without intent is dropped, the layer stays.
    put(&paths.upper(), "b", b"added later");
    let staged = paths.dir.join(".layer-restore-dead");
    fs::create_dir_all(staged.join("upper")).unwrap();
    put(&staged.join("upper"), "junk", b"half built");
    let r = recover(&data, "c1").unwrap();
    assert_eq!((r.finished, r.removed), (None, 1));
    assert!(!staged.exists());
    assert_eq!(fs::read(paths.upper().join("a")).unwrap(), b"old layer");
    assert!(
        paths.upper().join("b").exists(),
        "the layer was left as it was"
    );
    let _ = old;
}

fn hives_with(value: &str) -> HiveSet {
    let mut set = HiveSet::empty();
    set.set_value(r"HKLM\Software\Acme", RegValue::sz("Version", value))
        .unwrap();
    set.set_value(
        r"HKCU\Software\Acme\Settings",
        RegValue::sz("Greeting", "hello"),
    )
    .unwrap();
    set
}

#[test]
fn diff_lists_files_and_registry_changes() {
    let t = Temp::new("diff");
    let data = t.data();
    let paths = native(&data, "c1");
    let mut set = HiveSet::empty();
    set.set_value(r"HKLM\Software\Base", RegValue::sz("Kept", "yes"))
        .unwrap();
    for id in HiveId::ALL {
        fs::write(paths.upper().join(id.file_name()), set.hive(id).to_bytes()).unwrap();
    }
    put(&paths.upper(), "drive_c/keep.txt", b"same");
    put(&paths.upper(), "drive_c/gone.txt", b"bye");
    let a = create(&data, "c1", "base", &quiet, &never())
        .unwrap()
        .snapshot;
    let set = hives_with("1.0.0");
    for id in HiveId::ALL {
        fs::write(paths.upper().join(id.file_name()), set.hive(id).to_bytes()).unwrap();
    }
    put(
        &paths.upper(),
        "drive_c/Program Files/Acme/acme.exe",
        b"MZ acme",
    );
    fs::remove_file(paths.upper().join("drive_c/gone.txt")).unwrap();
    let b = create(&data, "c1", "post-install", &quiet, &never())
        .unwrap()
        .snapshot;
    let d = diff(&data, "c1", &a.id, &b.id).unwrap();
    let added: Vec<&str> = d.files.added.iter().map(|f| f.path.as_str()).collect();
    assert!(
        added.contains(&"drive_c/Program Files/Acme/acme.exe"),
        "{added:?}"
    );
    assert!(d.files.removed.iter().any(|f| f.path == "drive_c/gone.txt"));
    assert!(d.files.changed.iter().any(|c| c.path == "system.reg"));
    assert!(!d.files.changed.iter().any(|c| c.path == "drive_c/keep.txt"));
    let keys: Vec<String> = d
        .registry
        .keys_added
        .iter()
        .map(|k| k.to_lowercase())
        .collect();
    assert!(
        keys.contains(&"hkey_local_machine\\software\\acme".to_string()),
        "{keys:?}"
    );
    assert!(d
        .registry
        .values_added
        .iter()
        .any(|v| v.key == "HKEY_LOCAL_MACHINE\\Software\\Acme" && v.value.name == "Version"));
    assert!(d
        .registry
        .keys_removed
        .iter()
        .any(|k| k.ends_with("Software\\Base")));
    assert_eq!(
        diff(&data, "c1", &a.id, "009-x").unwrap_err().code(),
        "ENOTFOUND_SNAPSHOT"
    );
}

#[test]
fn delete_then_gc_reclaims_only_what_nothing_needs() {
    let t = Temp::new("gc");
    let data = t.data();
    let paths = native(&data, "c1");
    put(&paths.upper(), "shared", &pseudo_random(200_000, 10));
    put(&paths.upper(), "only-a", &pseudo_random(200_000, 20));
    let a = create(&data, "c1", "a", &quiet, &never()).unwrap().snapshot;
    fs::remove_file(paths.upper().join("only-a")).unwrap();
    put(&paths.upper(), "only-b", &pseudo_random(200_000, 30));
    let b = create(&data, "c1", "b", &quiet, &never()).unwrap().snapshot;
    let store = Store::open(&data).unwrap();
    let only_a = *blake3::hash(&pseudo_random(200_000, 20)).as_bytes();

    let r = gc(&data, &quiet, &never()).unwrap();
    assert_eq!((r.snapshots, r.objects_removed), (2, 0), "{r:?}");
    delete(&data, "c1", &a.id).unwrap();
    assert_eq!(
        delete(&data, "c1", &a.id).unwrap_err().code(),
        "ENOTFOUND_SNAPSHOT"
    );
    let r = gc(&data, &quiet, &never()).unwrap();
    // only-a, and a's tree; the stat cache tree is b's.
    assert_eq!(r.objects_removed, 2, "{r:?}");
    assert!(!store.contains(&only_a, None));
    let tb = load_tree(&store, &b.tree).unwrap();
    for e in tb.entries() {
        if let Some(h) = e.hash {
            assert!(store.contains(&h, Some(e.size)), "{} kept", e.path);
        }
    }
    assert!(restore(&data, "c1", &b.id, &quiet, &never()).is_ok());
    assert!(store.verify(&never()).unwrap().corrupt.is_empty());
    let _ = parse_hash(&b.tree).unwrap();
}

#[test]
fn gc_running_while_snapshots_are_taken_never_loses_an_object() {
    let t = Temp::new("gc-race");
    let data = Arc::new(t.data());
    for c in ["c1", "c2", "c3"] {
        native(&data, c);
    }
    let stop = Arc::new(AtomicBool::new(false));
    let gcs = {
        let (data, stop) = (data.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut runs = 0;
            while !stop.load(Ordering::Relaxed) {
                gc(&data, &quiet, &never()).unwrap();
                runs += 1;
            }
            runs
        })
    };
    let workers: Vec<_> = ["c1", "c2", "c3"]
        .into_iter()
        .enumerate()
        .map(|(w, c)| {
            let data = data.clone();
            std::thread::spawn(move || {
                let paths = data.container(c).unwrap();
                for i in 0..12u64 {
                    // New content each round, some of it shared between containers.
                    put(
                        &paths.upper(),
                        &format!("f{}", i % 4),
                        &pseudo_random(150_000, i * 10 + w as u64 + 1),
                    );
                    put(&paths.upper(), "common", &pseudo_random(100_000, i + 1000));
                    let s = create(&data, c, &format!("s{i}"), &quiet, &never()).unwrap();
                    if i % 3 == 2 {
                        // Drop an older one so gc has garbage to take.
                        let _ = delete(&data, c, &format!("{:03}-s{}", i - 2, i - 2));
                    }
                    let _ = s;
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let runs = gcs.join().unwrap();
    assert!(runs > 0);
    gc(&data, &quiet, &never()).unwrap();
    let store = Store::open(&data).unwrap();
    for c in ["c1", "c2", "c3"] {
        for s in list(&data, c).unwrap() {
            let tr = load_tree(&store, &s.tree).unwrap();
            for e in tr.entries() {
                if let Some(h) = e.hash {
                    assert!(
                        store.contains(&h, Some(e.size)),
                        "{c}/{}: {} lost",
                        s.id,
                        e.path
                    );
                }
            }
            restore(&data, c, &s.id, &quiet, &never()).unwrap();
        }
    }
    assert!(store.verify(&never()).unwrap().corrupt.is_empty());
}

#[test]
fn hives_in_two_containers_share_chunks() {
    let t = Temp::new("hives");
    let data = t.data();
    let mut sizes = Vec::new();
    let store = Store::open(&data).unwrap();
    for (i, c) in ["c1", "c2"].into_iter().enumerate() {
        let paths = native(&data, c);
        // Wine rewrites a whole hive; what differs between two installs is a few keys (the
        // app's own, with their times): everything else keeps its bytes.
        for id in HiveId::ALL {
            let name = id.file_name();
            let mut text = format!("WINE REGISTRY Version 2\n;; {name}\n\n#arch=win64\n\n");
            for k in 0..20_000 {
                let time = if k == 12_345 {
                    1_800_000_000 + i as u64
                } else {
                    1_700_000_000 + k as u64
                };
                text.push_str(&format!(
                    "[Software\\\\{name}\\\\Vendor{k}] {time}\n\"Value\"=\"{k:06}\"\n\n"
                ));
            }
            fs::write(paths.upper().join(name), text).unwrap();
        }
        put(&paths.upper(), "drive_c/app.exe", &pseudo_random(50_000, 9));
        create(&data, c, "post-install", &quiet, &never()).unwrap();
        sizes.push(store.usage().unwrap().bytes);
    }
    let growth = (sizes[1] - sizes[0]) as f64 / sizes[0] as f64;
    assert!(
        growth < 0.05,
        "the second container grew the store by {:.1}%",
        growth * 100.0
    );
}
