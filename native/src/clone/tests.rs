//! Clone tests over native containers: constant-time freeze, isolation of later writes in
//! either container, snapshots and restores of stacked layers, recovery of an interrupted
//! clone, refusals.

use std::fs;
use std::time::Instant;

use super::*;
use crate::container::lock::lock_busy;
use crate::snapshot::layer::{layer_roots, scan_roots};
use crate::snapshot::testutil::*;
use crate::snapshot::{self, swap};
use crate::walk::Tree;

/// The merged content of a container's stacked layer (what a run sees over the runtime).
fn view(data: &DataDir, id: &str) -> Canon {
    let store = Store::open(data).unwrap();
    let paths = data.container(id).unwrap();
    let scanned = scan_roots(layer_roots(&store, &paths).unwrap(), &|_| {}, &never()).unwrap();
    let lock = store.lock_shared(&never()).unwrap();
    let done = snapshot::ingest(
        &store,
        &lock,
        scanned,
        None,
        std::time::Duration::from_millis(100),
        &quiet,
        &never(),
    )
    .unwrap();
    canon(&done.tree)
        .into_iter()
        // The hive copies and the upper dirs are new in both: compare content, not times.
        .map(|mut e| {
            if e.1 == crate::walk::Kind::Dir {
                e.4 = Default::default();
            }
            e
        })
        .collect()
}

fn spec(id: &str) -> CloneSpec {
    CloneSpec {
        id: Some(id.into()),
        name: None,
    }
}

#[test]
fn a_clone_shares_the_layer_in_constant_time_and_writes_stay_apart() {
    let t = Temp::new("clone");
    let data = t.data();
    let src = native(&data, "src");
    rich_layer(&src.upper());
    for i in 0..2000 {
        put(
            &src.upper(),
            &format!("drive_c/many/{}/f{i}", i % 40),
            &pseudo_random(100, i),
        );
    }
    put(
        &src.upper(),
        "system.reg",
        b"WINE REGISTRY Version 2\n;; system\n",
    );
    snapshot::create(&data, "src", "base", &quiet, &never()).unwrap();
    let before = view(&data, "src");

    let t0 = Instant::now();
    let c = clone(&data, "src", spec("dst"), &never()).unwrap();
    let took = t0.elapsed();
    assert_eq!(c.container.config.id, "dst");
    assert_eq!(c.container.config.name, "Test src");
    assert_eq!(c.stacked, 1);
    let lid = c.frozen_layer.clone().unwrap();
    let store = Store::open(&data).unwrap();
    assert!(
        store
            .layers_dir()
            .join(&lid)
            .join("drive_c/big.bin")
            .is_file(),
        "the old upper is frozen"
    );
    assert!(took.as_millis() < 1000, "{took:?}");

    // Both see what the source held; the hive is a real file in each upper dir.
    assert_eq!(view(&data, "src"), before);
    assert_eq!(view(&data, "dst"), before);
    let dst = data.container("dst").unwrap();
    assert!(dst.upper().join("system.reg").is_file());
    assert!(src.upper().join("system.reg").is_file());
    assert_eq!(
        fs::read_dir(dst.upper()).unwrap().count(),
        1,
        "only the hive was copied"
    );
    // Snapshots are shared, and so is the install record.
    assert_eq!(snapshot::list(&data, "dst").unwrap().len(), 1);

    // A write on either side never shows on the other (overlayfs copies up into the writer's
    // own upper dir; here we write there directly, as that copy-up would).
    put(
        &dst.upper(),
        "drive_c/users/orbit/AppData/Roaming/App/config.ini",
        b"version=9.9.9\n",
    );
    put(&src.upper(), "drive_c/only-src", b"mine");
    assert_eq!(
        fs::read(
            store
                .layers_dir()
                .join(&lid)
                .join("drive_c/users/orbit/AppData/Roaming/App/config.ini")
        )
        .unwrap(),
        b"version=1.0.0\n",
        "the frozen layer is never written"
    );
    let s = snapshot::create(&data, "src", "after", &quiet, &never()).unwrap();
    let d = snapshot::create(&data, "dst", "after", &quiet, &never()).unwrap();
    let st = snapshot::tree(&data, "src", &s.snapshot.id).unwrap();
    let dt = snapshot::tree(&data, "dst", &d.snapshot.id).unwrap();
    assert!(st.get("drive_c/only-src").is_some() && dt.get("drive_c/only-src").is_none());
    let cfg = "drive_c/users/orbit/AppData/Roaming/App/config.ini";
    assert_ne!(st.get(cfg).unwrap().hash, dt.get(cfg).unwrap().hash);
    // The stacked layer's snapshot stored no content again: only the new files were read.
    assert!(d.files_read <= 2, "{d:?}");

    // Restoring the clone flattens it: no frozen layer below any more, same content.
    snapshot::restore(&data, "dst", "000-base", &quiet, &never()).unwrap();
    assert_eq!(layer_roots(&store, &dst).unwrap().len(), 1);
    assert_eq!(view(&data, "dst"), before);
    assert!(gc_keeps_the_shared_layer(&data, &lid));
}

