//! The merged view itself: a folder is the list of its layer directories (top first, cut after
//! an opaque one), each held open. A name is looked up in every layer, top first: a whiteout
//! hides it; a non-directory on top is the entry; directories merge until a layer holds
//! something else or one of them is opaque — overlayfs's own rules.

use std::collections::BTreeMap;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::ErrorKind;
use std::os::unix::fs::{FileTypeExt, MetadataExt, OpenOptionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{not_found, outside, FileEntry, Listing, ResolvedFile};
use crate::error::{CoreError, Result};
use crate::walk::overlay;

/// Most symlinks one path may go through (Linux's own limit).
const MAX_HOPS: usize = 40;

/// Where an entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Origin {
    /// The container's layer (or a clone's frozen layer under it).
    Container,
    /// The base runtime the container stacks on.
    Runtime,
}

/// One layer's directory, held open.
struct Layer {
    dir: File,
    origin: Origin,
    /// The directory holds xattr whiteouts (`overlay.opaque` = "x").
    xwhiteouts: bool,
}

impl Layer {
    /// `/proc/self/fd/N/name`: `name` inside this very directory, whatever its path is now.
    fn at(&self, name: &str) -> PathBuf {
        fd_path(&self.dir).join(name)
    }
}

/// A merged folder: its layer directories, top first.
type Dir = Vec<Layer>;

fn fd_path(f: &File) -> PathBuf {
    PathBuf::from(format!("/proc/self/fd/{}", f.as_raw_fd()))
}

fn walk_err(e: crate::walk::WalkError) -> CoreError {
    CoreError::new(e.code(), e.to_string())
}

/// Opens a directory without following a symlink at its last name.
fn open_dir(path: &Path) -> Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
        .open(path)
        .map_err(|e| CoreError::io(e, "open folder", path))
}

fn layer(dir: File, origin: Origin) -> Result<(Layer, bool)> {
    let marks = overlay::dir_marks(&fd_path(&dir).join(".")).map_err(walk_err)?;
    let layer = Layer {
        dir,
        origin,
        xwhiteouts: marks.has_xwhiteouts,
    };
    Ok((layer, marks.opaque))
}

