//! The three hives of a Wine prefix as one registry, addressed with Windows paths.
//!
//! Lookups are case-insensitive and follow Wine's symbolic link keys (`#link` +
//! `SymbolicLinkValue`), as opening a key in Wine does. The caller must make sure no
//! wineserver runs on the prefix while it edits and saves: Wine rewrites the hives on exit.

use std::fs;
use std::io::Write;
use std::path::Path;

use serde::Serialize;

use super::error::RegError;
use super::hive::{Hive, KeyId, ROOT};
use super::model::RegValue;
use super::path::{alias_len, resolve_native, resolve_root, HiveId, Target};

/// Symbolic links deeper than this are treated as a loop (Wine stops at 16 too).
const MAX_LINK_DEPTH: u32 = 16;

const DEFAULT_SID: &str = "S-1-5-21-0-0-0-1000";

/// system.reg, user.reg and userdef.reg of one prefix.
#[derive(Clone, Debug)]
pub struct HiveSet {
    pub system: Hive,
    pub user: Hive,
    pub userdef: Hive,
    user_sid: String,
}

/// A key as `query` returns it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct KeyInfo {
    /// Root in long form (`HKEY_LOCAL_MACHINE`) and the stored case of each component.
    pub path: String,
    pub subkeys: Vec<String>,
    pub values: Vec<RegValue>,
    /// Last modification, Unix seconds.
    pub modified: Option<i64>,
}

/// Where a path led: the key, and how far the walk got when a component is missing.
pub(crate) struct Walk {
    pub hive: HiveId,
    pub key: KeyId,
    /// How many components were found.
    pub found: usize,
    /// Stored names of the components found.
    pub names: Vec<String>,
}

impl HiveSet {
    /// Reads the three hives of a prefix directory.
    pub fn load(prefix: &Path) -> Result<HiveSet, RegError> {
        let read = |id: HiveId| -> Result<Hive, RegError> {
            let p = prefix.join(id.file_name());
            let bytes = fs::read(&p).map_err(|e| RegError::Io {
                path: p.display().to_string(),
                message: e.to_string(),
            })?;
            Hive::parse(&bytes).map_err(|e| match e {
                RegError::BadHive { line, message } => RegError::BadHive {
                    line,
                    message: format!("{}: {message}", id.file_name()),
                },
                other => other,
            })
        };
        Ok(HiveSet::from_hives(
            read(HiveId::System)?,
            read(HiveId::User)?,
            read(HiveId::UserDefault)?,
        ))
    }

    pub fn from_hives(system: Hive, user: Hive, userdef: Hive) -> HiveSet {
        let user_sid = sid_from_header(&user).unwrap_or_else(|| DEFAULT_SID.to_string());
        HiveSet {
            system,
            user,
            userdef,
            user_sid,
        }
    }

    /// Three empty hives with Wine's headers.
    pub fn empty() -> HiveSet {
        HiveSet::from_hives(
            Hive::new("REGISTRY\\\\Machine"),
            Hive::new(&format!("REGISTRY\\\\User\\\\{DEFAULT_SID}")),
            Hive::new("REGISTRY\\\\User\\\\.Default"),
        )
    }

    /// Writes the hives that changed into `prefix` (each through a temp file and a rename);
    /// returns how many files were written.
    pub fn save(&mut self, prefix: &Path) -> Result<usize, RegError> {
        let mut written = 0;
        for id in HiveId::ALL {
            if !self.hive(id).is_dirty() {
                continue;
            }
            write_atomic(&prefix.join(id.file_name()), &self.hive(id).to_bytes())?;
            self.hive_mut(id).mark_clean();
            written += 1;
        }
        Ok(written)
    }

    pub fn hive(&self, id: HiveId) -> &Hive {
        match id {
            HiveId::System => &self.system,
            HiveId::User => &self.user,
            HiveId::UserDefault => &self.userdef,
        }
    }

