//! Making a base runtime: `wineboot --init` inside the sandbox into a fresh folder, cut the
//! prefix off from the host (see `sanitize`), let Wine settle once without the host links,
//! scan it, name it by its content hash, and move it into place read-only.
//!
//! Everything happens in `runtimes/.tmp-*` and ends with one rename, so a crash leaves no half
//! runtime under a real id. The caller holds the runtimes lock (see `store`).

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use std::time::Duration;

use super::content::content_hash;
use super::error::RuntimeError;
use super::model::{OnEvent, Phase, RuntimeEvent, RuntimeInfo, RUNTIME_FORMAT_VERSION};
use super::sandboxed::{run_to_end, Finished};
use super::sanitize::{cut_host_links, disable_menubuilder};
use crate::container::files::{fsync_dir, now_rfc3339, random_hex, remove_tree, write_atomic};
use crate::container::DataDir;
use crate::sandbox::{Kind, Limits, Network, Prefix, RunSpec, PREFIX};
use crate::walk::{self, ScanOptions, Tree};

/// Folder names under runtimes/ that are work in progress, never runtimes.
pub const TMP_PREFIX: &str = ".tmp-";

/// What the first boot runs. Gecko and Mono installers are switched off for it (no network, no
/// display to ask on), winemenubuilder too; `wineserver -w` waits until the prefix is written.
const INIT_SCRIPT: &str = "wineboot --init && wineserver -w";
/// The settling run, after the host links are gone: a normal boot and one program start, so
/// what Wine rewrites on every start (fonts registered through host paths, network cards) is
/// already in the runtime and not in every container's first diff.
const SETTLE_SCRIPT: &str = "wineboot && wineserver -w && wine cmd.exe /c exit 0 && wineserver -w";

/// How long Wine's leftovers may run after the script ended, before the sandbox is stopped.
const SETTLE_TIME: Duration = Duration::from_secs(60);

fn wine_spec(prefix: &Path, script: &str) -> RunSpec {
    let env: BTreeMap<String, String> = [
        ("WINEPREFIX", PREFIX),
        ("WINEDEBUG", "-all"),
        (
            "WINEDLLOVERRIDES",
            "winemenubuilder.exe=d;mscoree=d;mshtml=d",
        ),
        ("LANG", "C.UTF-8"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    RunSpec {
        kind: Kind::Native,
        program: "/bin/sh".into(),
        args: vec!["-c".into(), script.into()],
        env,
        cwd: Some(PREFIX.into()),
        prefix: Some(Prefix::Bind {
            path: prefix.to_path_buf(),
        }),
        binds: vec![],
        network: Network::None,
        limits: Limits::default(),
        instance: None,
        linger_ms: Some(30_000),
        display: None,
    }
}

/// Run one script on the prefix; EWINEBOOT with the output's tail if it fails.
fn boot(
    prefix: &Path,
    script: &str,
    what: &str,
    on_event: OnEvent<'_>,
) -> Result<(), RuntimeError> {
    let tail = Mutex::new(std::collections::VecDeque::<String>::new());
    let finished = run_to_end(wine_spec(prefix, script), SETTLE_TIME, &|stream, line| {
        {
            let mut t = tail.lock().unwrap_or_else(|p| p.into_inner());
            if t.len() == 20 {
                t.pop_front();
            }
            t.push_back(line.to_string());
        }
        on_event(RuntimeEvent {
            phase: Phase::Wineboot,
            message: format!("{}: {line}", stream.name()),
        });
    })?;
    if finished
        != (Finished {
            code: Some(0),
            signal: None,
        })
    {
        let tail = tail.into_inner().unwrap_or_else(|p| p.into_inner());
        let how = match (finished.code, finished.signal) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(s)) => format!("signal {s}"),
            _ => "an unknown status".into(),
        };
        return Err(RuntimeError::Wineboot(format!(
            "{what} failed with {how}; last output:\n{}",
            tail.into_iter().collect::<Vec<_>>().join("\n")
        )));
    }
    Ok(())
}

/// `wine-8.0 (Debian 8.0~repack-4)` -> `wine-8.0`: the part of an id that names the Wine.
pub fn wine_slug(wine_version: &str) -> String {
    let first = wine_version.split_whitespace().next().unwrap_or("wine");
    let slug: String = first
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(32)
        .collect();
    if slug.is_empty() || !slug.as_bytes()[0].is_ascii_alphanumeric() {
        format!("wine-{slug}")
    } else {
        slug
    }
}

/// Remove work folders a crashed creation left (only ever called with the lock held).
pub fn clean_stale(runtimes: &Path) {
    if let Ok(entries) = fs::read_dir(runtimes) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(TMP_PREFIX) {
                let _ = remove_tree(&e.path());
            }
        }
    }
}

