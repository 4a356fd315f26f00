//! Windows key paths as callers write them (`HKLM\Software\Acme`, `HKEY_CURRENT_USER\...`,
//! `HKU\.Default\...`, `HKCR\...`) mapped onto the three hives of a Wine prefix.

use super::error::RegError;

/// Which hive file of a prefix a key lives in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HiveId {
    /// system.reg: HKEY_LOCAL_MACHINE (`\Registry\Machine`).
    System,
    /// user.reg: HKEY_CURRENT_USER (`\Registry\User\<sid>`).
    User,
    /// userdef.reg: HKEY_USERS\.Default (`\Registry\User\.Default`).
    UserDefault,
}

impl HiveId {
    pub const ALL: [HiveId; 3] = [HiveId::System, HiveId::User, HiveId::UserDefault];

    pub fn file_name(self) -> &'static str {
        match self {
            HiveId::System => "system.reg",
            HiveId::User => "user.reg",
            HiveId::UserDefault => "userdef.reg",
        }
    }

    /// The Windows name of the hive's root, as diff and export print it.
    pub fn display_root(self) -> &'static str {
        match self {
            HiveId::System => "HKEY_LOCAL_MACHINE",
            HiveId::User => "HKEY_CURRENT_USER",
            HiveId::UserDefault => "HKEY_USERS\\.Default",
        }
    }
}

/// Where a caller's path points: a hive and the components below its root, or the virtual
/// HKEY_USERS root that only lists `.Default` and the user's SID.
#[derive(Debug, PartialEq, Eq)]
pub enum Target<'a> {
    Hive {
        hive: HiveId,
        components: Vec<&'a str>,
        display: String,
    },
    UsersRoot,
}

