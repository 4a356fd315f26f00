//! The merged C: drive over real layer folders: overlay rules (whiteouts, opaque folders, a
//! folder over a file), case-insensitive names, links followed inside the drive and refused out
//! of it, and the Windows paths a caller may write.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use super::merged::View;
use super::{list, parse_windows_path, resolve, Origin};
use crate::snapshot::testutil::{native, put, whiteout, xattr_name, Temp};
use crate::store::sys::set_xattr;

/// upper over lower, as a clone's frozen layer or a runtime would sit under a container.
fn two_layers(t: &Temp) -> (PathBuf, PathBuf) {
    let (upper, lower) = (t.0.join("upper"), t.0.join("lower"));
    put(&lower, "drive_c/Program Files/Acme/acme.exe", b"MZ lower");
    put(
        &lower,
        "drive_c/Program Files/Acme/readme.txt",
        b"lower readme",
    );
    put(
        &lower,
        "drive_c/Program Files/Acme/old.dll",
        b"deleted above",
    );
    put(&lower, "drive_c/windows/system32/kernel32.dll", b"k32");
    put(&lower, "drive_c/windows/fonts/a.ttf", b"font");
    put(&lower, "drive_c/was-a-file", b"then a folder above");
    put(
        &upper,
        "drive_c/Program Files/Acme/readme.txt",
        b"upper readme",
    );
    put(&upper, "drive_c/Program Files/Acme/new.txt", b"new");
    whiteout(&upper.join("drive_c/Program Files/Acme/old.dll"));
    fs::create_dir_all(upper.join("drive_c/windows/fonts")).unwrap();
    set_xattr(
        &upper.join("drive_c/windows/fonts"),
        &xattr_name("opaque"),
        b"y",
    )
    .unwrap();
    put(&upper, "drive_c/windows/fonts/b.ttf", b"mine");
    put(&upper, "drive_c/was-a-file/inside", b"x");
    (upper, lower)
}

fn view(upper: &Path, lower: &Path) -> View {
    View::open(&[
        (upper.into(), Origin::Container),
        (lower.into(), Origin::Runtime),
    ])
    .unwrap()
}

fn names(v: &View, path: &str) -> Vec<String> {
    let l = v.list(&parse_windows_path(path).unwrap()).unwrap();
    l.entries.into_iter().map(|e| e.name).collect()
}

fn code<T: std::fmt::Debug>(r: crate::error::Result<T>) -> &'static str {
    r.unwrap_err().code
}

#[test]
fn merges_layers_with_overlay_rules() {
    let t = Temp::new("files-merge");
    let (upper, lower) = two_layers(&t);
    let v = view(&upper, &lower);
    let acme = v
        .list(&parse_windows_path(r"C:\Program Files\Acme").unwrap())
        .unwrap();
    assert_eq!(acme.path, r"C:\Program Files\Acme");
    let got: Vec<(&str, &str, u64, Origin)> = acme
        .entries
        .iter()
        .map(|e| (e.name.as_str(), e.kind, e.size, e.origin))
        .collect();
    assert_eq!(
        got,
        vec![
            ("acme.exe", "file", 8, Origin::Runtime),
            ("new.txt", "file", 3, Origin::Container),
            ("readme.txt", "file", 12, Origin::Container),
        ]
    );
    // An opaque folder hides the lower one's contents; a merged one shows both.
    assert_eq!(names(&v, r"C:\windows\fonts"), vec!["b.ttf"]);
    assert_eq!(names(&v, r"C:\windows"), vec!["fonts", "system32"]);
    // A folder above a file: the folder, alone.
    assert_eq!(names(&v, r"C:\was-a-file"), vec!["inside"]);
    assert_eq!(
        names(&v, "C:"),
        vec!["Program Files", "was-a-file", "windows"]
    );

    let readme = v
        .resolve(&parse_windows_path(r"C:\Program Files\Acme\readme.txt").unwrap())
        .unwrap();
    assert_eq!(fs::read(&readme.real_path).unwrap(), b"upper readme");
    assert_eq!(readme.origin, Origin::Container);
    let exe = v
        .resolve(&parse_windows_path(r"C:\Program Files\Acme\acme.exe").unwrap())
        .unwrap();
    assert_eq!(fs::read(&exe.real_path).unwrap(), b"MZ lower");
    assert_eq!(exe.size, 8);
    let meta = fs::metadata(&exe.real_path).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!(
        (exe.dev.clone(), exe.ino.clone()),
        (meta.dev().to_string(), meta.ino().to_string())
    );

    let gone = parse_windows_path(r"C:\Program Files\Acme\old.dll").unwrap();
    assert_eq!(code(v.resolve(&gone)), "ENOTFOUND_FILE");
    let hidden = parse_windows_path(r"C:\windows\fonts\a.ttf").unwrap();
    assert_eq!(code(v.resolve(&hidden)), "ENOTFOUND_FILE");
    assert_eq!(
        code(v.resolve(&parse_windows_path(r"C:\windows").unwrap())),
        "EINVAL"
    );
    assert_eq!(
        code(v.list(&parse_windows_path(r"C:\Program Files\Acme\new.txt").unwrap())),
        "EINVAL"
    );
    let through_file = parse_windows_path(r"C:\Program Files\Acme\new.txt\x").unwrap();
    assert_eq!(code(v.list(&through_file)), "ENOTFOUND_FILE");
}

