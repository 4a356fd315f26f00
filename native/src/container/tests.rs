//! Container tests without Wine: the container.yml model, the folder store, the busy lock, and
//! registry edits over a hand-made base runtime.

use std::collections::BTreeMap;
use std::fs;

use super::files::{disk_usage, random_hex, remove_tree};
use super::*;
use crate::registry::{HiveId, HiveSet, RegValue};
use crate::runtime::{RuntimeInfo, RUNTIME_FORMAT_VERSION};
use crate::sandbox::Network;

struct Temp(std::path::PathBuf);

impl Temp {
    fn new(tag: &str) -> Temp {
        let p = std::env::temp_dir().join(format!("orbit-ct-{tag}-{}", random_hex(4)));
        fs::create_dir_all(&p).unwrap();
        Temp(p)
    }
    fn data(&self) -> DataDir {
        DataDir::new(&self.0).unwrap()
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        let _ = remove_tree(&self.0);
    }
}

fn hash64(seed: &str) -> String {
    blake3::hash(seed.as_bytes()).to_hex().to_string()
}

fn sample_config() -> ContainerConfig {
    ContainerConfig {
        id: "acme-v1".into(),
        name: "Acme".into(),
        version: Some("1.0.0".into()),
        runtime: RuntimeRef {
            kind: RuntimeKind::Wine,
            id: Some("wine-8.0-0123456789ab".into()),
            wine_version: Some("wine-8.0 (Debian 8.0~repack-4)".into()),
            hash: Some(hash64("rt")),
        },
        env: BTreeMap::from([("ACME_MODE".into(), "test".into())]),
        network: Network::None,
        display: DisplayMode::None,
        limits: Limits {
            memory_mb: Some(512),
            pids: None,
        },
        labels: BTreeMap::from([("team".into(), "qa".into())]),
        created_at: "2024-05-01T12:00:00.000Z".into(),
        format_version: CONTAINER_FORMAT_VERSION,
    }
}

/// A base runtime with real (empty) Wine hives, as far as containers need one.
fn fake_runtime(data: &DataDir) -> RuntimeInfo {
    let hash = hash64("fake runtime");
    let info = RuntimeInfo {
        id: format!("wine-8.0-{}", &hash[..12]),
        wine_version: "wine-8.0 (test)".into(),
        hash,
        created_at: files::now_rfc3339(),
        format_version: RUNTIME_FORMAT_VERSION,
        files: 0,
        bytes: 0,
    };
    let dir = data.runtimes().join(&info.id);
    fs::create_dir_all(dir.join("prefix")).unwrap();
    fs::write(dir.join("runtime.json"), serde_json::to_vec(&info).unwrap()).unwrap();
    let mut set = HiveSet::empty();
    set.set_value(r"HKLM\Software\Base", RegValue::sz("Kept", "yes"))
        .unwrap();
    for id in HiveId::ALL {
        fs::write(
            dir.join("prefix").join(id.file_name()),
            set.hive(id).to_bytes(),
        )
        .unwrap();
    }
    info
}

fn wine_spec(id: &str, rt: &RuntimeInfo) -> CreateSpec {
    CreateSpec {
        id: Some(id.into()),
        name: "Acme".into(),
        runtime: Some(RuntimeChoice {
            kind: RuntimeKind::Wine,
            id: Some(rt.id.clone()),
        }),
        ..Default::default()
    }
}

#[test]
fn container_yml_round_trips_and_reads_like_yaml() {
    let c = sample_config();
    let text = c.to_yaml().unwrap();
    for line in [
        "id: acme-v1",
        "name: Acme",
        "kind: wine",
        "network: none",
        "memoryMb: 512",
        "formatVersion: 1",
        "ACME_MODE: test",
    ] {
        assert!(text.contains(line), "{line:?} missing in:\n{text}");
    }
    assert_eq!(ContainerConfig::from_yaml(&text).unwrap(), c);
    // Hand-written files with defaults omitted read too.
    let minimal = "id: x1\nname: X\nruntime: {kind: native, id: null, wineVersion: null, hash: null}\ncreatedAt: '2024-01-01T00:00:00.000Z'\nformatVersion: 1\n";
    let m = ContainerConfig::from_yaml(minimal).unwrap();
    assert_eq!(
        (m.network, m.env.len(), m.limits),
        (Network::None, 0, Limits::default())
    );
}

