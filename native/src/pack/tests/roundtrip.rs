//! Export and import of real container folders (native containers, so no Wine is needed):
//! every entry kind survives, encryption, trust, ids, progress, cancel, busy containers.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use super::builder::test_key;
use super::{
    assert_code, data_dir, import_simple, layer_listing, listing, native_container, TempDir,
};
use crate::container::{self, DataDir};
use crate::pack::{
    self, export_with, ExportOptions, ImportOptions, Phase, Progress, SigningKey, MIN_ITERATIONS,
};

fn is_root() -> bool {
    crate::pack::sys::is_root()
}

/// A layer with every kind an overlay upper holds.
pub fn fill_layer(upper: &Path, big: usize) {
    let w = |p: &str, data: &[u8], mode: u32| {
        let path = upper.join(p);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, data).unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(mode)).unwrap();
    };
    fs::create_dir_all(upper.join("drive_c/Program Files/Acme")).unwrap();
    w(
        "drive_c/Program Files/Acme/acme.exe",
        &super::noise(7, big),
        0o755,
    );
    w(
        "drive_c/Program Files/Acme/copy.exe",
        &super::noise(7, big),
        0o755,
    );
    w(
        "drive_c/Program Files/Acme/readme.txt",
        "hello\n".repeat(5000).as_bytes(),
        0o644,
    );
    w("drive_c/Program Files/Acme/empty.dat", b"", 0o444);
    w(
        "drive_c/users/orbit/AppData/Roaming/Acme/config.ini",
        b"[acme]\nversion=1.0.0\n",
        0o600,
    );
    w(
        "drive_c/users/orbit/Café/Crème brûlée.txt",
        "sucre".as_bytes(),
        0o644,
    );
    w("system.reg", b"WINE REGISTRY Version 2\n", 0o644);
    std::os::unix::fs::symlink("../drive_c", {
        fs::create_dir_all(upper.join("dosdevices")).unwrap();
        upper.join("dosdevices/c:")
    })
    .unwrap();
    std::os::unix::fs::symlink("acme.exe", upper.join("drive_c/Program Files/Acme/latest"))
        .unwrap();
    fs::create_dir_all(upper.join("drive_c/locked")).unwrap();
    fs::set_permissions(
        upper.join("drive_c/locked"),
        fs::Permissions::from_mode(0o555),
    )
    .unwrap();
    if is_root() {
        // A whiteout (a deleted lower file) and an opaque directory (a replaced lower one).
        crate::pack::sys::mknod_whiteout(&upper.join("drive_c/deleted.txt")).unwrap();
        fs::create_dir_all(upper.join("drive_c/windows/replaced")).unwrap();
        crate::pack::sys::set_xattr(
            &upper.join("drive_c/windows/replaced"),
            "trusted.overlay.opaque",
            b"y",
        )
        .unwrap();
        fs::write(upper.join("drive_c/windows/replaced/new.txt"), b"new").unwrap();
    }
}

fn opts() -> ExportOptions {
    ExportOptions {
        iterations: Some(MIN_ITERATIONS),
        chunk_size: Some(64 * 1024),
        ..ExportOptions::default()
    }
}

fn export_quiet(
    data: &DataDir,
    id: &str,
    dest: &Path,
    o: &ExportOptions,
    key: &SigningKey,
) -> pack::ExportResult {
    export_with(data, id, dest, o, key, &|_| {}, &AtomicBool::new(false)).unwrap()
}

fn trusting() -> ImportOptions {
    ImportOptions {
        trust: true,
        ..ImportOptions::default()
    }
}

