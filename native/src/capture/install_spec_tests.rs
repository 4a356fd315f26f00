//! The installer's RunSpec: the container's policy, plus the display the caller resolved (a
//! GUI installer needs it to show its wizard), and no display otherwise.

use std::path::{Path, PathBuf};

use super::install::install_spec;
use super::installer::{Installer, InstallerKind, INSTALLER_DIR};
use crate::container::{ContainerConfig, ContainerPaths};
use crate::sandbox::{Network, Prefix, X11Display};

fn config() -> ContainerConfig {
    serde_json::from_value(serde_json::json!({
        "id": "c-0123456789ab",
        "name": "gui",
        "runtime": { "kind": "wine", "id": "wine-8.0-abc", "wineVersion": "wine-8.0", "hash": "ab" },
        "env": { "WINEDEBUG": "warn+all", "DISPLAY": ":99" },
        "network": "none",
        "display": "host",
        "createdAt": "2026-11-22T00:00:00Z",
        "formatVersion": 1
    }))
    .expect("a valid container.yml")
}

fn installer() -> Installer {
    Installer {
        path: PathBuf::from("/srv/uploads/setup.exe"),
        name: "setup.exe".into(),
        kind: InstallerKind::Exe,
        size: 10,
        blake3: "00".into(),
    }
}

fn x11() -> X11Display {
    X11Display {
        number: 7,
        socket: PathBuf::from("/tmp/.X11-unix/X7"),
        xauthority: Some(PathBuf::from("/root/.Xauthority")),
    }
}

fn spec(display: Option<X11Display>) -> crate::sandbox::RunSpec {
    let paths = ContainerPaths {
        dir: PathBuf::from("/data/containers/c-0123456789ab"),
    };
    install_spec(
        &config(),
        &paths,
        Path::new("/data/runtimes/wine-8.0-abc/prefix"),
        &installer(),
        &["/S".to_string()],
        display,
    )
}

#[test]
fn the_installer_runs_on_the_display_it_is_given() {
    let s = spec(Some(x11()));
    assert_eq!(s.display, Some(x11()));
    // The rest of the spec is the container's, display or not.
    let plain = spec(None);
    assert_eq!(
        s,
        crate::sandbox::RunSpec {
            display: Some(x11()),
            ..plain
        }
    );
    s.validate().expect("a spec the sandbox accepts");
}

#[test]
fn without_a_display_the_installer_gets_none() {
    let s = spec(None);
    assert_eq!(s.display, None);
    assert_eq!(s.network, Network::None);
    assert_eq!(s.instance.as_deref(), Some("c-0123456789ab"));
    assert_eq!(s.binds.len(), 1);
    assert_eq!(s.binds[0].dst, format!("{INSTALLER_DIR}/setup.exe"));
    assert!(matches!(s.prefix, Some(Prefix::Overlay { .. })));
    assert_eq!(s.args[3..], ["setup.exe", "exe", "/S"]);
    s.validate().expect("a spec the sandbox accepts");
}