#[test]
fn container_yml_rules_are_enforced() {
    type Breaker = Box<dyn Fn(&mut ContainerConfig)>;
    let bad: Vec<(&str, Breaker)> = vec![
        ("id", Box::new(|c| c.id = "../etc".into())),
        ("name", Box::new(|c| c.name = "  ".into())),
        ("name", Box::new(|c| c.name = "a\nb".into())),
        ("runtime.id", Box::new(|c| c.runtime.id = None)),
        (
            "runtime.hash",
            Box::new(|c| c.runtime.hash = Some("XYZ".into())),
        ),
        ("native", Box::new(|c| c.runtime.kind = RuntimeKind::Native)),
        (
            "env",
            Box::new(|c| {
                c.env.insert("A=B".into(), "x".into());
            }),
        ),
        ("memoryMb", Box::new(|c| c.limits.memory_mb = Some(1))),
        ("pids", Box::new(|c| c.limits.pids = Some(0))),
    ];
    for (what, change) in bad {
        let mut c = sample_config();
        change(&mut c);
        let err = c.validate().unwrap_err();
        assert_eq!(err.code(), "EINVAL", "{what}: {err}");
    }
    let mut future = sample_config();
    future.format_version = 2;
    let text = serde_yaml::to_string(&future).unwrap();
    assert_eq!(
        ContainerConfig::from_yaml(&text).unwrap_err().code(),
        "EBADCONFIG"
    );
    assert_eq!(
        ContainerConfig::from_yaml("id: [").unwrap_err().code(),
        "EBADCONFIG"
    );
}

#[test]
fn patches_change_only_what_they_name() {
    let mut c = sample_config();
    let patch: UpdatePatch =
        serde_json::from_value(serde_json::json!({"version": null, "network": "host"})).unwrap();
    c.apply(patch);
    assert_eq!(
        (c.version, c.network, c.name.as_str()),
        (None, Network::Host, "Acme")
    );
    assert!(serde_json::from_value::<UpdatePatch>(serde_json::json!({"id": "other"})).is_err());
    assert!(
        serde_json::from_value::<CreateSpec>(serde_json::json!({"name": "x", "bogus": 1})).is_err()
    );
}

#[test]
fn ids_and_data_dirs_are_checked() {
    for ok in ["a", "acme-v1", "A.b_c-9", &"x".repeat(64)] {
        assert!(paths::validate_id("id", ok).is_ok(), "{ok}");
    }
    for bad in ["", ".x", "-x", "a/b", "..", "a b", "é", &"x".repeat(65)] {
        assert!(paths::validate_id("id", bad).is_err(), "{bad:?}");
    }
    for bad in ["relative/dir", "/a/../b", "/a,b", "/a:b", "/a/", "/a//b"] {
        assert_eq!(DataDir::new(bad).unwrap_err().code(), "EINVAL", "{bad}");
    }
    let id = paths::id_from_name("Acme Writer 2.0!");
    assert!(
        id.starts_with("acme-writer-2-0-") && paths::validate_id("id", &id).is_ok(),
        "{id}"
    );
    assert!(paths::id_from_name("!!!").starts_with("c-"));
}

