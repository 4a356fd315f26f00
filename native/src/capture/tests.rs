//! Manifest assembly from synthetic trees and registry diffs (no Wine, no sandbox).

use std::collections::HashMap;

use super::*;
use crate::registry::{RegDiff, RegValue, ValueAt};
use crate::walk::{Entry, Kind, Timestamp, Tree};

fn entry(path: &str, kind: Kind, content: Option<&[u8]>) -> Entry {
    let mode = match kind {
        Kind::Dir => 0o040755,
        Kind::File => 0o100644,
        Kind::Symlink => 0o120777,
        Kind::Other => 0o020000,
    };
    Entry {
        path: path.into(),
        kind,
        mode,
        size: content.map_or(0, |c| c.len() as u64),
        mtime: Timestamp::default(),
        ctime: Timestamp::default(),
        ino: 0,
        dev: 0,
        nlink: 1,
        rdev: None,
        link_target: None,
        hash: content.map(|c| *blake3::hash(c).as_bytes()),
        whiteout: false,
        opaque: false,
    }
}

fn dir(path: &str) -> Entry {
    entry(path, Kind::Dir, None)
}

fn file(path: &str, content: &[u8]) -> Entry {
    entry(path, Kind::File, Some(content))
}

fn whiteout(path: &str) -> Entry {
    Entry {
        rdev: Some(0),
        whiteout: true,
        ..entry(path, Kind::Other, None)
    }
}

fn tree(entries: Vec<Entry>) -> Tree {
    Tree::from_entries(entries).unwrap()
}

const LNK: &str =
    "drive_c/users/orbit/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Acme/Acme.lnk";
const EXE: &str = "drive_c/Program Files/Acme/acme.exe";

fn acme_lnk() -> Vec<u8> {
    let p =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/lnk/wine-acme.lnk");
    std::fs::read(p).unwrap()
}

fn lower() -> Tree {
    tree(vec![
        dir("drive_c"),
        dir("drive_c/Program Files"),
        dir("drive_c/windows"),
        file("drive_c/windows/old.dll", b"old"),
        file("drive_c/windows/same.dll", b"same"),
        file("drive_c/windows/win.ini", b"[a]"),
        dir("drive_c/windows/temp"),
        file("system.reg", b"base"),
    ])
}

fn hkey(path: &str) -> String {
    format!("HKEY_LOCAL_MACHINE\\{path}")
}

#[test]
fn a_fresh_install_is_captured_without_the_noise() {
    let after = tree(vec![
        dir("drive_c/Program Files/Acme"),
        file(EXE, b"acme v1"),
        file("drive_c/Program Files/Acme/unins000.exe", b"uninstaller"),
        dir("drive_c/users/orbit/AppData/Roaming/Microsoft/Windows/Start Menu/Programs/Acme"),
        file(LNK, &acme_lnk()),
        whiteout("drive_c/windows/old.dll"),
        file("drive_c/windows/same.dll", b"same"),
        file("drive_c/windows/win.ini", b"[b]"),
        dir("drive_c/windows/temp/orbit-install"),
        file("drive_c/windows/temp/orbit-install/setup.exe", b"setup"),
        file("drive_c/users/orbit/Temp/junk.tmp", b"junk"),
        file("system.reg", b"changed"),
        file(".update-timestamp", b"1"),
    ]);
    let reg = RegDiff {
        keys_added: vec![
            hkey(r"Software\Acme"),
            hkey(r"Software\Microsoft\Windows NT\CurrentVersion\NetworkCards\1"),
        ],
        values_added: vec![
            ValueAt {
                key: hkey(r"Software\Acme"),
                value: RegValue::sz("Version", "1.0.0"),
            },
            ValueAt {
                key: r"HKEY_CURRENT_USER\Software\Wine\Fonts\External Fonts".into(),
                value: RegValue::sz(
                    "DejaVu Sans (TrueType)",
                    r"\??\unix\usr\share\fonts\truetype\dejavu\DejaVuSans.ttf",
                ),
            },
        ],
        ..Default::default()
    };
    let files: HashMap<&str, Vec<u8>> = HashMap::from([(LNK, acme_lnk())]);
    let c = assemble(&lower(), &Tree::default(), &after, reg, &|p| {
        files.get(p).cloned()
    });

    let listed: Vec<(&str, ChangeKind)> = c
        .files
        .iter()
        .map(|f| (f.prefix_path.as_str(), f.change))
        .collect();
    assert_eq!(
        listed,
        vec![
            (EXE, ChangeKind::Added),
            ("drive_c/Program Files/Acme/unins000.exe", ChangeKind::Added),
            (LNK, ChangeKind::Added),
            ("drive_c/windows/old.dll", ChangeKind::Removed),
            ("drive_c/windows/win.ini", ChangeKind::Changed),
        ]
    );
    let exe = &c.files[0];
    assert_eq!(exe.path.as_deref(), Some(r"C:\Program Files\Acme\acme.exe"));
    assert_eq!((exe.size, exe.kind, exe.mode), (7, "file", 0o644));
    assert_eq!(
        exe.blake3.as_deref(),
        Some(blake3::hash(b"acme v1").to_hex().as_str())
    );
    assert!(
        c.directories
            .added
            .contains(&r"C:\Program Files\Acme".to_string()),
        "{:?}",
        c.directories
    );
    assert!(
        c.directories
            .added
            .iter()
            .all(|d| !d.to_lowercase().contains("temp")),
        "{:?}",
        c.directories
    );

    assert_eq!(c.registry.keys_added, vec![hkey(r"Software\Acme")]);
    assert_eq!(c.registry.values_added.len(), 1);
    assert_eq!(
        c.registry.values_added[0].value,
        RegValue::sz("Version", "1.0.0")
    );

    assert_eq!(c.entry_points.len(), 2, "{:#?}", c.entry_points);
    let shortcut = &c.entry_points[0];
    assert_eq!(
        (shortcut.name.as_str(), shortcut.source),
        ("Acme", EntrySource::Shortcut)
    );
    assert_eq!(shortcut.target, r"C:\Program Files\Acme\acme.exe");
    assert_eq!(
        shortcut.working_dir.as_deref(),
        Some(r"C:\Program Files\Acme")
    );
    assert_eq!(
        shortcut.shortcut.as_deref(),
        Some(&*format!("C:\\{}", &LNK[8..].replace('/', "\\")))
    );
    let uninstaller = &c.entry_points[1];
    assert_eq!(
        (uninstaller.name.as_str(), uninstaller.source),
        ("unins000", EntrySource::Executable)
    );

    assert_eq!(
        (
            c.summary.files_added,
            c.summary.files_changed,
            c.summary.files_removed,
            c.summary.values_added,
            c.summary.entry_points
        ),
        (3, 1, 1, 1, 2)
    );
    assert_eq!(
        c.summary.bytes_written,
        7 + 11 + acme_lnk().len() as u64 + 3
    );
}

