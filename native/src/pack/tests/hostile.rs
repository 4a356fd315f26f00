//! Every case of "Importing archives" in threats.md, with archives built and signed in the test
//! (by a trusted test key, so the unpacker's own checks are what is tested). Each refusal must
//! leave the sentinel folder beside the data dir, and the data dir itself, exactly as they were.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::builder::{entry, test_key, Builder};
use super::{assert_code, data_dir, import_simple, listing, TempDir};
use crate::container::DataDir;
use crate::pack::format::FLAG_LAST;
use crate::pack::{self, ImportOptions, PackError};

/// A data dir, a sentinel folder beside it, and the archive path.
pub struct Scene {
    pub root: TempDir,
    pub data: DataDir,
    pub outside: PathBuf,
}

impl Scene {
    pub fn new(key: &pack::SigningKey) -> Scene {
        let root = TempDir::new("hostile");
        let data = data_dir(root.path(), "data");
        let outside = root.path().join("outside");
        fs::create_dir_all(outside.join("dir")).unwrap();
        fs::write(outside.join("victim"), b"original").unwrap();
        fs::set_permissions(outside.join("dir"), fs::Permissions::from_mode(0o700)).unwrap();
        pack::trust(&data, &key.public_key()).unwrap();
        // A container that exists before: it must be untouched too.
        super::native_container(&data, "existing");
        Scene {
            root,
            data,
            outside,
        }
    }

    /// Everything under the test root except the import work area's lock files.
    pub fn state(&self) -> BTreeMap<String, String> {
        let tmp = self.data.root().join("tmp");
        let mut all = listing(self.root.path(), &[&tmp]);
        // The work area may hold lock files, never work folders.
        if let Ok(entries) = fs::read_dir(&tmp) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                assert!(
                    !name.starts_with("import-"),
                    "a work folder was left: {name}"
                );
            }
        }
        all.retain(|k, _| !k.ends_with(".ctnr"));
        all
    }

    /// Build, import, and check the refusal: its code, and that nothing changed anywhere.
    #[track_caller]
    pub fn refuse(&self, b: &Builder, code: &str) -> PackError {
        self.refuse_bytes(&b.build(), code, &ImportOptions::default())
    }

    #[track_caller]
    pub fn refuse_bytes(&self, bytes: &[u8], code: &str, opts: &ImportOptions) -> PackError {
        let archive = self.root.path().join("in.ctnr");
        fs::write(&archive, bytes).unwrap();
        let before = self.state();
        let r = run_with_deadline(&self.data, &archive, opts);
        let e = assert_code(r, code);
        assert_eq!(
            self.state(),
            before,
            "a refused import changed something ({e})"
        );
        e
    }

    /// Levels from a layer's root in the work area up to the test root.
    pub fn up_to_root() -> String {
        // <root>/data/tmp/import-x/container/layer/upper
        "../".repeat(6)
    }
}

/// Import, but fail the test instead of hanging if it takes a minute.
fn run_with_deadline(
    data: &DataDir,
    archive: &Path,
    opts: &ImportOptions,
) -> Result<pack::ImportResult, PackError> {
    let started = Instant::now();
    let r = import_simple(data, archive, opts);
    assert!(started.elapsed() < Duration::from_secs(60), "import hung");
    r
}

