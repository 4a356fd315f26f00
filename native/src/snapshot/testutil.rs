//! Helpers for snapshot, clone and fault tests: temp data dirs with native containers (no Wine
//! needed), layer builders, and a content identity for trees that ignores this machine's inodes.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use crate::container::files::{random_hex, remove_tree};
use crate::container::{self, ContainerPaths, CreateSpec, DataDir, RuntimeChoice, RuntimeKind};
use crate::store::sys;
use crate::walk::{self, Kind, ScanOptions, Timestamp, Tree};

pub struct Temp(pub PathBuf);

impl Temp {
    pub fn new(tag: &str) -> Temp {
        let p = std::env::temp_dir().join(format!("orbit-snap-{tag}-{}", random_hex(4)));
        fs::create_dir_all(&p).unwrap();
        Temp(p)
    }
    pub fn data(&self) -> DataDir {
        DataDir::new(&self.0).unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = remove_tree(&self.0);
    }
}

pub fn never() -> AtomicBool {
    AtomicBool::new(false)
}

pub fn quiet(_: super::Progress) {}

/// A native container (its layer is its whole prefix; no runtime needed).
pub fn native(data: &DataDir, id: &str) -> ContainerPaths {
    container::create(
        data,
        CreateSpec {
            id: Some(id.into()),
            name: format!("Test {id}"),
            runtime: Some(RuntimeChoice {
                kind: RuntimeKind::Native,
                id: None,
            }),
            ..Default::default()
        },
    )
    .unwrap();
    data.container(id).unwrap()
}

pub fn put(root: &Path, rel: &str, bytes: &[u8]) {
    let p = root.join(rel);
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(&p, bytes).unwrap();
}

pub fn pseudo_random(n: usize, seed: u64) -> Vec<u8> {
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

/// A layer with every kind of entry a Wine layer can hold: files of several sizes and modes, an
/// executable, a symlink, an empty dir, a hard link pair, an opaque directory, a whiteout and an
/// xattr-less file with an old mtime.
pub fn rich_layer(upper: &Path) {
    put(
        upper,
        "drive_c/Program Files/App/app.exe",
        &pseudo_random(300_000, 1),
    );
    fs::set_permissions(
        upper.join("drive_c/Program Files/App/app.exe"),
        fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    put(
        upper,
        "drive_c/users/orbit/AppData/Roaming/App/config.ini",
        b"version=1.0.0\n",
    );
    put(upper, "drive_c/big.bin", &pseudo_random(3 << 20, 2));
    put(upper, "drive_c/empty.txt", b"");
    fs::create_dir_all(upper.join("drive_c/emptydir")).unwrap();
    std::os::unix::fs::symlink("../drive_c/Program Files", upper.join("drive_c/link")).unwrap();
    put(upper, "drive_c/hard/a", b"shared by two names");
    fs::hard_link(upper.join("drive_c/hard/a"), upper.join("drive_c/hard/b")).unwrap();
    fs::create_dir_all(upper.join("drive_c/windows/opaque")).unwrap();
    sys::set_xattr(
        &upper.join("drive_c/windows/opaque"),
        &xattr_name("opaque"),
        b"y",
    )
    .unwrap();
    put(upper, "drive_c/windows/opaque/inside.txt", b"only me");
    whiteout(&upper.join("drive_c/windows/deleted.dll"));
    put(upper, "old.txt", b"old");
    sys::set_mtime_nofollow(
        &upper.join("old.txt"),
        Timestamp {
            secs: 1_000_000_000,
            nsec: 5,
        },
    )
    .unwrap();
    fs::set_permissions(
        upper.join("drive_c/windows"),
        fs::Permissions::from_mode(0o750),
    )
    .unwrap();
}

/// `trusted.overlay.<what>` as root, `user.overlay.<what>` otherwise (as the sandbox mounts).
pub fn xattr_name(what: &str) -> String {
    let ns = if sys::euid() == 0 {
        "trusted."
    } else {
        "user."
    };
    format!("{ns}overlay.{what}")
}

/// An overlay whiteout (a 0:0 char device; as non-root an xattr whiteout).
pub fn whiteout(p: &Path) {
    if sys::mknod(p, libc::S_IFCHR, 0).is_err() {
        fs::write(p, b"").unwrap();
        sys::set_xattr(p, &xattr_name("whiteout"), b"y").unwrap();
        sys::set_xattr(p.parent().unwrap(), &xattr_name("opaque"), b"x").unwrap();
    }
}

/// What a tree holds, without this machine's inodes, devices, link counts and ctimes.
pub type Canon = Vec<(
    String,
    Kind,
    u32,
    u64,
    Timestamp,
    Option<String>,
    Option<String>,
    bool,
    bool,
)>;

pub fn canon(tree: &Tree) -> Canon {
    tree.entries()
        .iter()
        .map(|e| {
            (
                e.path.clone(),
                e.kind,
                e.mode,
                e.size,
                e.mtime,
                e.hash_hex(),
                e.link_target.clone(),
                e.whiteout,
                e.opaque,
            )
        })
        .collect()
}

/// Scan a directory with hashes, as canon.
pub fn scan_canon(dir: &Path) -> Canon {
    canon(&walk::scan(dir, &ScanOptions::default(), None, &|_| {}, &never()).unwrap())
}