#[test]
fn names_match_ignoring_case() {
    let t = Temp::new("files-case");
    let (upper, lower) = two_layers(&t);
    let v = view(&upper, &lower);
    let f = v
        .resolve(&parse_windows_path(r"c:\PROGRAM FILES\acme\ACME.EXE").unwrap())
        .unwrap();
    assert_eq!(f.path, r"C:\Program Files\Acme\acme.exe");
    put(&upper, "drive_c/Twice/a", b"");
    put(&upper, "drive_c/twice/a", b"");
    assert_eq!(
        code(v.list(&parse_windows_path(r"C:\TWICE").unwrap())),
        "EINVAL"
    );
    assert_eq!(names(&v, r"C:\Twice"), vec!["a"]);
}

#[test]
fn links_are_followed_only_inside_the_drive() {
    let t = Temp::new("files-links");
    let (upper, lower) = two_layers(&t);
    let c = upper.join("drive_c");
    symlink("Program Files/Acme", c.join("acme")).unwrap();
    symlink(
        "../Acme/readme.txt",
        upper.join("drive_c/Program Files/Acme/again.txt"),
    )
    .unwrap();
    symlink("/etc", c.join("etc")).unwrap();
    symlink("/etc/passwd", c.join("passwd.txt")).unwrap();
    symlink("../../../../../../../etc", c.join("up")).unwrap();
    symlink("..", c.join("parent")).unwrap();
    symlink("../dosdevices", c.join("dos")).unwrap();
    symlink("loop2", c.join("loop1")).unwrap();
    symlink("loop1", c.join("loop2")).unwrap();
    let v = view(&upper, &lower);

    let listed = v.list(&parse_windows_path(r"C:\acme").unwrap()).unwrap();
    assert_eq!(listed.path, r"C:\Program Files\Acme");
    let again = v
        .resolve(&parse_windows_path(r"C:\acme\again.txt").unwrap())
        .unwrap();
    assert_eq!(fs::read(&again.real_path).unwrap(), b"upper readme");
    let root = v.list(&parse_windows_path("C:").unwrap()).unwrap();
    let etc = root.entries.iter().find(|e| e.name == "etc").unwrap();
    assert_eq!((etc.kind, etc.target.as_deref()), ("link", Some("/etc")));

    for p in [
        r"C:\etc",
        r"C:\etc\passwd",
        r"C:\passwd.txt",
        r"C:\up\passwd",
        r"C:\parent",
        r"C:\dos\c:",
    ] {
        let names = parse_windows_path(&p.replace("c:", "c")).unwrap();
        assert_eq!(code(v.list(&names)), "EOUTSIDE", "{p}");
        assert_eq!(code(v.resolve(&names)), "EOUTSIDE", "{p}");
    }
    assert_eq!(
        code(v.list(&parse_windows_path(r"C:\loop1").unwrap())),
        "EINVAL"
    );
}

#[test]
fn only_c_drive_paths_without_dot_dot() {
    assert_eq!(parse_windows_path("C:").unwrap(), Vec::<String>::new());
    assert_eq!(parse_windows_path(r"c:\").unwrap(), Vec::<String>::new());
    assert_eq!(
        parse_windows_path(r"C:/Program Files\\.\Acme\").unwrap(),
        vec!["Program Files", "Acme"]
    );
    for bad in [
        r"C:\..",
        r"C:\Program Files\..\..\etc",
        r"C:..\x",
        r"D:\x",
        r"Z:\etc\passwd",
        "/etc/passwd",
        r"\\server\share",
        r"\\?\C:\x",
        "Program Files",
        "",
        r"C:\a:stream",
        "C:\\a\0b",
        r"C:\*",
    ] {
        assert_eq!(code(parse_windows_path(bad)), "EINVAL", "{bad:?}");
    }
}

#[test]
fn a_native_container_without_a_drive_and_then_with_one() {
    let t = Temp::new("files-native");
    let data = t.data();
    let paths = native(&data, "n1");
    assert_eq!(code(list(&data, "n1", "C:")), "ENOTFOUND_FILE");
    put(&paths.upper(), "drive_c/hello.txt", b"hi");
    let l = list(&data, "n1", r"C:\").unwrap();
    assert_eq!(l.entries.len(), 1);
    assert_eq!(l.entries[0].origin, Origin::Container);
    let f = resolve(&data, "n1", r"C:\hello.txt").unwrap();
    assert!(Path::new(&f.real_path).starts_with(fs::canonicalize(paths.upper()).unwrap()));
    assert_eq!(code(list(&data, "nope", "C:")), "ENOTFOUND_CONTAINER");
}