#[test]
fn traversal_and_absolute_paths_are_refused() {
    let key = test_key();
    let s = Scene::new(&key);
    let up = Scene::up_to_root();
    let victim = s.outside.join("victim").display().to_string();
    let cases: Vec<String> = vec![
        "../../x".into(),
        format!("{up}outside/victim"),
        "/etc/x".into(),
        "////etc/x".into(),
        victim.clone(),
        format!("/{victim}"),
        "a/../../x".into(),
        "./a".into(),
        "a/./b".into(),
        "a//b".into(),
        "a/".into(),
        "".into(),
        "..".into(),
        "a\\..\\..\\x".into(),
        "C:\\windows\\x".into(),
        "a\0b".into(),
        "new\nline".into(),
        "x".repeat(256),
    ];
    for path in cases {
        let b = Builder::new(key.clone()).dir("a").file(&path, b"pwned");
        let e = s.refuse(&b, "EUNSAFE_PATH");
        assert!(e.to_string().contains("refused"), "{path:?}: {e}");
    }
    // A directory entry escaping, and an entry under a file.
    s.refuse(
        &Builder::new(key.clone()).dir(&format!("{up}outside/newdir")),
        "EUNSAFE_PATH",
    );
    s.refuse(
        &Builder::new(key.clone()).file("f", b"1").file("f/x", b"2"),
        "EUNSAFE_PATH",
    );
    // An entry whose parent is not in the archive at all.
    s.refuse(
        &Builder::new(key.clone()).file("missing/x", b"2"),
        "EUNSAFE_PATH",
    );
}

#[test]
fn a_symlink_then_a_file_of_its_name_never_writes_through_it() {
    let key = test_key();
    let s = Scene::new(&key);
    let victim = s.outside.join("victim").display().to_string();
    // Archive::Tar CVE-2018-12015: link to outside, then a file with the link's name.
    s.refuse(
        &Builder::new(key.clone())
            .symlink("a", &victim)
            .file("a", b"pwned"),
        "EUNSAFE_ENTRY",
    );
    let e = s.refuse(
        &Builder::new(key.clone())
            .symlink("a", "b")
            .file("a", b"pwned"),
        "EUNSAFE_PATH",
    );
    assert!(e.to_string().contains("twice"), "{e}");
    // The link alone leads outside: refused as an entry.
    s.refuse(
        &Builder::new(key.clone()).symlink("a", &victim),
        "EUNSAFE_ENTRY",
    );
    s.refuse(
        &Builder::new(key.clone()).symlink("a", &format!("{}outside/victim", Scene::up_to_root())),
        "EUNSAFE_ENTRY",
    );
    // Through an inside link: a file under the link's name is never created through it.
    s.refuse(
        &Builder::new(key.clone())
            .dir("real")
            .symlink("a", "real")
            .file("a/x", b"pwned"),
        "EUNSAFE_PATH",
    );
}

#[test]
fn a_symlink_to_dotdot_then_deeper_entries_make_no_directory_outside() {
    let key = test_key();
    let s = Scene::new(&key);
    // RUSTSEC-2021-0080: d -> .., then d/x/y.
    let b = Builder::new(key.clone())
        .symlink("d", "..")
        .dir("d/x")
        .file("d/x/y", b"pwned");
    s.refuse(&b, "EUNSAFE_ENTRY");
    // Even a link that stays inside cannot be a parent.
    let b = Builder::new(key.clone())
        .dir("sub")
        .symlink("d", "sub")
        .dir("d/x")
        .file("d/x/y", b"1");
    let e = s.refuse(&b, "EUNSAFE_PATH");
    assert!(e.to_string().contains("not a directory"), "{e}");
}

