//! A captured install: run an installer in the container's sandbox, wait until Wine is done,
//! and record in manifest.json what it changed relative to the container before the run.
//!
//! prepare (check, lock, scan the layer and read the registry as they are) -> install (the
//! sandboxed run, output streamed) -> scan (the layer again) -> registry (merged hives again)
//! -> done (manifest.json written atomically, the run's output kept in logs/).

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::error::CaptureError;
use super::installer::{self, Installer, INSTALLER_DIR, INSTALL_SCRIPT};
use super::manifest::{
    assemble, Excluded, InstallerInfo, Manifest, ManifestRuntime, MANIFEST_FORMAT_VERSION,
};
use crate::container::files::{now_rfc3339, write_atomic};
use crate::container::lock::lock_busy;
use crate::container::registry::merged_hives;
use crate::container::{self, ContainerConfig, ContainerPaths, DataDir, RuntimeKind};
use crate::runtime::sandboxed::run_to_end;
use crate::sandbox::{Bind, Kind, Limits, Prefix, RunSpec, X11Display, PREFIX};
use crate::walk::{self, ScanOptions, Tree};
use crate::{registry, runtime};

/// A progress report of `install`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "lowercase")]
pub enum InstallEvent {
    Prepare {
        message: String,
    },
    /// One line the installer (or Wine) printed.
    Install {
        stream: &'static str,
        line: String,
    },
    #[serde(rename_all = "camelCase")]
    Scan {
        files_seen: u64,
        entries_seen: u64,
    },
    Registry {
        message: String,
    },
    Done {
        message: String,
    },
}

pub type OnInstallEvent<'a> = &'a (dyn Fn(InstallEvent) + Sync);

/// How the installer runs, beyond the container's own policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct InstallOptions {
    /// The X11 display the installer's windows show on (a GUI-only installer needs one to be
    /// clicked through). The caller resolves it from the container's display mode, as for runs;
    /// None: no display, as for a container with display `none`.
    #[serde(default)]
    pub display: Option<X11Display>,
}

/// Time Wine's leftovers get after the install script ended (it already waited for wineserver).
const SETTLE: Duration = Duration::from_secs(30);
/// Lines of installer output kept in the install log.
const LOG_LINES: usize = 20_000;

fn scan_layer(upper: &Path, on_event: Option<OnInstallEvent<'_>>) -> Result<Tree, CaptureError> {
    let report = |p: walk::Progress| {
        if let Some(cb) = on_event {
            cb(InstallEvent::Scan {
                files_seen: p.files_seen,
                entries_seen: p.entries_seen,
            });
        }
    };
    Ok(walk::scan(
        upper,
        &ScanOptions::default(),
        None,
        &report,
        &AtomicBool::new(false),
    )?)
}

/// The run: the installer script over the container's overlay, with the container's policy.
pub(super) fn install_spec(
    config: &ContainerConfig,
    paths: &ContainerPaths,
    lower: &Path,
    inst: &Installer,
    args: &[String],
    display: Option<X11Display>,
) -> RunSpec {
    let mut env: BTreeMap<String, String> = config.env.clone();
    let overrides = match env.get("WINEDLLOVERRIDES") {
        Some(own) if !own.is_empty() => format!("{own};winemenubuilder.exe=d"),
        _ => "winemenubuilder.exe=d".to_string(),
    };
    env.insert("WINEDLLOVERRIDES".into(), overrides);
    env.insert("WINEPREFIX".into(), PREFIX.into());
    env.entry("WINEDEBUG".into())
        .or_insert_with(|| "-all".into());
    env.entry("LANG".into()).or_insert_with(|| "C.UTF-8".into());
    let mut script_args = vec![
        "-c".to_string(),
        INSTALL_SCRIPT.to_string(),
        "orbit-install".into(),
    ];
    script_args.push(inst.name.clone());
    script_args.push(inst.kind.name().into());
    script_args.extend(args.iter().cloned());
    RunSpec {
        kind: Kind::Native,
        program: "/bin/sh".into(),
        args: script_args,
        env,
        cwd: Some(format!("{PREFIX}/drive_c")),
        prefix: Some(Prefix::Overlay {
            lower: lower.to_path_buf(),
            upper: paths.upper(),
            work: paths.work(),
        }),
        binds: vec![Bind {
            src: inst.path.clone(),
            dst: format!("{INSTALLER_DIR}/{}", inst.name),
            writable: false,
        }],
        network: config.network,
        limits: Limits {
            memory_bytes: config.limits.memory_mb.map(|mb| mb.saturating_mul(1 << 20)),
            pids: config.limits.pids,
        },
        instance: Some(config.id.clone()),
        linger_ms: Some(10_000),
        display,
    }
}

