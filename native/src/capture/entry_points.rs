//! An install's entry points: the Start Menu shortcuts it added (read with `lnk::parse_lnk`,
//! kept when they point into drive C), then the new .exe files under Program Files that no
//! shortcut points at. A program reached both ways is one entry point, the shortcut's.

use std::collections::HashSet;

use serde::Serialize;

use super::manifest::{ChangeKind, FileChange};
use super::winpath::fold;
use crate::lnk::parse_lnk;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntrySource {
    Shortcut,
    Executable,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct EntryPoint {
    /// The shortcut's or the program's file name without extension ("Acme").
    pub name: String,
    /// `C:\...` of the program.
    pub target: String,
    pub arguments: Option<String>,
    pub working_dir: Option<String>,
    pub description: Option<String>,
    pub icon: Option<String>,
    /// `C:\...` of the .lnk file, for shortcuts.
    pub shortcut: Option<String>,
    pub source: EntrySource,
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    s.len() >= suffix.len()
        && s.as_bytes()[s.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
}

fn stem(path: &str) -> String {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    match name.rfind('.') {
        Some(dot) if dot > 0 => name[..dot].to_string(),
        _ => name.to_string(),
    }
}

fn is_start_menu_shortcut(f: &FileChange) -> bool {
    f.kind == "file"
        && f.change != ChangeKind::Removed
        && ends_with_ci(&f.prefix_path, ".lnk")
        && f.prefix_path.to_lowercase().contains("/start menu/")
}

fn is_program_files_exe(f: &FileChange) -> bool {
    let p = f.prefix_path.to_lowercase();
    f.kind == "file"
        && f.change == ChangeKind::Added
        && p.ends_with(".exe")
        && (p.starts_with("drive_c/program files/")
            || p.starts_with("drive_c/program files (x86)/"))
}

/// A shortcut target inside drive C, as `C:\...` with backslashes.
fn c_drive_target(target: &str) -> Option<String> {
    let t = target.replace('/', "\\");
    let b = t.as_bytes();
    (b.len() > 3 && b[0].eq_ignore_ascii_case(&b'c') && b[1] == b':' && b[2] == b'\\')
        .then(|| format!("C{}", &t[1..]))
}

/// Entry points among `files`; `read_file` gives a prefix path's bytes (the .lnk files).
pub fn entry_points(
    files: &[FileChange],
    read_file: &dyn Fn(&str) -> Option<Vec<u8>>,
) -> Vec<EntryPoint> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut targeted = HashSet::new();
    for f in files.iter().filter(|f| is_start_menu_shortcut(f)) {
        // A shortcut that cannot be read or parsed is not an entry point; the file is still listed.
        let Some(link) = read_file(&f.prefix_path).and_then(|b| parse_lnk(&b).ok()) else {
            continue;
        };
        let Some(target) = link.target.as_deref().and_then(c_drive_target) else {
            continue;
        };
        if !seen.insert((fold(&target), link.arguments.clone())) {
            continue;
        }
        targeted.insert(fold(&target));
        out.push(EntryPoint {
            name: stem(&f.prefix_path),
            target,
            arguments: link.arguments,
            working_dir: link.working_dir,
            description: link.description,
            icon: link.icon_location,
            shortcut: f.path.clone(),
            source: EntrySource::Shortcut,
        });
    }
    out.sort_by(|a, b| (&a.name, &a.target).cmp(&(&b.name, &b.target)));
    let mut exes: Vec<EntryPoint> = files
        .iter()
        .filter(|f| is_program_files_exe(f))
        .filter_map(|f| f.path.clone())
        .filter(|p| !targeted.contains(&fold(p)))
        .map(|p| EntryPoint {
            name: stem(&p),
            target: p,
            arguments: None,
            working_dir: None,
            description: None,
            icon: None,
            shortcut: None,
            source: EntrySource::Executable,
        })
        .collect();
    exes.sort_by(|a, b| a.target.cmp(&b.target));
    out.extend(exes);
    out
}