/// Splits a caller path and maps its root. `user_sid` is the SID of user.reg (HKU\<sid> = HKCU).
pub fn resolve_root<'a>(path: &'a str, user_sid: &str) -> Result<Target<'a>, RegError> {
    let mut parts = path.split('\\').filter(|p| !p.is_empty());
    let root = parts
        .next()
        .ok_or_else(|| RegError::invalid("empty registry path"))?;
    let rest: Vec<&str> = parts.collect();
    let (hive, prefix, display): (HiveId, &[&'static str], &str) =
        match root.to_ascii_uppercase().as_str() {
            "HKLM" | "HKEY_LOCAL_MACHINE" => (HiveId::System, &[], "HKEY_LOCAL_MACHINE"),
            "HKCU" | "HKEY_CURRENT_USER" => (HiveId::User, &[], "HKEY_CURRENT_USER"),
            // Windows merges HKCU\Software\Classes over this; for containers the machine view is what counts.
            "HKCR" | "HKEY_CLASSES_ROOT" => (
                HiveId::System,
                &["Software", "Classes"],
                "HKEY_CLASSES_ROOT",
            ),
            "HKCC" | "HKEY_CURRENT_CONFIG" => (
                HiveId::System,
                &[
                    "System",
                    "CurrentControlSet",
                    "Hardware Profiles",
                    "Current",
                ],
                "HKEY_CURRENT_CONFIG",
            ),
            "HKU" | "HKEY_USERS" => {
                let Some((first, below)) = rest.split_first() else {
                    return Ok(Target::UsersRoot);
                };
                let hive = if first.eq_ignore_ascii_case(".Default") {
                    HiveId::UserDefault
                } else if first.eq_ignore_ascii_case(user_sid) {
                    HiveId::User
                } else {
                    return Err(RegError::key_not_found(path));
                };
                let display = format!("HKEY_USERS\\{first}");
                return Ok(Target::Hive {
                    hive,
                    components: below.to_vec(),
                    display,
                });
            }
            _ => {
                return Err(RegError::invalid(format!(
                "unknown registry root {root:?} in {path:?} (use HKLM, HKCU, HKCR, HKU or HKCC)"
            )))
            }
        };
    let mut components: Vec<&str> = prefix.to_vec();
    components.extend(rest);
    Ok(Target::Hive {
        hive,
        components,
        display: display.to_string(),
    })
}

/// Number of leading components that belong to the root alias (HKCR = 2, HKCC = 4), which the
/// display path does not repeat.
pub fn alias_len(display_root: &str) -> usize {
    match display_root {
        "HKEY_CLASSES_ROOT" => 2,
        "HKEY_CURRENT_CONFIG" => 4,
        _ => 0,
    }
}

/// A Wine native path (`\Registry\Machine\...`, `\REGISTRY\User\<sid>\...`) as a symlink target.
pub fn resolve_native<'a>(target: &'a str, user_sid: &str) -> Option<(HiveId, Vec<&'a str>)> {
    let mut parts = target.split('\\').filter(|p| !p.is_empty());
    if !parts.next()?.eq_ignore_ascii_case("Registry") {
        return None;
    }
    let top = parts.next()?;
    let hive = if top.eq_ignore_ascii_case("Machine") {
        HiveId::System
    } else if top.eq_ignore_ascii_case("User") {
        let who = parts.next()?;
        if who.eq_ignore_ascii_case(".Default") {
            HiveId::UserDefault
        } else if who.eq_ignore_ascii_case(user_sid) {
            HiveId::User
        } else {
            return None;
        }
    } else {
        return None;
    };
    Some((hive, parts.collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SID: &str = "S-1-5-21-0-0-0-1000";

    fn hive_of(p: &str) -> (HiveId, Vec<&str>, String) {
        match resolve_root(p, SID).unwrap() {
            Target::Hive {
                hive,
                components,
                display,
            } => (hive, components, display),
            Target::UsersRoot => panic!("users root"),
        }
    }

    #[test]
    fn roots_map_to_hives() {
        assert_eq!(
            hive_of("HKLM\\Software\\Acme"),
            (
                HiveId::System,
                vec!["Software", "Acme"],
                "HKEY_LOCAL_MACHINE".into()
            )
        );
        assert_eq!(
            hive_of("hkey_local_machine\\Software\\"),
            (
                HiveId::System,
                vec!["Software"],
                "HKEY_LOCAL_MACHINE".into()
            )
        );
        assert_eq!(hive_of("HKCU").0, HiveId::User);
        assert_eq!(hive_of("HKEY_CURRENT_USER\\Console").1, vec!["Console"]);
        assert_eq!(hive_of("HKCR\\.txt").1, vec!["Software", "Classes", ".txt"]);
        assert_eq!(
            hive_of("HKU\\.DEFAULT\\Control Panel"),
            (
                HiveId::UserDefault,
                vec!["Control Panel"],
                "HKEY_USERS\\.DEFAULT".into()
            )
        );
        assert_eq!(
            hive_of(&format!("HKEY_USERS\\{SID}\\Software")).0,
            HiveId::User
        );
        assert_eq!(resolve_root("HKU", SID).unwrap(), Target::UsersRoot);
        assert_eq!(
            resolve_root("HKU\\S-1-5-18", SID).unwrap_err().code(),
            "ENOTFOUND_KEY"
        );
        assert_eq!(resolve_root("HKXX\\A", SID).unwrap_err().code(), "EINVAL");
        assert_eq!(resolve_root("", SID).unwrap_err().code(), "EINVAL");
    }

    #[test]
    fn native_link_targets() {
        assert_eq!(
            resolve_native("\\Registry\\Machine\\Software\\Classes", SID),
            Some((HiveId::System, vec!["Software", "Classes"]))
        );
        assert_eq!(
            resolve_native("\\REGISTRY\\User\\.Default\\X", SID),
            Some((HiveId::UserDefault, vec!["X"]))
        );
        assert_eq!(
            resolve_native(&format!("\\Registry\\User\\{SID}"), SID),
            Some((HiveId::User, vec![]))
        );
        assert_eq!(resolve_native("\\Registry\\User\\S-1-5-18", SID), None);
        assert_eq!(resolve_native("\\Device\\X", SID), None);
    }
}