#[test]
fn folders_are_created_listed_updated_and_deleted() {
    let t = Temp::new("store");
    let data = t.data();
    let rt = fake_runtime(&data);
    let a = create(&data, wine_spec("acme-v1", &rt)).unwrap();
    assert_eq!(a.config.runtime.hash.as_deref(), Some(rt.hash.as_str()));
    assert!(!a.running && !a.installed);
    let dir = data.containers().join("acme-v1");
    for sub in [
        "container.yml",
        "layer/upper",
        "layer/work",
        "snapshots",
        "logs",
    ] {
        assert!(dir.join(sub).exists(), "{sub}");
    }
    let size = disk_usage(&dir).unwrap();
    assert!(size < 100 * 1024, "an empty container takes {size} bytes");

    let b = create(
        &data,
        CreateSpec {
            name: "Notes".into(),
            runtime: Some(RuntimeChoice {
                kind: RuntimeKind::Native,
                id: None,
            }),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(b.config.id.starts_with("notes-"));
    assert_eq!(
        create(&data, wine_spec("acme-v1", &rt)).unwrap_err().code(),
        "EEXIST"
    );
    let ids: Vec<String> = list(&data)
        .unwrap()
        .into_iter()
        .map(|c| c.config.id)
        .collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"acme-v1".to_string()) && ids.contains(&b.config.id));

    let patch = UpdatePatch {
        name: Some("Acme One".into()),
        labels: Some(BTreeMap::from([("k".into(), "v".into())])),
        ..Default::default()
    };
    let u = update(&data, "acme-v1", patch).unwrap();
    assert_eq!(get(&data, "acme-v1").unwrap().config, u.config);
    assert_eq!(u.config.name, "Acme One");
    let bad = UpdatePatch {
        limits: Some(Limits {
            memory_mb: Some(0),
            pids: None,
        }),
        ..Default::default()
    };
    assert_eq!(update(&data, "acme-v1", bad).unwrap_err().code(), "EINVAL");
    assert_eq!(
        get(&data, "acme-v1").unwrap().config.name,
        "Acme One",
        "a refused patch writes nothing"
    );

    delete(&data, "acme-v1").unwrap();
    assert!(!dir.exists());
    assert_eq!(
        get(&data, "acme-v1").unwrap_err().code(),
        "ENOTFOUND_CONTAINER"
    );
    assert_eq!(
        delete(&data, "acme-v1").unwrap_err().code(),
        "ENOTFOUND_CONTAINER"
    );
    assert_eq!(
        update(&data, "acme-v1", UpdatePatch::default())
            .unwrap_err()
            .code(),
        "ENOTFOUND_CONTAINER"
    );
    assert_eq!(get(&data, "../runtimes").unwrap_err().code(), "EINVAL");
    let names: Vec<String> = fs::read_dir(data.containers())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into())
        .collect();
    assert_eq!(
        names,
        vec![b.config.id.clone()],
        "no staging or trash folder is left behind"
    );
}

#[test]
fn wine_containers_need_an_existing_runtime() {
    let t = Temp::new("rt");
    let data = t.data();
    let spec = CreateSpec {
        id: Some("x".into()),
        name: "X".into(),
        runtime: Some(RuntimeChoice {
            kind: RuntimeKind::Wine,
            id: Some("wine-8.0-000000000000".into()),
        }),
        ..Default::default()
    };
    assert_eq!(create(&data, spec).unwrap_err().code(), "ENOTFOUND_RUNTIME");
    assert!(!data.containers().join("x").exists());
}

#[test]
fn a_busy_container_cannot_be_deleted() {
    let t = Temp::new("busy");
    let data = t.data();
    let rt = fake_runtime(&data);
    create(&data, wine_spec("c1", &rt)).unwrap();
    let paths = data.container("c1").unwrap();
    let held = lock::lock_busy("c1", &paths, "testing").unwrap();
    assert_eq!(delete(&data, "c1").unwrap_err().code(), "ERUNNING");
    assert_eq!(
        registry::set_value(&data, "c1", r"HKCU\Software\X", RegValue::dword("n", 1))
            .unwrap_err()
            .code(),
        "ERUNNING"
    );
    drop(held);
    delete(&data, "c1").unwrap();
}

