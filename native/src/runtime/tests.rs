//! Runtime tests that need no Wine: the creation lock, the content hash, ids.

use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use super::content::content_hash;
use super::*;
use crate::container::files::random_hex;
use crate::container::DataDir;
use crate::walk::{self, ScanOptions};

struct Temp(std::path::PathBuf);

impl Temp {
    fn new(tag: &str) -> Temp {
        let p = std::env::temp_dir().join(format!("orbit-rt-{tag}-{}", random_hex(4)));
        fs::create_dir_all(&p).unwrap();
        Temp(p)
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = crate::container::files::remove_tree(&self.0);
    }
}

/// What a real creation leaves behind, minus the prefix: enough for `find` to see it.
fn fake_runtime(data: &DataDir, wine: &str, n: usize) -> Result<RuntimeInfo, RuntimeError> {
    let hash = blake3::hash(format!("fake {n}").as_bytes())
        .to_hex()
        .to_string();
    let info = RuntimeInfo {
        id: format!("{}-{}", wine_slug(wine), &hash[..12]),
        wine_version: wine.into(),
        hash,
        created_at: crate::container::files::now_rfc3339(),
        format_version: RUNTIME_FORMAT_VERSION,
        files: 0,
        bytes: 0,
    };
    let dir = data.runtimes().join(&info.id);
    fs::create_dir_all(&dir).unwrap();
    fs::write(dir.join("runtime.json"), serde_json::to_vec(&info).unwrap()).unwrap();
    Ok(info)
}

#[test]
fn concurrent_ensures_create_one_runtime_and_share_it() {
    let t = Temp::new("lock");
    let data = DataDir::new(&t.0).unwrap();
    let made = Arc::new(AtomicUsize::new(0));
    let wine = "wine-8.0 (Debian 8.0~repack-4)";
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let (data, made) = (data.clone(), made.clone());
            std::thread::spawn(move || {
                ensure_with(&data, wine, || {
                    let n = made.fetch_add(1, Ordering::SeqCst);
                    // Long enough that the other threads are surely waiting on the lock.
                    std::thread::sleep(Duration::from_millis(300));
                    fake_runtime(&data, wine, n)
                })
                .unwrap()
            })
        })
        .collect();
    let ids: Vec<String> = threads.into_iter().map(|h| h.join().unwrap().id).collect();
    assert_eq!(made.load(Ordering::SeqCst), 1, "exactly one creation ran");
    assert!(
        ids.iter().all(|id| id == &ids[0]),
        "all callers got the same runtime: {ids:?}"
    );
    assert_eq!(list(&data).unwrap().len(), 1);
}

#[test]
fn another_wine_version_gets_its_own_runtime() {
    let t = Temp::new("versions");
    let data = DataDir::new(&t.0).unwrap();
    let a = ensure_with(&data, "wine-8.0", || fake_runtime(&data, "wine-8.0", 1)).unwrap();
    let b = ensure_with(&data, "wine-9.0", || fake_runtime(&data, "wine-9.0", 2)).unwrap();
    assert_ne!(a.id, b.id);
    assert!(a.id.starts_with("wine-8.0-") && b.id.starts_with("wine-9.0-"));
    assert_eq!(find(&data, "wine-9.0").unwrap().unwrap().id, b.id);
    assert_eq!(get(&data, &a.id).unwrap(), a);
}

#[test]
fn missing_and_bad_runtime_ids() {
    let t = Temp::new("ids");
    let data = DataDir::new(&t.0).unwrap();
    assert_eq!(
        get(&data, "wine-8.0-000000000000").unwrap_err().code(),
        "ENOTFOUND_RUNTIME"
    );
    for bad in ["", "../x", "a/b", ".hidden", "x\0y"] {
        assert_eq!(get(&data, bad).unwrap_err().code(), "EINVAL", "{bad:?}");
    }
    assert!(list(&data).unwrap().is_empty());
}

#[test]
fn content_hash_ignores_times_and_sees_every_content_change() {
    let t = Temp::new("hash");
    let root = t.0.join("prefix");
    fs::create_dir_all(root.join("drive_c/windows")).unwrap();
    fs::write(root.join("drive_c/windows/a.dll"), b"one").unwrap();
    std::os::unix::fs::symlink("../drive_c", root.join("c:")).unwrap();
    let scan = || {
        walk::scan(
            &root,
            &ScanOptions::default(),
            None,
            &|_| {},
            &std::sync::atomic::AtomicBool::new(false),
        )
        .unwrap()
    };
    let first = content_hash(&scan());
    // Same content, new times: same hash.
    std::thread::sleep(Duration::from_millis(20));
    fs::write(root.join("drive_c/windows/a.dll"), b"one").unwrap();
    assert_eq!(content_hash(&scan()), first);
    // Each kind of change gives a new hash.
    fs::write(root.join("drive_c/windows/a.dll"), b"two").unwrap();
    let second = content_hash(&scan());
    assert_ne!(second, first);
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(
        root.join("drive_c/windows/a.dll"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let third = content_hash(&scan());
    assert_ne!(third, second);
    fs::remove_file(root.join("c:")).unwrap();
    std::os::unix::fs::symlink("../drive_d", root.join("c:")).unwrap();
    assert_ne!(content_hash(&scan()), third);
}

#[test]
fn ids_name_the_wine_version() {
    assert_eq!(wine_slug("wine-8.0 (Debian 8.0~repack-4)"), "wine-8.0");
    assert_eq!(wine_slug("wine-9.0-rc1"), "wine-9.0-rc1");
    assert_eq!(wine_slug("wine-8.0+x"), "wine-8.0-x");
    assert_eq!(wine_slug(""), "wine");
}
