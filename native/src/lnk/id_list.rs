//! LinkTargetIDList (MS-SHLLINK 2.2): the target as a list of shell items. Item formats are
//! undocumented; the layouts here follow libfwsi's notes and what Wine writes.
use super::bytes::Bytes;
use super::{LnkError, Result};

/// {20D04FE0-3AEA-1069-A2D8-08002B30309D} "This PC": file-system paths hang below it.
pub(super) const CLSID_MY_COMPUTER: [u8; 16] = [
    0xE0, 0x4F, 0xD0, 0x20, 0xEA, 0x3A, 0x69, 0x10, 0xA2, 0xD8, 0x08, 0x00, 0x2B, 0x30, 0x30, 0x9D,
];
/// {208D2C60-3AEA-1069-A2D7-08002B30309D} "Network": UNC paths hang below it.
const CLSID_NETWORK: [u8; 16] = [
    0x60, 0x2C, 0x8D, 0x20, 0xEA, 0x3A, 0x69, 0x10, 0xA2, 0xD7, 0x08, 0x00, 0x2B, 0x30, 0x30, 0x9D,
];

/// Rebuilds a path from the item list; `None` when the list names something that is not a
/// plain file-system path (a virtual folder, an unknown item type). Broken framing is an error.
pub(super) fn id_list_path(list: &[u8]) -> Result<Option<String>> {
    let mut items = Vec::new();
    let mut at = 0usize;
    loop {
        let size = Bytes(list)
            .u16(at)
            .map_err(|_| LnkError::new("LinkTargetIDList has no terminator"))?
            as usize;
        if size == 0 {
            break;
        }
        let item = Bytes(list)
            .slice(at, size)
            .map_err(|_| LnkError::new("a shell item runs past its ID list"))?;
        if size < 3 {
            return Err(LnkError::new("a shell item is shorter than its header"));
        }
        items.push(item);
        at += size;
    }

    let mut path: Option<String> = None;
    for item in items {
        let class = item[2]; // items are at least 3 bytes long, checked above
        match class {
            0x1F => {
                let guid = Bytes(item).slice(4, 16).ok();
                let known_root =
                    guid == Some(&CLSID_MY_COMPUTER[..]) || guid == Some(&CLSID_NETWORK[..]);
                if path.is_some() || !known_root {
                    return Ok(None);
                }
            }
            c if c & 0x70 == 0x20 => {
                let Some(drive) = volume_name(item) else {
                    return Ok(None);
                };
                if path.is_some() {
                    return Ok(None);
                }
                path = Some(drive);
            }
            c if c & 0x70 == 0x30 => {
                let (Some(parent), Some(name)) = (path.as_mut(), file_entry_name(item)) else {
                    return Ok(None);
                };
                if !parent.ends_with('\\') {
                    parent.push('\\');
                }
                parent.push_str(&name);
            }
            c if c & 0x70 == 0x40 => {
                // Domain, server and share items each carry the whole UNC prefix; each extends the last.
                let Some(location) = Bytes(item).ansiz(5).filter(|l| l.starts_with("\\\\")) else {
                    return Ok(None);
                };
                if path
                    .as_ref()
                    .is_some_and(|p| !location.starts_with(p.as_str()))
                {
                    return Ok(None);
                }
                path = Some(location);
            }
            _ => return Ok(None),
        }
    }
    Ok(path.filter(|p| !p.is_empty()))
}

/// A volume item with a name holds "C:\" (ASCII, NUL-terminated).
fn volume_name(item: &[u8]) -> Option<String> {
    let name = Bytes(item).ansiz(3)?;
    let b = name.as_bytes();
    if b.len() >= 2
        && b[0].is_ascii_alphabetic()
        && b[1] == b':'
        && b[2..].iter().all(|&c| c == b'\\')
    {
        Some(format!("{}\\", &name[..2]))
    } else {
        None
    }
}

/// A file entry item: a primary name at offset 14 (often the 8.3 name on Windows), and, since
/// Windows XP, an extension block whose long Unicode name is the one to show.
fn file_entry_name(item: &[u8]) -> Option<String> {
    let class = item[2];
    let primary = if class & 0x04 != 0 {
        Bytes(item).utf16z(14)
    } else {
        Bytes(item).ansiz(14)
    };
    long_name(item)
        .filter(|n| !n.is_empty())
        .or(primary)
        .filter(|n| !n.is_empty() && !n.contains('\\'))
}

/// The long name from the 0xBEEF0004 extension block, found through the item's last WORD.
/// Wine writes the same layout as version 3 but leaves version and signature zero.
fn long_name(item: &[u8]) -> Option<String> {
    let b = Bytes(item);
    let ext_at = b.u16(item.len().checked_sub(2)?).ok()? as usize;
    if ext_at < 14 {
        return None;
    }
    let ext_size = b.u16(ext_at).ok()? as usize;
    let ext = Bytes(b.slice(ext_at, ext_size).ok()?);
    let version = ext.u16(2).ok()?;
    let signature = ext.u32(4).ok()?;
    let name_at = match (signature, version) {
        (0xBEEF_0004, 9..) => 46,
        (0xBEEF_0004, 8) => 42,
        (0xBEEF_0004, 7) => 38,
        (0xBEEF_0004, 3..=6) => 20,
        (0, 0) => 20,
        _ => return None,
    };
    // The block ends with a WORD (offset of its version field), which is not part of the name.
    let body = Bytes(ext.slice(0, ext_size.checked_sub(2)?).ok()?);
    body.utf16z(name_at)
}