#[test]
fn registry_edits_land_in_the_layer_and_never_in_the_runtime() {
    let t = Temp::new("reg");
    let data = t.data();
    let rt = fake_runtime(&data);
    create(&data, wine_spec("c1", &rt)).unwrap();
    let lower = data.runtimes().join(&rt.id).join("prefix");
    let upper = data.containers().join("c1/layer/upper");
    let base_system = fs::read(lower.join("system.reg")).unwrap();

    // Reads see the runtime until the container has its own copy.
    let q = registry::query(&data, "c1", r"HKLM\Software\Base").unwrap();
    assert_eq!(q.values, vec![RegValue::sz("Kept", "yes")]);
    registry::set_value(
        &data,
        "c1",
        r"HKLM\Software\Acme",
        RegValue::sz("Version", "1.0.0"),
    )
    .unwrap();
    assert!(
        upper.join("system.reg").is_file() && !upper.join("user.reg").exists(),
        "only the edited hive is copied up"
    );
    assert_eq!(
        fs::read(lower.join("system.reg")).unwrap(),
        base_system,
        "the runtime is never written"
    );
    assert_eq!(
        registry::get_value(&data, "c1", r"HKEY_LOCAL_MACHINE\Software\Acme", "Version").unwrap(),
        RegValue::sz("Version", "1.0.0")
    );
    assert_eq!(
        registry::query(&data, "c1", r"HKLM\Software\Base")
            .unwrap()
            .values
            .len(),
        1,
        "the copy keeps the rest"
    );

    let d = registry::diff(&data, "c1").unwrap();
    assert_eq!(
        d.keys_added,
        vec![r"HKEY_LOCAL_MACHINE\Software\Acme".to_string()]
    );
    assert_eq!(d.values_added.len(), 1);

    let exported = registry::export(&data, "c1", r"HKLM\Software\Acme").unwrap();
    assert!(
        exported.starts_with("Windows Registry Editor Version 5.00")
            && exported.contains("\"Version\"=\"1.0.0\""),
        "{exported}"
    );
    let reg = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Software\\Acme\\Settings]\r\n\"Greeting\"=\"hi\"\r\n\"Count\"=dword:00000002\r\n";
    let s = registry::import(&data, "c1", reg.as_bytes()).unwrap();
    assert_eq!(s.values_set, 2);
    assert!(s.keys_created >= 1);
    assert_eq!(
        registry::get_value(&data, "c1", r"HKCU\Software\Acme\Settings", "Count").unwrap(),
        RegValue::dword("Count", 2)
    );
    assert_eq!(
        registry::import(&data, "c1", b"not a reg file")
            .unwrap_err()
            .code(),
        "EBADREG"
    );

    registry::delete(
        &data,
        "c1",
        r"HKCU\Software\Acme\Settings",
        Some("Greeting"),
    )
    .unwrap();
    assert_eq!(
        registry::get_value(&data, "c1", r"HKCU\Software\Acme\Settings", "Greeting")
            .unwrap_err()
            .code(),
        "ENOTFOUND_VALUE"
    );
    registry::delete(&data, "c1", r"HKLM\Software\Acme", None).unwrap();
    assert_eq!(
        registry::query(&data, "c1", r"HKLM\Software\Acme")
            .unwrap_err()
            .code(),
        "ENOTFOUND_KEY"
    );
    assert_eq!(
        registry::query(&data, "nope", r"HKLM\Software")
            .unwrap_err()
            .code(),
        "ENOTFOUND_CONTAINER"
    );
}