fn lstat(path: &Path) -> Result<Option<Metadata>> {
    match fs::symlink_metadata(path) {
        Ok(m) => Ok(Some(m)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(CoreError::io(e, "stat", path)),
    }
}

fn is_whiteout(layer: &Layer, name: &str, meta: &Metadata) -> Result<bool> {
    if meta.file_type().is_char_device() && meta.rdev() == 0 {
        return Ok(true);
    }
    if layer.xwhiteouts && meta.is_file() {
        return overlay::file_is_whiteout(&layer.at(name), true).map_err(walk_err);
    }
    Ok(false)
}

fn mtime_ms(meta: &Metadata) -> f64 {
    meta.mtime() as f64 * 1000.0 + (meta.mtime_nsec() / 1_000_000) as f64
}

/// What a name is in a merged folder.
enum Found {
    Dir(Dir),
    /// A non-directory: the layer (index into the folder) that holds it, and its metadata.
    Leaf(usize, Metadata),
}

fn lookup(dir: &Dir, name: &str) -> Result<Option<Found>> {
    let mut merged: Dir = Vec::new();
    for (i, layer) in dir.iter().enumerate() {
        let Some(meta) = lstat(&layer.at(name))? else {
            continue;
        };
        if is_whiteout(layer, name, &meta)? {
            break;
        }
        if !meta.is_dir() {
            if merged.is_empty() {
                return Ok(Some(Found::Leaf(i, meta)));
            }
            break;
        }
        let (sub, opaque) = self::layer(open_dir(&layer.at(name))?, layer.origin)?;
        merged.push(sub);
        if opaque {
            break;
        }
    }
    Ok((!merged.is_empty()).then_some(Found::Dir(merged)))
}

fn describe(layer: &Layer, name: &str, meta: &Metadata) -> Result<Option<FileEntry>> {
    let ft = meta.file_type();
    let (kind, target) = if ft.is_dir() {
        ("dir", None)
    } else if ft.is_file() {
        ("file", None)
    } else if ft.is_symlink() {
        let path = layer.at(name);
        let t = fs::read_link(&path).map_err(|e| CoreError::io(e, "read link", &path))?;
        ("link", Some(t.to_string_lossy().into_owned()))
    } else {
        return Ok(None);
    };
    Ok(Some(FileEntry {
        name: name.to_string(),
        kind,
        size: meta.len(),
        mtime: mtime_ms(meta),
        target,
        origin: layer.origin,
    }))
}

/// Every visible entry of a merged folder: folders first, then by name ignoring case.
fn entries(dir: &Dir) -> Result<Vec<FileEntry>> {
    let mut seen: BTreeMap<String, Option<FileEntry>> = BTreeMap::new();
    for layer in dir {
        let here = fd_path(&layer.dir);
        let read = fs::read_dir(&here).map_err(|e| CoreError::io(e, "list", &here))?;
        for item in read {
            let item = item.map_err(|e| CoreError::io(e, "list", &here))?;
            // Wine only makes UTF-8 names; another name could not be addressed by a Windows path.
            let Ok(name) = item.file_name().into_string() else {
                continue;
            };
            if seen.contains_key(&name) {
                continue;
            }
            let Some(meta) = lstat(&layer.at(&name))? else {
                continue;
            };
            let entry = if is_whiteout(layer, &name, &meta)? {
                None
            } else {
                describe(layer, &name, &meta)?
            };
            seen.insert(name, entry);
        }
    }
    let mut out: Vec<FileEntry> = seen.into_values().flatten().collect();
    out.sort_by_cached_key(|e| (e.kind != "dir", e.name.to_lowercase(), e.name.clone()));
    Ok(out)
}

/// A name's entry in a folder: the exact name, else the one name equal to it ignoring case
/// (Windows names are case-insensitive; Wine looks them up the same way).
fn lookup_any_case(dir: &Dir, name: &str) -> Result<Option<(String, Found)>> {
    if let Some(found) = lookup(dir, name)? {
        return Ok(Some((name.to_string(), found)));
    }
    let wanted = name.to_lowercase();
    let matches: Vec<String> = entries(dir)?
        .into_iter()
        .filter(|e| e.name.to_lowercase() == wanted)
        .map(|e| e.name)
        .collect();
    match matches.as_slice() {
        [] => Ok(None),
        [one] => Ok(lookup(dir, one)?.map(|f| (one.clone(), f))),
        _ => Err(CoreError::invalid(format!(
            "{name:?} matches {} names that differ only in case ({}); write the exact one",
            matches.len(),
            matches.join(", ")
        ))),
    }
}

fn windows_path(names: &[String]) -> String {
    format!("C:\\{}", names.join("\\"))
}

/// Where a walk ended.
enum End {
    Dir(Dir),
    Leaf {
        parent: Dir,
        layer: usize,
        name: String,
        meta: Box<Metadata>,
    },
}

/// The merged view over a container's roots.
pub struct View {
    roots: Vec<(PathBuf, Origin)>,
}

impl View {
    pub fn open(roots: &[(PathBuf, Origin)]) -> Result<View> {
        Ok(View {
            roots: roots.to_vec(),
        })
    }

    /// The merged `drive_c` folder.
    fn c_drive(&self) -> Result<Dir> {
        let mut prefix: Dir = Vec::new();
        for (root, origin) in &self.roots {
            let (l, opaque) = layer(open_dir(root)?, *origin)?;
            prefix.push(l);
            if opaque {
                break;
            }
        }
        match lookup(&prefix, "drive_c")? {
            Some(Found::Dir(d)) => Ok(d),
            _ => Err(not_found("this container has no C: drive (yet)")),
        }
    }

    /// Walks `names` below C:\, following links inside the drive; returns the names as stored.
    fn walk(&self, names: &[String]) -> Result<(Vec<String>, End)> {
        let mut todo: Vec<String> = names.iter().rev().cloned().collect();
        let mut done: Vec<String> = Vec::new();
        let mut dir = self.c_drive()?;
        let mut hops = 0;
        while let Some(name) = todo.pop() {
            let Some((real, found)) = lookup_any_case(&dir, &name)? else {
                done.push(name);
                return Err(not_found(format!("{} does not exist", windows_path(&done))));
            };
            match found {
                Found::Dir(d) => {
                    done.push(real);
                    dir = d;
                }
                Found::Leaf(i, meta) if meta.file_type().is_symlink() => {
                    hops += 1;
                    if hops > MAX_HOPS {
                        return Err(CoreError::invalid(format!(
                            "{}: too many levels of links",
                            windows_path(names)
                        )));
                    }
                    let path = dir[i].at(&real);
                    let target =
                        fs::read_link(&path).map_err(|e| CoreError::io(e, "read link", &path))?;
                    let shown = target.to_string_lossy().into_owned();
                    let mut at = done.clone();
                    at.push(real.clone());
                    let leaves = format!(
                        "{} is a link to {shown:?}, which leads out of the container's C: drive",
                        windows_path(&at)
                    );
                    if target.is_absolute() {
                        return Err(outside(leaves));
                    }
                    let mut base = done.clone();
                    for part in shown.split('/') {
                        match part {
                            "" | "." => {}
                            ".." => {
                                if base.pop().is_none() {
                                    return Err(outside(leaves));
                                }
                            }
                            other => base.push(other.to_string()),
                        }
                    }
                    // Start again from C:\ along the link's target, then the names left.
                    todo.extend(base.into_iter().rev());
                    done.clear();
                    dir = self.c_drive()?;
                }
                Found::Leaf(i, meta) => {
                    done.push(real.clone());
                    if !todo.is_empty() {
                        return Err(not_found(format!(
                            "{} is not a folder",
                            windows_path(&done)
                        )));
                    }
                    let end = End::Leaf {
                        parent: dir,
                        layer: i,
                        name: real,
                        meta: Box::new(meta),
                    };
                    return Ok((done, end));
                }
            }
        }
        Ok((done, End::Dir(dir)))
    }

    pub fn list(&self, names: &[String]) -> Result<Listing> {
        match self.walk(names)? {
            (done, End::Dir(dir)) => Ok(Listing {
                path: windows_path(&done),
                entries: entries(&dir)?,
            }),
            (done, End::Leaf { .. }) => Err(CoreError::invalid(format!(
                "{} is a file, not a folder",
                windows_path(&done)
            ))),
        }
    }

    pub fn resolve(&self, names: &[String]) -> Result<ResolvedFile> {
        match self.walk(names)? {
            (
                done,
                End::Leaf {
                    parent,
                    layer,
                    name,
                    meta,
                },
            ) if meta.is_file() => {
                let here = fd_path(&parent[layer].dir);
                let dir = fs::read_link(&here).map_err(|e| CoreError::io(e, "read link", &here))?;
                Ok(ResolvedFile {
                    path: windows_path(&done),
                    real_path: dir.join(&name).to_string_lossy().into_owned(),
                    size: meta.len(),
                    mtime: mtime_ms(&meta),
                    dev: meta.dev().to_string(),
                    ino: meta.ino().to_string(),
                    origin: parent[layer].origin,
                })
            }
            (done, End::Dir(_)) => Err(CoreError::invalid(format!(
                "{} is a folder, not a file",
                windows_path(&done)
            ))),
            (done, _) => Err(CoreError::invalid(format!(
                "{} is not a regular file",
                windows_path(&done)
            ))),
        }
    }
}