/// Install `installer` (an .exe, or an .msi through msiexec) with `args` into container `id`,
/// shown on `options.display` if any.
/// The manifest is written and returned whatever the installer's exit code (it is recorded in
/// `installer.exitCode`); errors mean the capture itself could not be made.
pub fn install(
    data: &DataDir,
    id: &str,
    installer_path: &Path,
    args: &[String],
    options: &InstallOptions,
    on_event: OnInstallEvent<'_>,
) -> Result<Manifest, CaptureError> {
    let say = |e: InstallEvent| on_event(e);
    say(InstallEvent::Prepare {
        message: format!("checking container {id} and {}", installer_path.display()),
    });
    let (config, paths) = container::load(data, id)?;
    let rt_id = match (config.runtime.kind, &config.runtime.id) {
        (RuntimeKind::Wine, Some(rt)) => rt.clone(),
        _ => {
            return Err(CaptureError::Invalid(format!(
                "container {id} is not a Wine container; installers need one"
            )))
        }
    };
    let rt = runtime::get(data, &rt_id)?;
    if Some(&rt.hash) != config.runtime.hash.as_ref() {
        return Err(CaptureError::Core(crate::error::CoreError::new(
            "EBADRUNTIME",
            format!("runtime {rt_id} does not hold the content container {id} was made on (hash differs)"),
        )));
    }
    if args.iter().any(|a| a.contains('\0')) {
        return Err(CaptureError::Invalid(
            "installer arguments must not contain NUL".into(),
        ));
    }
    let inst = installer::check(installer_path)?;
    let _busy = lock_busy(id, &paths, "installing into it")?;

    let lower_dir = runtime::paths(data, &rt_id)?.prefix();
    let lower = runtime::tree(data, &rt_id)?;
    let upper_before = scan_layer(&paths.upper(), None)?;
    let reg_before = merged_hives(Some(&lower_dir), &paths.upper())?;

    say(InstallEvent::Prepare {
        message: format!(
            "running {} ({}, {} bytes) in the sandbox",
            inst.name,
            inst.kind.name(),
            inst.size
        ),
    });
    let log = Mutex::new(Vec::<String>::new());
    let started = Instant::now();
    let finished = run_to_end(
        install_spec(
            &config,
            &paths,
            &lower_dir,
            &inst,
            args,
            options.display.clone(),
        ),
        SETTLE,
        &|stream, line| {
            {
                let mut l = log.lock().unwrap_or_else(|p| p.into_inner());
                if l.len() < LOG_LINES {
                    l.push(format!("{}: {line}", stream.name()));
                }
            }
            on_event(InstallEvent::Install {
                stream: stream.name(),
                line: line.to_string(),
            });
        },
    )?;
    let duration_ms = started.elapsed().as_millis() as u64;

    let upper_after = scan_layer(&paths.upper(), Some(on_event))?;
    say(InstallEvent::Registry {
        message: "comparing the registry with the state before".into(),
    });
    let reg_after = merged_hives(Some(&lower_dir), &paths.upper())?;
    let reg_diff = registry::diff_sets(&reg_before, &reg_after);
    let upper = paths.upper();
    let captured = assemble(&lower, &upper_before, &upper_after, reg_diff, &|p| {
        fs::read(upper.join(p)).ok()
    });

    let manifest = Manifest {
        format_version: MANIFEST_FORMAT_VERSION,
        container_id: config.id.clone(),
        runtime: ManifestRuntime {
            id: rt.id,
            hash: rt.hash,
        },
        captured_at: now_rfc3339(),
        installer: InstallerInfo {
            name: inst.name.clone(),
            kind: inst.kind.name().into(),
            size: inst.size,
            blake3: inst.blake3.clone(),
            args: args.to_vec(),
            exit_code: finished.code,
            signal: finished.signal,
            duration_ms,
        },
        files: captured.files,
        directories: captured.directories,
        registry: captured.registry,
        entry_points: captured.entry_points,
        excluded: Excluded::default(),
        summary: captured.summary,
    };
    let json = serde_json::to_vec_pretty(&manifest).map_err(crate::error::CoreError::from)?;
    write_atomic(&paths.manifest(), &json, 0o644)
        .map_err(|e| crate::error::CoreError::io(e, "write", &paths.manifest()))?;
    write_log(
        &paths,
        &manifest.captured_at,
        &log.into_inner().unwrap_or_else(|p| p.into_inner()),
    );
    let s = manifest.summary;
    say(InstallEvent::Done {
        message: format!(
            "installer exited with {}; {} files added, {} changed, {} removed, {} values added, {} entry points",
            finished.code.map_or_else(|| format!("signal {}", finished.signal.unwrap_or(0)), |c| format!("code {c}")),
            s.files_added,
            s.files_changed,
            s.files_removed,
            s.values_added,
            s.entry_points
        ),
    });
    Ok(manifest)
}

/// logs/install-<time>.log with the installer's output; a failure here does not fail the capture.
fn write_log(paths: &ContainerPaths, at: &str, lines: &[String]) {
    let name = format!("install-{}.log", at.replace([':', '.'], "-"));
    let mut text = lines.join("\n");
    text.push('\n');
    let _ = write_atomic(&paths.logs().join(name), text.as_bytes(), 0o644);
}