#[test]
fn a_layer_survives_export_and_import_byte_for_byte() {
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    fill_layer(&upper, 300_000);
    fs::write(
        a.container("app").unwrap().manifest(),
        br#"{"formatVersion":1,"containerId":"app","files":[]}"#,
    )
    .unwrap();
    let key = test_key();
    let dest = root.path().join("app.ctnr");
    let out = export_quiet(&a, "app", &dest, &opts(), &key);
    assert_eq!(out.bytes, fs::metadata(&dest).unwrap().len());
    assert!(out.skipped.is_empty(), "{:?}", out.skipped);
    assert!(!out.encrypted);
    // Duplicate content travels once.
    assert_eq!(out.totals.files, out.totals.blobs + 1);
    assert!(
        out.bytes < 400_000,
        "compressible data was compressed: {} bytes",
        out.bytes
    );

    let r = import_simple(&b, &dest, &trusting()).unwrap();
    assert!(r.trusted_now);
    assert_eq!(
        r.signer.public_key,
        crate::pack::format::hex(&key.public_key())
    );
    assert_eq!(r.stripped, 0);
    assert_eq!(r.container.config.name, "Test app");
    assert_eq!(
        r.container.config.runtime.kind,
        crate::container::RuntimeKind::Native
    );
    assert!(r.container.installed, "manifest.json came along");
    assert_ne!(r.container.config.id, "app", "a new id made from the name");
    let new = b.container(&r.container.config.id).unwrap();
    assert_eq!(layer_listing(&new.upper()), layer_listing(&upper));
    let capture: serde_json::Value =
        serde_json::from_slice(&fs::read(new.manifest()).unwrap()).unwrap();
    assert_eq!(capture["containerId"], r.container.config.id.as_str());
    assert!(new.work().is_dir() && new.snapshots().is_dir() && new.logs().is_dir());
    if is_root() {
        use std::os::unix::fs::MetadataExt;
        let m =
            fs::symlink_metadata(new.upper().join("drive_c/Program Files/Acme/acme.exe")).unwrap();
        assert_eq!(
            (m.uid(), m.gid()),
            (crate::sandbox::ORBIT_UID, crate::sandbox::ORBIT_GID)
        );
    }
    assert_eq!(
        container::list(&b).unwrap().len(),
        1,
        "the imported container is listed"
    );
    assert!(pack::is_trusted(&b, &key.public_key()).unwrap());
    // Nothing left in the work area.
    let tmp: Vec<_> = fs::read_dir(b.root().join("tmp"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        tmp.iter()
            .all(|n| !n.to_string_lossy().starts_with("import-")),
        "{tmp:?}"
    );
}

#[test]
fn encrypted_archives_need_the_right_passphrase() {
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    fill_layer(&upper, 100_000);
    let key = test_key();
    pack::trust(&b, &key.public_key()).unwrap();
    let dest = root.path().join("app.ctnr");
    let o = ExportOptions {
        passphrase: Some("open sesame".into()),
        ..opts()
    };
    assert!(export_quiet(&a, "app", &dest, &o, &key).encrypted);
    let raw = fs::read(&dest).unwrap();
    for needle in [&b"acme.exe"[..], b"config.ini", b"version=1.0.0"] {
        assert!(
            !raw.windows(needle.len()).any(|w| w == needle),
            "{:?} is visible",
            String::from_utf8_lossy(needle)
        );
    }
    let before = listing(b.root(), &[&b.root().join("tmp")]);
    for pass in [None, Some("open sesame!"), Some("")] {
        let o = ImportOptions {
            passphrase: pass.map(str::to_string),
            ..ImportOptions::default()
        };
        let e = assert_code(import_simple(&b, &dest, &o), "EBADPASS");
        assert!(e.to_string().contains("passphrase"), "{e}");
        assert_eq!(
            listing(b.root(), &[&b.root().join("tmp")]),
            before,
            "data dir unchanged"
        );
    }
    let o = ImportOptions {
        passphrase: Some("open sesame".into()),
        id: Some("secret-app".into()),
        ..ImportOptions::default()
    };
    let r = import_simple(&b, &dest, &o).unwrap();
    assert_eq!(r.container.config.id, "secret-app");
    assert!(!r.trusted_now);
    assert_eq!(
        layer_listing(&b.container("secret-app").unwrap().upper()),
        layer_listing(&upper)
    );
}

#[test]
fn untrusted_signers_are_refused_until_trusted_and_own_exports_are_trusted() {
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    fill_layer(&upper, 1000);
    // Signed by a's installation key: a trusts it, b does not.
    let dest = root.path().join("app.ctnr");
    pack::export(&a, "app", &dest, &opts(), &|_| {}, &AtomicBool::new(false)).unwrap();
    let own = pack::installation_key_info(&a).unwrap();
    let r = import_simple(
        &a,
        &dest,
        &ImportOptions {
            id: Some("again".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!r.trusted_now, "an installation trusts its own key");

    let before = listing(b.root(), &[&b.root().join("tmp")]);
    let e = assert_code(
        import_simple(&b, &dest, &ImportOptions::default()),
        "EUNTRUSTED",
    );
    assert!(e.to_string().contains(&own.fingerprint), "{e}");
    assert!(e.to_string().contains(&own.public_key), "{e}");
    assert_eq!(
        listing(b.root(), &[&b.root().join("tmp")]),
        before,
        "refusal leaves no trace"
    );
    assert!(pack::trusted_keys(&b).unwrap().is_empty());

    let r = import_simple(&b, &dest, &trusting()).unwrap();
    assert!(r.trusted_now);
    assert_eq!(pack::trusted_keys(&b).unwrap(), vec![own.clone()]);
    let r = import_simple(&b, &dest, &ImportOptions::default()).unwrap();
    assert!(!r.trusted_now, "trusted from now on");
    assert!(pack::untrust(
        &b,
        &crate::pack::sign::parse_public_key(&own.public_key).unwrap()
    )
    .unwrap());
    assert_code(
        import_simple(&b, &dest, &ImportOptions::default()),
        "EUNTRUSTED",
    );
}

#[test]
fn ids_are_taken_once_and_concurrent_imports_of_one_id_never_mix() {
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let key = test_key();
    pack::trust(&b, &key.public_key()).unwrap();
    // Two different containers exported, imported at once under the same id.
    let mut dests = Vec::new();
    for (i, id) in ["one", "two"].iter().enumerate() {
        let upper = native_container(&a, id);
        fill_layer(&upper, 2_000_000 + i * 1000);
        fs::write(upper.join("which.txt"), id.as_bytes()).unwrap();
        let dest = root.path().join(format!("{id}.ctnr"));
        export_quiet(&a, id, &dest, &opts(), &key);
        dests.push(dest);
    }
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = dests
            .iter()
            .map(|d| {
                let b = &b;
                s.spawn(move || {
                    import_simple(
                        b,
                        d,
                        &ImportOptions {
                            id: Some("same".into()),
                            ..Default::default()
                        },
                    )
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let ok: Vec<_> = results.iter().filter(|r| r.is_ok()).collect();
    assert_eq!(ok.len(), 1, "{results:?}");
    let err = results.iter().find_map(|r| r.as_ref().err()).unwrap();
    assert_eq!(err.code(), "EEXIST", "{err}");
    let which = fs::read_to_string(b.container("same").unwrap().upper().join("which.txt")).unwrap();
    let src = a.container(&which).unwrap().upper();
    assert_eq!(
        layer_listing(&b.container("same").unwrap().upper()),
        layer_listing(&src),
        "one archive, not a mix"
    );
}

#[test]
fn progress_is_reported_and_cancel_leaves_nothing() {
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    fill_layer(&upper, 3_000_000);
    let key = test_key();
    pack::trust(&b, &key.public_key()).unwrap();
    let dest = root.path().join("app.ctnr");
    let seen = Mutex::new(Vec::<Progress>::new());
    let out = export_with(
        &a,
        "app",
        &dest,
        &opts(),
        &key,
        &|p| seen.lock().unwrap().push(p),
        &AtomicBool::new(false),
    )
    .unwrap();
    let seen = seen.into_inner().unwrap();
    let phases: Vec<Phase> = seen.iter().map(|p| p.phase).collect();
    assert!(phases.contains(&Phase::Scan) && phases.contains(&Phase::Pack));
    let last = seen.last().unwrap();
    assert_eq!(
        (last.phase, last.bytes_total, last.files_total),
        (Phase::Done, out.totals.bytes, out.totals.files)
    );

    let seen = Mutex::new(Vec::<Progress>::new());
    import(
        &b,
        &dest,
        &ImportOptions::default(),
        &|p| seen.lock().unwrap().push(p),
        &AtomicBool::new(false),
    )
    .unwrap();
    let seen = seen.into_inner().unwrap();
    let unpack: Vec<_> = seen.iter().filter(|p| p.phase == Phase::Unpack).collect();
    assert!(!unpack.is_empty());
    assert!(unpack
        .windows(2)
        .all(|w| w[0].bytes_done <= w[1].bytes_done));
    assert_eq!(seen.last().unwrap().phase, Phase::Done);

    // Cancel an import once it unpacks; and an export once it packs.
    let before = listing(b.root(), &[&b.root().join("tmp")]);
    let cancel = AtomicBool::new(false);
    let r = import(
        &b,
        &dest,
        &ImportOptions::default(),
        &|p| {
            if p.phase == Phase::Unpack {
                cancel.store(true, Ordering::Relaxed)
            }
        },
        &cancel,
    );
    assert_code(r, "ECANCELED");
    assert_eq!(listing(b.root(), &[&b.root().join("tmp")]), before);
    let archive_before = fs::read(&dest).unwrap();
    let cancel = AtomicBool::new(false);
    let r = export_with(
        &a,
        "app",
        &dest,
        &opts(),
        &key,
        &|p| {
            if p.phase == Phase::Pack {
                cancel.store(true, Ordering::Relaxed)
            }
        },
        &cancel,
    );
    assert_code(r, "ECANCELED");
    assert_eq!(
        fs::read(&dest).unwrap(),
        archive_before,
        "the old archive stays"
    );
    let names: Vec<String> = fs::read_dir(root.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.contains(".partial-")), "{names:?}");
}

use crate::pack::import;

#[test]
fn busy_containers_and_bad_options_are_refused() {
    let root = TempDir::new("rt");
    let a = data_dir(root.path(), "a");
    native_container(&a, "app");
    let key = test_key();
    let dest = root.path().join("app.ctnr");
    let paths = a.container("app").unwrap();
    {
        let _busy = container::lock::lock_busy("app", &paths, "testing").unwrap();
        assert_code(
            export_with(
                &a,
                "app",
                &dest,
                &opts(),
                &key,
                &|_| {},
                &AtomicBool::new(false),
            ),
            "ERUNNING",
        );
    }
    let bad = |o: ExportOptions| {
        export_with(&a, "app", &dest, &o, &key, &|_| {}, &AtomicBool::new(false))
    };
    assert_code(
        bad(ExportOptions {
            level: Some(0),
            ..opts()
        }),
        "EINVAL",
    );
    assert_code(
        bad(ExportOptions {
            passphrase: Some(String::new()),
            ..opts()
        }),
        "EINVAL",
    );
    assert_code(
        bad(ExportOptions {
            passphrase: Some("x".into()),
            iterations: Some(10),
            ..opts()
        }),
        "EINVAL",
    );
    assert_code(
        bad(ExportOptions {
            chunk_size: Some(10),
            ..opts()
        }),
        "EINVAL",
    );
    assert_code(
        export_with(
            &a,
            "nope",
            &dest,
            &opts(),
            &key,
            &|_| {},
            &AtomicBool::new(false),
        ),
        "ENOTFOUND_CONTAINER",
    );
    assert_code(
        export_with(
            &a,
            "app",
            root.path(),
            &opts(),
            &key,
            &|_| {},
            &AtomicBool::new(false),
        ),
        "EINVAL",
    );
    assert!(!dest.exists());
}

#[test]
fn host_links_and_special_files_are_left_out_of_an_export() {
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    fs::create_dir_all(upper.join("dosdevices")).unwrap();
    std::os::unix::fs::symlink("/", upper.join("dosdevices/z:")).unwrap();
    std::os::unix::fs::symlink("../../..", upper.join("dosdevices/up")).unwrap();
    std::os::unix::fs::symlink("../drive_c", upper.join("dosdevices/c:")).unwrap();
    let fifo = upper.join("pipe");
    let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
    assert!(
        std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success(),
        "{c:?}"
    );
    let key = test_key();
    let dest = root.path().join("app.ctnr");
    let out = export_quiet(&a, "app", &dest, &opts(), &key);
    let skipped: Vec<&str> = out.skipped.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(
        skipped,
        ["dosdevices/up", "dosdevices/z:", "pipe"],
        "{:?}",
        out.skipped
    );
    let r = import_simple(&b, &dest, &trusting()).unwrap();
    let new = b.container(&r.container.config.id).unwrap().upper();
    assert_eq!(
        fs::read_link(new.join("dosdevices/c:")).unwrap(),
        Path::new("../drive_c")
    );
    assert!(!new.join("dosdevices/z:").exists() && fs::symlink_metadata(new.join("pipe")).is_err());
}

#[test]
fn setuid_setgid_sticky_and_world_writable_bits_are_stripped() {
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    fs::write(upper.join("suid"), b"x").unwrap();
    fs::set_permissions(upper.join("suid"), fs::Permissions::from_mode(0o6755)).unwrap();
    fs::write(upper.join("open"), b"y").unwrap();
    fs::set_permissions(upper.join("open"), fs::Permissions::from_mode(0o666)).unwrap();
    fs::create_dir(upper.join("tmp")).unwrap();
    fs::set_permissions(upper.join("tmp"), fs::Permissions::from_mode(0o1777)).unwrap();
    let key = test_key();
    let dest = root.path().join("app.ctnr");
    export_quiet(&a, "app", &dest, &opts(), &key);
    let r = import_simple(&b, &dest, &trusting()).unwrap();
    assert_eq!(r.stripped, 3);
    let new = b.container(&r.container.config.id).unwrap().upper();
    let mode = |p: &str| {
        fs::symlink_metadata(new.join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777
    };
    assert_eq!(
        (mode("suid"), mode("open"), mode("tmp")),
        (0o755, 0o664, 0o775)
    );
}

#[test]
fn inspect_tells_signer_trust_and_contents_without_unpacking() {
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    fill_layer(&upper, 1000);
    let key = test_key();
    let dest = root.path().join("app.ctnr");
    let out = export_quiet(
        &a,
        "app",
        &dest,
        &ExportOptions {
            passphrase: Some("pw".into()),
            ..opts()
        },
        &key,
    );
    let before = listing(b.root(), &[]);
    let i = pack::inspect(&b, &dest, None).unwrap();
    assert!(i.encrypted && !i.trusted && i.name.is_none());
    assert_eq!(i.signer.public_key, out.signer.public_key);
    let i = pack::inspect(&b, &dest, Some("pw")).unwrap();
    assert_eq!(
        (i.name.as_deref(), i.version.as_deref(), i.totals),
        (Some("Test app"), Some("1.0.0"), Some(out.totals))
    );
    assert_code(pack::inspect(&b, &dest, Some("nope")), "EBADPASS");
    assert_eq!(listing(b.root(), &[]), before, "inspect writes nothing");
}

#[test]
fn snapshots_travel_with_the_container_and_restore_on_the_other_side() {
    use crate::snapshot;
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    let never = AtomicBool::new(false);
    fill_layer(&upper, 200_000);
    let base = snapshot::create(&a, "app", "base", &|_| {}, &never).unwrap();
    let at_base = layer_listing(&upper);
    fs::write(
        upper.join("drive_c/users/orbit/AppData/Roaming/Acme/config.ini"),
        b"[acme]\nversion=2\n",
    )
    .unwrap();
    fs::write(upper.join("only-in-post.bin"), super::noise(99, 50_000)).unwrap();
    let post = snapshot::create(&a, "app", "post", &|_| {}, &never).unwrap();
    let at_post = layer_listing(&upper);
    // The current state differs from both snapshots.
    fs::remove_file(upper.join("only-in-post.bin")).unwrap();
    fs::write(upper.join("current.txt"), b"now").unwrap();
    let now = layer_listing(&upper);

    let key = test_key();
    let dest = root.path().join("app.ctnr");
    let o = ExportOptions {
        include_snapshots: true,
        passphrase: Some("pw".into()),
        ..opts()
    };
    let out = export_quiet(&a, "app", &dest, &o, &key);
    assert_eq!(
        out.snapshots,
        vec![base.snapshot.id.clone(), post.snapshot.id.clone()]
    );
    assert!(
        out.files_reused > 0,
        "the last snapshot's scan spared reading files: {out:?}"
    );
    let r = import_simple(
        &b,
        &dest,
        &ImportOptions {
            trust: true,
            passphrase: Some("pw".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.snapshots, out.snapshots);
    let id = r.container.config.id.clone();
    let listed = snapshot::list(&b, &id).unwrap();
    assert_eq!(
        listed
            .iter()
            .map(|s| (&s.id, &s.label, &s.parent))
            .collect::<Vec<_>>(),
        vec![
            (&base.snapshot.id, &base.snapshot.label, &None),
            (
                &post.snapshot.id,
                &post.snapshot.label,
                &Some(base.snapshot.id.clone())
            )
        ]
    );
    let new_upper = b.container(&id).unwrap().upper();
    assert_eq!(layer_listing(&new_upper), now);
    // (restore does not keep a whiteout's time; nothing reads it)
    let restored = |l: std::collections::BTreeMap<String, String>| -> std::collections::BTreeMap<String, String> {
        l.into_iter()
            .map(|(k, v)| {
                let mut e: crate::pack::manifest::ArchiveEntry = serde_json::from_str(&v).unwrap();
                if e.kind == "whiteout" {
                    e.mtime = Default::default();
                }
                (k, serde_json::to_string(&e).unwrap())
            })
            .collect()
    };
    snapshot::restore(&b, &id, &post.snapshot.id, &|_| {}, &never).unwrap();
    assert_eq!(
        restored(layer_listing(&new_upper)),
        restored(at_post.clone())
    );
    snapshot::restore(&b, &id, &base.snapshot.id, &|_| {}, &never).unwrap();
    assert_eq!(restored(layer_listing(&new_upper)), restored(at_base));
    // What nothing references is collected; what the snapshots need stays.
    snapshot::gc(&b, &|_| {}, &never).unwrap();
    snapshot::restore(&b, &id, &post.snapshot.id, &|_| {}, &never).unwrap();
    assert_eq!(restored(layer_listing(&new_upper)), restored(at_post));
}

#[test]
fn a_clone_exports_its_layer_flattened_over_its_frozen_layers() {
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    let store = crate::store::Store::open(&a).unwrap();
    let frozen = store.layers_dir().join("0123456789abcdef");
    fs::create_dir_all(frozen.join("dir")).unwrap();
    fs::write(frozen.join("base.txt"), b"from the frozen layer").unwrap();
    fs::write(frozen.join("dir/keep.txt"), b"keep").unwrap();
    fs::write(frozen.join("dir/shadowed.txt"), b"old").unwrap();
    fs::write(upper.join("top.txt"), b"from the upper").unwrap();
    fs::create_dir_all(upper.join("dir")).unwrap();
    fs::write(upper.join("dir/shadowed.txt"), b"new").unwrap();
    fs::write(
        a.container("app").unwrap().dir.join("layer/lower.json"),
        br#"{"layers":["0123456789abcdef"]}"#,
    )
    .unwrap();
    let key = test_key();
    let dest = root.path().join("app.ctnr");
    export_quiet(&a, "app", &dest, &opts(), &key);
    let r = import_simple(&b, &dest, &trusting()).unwrap();
    let new = b.container(&r.container.config.id).unwrap();
    assert!(
        !new.dir.join("layer/lower.json").exists(),
        "the import stands on its own"
    );
    let read = |p: &str| fs::read_to_string(new.upper().join(p)).unwrap();
    assert_eq!(read("base.txt"), "from the frozen layer");
    assert_eq!(read("dir/keep.txt"), "keep");
    assert_eq!(read("dir/shadowed.txt"), "new");
    assert_eq!(read("top.txt"), "from the upper");
}

#[test]
fn equal_sizes_are_told_apart_and_equal_contents_travel_once() {
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    let big = super::noise(5, 1_000_000);
    let mut middle = big.clone();
    middle[500_000] ^= 1; // same size, same ends, other content
    let mut start = big.clone();
    start[0] ^= 1; // same size, other first bytes
    for (name, data) in [
        ("a.bin", &big),
        ("b.bin", &big),
        ("c.bin", &middle),
        ("d.bin", &start),
    ] {
        fs::write(upper.join(name), data).unwrap();
    }
    fs::write(upper.join("small1"), b"same").unwrap();
    fs::write(upper.join("small2"), b"same").unwrap();
    fs::write(upper.join("small3"), b"diff").unwrap();
    fs::write(upper.join("unique"), super::noise(6, 777_777)).unwrap();
    let key = test_key();
    let dest = root.path().join("app.ctnr");
    let out = export_quiet(&a, "app", &dest, &opts(), &key);
    assert_eq!((out.totals.files, out.totals.blobs), (8, 6), "{out:?}");
    let r = import_simple(&b, &dest, &trusting()).unwrap();
    assert_eq!(
        layer_listing(&b.container(&r.container.config.id).unwrap().upper()),
        layer_listing(&upper)
    );
}

#[test]
fn many_files_in_many_directories_and_widely_shared_contents_unpack_exactly() {
    // Files are created ahead on several threads (precreate.rs), a directory per creator, and
    // at most AHEAD_PER_BLOB files of one content are written as it streams; the rest are
    // copied afterwards. Both paths, interleaved over many directories, must give the layer.
    let root = TempDir::new("rt");
    let (a, b) = (data_dir(root.path(), "a"), data_dir(root.path(), "b"));
    let upper = native_container(&a, "app");
    let shared = super::noise(9, 70_000);
    let copies = crate::pack::precreate::AHEAD_PER_BLOB + 5;
    for i in 0..300 {
        let dir = upper.join(format!("d{}/e{}", i % 13, i % 5));
        fs::create_dir_all(&dir).unwrap();
        let data = if i < copies {
            shared.clone()
        } else {
            super::noise(1000 + i as u64, 1 + (i * 37) % 5000)
        };
        fs::write(dir.join(format!("f{i}")), data).unwrap();
        fs::set_permissions(
            dir.join(format!("f{i}")),
            fs::Permissions::from_mode(0o600 + (i % 2) as u32 * 0o144),
        )
        .unwrap();
    }
    let key = test_key();
    let dest = root.path().join("app.ctnr");
    let out = export_quiet(&a, "app", &dest, &opts(), &key);
    assert_eq!(out.totals.files, 300, "{out:?}");
    assert_eq!(out.totals.blobs as usize, 300 - copies + 1, "{out:?}");
    let r = import_simple(&b, &dest, &trusting()).unwrap();
    assert_eq!(
        layer_listing(&b.container(&r.container.config.id).unwrap().upper()),
        layer_listing(&upper)
    );
}