#[test]
fn a_symlink_then_a_directory_of_its_name_changes_no_mode_outside() {
    let key = test_key();
    let s = Scene::new(&key);
    let dir = s.outside.join("dir").display().to_string();
    let mut d = entry("a", "dir");
    d.mode = 0o777;
    s.refuse(
        &Builder::new(key.clone()).symlink("a", &dir).raw(d.clone()),
        "EUNSAFE_ENTRY",
    );
    s.refuse(
        &Builder::new(key.clone()).dir("t").symlink("a", "t").raw(d),
        "EUNSAFE_PATH",
    );
    assert_eq!(
        fs::metadata(s.outside.join("dir"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
}

#[test]
fn hard_links_are_refused_in_every_form() {
    let key = test_key();
    let s = Scene::new(&key);
    let victim = s.outside.join("victim").display().to_string();
    for target in [
        victim.as_str(),
        "../../../../../../outside/victim",
        "inside",
        "l/inside",
    ] {
        let mut h = entry("h", "hardlink");
        h.link_target = Some(target.into());
        let e = s.refuse(
            &Builder::new(key.clone())
                .file("inside", b"1")
                .symlink("l", ".")
                .raw(h),
            "EUNSAFE_ENTRY",
        );
        assert!(e.to_string().contains("hard link"), "{e}");
        // A "file" that names a link target is a hard link in disguise.
        let mut f = entry("f", "file");
        f.link_target = Some(target.into());
        f.hash = Some(blake3::hash(b"1").to_hex().to_string());
        f.size = 1;
        s.refuse(
            &Builder::new(key.clone()).file("inside", b"1").raw(f),
            "EUNSAFE_ENTRY",
        );
    }
    assert_eq!(fs::read(s.outside.join("victim")).unwrap(), b"original");
}

#[test]
fn names_equal_after_normalisation_or_case_folding_are_refused() {
    let key = test_key();
    let s = Scene::new(&key);
    let pairs = [
        ("Caf\u{e9}", "Cafe\u{301}"),
        ("README", "readme"),
        ("stra\u{df}e", "STRASSE"),
        ("\u{212a}elvin", "kelvin"),
        ("dir/\u{c5}", "dir/A\u{30a}"),
    ];
    for (a, b) in pairs {
        let builder = Builder::new(key.clone())
            .dir("dir")
            .file(a, b"1")
            .file(b, b"2");
        let e = s.refuse(&builder, "EUNSAFE_PATH");
        assert!(e.to_string().contains("ignoring case"), "{a:?}/{b:?}: {e}");
    }
    // The node-tar pattern: a link under one spelling, an entry under another.
    let b = Builder::new(key.clone())
        .dir("t")
        .symlink("Link", "t")
        .file("link/x", b"1");
    s.refuse(&b, "EUNSAFE_PATH");
    // Different names are fine, Unicode included.
    let r = Builder::new(key.clone())
        .file("Caf\u{e9}", b"1")
        .file("Cafe", b"2")
        .file("\u{3b1}", b"3");
    let archive = s.root.path().join("ok.ctnr");
    fs::write(&archive, r.build()).unwrap();
    import_simple(&s.data, &archive, &ImportOptions::default()).unwrap();
}

#[test]
fn devices_fifos_and_sockets_are_refused_and_whiteouts_are_the_only_device() {
    let key = test_key();
    let s = Scene::new(&key);
    for kind in ["chardev", "blockdev", "device", "fifo", "socket"] {
        let e = s.refuse(
            &Builder::new(key.clone()).raw(entry("dev", kind)),
            "EUNSAFE_ENTRY",
        );
        assert!(e.to_string().contains(kind), "{e}");
    }
    // Type bits smuggled in the mode.
    for bits in [libc::S_IFCHR, libc::S_IFIFO, libc::S_IFBLK] {
        let mut f = entry("f", "file");
        f.mode = bits | 0o644;
        f.hash = Some(blake3::hash(b"").to_hex().to_string());
        let b = Builder::new(key.clone()).file("g", b"").raw(f);
        s.refuse(&b, "EUNSAFE_ENTRY");
    }
    // setuid/setgid/world-writable are stripped; a whiteout becomes a 0:0 char device.
    let mut suid = entry("suid", "file");
    suid.mode = 0o6777;
    suid.hash = Some(blake3::hash(b"x").to_hex().to_string());
    suid.size = 1;
    let mut b = Builder::new(key.clone())
        .raw(suid)
        .whiteout("gone")
        .dir("d");
    b.blobs.push(b"x".to_vec());
    let archive = s.root.path().join("ok.ctnr");
    fs::write(&archive, b.build()).unwrap();
    let r = import_simple(&s.data, &archive, &ImportOptions::default()).unwrap();
    assert_eq!(r.stripped, 1);
    let upper = s.data.container(&r.container.config.id).unwrap().upper();
    assert_eq!(
        fs::metadata(upper.join("suid"))
            .unwrap()
            .permissions()
            .mode()
            & 0o7777,
        0o775
    );
    if crate::pack::sys::is_root() {
        use std::os::unix::fs::{FileTypeExt, MetadataExt};
        let m = fs::symlink_metadata(upper.join("gone")).unwrap();
        assert!(m.file_type().is_char_device() && m.rdev() == 0);
    }
}

#[test]
fn decompression_bombs_and_caps_are_refused_with_partial_output_removed() {
    let key = test_key();
    let s = Scene::new(&key);
    // A zstd frame asking for a 1 GiB window.
    let mut b = Builder::new(key.clone()).file("a", &super::noise(5, 50_000));
    b.window_log = Some(30);
    let e = s.refuse(&b, "ETOO_LARGE");
    assert!(e.to_string().contains("window"), "{e}");
    // Over the byte and entry caps: refused before anything is written.
    let b = Builder::new(key.clone())
        .dir("d")
        .file("d/a", &[1u8; 5000])
        .file("d/b", &[2u8; 5000]);
    let small = ImportOptions {
        max_bytes: Some(9999),
        ..ImportOptions::default()
    };
    s.refuse_bytes(&b.build(), "ETOO_LARGE", &small);
    let few = ImportOptions {
        max_entries: Some(2),
        ..ImportOptions::default()
    };
    s.refuse_bytes(&b.build(), "ETOO_LARGE", &few);
    // A stream that decompresses to far more than the manifest says: it stops at the first
    // byte too many, without inflating the rest.
    let mut b = Builder::new(key.clone()).file("a", &[0u8; 10]);
    b.content_override = Some(vec![0u8; 512 << 20]);
    b.chunk_size = 1 << 20;
    let started = Instant::now();
    let e = s.refuse(&b, "ETAMPERED");
    assert!(e.to_string().contains("longer"), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    // Shorter than the manifest says: the last file never appears.
    let mut b = Builder::new(key.clone())
        .file("a", &[1u8; 100])
        .file("b", &[2u8; 100]);
    b.content_override = Some(vec![1u8; 150]);
    s.refuse(&b, "ETAMPERED");
    // Right length, wrong bytes: the hash catches it and the written part is removed.
    let mut b = Builder::new(key.clone())
        .file("a", &[1u8; 100])
        .file("b", &[2u8; 100]);
    b.content_override = Some([vec![1u8; 100], vec![3u8; 100]].concat());
    let e = s.refuse(&b, "ETAMPERED");
    assert!(e.to_string().contains("\"b\""), "{e}");
}

#[test]
fn truncated_or_garbage_archives_fail_cleanly() {
    let key = test_key();
    let s = Scene::new(&key);
    let b = Builder::new(key.clone())
        .dir("d")
        .file("d/a", &super::noise(9, 30_000))
        .file("d/b", b"b");
    let full = b.build();
    let (head, _) = b.head();
    let cuts: Vec<usize> = (0..full.len())
        .step_by(97)
        .chain([head.len(), full.len() - 1])
        .collect();
    for cut in cuts {
        let e = s.refuse_bytes(&full[..cut], "EBADARCHIVE", &ImportOptions::default());
        assert!(
            e.to_string().contains("truncated") || e.to_string().contains("Orbit container"),
            "cut {cut}: {e}"
        );
    }
    // Data after the last chunk.
    let mut long = full.clone();
    long.extend_from_slice(b"trailing");
    s.refuse_bytes(&long, "EBADARCHIVE", &ImportOptions::default());
    // Garbage: random bytes, a valid head followed by random bytes, and garbage zstd in
    // properly signed chunks.
    s.refuse_bytes(
        &super::noise(11, 100_000),
        "EBADARCHIVE",
        &ImportOptions::default(),
    );
    let garbage = [head.clone(), super::noise(12, 50_000)].concat();
    let e = s.refuse_bytes(&garbage, "EBADARCHIVE", &ImportOptions::default());
    assert!(!e.to_string().is_empty());
    let mut g = Builder::new(key.clone()).file("a", b"x");
    g.compressed_override = Some(super::noise(13, 10_000));
    s.refuse(&g, "EBADARCHIVE");
}

#[test]
fn unsigned_or_wrongly_signed_archives_are_refused_and_untrusted_ones_need_trust() {
    let key = test_key();
    let s = Scene::new(&key);
    let b = Builder::new(key.clone()).file("a", b"1");
    let full = b.build();
    let (head, _) = b.head();
    // Unsigned: a zero signature, and a zero key with it.
    let sig_at = head.len() - 64;
    let mut unsigned = full.clone();
    unsigned[sig_at..head.len()].fill(0);
    s.refuse_bytes(&unsigned, "EBADSIG", &ImportOptions::default());
    let pk = crate::pack::format::hex(&key.public_key());
    let at = head.windows(64).position(|w| w == pk.as_bytes()).unwrap();
    unsigned[at..at + 64].copy_from_slice("0".repeat(64).as_bytes());
    s.refuse_bytes(&unsigned, "EBADSIG", &ImportOptions::default());
    // Signed by another key than the header names.
    let other = test_key();
    let mut forged = full.clone();
    let prefix = [crate::pack::format::SIG_DOMAIN, &full[..sig_at]].concat();
    forged[sig_at..head.len()].copy_from_slice(&other.sign(&prefix));
    s.refuse_bytes(&forged, "EBADSIG", &ImportOptions::default());
    // The manifest names another signer than the header.
    let mut m = b.manifest();
    m.signer = crate::pack::format::hex(&other.public_key());
    let (h, hd) = b.head_with(&serde_json::to_vec(&m).unwrap());
    let bytes = b.build_raw_chunks((h, hd), &b.plain_chunks());
    s.refuse_bytes(&bytes, "EBADARCHIVE", &ImportOptions::default());
    // Validly signed by a key this data dir does not trust: refused, then accepted with trust.
    let stranger = Builder::new(other.clone()).file("a", b"1");
    let e = s.refuse(&stranger, "EUNTRUSTED");
    assert!(
        e.to_string()
            .contains(&pack::fingerprint(&other.public_key())),
        "{e}"
    );
    let archive = s.root.path().join("ok.ctnr");
    fs::write(&archive, stranger.build()).unwrap();
    let r = import_simple(
        &s.data,
        &archive,
        &ImportOptions {
            trust: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert!(r.trusted_now);
    assert!(pack::is_trusted(&s.data, &other.public_key()).unwrap());
}

/// A change to the list of (flags, payload) chunk records.
type Edit = dyn Fn(&mut Vec<(u8, Vec<u8>)>);

#[test]
fn bad_chunk_tags_release_no_plaintext_to_the_unpacker() {
    let key = test_key();
    let s = Scene::new(&key);
    let mut b = Builder::new(key.clone())
        .file("a", &super::noise(21, 20_000))
        .file("b", b"b");
    b.passphrase = Some("pw".into());
    b.level = 1;
    let seen = Arc::new(Mutex::new(Vec::<u64>::new()));
    let hook_seen = seen.clone();
    let opts = ImportOptions {
        passphrase: Some("pw".into()),
        plaintext_hook: Some(Arc::new(move |i, _| hook_seen.lock().unwrap().push(i))),
        ..ImportOptions::default()
    };
    // Seal the plaintext chunks ourselves so each test can break one tag, still signed.
    let make = |edit: &Edit| {
        let head = b.head();
        let key = head.1.key.as_ref().unwrap();
        let mut chunks = b.plain_chunks();
        assert!(chunks.len() >= 3, "{} chunks", chunks.len());
        let n = chunks.len();
        for (i, (flags, payload)) in chunks.iter_mut().enumerate() {
            key.seal_chunk(i as u64, i + 1 == n, payload).unwrap();
            let _ = flags;
        }
        edit(&mut chunks);
        b.build_raw_chunks(head, &chunks)
    };
    // Sanity: unbroken, it imports and every chunk reaches the unpacker.
    let archive = s.root.path().join("ok.ctnr");
    fs::write(&archive, make(&|_| {})).unwrap();
    let r = import_simple(&s.data, &archive, &opts).unwrap();
    let all = seen.lock().unwrap().clone();
    assert!(all.len() >= 3, "{all:?}");
    s.data.container(&r.container.config.id).unwrap();

    let cases: Vec<(&str, Box<Edit>)> = vec![
        (
            "flipped tag of chunk 1",
            Box::new(|c| {
                let p = &mut c[1].1;
                let n = p.len();
                p[n - 1] ^= 1;
            }),
        ),
        (
            "tag of chunk 1 cut short",
            Box::new(|c| {
                let p = &mut c[1].1;
                p.truncate(p.len() - 4);
            }),
        ),
        ("chunks 1 and 2 swapped", Box::new(|c| c.swap(1, 2))),
        (
            "chunk 1 replaced by chunk 0",
            Box::new(|c| c[1] = c[0].clone()),
        ),
        (
            "tag of chunk 1 moved onto chunk 2",
            Box::new(|c| {
                let t1 = c[1].1[c[1].1.len() - 16..].to_vec();
                let n = c[2].1.len();
                c[2].1[n - 16..].copy_from_slice(&t1);
            }),
        ),
        (
            "stream cut after chunk 1, marked last",
            Box::new(|c| {
                c.truncate(2);
                c[1].0 = FLAG_LAST;
            }),
        ),
    ];
    for (what, edit) in cases {
        seen.lock().unwrap().clear();
        let bytes = make(&*edit);
        let e = s.refuse_bytes(&bytes, "ETAMPERED", &opts);
        let got = seen.lock().unwrap().clone();
        assert!(
            got.iter().all(|i| *i < 1) || (what.contains("chunk 2") && got.iter().all(|i| *i < 2)),
            "{what}: plaintext of a bad chunk reached the unpacker: {got:?} ({e})"
        );
    }
}

#[test]
fn snapshot_trees_are_judged_like_the_layer() {
    let key = test_key();
    let s = Scene::new(&key);
    let file = |path: &str, data: &[u8]| {
        let mut e = entry(path, "file");
        e.size = data.len() as u64;
        e.hash = Some(blake3::hash(data).to_hex().to_string());
        e
    };
    let up = Scene::up_to_root();
    let b = Builder::new(key.clone()).file("a", b"1").snapshot(
        "001-base",
        vec![file(&format!("{up}outside/victim"), b"snap")],
        &[b"snap"],
    );
    s.refuse(&b, "EUNSAFE_PATH");
    let mut link = entry("l", "symlink");
    link.link_target = Some("/etc".into());
    link.size = 4;
    let b = Builder::new(key.clone())
        .file("a", b"1")
        .snapshot("001-base", vec![link], &[]);
    s.refuse(&b, "EUNSAFE_ENTRY");
    for name in ["../../x", "001-../x", "base", "001-base/../../x"] {
        let b = Builder::new(key.clone())
            .file("a", b"1")
            .snapshot(name, vec![], &[]);
        s.refuse(&b, "EBADARCHIVE");
    }
    // A snapshot's content must match its hash like any other.
    let mut b = Builder::new(key.clone()).file("a", b"1").snapshot(
        "001-base",
        vec![file("s", b"snap")],
        &[b"snap"],
    );
    b.content_override = Some(b"1SNAP".to_vec());
    s.refuse(&b, "ETAMPERED");
    // And a well-formed one arrives as a snapshot of the new container.
    let b = Builder::new(key.clone()).file("a", b"1").snapshot(
        "001-base",
        vec![file("s", b"snap")],
        &[b"snap"],
    );
    let archive = s.root.path().join("ok.ctnr");
    fs::write(&archive, b.build()).unwrap();
    let r = import_simple(&s.data, &archive, &ImportOptions::default()).unwrap();
    assert_eq!(r.snapshots, vec!["001-base".to_string()]);
    let tree = crate::snapshot::tree(&s.data, &r.container.config.id, "001-base").unwrap();
    assert_eq!(
        tree.entries()
            .iter()
            .map(|e| e.path.as_str())
            .collect::<Vec<_>>(),
        ["s"]
    );
}