    pub fn hive_mut(&mut self, id: HiveId) -> &mut Hive {
        match id {
            HiveId::System => &mut self.system,
            HiveId::User => &mut self.user,
            HiveId::UserDefault => &mut self.userdef,
        }
    }

    /// The SID under which user.reg appears in HKEY_USERS.
    pub fn user_sid(&self) -> &str {
        &self.user_sid
    }

    /// Walks `components` from `start`, following symbolic links (on the last component only
    /// when `follow_last`), and stops at the first missing one.
    pub(crate) fn walk(
        &self,
        hive: HiveId,
        start: KeyId,
        components: &[&str],
        follow_last: bool,
        depth: u32,
    ) -> Result<Walk, RegError> {
        let (mut h, mut k) = (hive, start);
        let mut names = Vec::with_capacity(components.len());
        for (i, c) in components.iter().enumerate() {
            let Some(child) = self.hive(h).child(k, c) else {
                return Ok(Walk {
                    hive: h,
                    key: k,
                    found: i,
                    names,
                });
            };
            names.push(self.hive(h).name(child).to_string());
            (h, k) = if i + 1 < components.len() || follow_last {
                self.follow(h, child, depth)?
            } else {
                (h, child)
            };
        }
        Ok(Walk {
            hive: h,
            key: k,
            found: components.len(),
            names,
        })
    }

    /// The key a symbolic link points to (or the key itself when it is not a link).
    fn follow(&self, hive: HiveId, key: KeyId, depth: u32) -> Result<(HiveId, KeyId), RegError> {
        let Some(target) = self.hive(hive).link_target(key) else {
            return Ok((hive, key));
        };
        if depth >= MAX_LINK_DEPTH {
            return Err(RegError::invalid(format!("symbolic link loop at {target}")));
        }
        let dangling = || RegError::key_not_found(&target);
        let (h, comps) = resolve_native(&target, &self.user_sid).ok_or_else(dangling)?;
        let w = self.walk(h, ROOT, &comps, true, depth + 1)?;
        if w.found < comps.len() {
            return Err(dangling());
        }
        Ok((w.hive, w.key))
    }

    /// Resolves an existing key. `follow_last: false` addresses a link key itself.
    pub(crate) fn locate(
        &self,
        path: &str,
        follow_last: bool,
    ) -> Result<(HiveId, KeyId, String), RegError> {
        match resolve_root(path, &self.user_sid)? {
            Target::UsersRoot => Err(RegError::invalid(
                "HKEY_USERS itself holds no values; name .Default or the user SID",
            )),
            Target::Hive {
                hive,
                components,
                display,
            } => {
                let w = self
                    .walk(hive, ROOT, &components, follow_last, 0)
                    .map_err(|e| not_found_as(e, path))?;
                if w.found < components.len() {
                    return Err(RegError::key_not_found(path));
                }
                let mut shown = display;
                for n in &w.names[alias_len(&shown).min(w.names.len())..] {
                    shown.push('\\');
                    shown.push_str(n);
                }
                Ok((w.hive, w.key, shown))
            }
        }
    }

    /// Resolves a key, creating what is missing; returns the key and whether it was created.
    pub(crate) fn locate_or_create(
        &mut self,
        path: &str,
    ) -> Result<(HiveId, KeyId, bool), RegError> {
        let Target::Hive {
            hive, components, ..
        } = resolve_root(path, &self.user_sid)?
        else {
            return Err(RegError::invalid(
                "cannot create keys directly under HKEY_USERS",
            ));
        };
        let w = self
            .walk(hive, ROOT, &components, true, 0)
            .map_err(|e| not_found_as(e, path))?;
        let rest = &components[w.found..];
        if rest.is_empty() {
            return Ok((w.hive, w.key, false));
        }
        let (key, created) = self.hive_mut(w.hive).create_path(w.key, rest)?;
        Ok((w.hive, key, created))
    }