fn gc_keeps_the_shared_layer(data: &DataDir, lid: &str) -> bool {
    snapshot::gc(data, &quiet, &never()).unwrap();
    Store::open(data).unwrap().layers_dir().join(lid).is_dir()
}

#[test]
fn clones_of_clones_stack_and_an_empty_upper_is_not_frozen() {
    let t = Temp::new("stack");
    let data = t.data();
    let a = native(&data, "a");
    put(&a.upper(), "one", b"1");
    clone(&data, "a", spec("b"), &never()).unwrap();
    // a's upper is empty now (nothing new was written): cloning it freezes nothing.
    let c = clone(&data, "a", spec("c"), &never()).unwrap();
    assert_eq!((c.frozen_layer, c.stacked), (None, 1));
    put(&data.container("b").unwrap().upper(), "two", b"2");
    let d = clone(&data, "b", spec("d"), &never()).unwrap();
    assert_eq!(d.stacked, 2);
    let names: Vec<String> = view(&data, "d").into_iter().map(|e| e.0).collect();
    assert_eq!(names, ["one", "two"]);
    let names: Vec<String> = view(&data, "c").into_iter().map(|e| e.0).collect();
    assert_eq!(names, ["one"]);
    // The runs' lowerdir: frozen layers top first. Native containers have no runtime below.
    let store = Store::open(&data).unwrap();
    let lower = crate::snapshot::layer::lowerdir(&data, "d").unwrap();
    assert_eq!(lower.split(':').count(), 2);
    assert!(lower.starts_with(&store.layers_dir().display().to_string()));
    // gc keeps every layer some container stacks, and drops one nobody does.
    let orphan = store.layers_dir().join("0123456789abcdef");
    fs::create_dir(&orphan).unwrap();
    let r = snapshot::gc(&data, &quiet, &never()).unwrap();
    assert_eq!(r.layers_removed, 1);
    assert_eq!(store.usage().unwrap().layers, 2);
}

#[test]
fn clone_refuses_busy_sources_taken_ids_and_bad_ids() {
    let t = Temp::new("refuse");
    let data = t.data();
    let a = native(&data, "a");
    native(&data, "taken");
    put(&a.upper(), "x", b"x");
    let busy = lock_busy("a", &a, "a test").unwrap();
    assert_eq!(
        clone(&data, "a", spec("b"), &never()).unwrap_err().code(),
        "ERUNNING"
    );
    drop(busy);
    assert_eq!(
        clone(&data, "a", spec("taken"), &never())
            .unwrap_err()
            .code(),
        "EEXIST"
    );
    assert_eq!(
        clone(&data, "a", spec("../x"), &never())
            .unwrap_err()
            .code(),
        "EINVAL"
    );
    assert_eq!(
        clone(&data, "nope", spec("b"), &never())
            .unwrap_err()
            .code(),
        "ENOTFOUND_CONTAINER"
    );
    assert!(
        a.upper().join("x").is_file(),
        "a refused clone changes nothing"
    );
    let named = clone(
        &data,
        "a",
        CloneSpec {
            id: None,
            name: Some("Acme Copy".into()),
        },
        &never(),
    )
    .unwrap();
    assert!(named.container.config.id.starts_with("acme-copy-"));
}

#[test]
fn an_interrupted_clone_is_finished_by_recover() {
    for stop in [
        swap::Step::Freeze,
        swap::Step::Swap,
        swap::Step::FinishClone,
        swap::Step::Cleanup,
    ] {
        let t = Temp::new("clone-recover");
        let data = t.data();
        let a = native(&data, "a");
        rich_layer(&a.upper());
        let before = view(&data, "a");
        let err = clone_until(&data, "a", spec("b"), &never(), stop).unwrap_err();
        assert_eq!(err.code(), "ECANCELED");
        swap::recover(&data, "a").unwrap();
        assert_eq!(view(&data, "a"), before, "{stop:?}");
        assert_eq!(view(&data, "b"), before, "{stop:?}");
        let leftovers = fs::read_dir(data.containers())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with('.'))
            .count();
        assert_eq!(leftovers, 0, "{stop:?}");
    }
    // Before the commit point: the staged clone is garbage, the source untouched.
    let t = Temp::new("clone-precommit");
    let data = t.data();
    let a = native(&data, "a");
    put(&a.upper(), "x", b"x");
    fs::create_dir_all(data.containers().join(".clone-b-dead/layer")).unwrap();
    snapshot::gc(&data, &quiet, &never()).unwrap();
    assert!(!data.containers().join(".clone-b-dead").exists());
    let _ = Tree::default();
}