#[test]
fn a_second_install_is_diffed_against_the_layer_before_it() {
    let before = tree(vec![
        dir("drive_c/Program Files/Acme"),
        file(EXE, b"acme v1"),
        file(LNK, &acme_lnk()),
    ]);
    let after = tree(vec![
        dir("drive_c/Program Files/Acme"),
        file(EXE, b"acme v2"),
        file(LNK, &acme_lnk()),
    ]);
    let c = assemble(&lower(), &before, &after, RegDiff::default(), &|_| {
        Some(acme_lnk())
    });
    assert_eq!(c.files.len(), 1);
    assert_eq!(
        (c.files[0].prefix_path.as_str(), c.files[0].change),
        (EXE, ChangeKind::Changed)
    );
    assert!(
        c.entry_points.is_empty(),
        "an upgraded exe and an unchanged shortcut are no new entry points"
    );
    assert!(c.directories.added.is_empty());
}

#[test]
fn unreadable_or_foreign_shortcuts_are_no_entry_points() {
    let broken = "drive_c/ProgramData/Microsoft/Windows/Start Menu/Programs/Broken.lnk";
    let desktop = "drive_c/users/orbit/Desktop/Acme.lnk";
    let after = tree(vec![
        file(broken, b"not a link"),
        file(desktop, &acme_lnk()),
        file("drive_c/Acme/tool.exe", b"x"),
    ]);
    let c = assemble(
        &lower(),
        &Tree::default(),
        &after,
        RegDiff::default(),
        &|p| {
            if p == broken {
                Some(b"not a link".to_vec())
            } else {
                Some(acme_lnk())
            }
        },
    );
    assert_eq!(c.files.len(), 3, "the files are still listed");
    assert!(c.entry_points.is_empty(), "{:?}", c.entry_points);
}

#[test]
fn noise_only_registry_diffs_are_empty() {
    let d = RegDiff {
        keys_added: vec![hkey(r"System\CurrentControlSet\Enum\HID\X")],
        values_changed: vec![crate::registry::ValueChange {
            key: r"HKEY_CURRENT_USER\Software\Wine\Fonts\External Fonts".into(),
            old: RegValue::sz("F", r"Z:\usr\share\fonts\f.ttf"),
            new: RegValue::sz("F", r"\??\unix\usr\share\fonts\f.ttf"),
        }],
        ..Default::default()
    };
    assert_eq!(RegistryChanges::from_diff(d), RegistryChanges::default());
}