    /// Subkeys, values and modification time of a key.
    pub fn query(&self, path: &str) -> Result<KeyInfo, RegError> {
        if let Target::UsersRoot = resolve_root(path, &self.user_sid)? {
            return Ok(KeyInfo {
                path: "HKEY_USERS".into(),
                subkeys: vec![".Default".into(), self.user_sid.clone()],
                values: Vec::new(),
                modified: None,
            });
        }
        let (h, k, shown) = self.locate(path, true)?;
        let hive = self.hive(h);
        Ok(KeyInfo {
            path: shown,
            subkeys: hive.subkey_names(k),
            values: hive.values(k).to_vec(),
            modified: hive.modified_unix(k),
        })
    }

    /// True when the key exists.
    pub fn key_exists(&self, path: &str) -> bool {
        self.locate(path, true).is_ok()
    }

    /// The target (`\Registry\Machine\...`) when the key itself is a Wine symbolic link.
    pub fn link_target(&self, path: &str) -> Result<Option<String>, RegError> {
        let (h, k, _) = self.locate(path, false)?;
        Ok(self.hive(h).link_target(k))
    }

    /// One value of a key ("" = default value).
    pub fn get_value(&self, path: &str, name: &str) -> Result<RegValue, RegError> {
        let (h, k, _) = self.locate(path, true)?;
        self.hive(h)
            .get_value(k, name)
            .cloned()
            .ok_or_else(|| RegError::ValueNotFound {
                path: path.to_string(),
                name: name.to_string(),
            })
    }

    /// Sets a value, creating the key and its parents as needed.
    pub fn set_value(&mut self, path: &str, value: RegValue) -> Result<(), RegError> {
        let (h, k, _) = self.locate_or_create(path)?;
        self.hive_mut(h).set_value(k, value)
    }

    /// Deletes one value; ENOTFOUND_VALUE when it does not exist.
    pub fn delete_value(&mut self, path: &str, name: &str) -> Result<(), RegError> {
        let (h, k, _) = self.locate(path, true)?;
        if !self.hive_mut(h).delete_value(k, name) {
            return Err(RegError::ValueNotFound {
                path: path.to_string(),
                name: name.to_string(),
            });
        }
        Ok(())
    }

    /// Creates a key (and its parents); returns false when it already existed.
    pub fn create_key(&mut self, path: &str) -> Result<bool, RegError> {
        Ok(self.locate_or_create(path)?.2)
    }

    /// Deletes a key and all its subkeys. A link key is deleted itself, not its target.
    pub fn delete_key(&mut self, path: &str) -> Result<(), RegError> {
        if let Target::Hive {
            components,
            display,
            ..
        } = resolve_root(path, &self.user_sid)?
        {
            if components.len() <= alias_len(&display) {
                return Err(RegError::invalid(format!(
                    "cannot delete a root key: {path}"
                )));
            }
        }
        let (h, k, _) = self.locate(path, false)?;
        self.hive_mut(h).delete_key(k)
    }
}

/// A dangling link met while walking reads as "this path does not exist".
fn not_found_as(e: RegError, path: &str) -> RegError {
    match e {
        RegError::KeyNotFound { .. } => RegError::key_not_found(path),
        other => other,
    }
}

/// `;; All keys relative to REGISTRY\\User\\S-1-5-21-...` -> the SID.
fn sid_from_header(user: &Hive) -> Option<String> {
    let rel = user
        .header()
        .iter()
        .find_map(|l| l.strip_prefix(";; All keys relative to "))?;
    let last = rel.split('\\').rfind(|p| !p.is_empty())?;
    last.starts_with("S-").then(|| last.to_string())
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), RegError> {
    let io = |e: std::io::Error| RegError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let mut tmp_name = path.as_os_str().to_owned();
    tmp_name.push(".orbit-tmp");
    let tmp = std::path::PathBuf::from(tmp_name);
    let result = (|| {
        let mut f = fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.map_err(io)
}