#[test]
fn runtime_hives_are_parsed_once_and_read_again_when_the_file_changes() {
    let t = Temp::new("reg-cache");
    let data = t.data();
    let rt = fake_runtime(&data);
    create(&data, wine_spec("c1", &rt)).unwrap();
    create(&data, wine_spec("c2", &rt)).unwrap();
    let lower = data.runtimes().join(&rt.id).join("prefix");
    let kept = |c: &str| registry::get_value(&data, c, r"HKLM\Software\Base", "Kept").unwrap();
    assert_eq!(kept("c1"), RegValue::sz("Kept", "yes"));
    // A copy from the cache: an edit of one container shows neither in the other nor later.
    registry::set_value(
        &data,
        "c1",
        r"HKLM\Software\Base",
        RegValue::sz("Kept", "c1"),
    )
    .unwrap();
    assert_eq!(kept("c2"), RegValue::sz("Kept", "yes"));
    assert_eq!(kept("c1"), RegValue::sz("Kept", "c1"));
    // The runtime's file replaced (a runtime made again under its id): read afresh.
    let mut set = HiveSet::empty();
    set.set_value(r"HKLM\Software\Base", RegValue::sz("Kept", "remade"))
        .unwrap();
    let tmp = lower.join("system.reg.new");
    fs::write(&tmp, set.hive(HiveId::System).to_bytes()).unwrap();
    fs::rename(&tmp, lower.join("system.reg")).unwrap();
    assert_eq!(kept("c2"), RegValue::sz("Kept", "remade"));
}

#[test]
fn display_is_stored_and_files_without_it_load_as_none() {
    // A container.yml written before displays existed has no display line.
    let text = sample_config().to_yaml().unwrap();
    assert!(text.contains("display: none\n"), "{text}");
    let old = text.replace("display: none\n", "");
    assert!(!old.contains("display"));
    assert_eq!(
        ContainerConfig::from_yaml(&old).unwrap().display,
        DisplayMode::None
    );
    let mut c = sample_config();
    c.display = DisplayMode::Host;
    let text = c.to_yaml().unwrap();
    assert!(text.contains("display: host\n"), "{text}");
    assert_eq!(ContainerConfig::from_yaml(&text).unwrap(), c);
    let wrong = text.replace("display: host", "display: wayland");
    assert_eq!(
        ContainerConfig::from_yaml(&wrong).unwrap_err().code(),
        "EBADCONFIG"
    );

    let spec = |v| serde_json::from_value::<CreateSpec>(v);
    assert_eq!(
        spec(serde_json::json!({"name": "x", "display": "host"}))
            .unwrap()
            .display,
        DisplayMode::Host
    );
    assert_eq!(
        spec(serde_json::json!({"name": "x"})).unwrap().display,
        DisplayMode::None
    );
    assert!(spec(serde_json::json!({"name": "x", "display": "x11"})).is_err());

    let patch = |v| serde_json::from_value::<UpdatePatch>(v).unwrap();
    let mut c = sample_config();
    c.apply(patch(serde_json::json!({"display": "host"})));
    assert_eq!(c.display, DisplayMode::Host);
    c.apply(patch(serde_json::json!({"name": "Other"})));
    assert_eq!(
        c.display,
        DisplayMode::Host,
        "a patch without display keeps it"
    );
    c.apply(patch(serde_json::json!({"display": "none"})));
    assert_eq!(c.display, DisplayMode::None);
}

#[test]
fn display_goes_through_create_update_and_the_info_json() {
    let t = Temp::new("display");
    let data = t.data();
    let native = |display| CreateSpec {
        name: "Paint".into(),
        runtime: Some(RuntimeChoice {
            kind: RuntimeKind::Native,
            id: None,
        }),
        display,
        ..Default::default()
    };
    let a = create(&data, native(DisplayMode::Host)).unwrap();
    let json = serde_json::to_value(&a).unwrap();
    assert_eq!(json["display"], "host", "{json}");
    assert_eq!(
        get(&data, &a.config.id).unwrap().config.display,
        DisplayMode::Host
    );
    let b = create(&data, native(DisplayMode::None)).unwrap();
    assert_eq!(serde_json::to_value(&b).unwrap()["display"], "none");
    let patch = UpdatePatch {
        display: Some(DisplayMode::Host),
        ..Default::default()
    };
    let u = update(&data, &b.config.id, patch).unwrap();
    assert_eq!(u.config.display, DisplayMode::Host);
    assert_eq!(
        get(&data, &b.config.id).unwrap().config.display,
        DisplayMode::Host
    );
}