/// Make a new runtime for `wine_version` (the caller holds the runtimes lock).
pub fn create_locked(
    data: &DataDir,
    wine_version: &str,
    on_event: OnEvent<'_>,
) -> Result<RuntimeInfo, RuntimeError> {
    let runtimes = data.runtimes();
    clean_stale(&runtimes);
    let work = runtimes.join(format!(
        "{TMP_PREFIX}{}-{}",
        std::process::id(),
        random_hex(4)
    ));
    let result = build(data, &work, wine_version, on_event);
    if result.is_err() {
        let _ = remove_tree(&work);
    }
    result
}

fn build(
    data: &DataDir,
    work: &Path,
    wine_version: &str,
    on_event: OnEvent<'_>,
) -> Result<RuntimeInfo, RuntimeError> {
    let say = |phase, message: String| on_event(RuntimeEvent { phase, message });
    let prefix = work.join("prefix");
    fs::DirBuilder::new()
        .mode(0o755)
        .create(work)
        .map_err(|e| RuntimeError::io(e, "create", work))?;
    fs::DirBuilder::new()
        .mode(0o755)
        .create(&prefix)
        .map_err(|e| RuntimeError::io(e, "create", &prefix))?;

    say(
        Phase::Wineboot,
        format!("wineboot --init with {wine_version}"),
    );
    boot(&prefix, INIT_SCRIPT, "wineboot --init", on_event)?;
    if !prefix.join("system.reg").is_file() {
        return Err(RuntimeError::Wineboot(
            "wineboot --init ended without writing system.reg".into(),
        ));
    }
    let cut = cut_host_links(&prefix)?;
    say(
        Phase::Wineboot,
        format!(
            "removed host links: {}",
            [cut.removed, cut.replaced].concat().join(", ")
        ),
    );
    disable_menubuilder(&prefix)?;
    say(
        Phase::Wineboot,
        "settling the prefix without host links".into(),
    );
    boot(&prefix, SETTLE_SCRIPT, "the settling boot", on_event)?;
    // Nothing should come back, but the runtime must hold no way out whatever Wine did.
    cut_host_links(&prefix)?;

    say(Phase::Scan, "scanning the prefix".into());
    let tree = walk::scan(
        &prefix,
        &ScanOptions::default(),
        None,
        &|p| {
            say(
                Phase::Scan,
                format!("{} files seen, {} hashed", p.files_seen, p.files_hashed),
            )
        },
        &AtomicBool::new(false),
    )?;

    say(Phase::Finalize, "naming and sealing the runtime".into());
    finalize(data, work, tree, wine_version)
}

/// Write runtime.json and tree.json, seal, and rename the work folder to the runtime's id.
fn finalize(
    data: &DataDir,
    work: &Path,
    tree: Tree,
    wine_version: &str,
) -> Result<RuntimeInfo, RuntimeError> {
    let hash = content_hash(&tree);
    let info = RuntimeInfo {
        id: format!("{}-{}", wine_slug(wine_version), &hash[..12]),
        wine_version: wine_version.to_string(),
        hash,
        created_at: now_rfc3339(),
        format_version: RUNTIME_FORMAT_VERSION,
        files: tree
            .entries()
            .iter()
            .filter(|e| e.kind == walk::Kind::File)
            .count() as u64,
        bytes: tree.file_bytes(),
    };
    let write = |path: PathBuf, bytes: &[u8]| {
        write_atomic(&path, bytes, 0o444).map_err(|e| RuntimeError::io(e, "write", &path))
    };
    write(work.join("tree.json"), &tree.to_json())?;
    write(
        work.join("runtime.json"),
        &serde_json::to_vec_pretty(&info).map_err(crate::error::CoreError::from)?,
    )?;
    seal(work)?;
    let dest = data.runtimes().join(&info.id);
    if dest.exists() {
        // The same content was made before (only possible for a byte-identical prefix): keep it.
        let _ = remove_tree(work);
        return Ok(info);
    }
    fs::rename(work, &dest).map_err(|e| RuntimeError::io(e, "rename into place", &dest))?;
    fsync_dir(&data.runtimes()).map_err(|e| RuntimeError::io(e, "sync", &data.runtimes()))?;
    Ok(info)
}

/// The runtime folder and the prefix's top folder become read-only. The files inside keep their
/// modes on purpose: overlayfs copies a file's mode up with it, and a container's Wine (running
/// as the orbit user, without root's override) must be able to write what it copied up. The
/// lower layer is never written by design, and `verify` proves it was not.
fn seal(work: &Path) -> Result<(), RuntimeError> {
    for dir in [work.join("prefix"), work.to_path_buf()] {
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o555))
            .map_err(|e| RuntimeError::io(e, "chmod", &dir))?;
    }
    Ok(())
}
