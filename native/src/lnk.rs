//! Windows shortcut (`.lnk`) reader, after [MS-SHLLINK].
//!
//! Captured installs find an app's entry points through the Start Menu shortcuts its installer
//! wrote, so this reads what a shortcut points at: the target path (from LinkInfo, or from the
//! shell item ID list when LinkInfo is absent), arguments, working directory, description and
//! icon. ExtraData blocks are not needed for that: they are only walked for their framing, to
//! recognise a quirk of links written by Wine.
//!
//! The input is untrusted (it comes from inside a container): every read is bounds-checked and
//! a malformed file is an `EBADLNK` error, never a panic.
mod bytes;
mod id_list;
mod link_info;
#[cfg(test)]
mod tests;

use bytes::{ansi, utf16, Bytes};
use id_list::id_list_path;
use link_info::{link_info_path, LinkInfoTarget};
use serde::Serialize;
use std::fmt;

/// What a shortcut points at. Paths are Windows paths, exactly as stored in the link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Shortcut {
    pub target: Option<String>,
    pub arguments: Option<String>,
    pub working_dir: Option<String>,
    pub description: Option<String>,
    pub icon_location: Option<String>,
    /// Index of the icon inside `icon_location` (the header's IconIndex).
    pub icon_index: i32,
    /// Target relative to the .lnk file's own folder, when the link stores one.
    pub relative_path: Option<String>,
}

/// A file that is not a well-formed shell link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LnkError {
    message: String,
}

impl LnkError {
    /// The stable error code reported to callers.
    pub const CODE: &'static str = "EBADLNK";

    fn new(message: impl Into<String>) -> Self {
        LnkError {
            message: message.into(),
        }
    }

    pub fn code(&self) -> &'static str {
        Self::CODE
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for LnkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", Self::CODE, self.message)
    }
}

impl std::error::Error for LnkError {}

type Result<T> = std::result::Result<T, LnkError>;

const HEADER_SIZE: usize = 0x4C;
/// CLSID 00021401-0000-0000-C000-000000000046 as stored (little-endian fields).
const LINK_CLSID: [u8; 16] = [
    0x01, 0x14, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46,
];

const HAS_LINK_TARGET_ID_LIST: u32 = 0x0001;
const HAS_LINK_INFO: u32 = 0x0002;
const HAS_NAME: u32 = 0x0004;
const HAS_RELATIVE_PATH: u32 = 0x0008;
const HAS_WORKING_DIR: u32 = 0x0010;
const HAS_ARGUMENTS: u32 = 0x0020;
const HAS_ICON_LOCATION: u32 = 0x0040;
const IS_UNICODE: u32 = 0x0080;
const FORCE_NO_LINK_INFO: u32 = 0x0100;

/// Parses a complete `.lnk` file.
pub fn parse_lnk(bytes: &[u8]) -> Result<Shortcut> {
    let data = Bytes(bytes);
    if bytes.len() < HEADER_SIZE {
        return Err(LnkError::new(format!(
            "file is {} bytes, shorter than the {HEADER_SIZE}-byte shell link header",
            bytes.len()
        )));
    }
    if data.u32(0)? as usize != HEADER_SIZE || data.slice(4, 16)? != LINK_CLSID {
        return Err(LnkError::new(
            "not a shell link (header size or class id does not match)",
        ));
    }
    let flags = data.u32(0x14)?;
    let icon_index = data.u32(0x38)? as i32;
    let mut pos = HEADER_SIZE;

    let mut id_list_target = None;
    if flags & HAS_LINK_TARGET_ID_LIST != 0 {
        let size = data
            .u16(pos)
            .map_err(|_| LnkError::new("LinkTargetIDList is cut off"))? as usize;
        let list = data
            .slice(pos + 2, size)
            .map_err(|_| LnkError::new("LinkTargetIDList runs past the end"))?;
        id_list_target = id_list_path(list)?;
        pos += 2 + size;
    }

    let mut link_info_target = None;
    if flags & HAS_LINK_INFO != 0 {
        let size = data
            .u32(pos)
            .map_err(|_| LnkError::new("LinkInfo is cut off"))? as usize;
        let info = data
            .slice(pos, size)
            .map_err(|_| LnkError::new("LinkInfo runs past the end"))?;
        if flags & FORCE_NO_LINK_INFO == 0 {
            link_info_target = link_info_path(info)?;
        }
        pos += size;
    }

    let mut strings = read_strings(data, pos, flags)?;
    // Wine (8.0) writes a RELATIVE_PATH string without setting HasRelativePath, which shifts
    // every later string by one. Such a file shows itself by leaving no valid ExtraData behind
    // the strings; reading it again with the flag set then ends exactly where ExtraData starts.
    if flags & HAS_RELATIVE_PATH == 0 && !extra_data_fits(data, strings.end) {
        if let Ok(retry) = read_strings(data, pos, flags | HAS_RELATIVE_PATH) {
            if extra_data_fits(data, retry.end) {
                strings = retry;
            }
        }
    }

    Ok(Shortcut {
        target: choose_target(link_info_target, id_list_target),
        arguments: strings.arguments,
        working_dir: strings.working_dir,
        description: strings.description,
        icon_location: strings.icon_location,
        icon_index,
        relative_path: strings.relative_path,
    })
}

struct Strings {
    description: Option<String>,
    relative_path: Option<String>,
    working_dir: Option<String>,
    arguments: Option<String>,
    icon_location: Option<String>,
    /// Offset just past the last string: where ExtraData starts.
    end: usize,
}

/// StringData (MS-SHLLINK 2.4): counted strings in a fixed order, each present only when its
/// flag is set; UTF-16 when IsUnicode is set, else the system code page.
fn read_strings(data: Bytes<'_>, mut pos: usize, flags: u32) -> Result<Strings> {
    let unicode = flags & IS_UNICODE != 0;
    let mut next = |flag: u32, what: &str| -> Result<Option<String>> {
        if flags & flag == 0 {
            return Ok(None);
        }
        let count = data
            .u16(pos)
            .map_err(|_| LnkError::new(format!("{what} string is cut off")))?
            as usize;
        let len = if unicode { count * 2 } else { count };
        let raw = data
            .slice(pos + 2, len)
            .map_err(|_| LnkError::new(format!("{what} string runs past the end")))?;
        pos += 2 + len;
        // Wine counts the terminating NUL; Windows does not. Either way it is not part of the text.
        let text = if unicode { utf16(raw) } else { ansi(raw) };
        let text = text.trim_end_matches('\0');
        Ok((!text.is_empty()).then(|| text.to_string()))
    };
    let description = next(HAS_NAME, "NAME")?;
    let relative_path = next(HAS_RELATIVE_PATH, "RELATIVE_PATH")?;
    let working_dir = next(HAS_WORKING_DIR, "WORKING_DIR")?;
    let arguments = next(HAS_ARGUMENTS, "COMMAND_LINE_ARGUMENTS")?;
    let icon_location = next(HAS_ICON_LOCATION, "ICON_LOCATION")?;
    Ok(Strings {
        description,
        relative_path,
        working_dir,
        arguments,
        icon_location,
        end: pos,
    })
}

/// Whether the bytes from `at` on are well-formed ExtraData: blocks of `size, 0xA000000x
/// signature` up to a zero terminal block (or the end of the file). Only framing is checked.
fn extra_data_fits(data: Bytes<'_>, mut at: usize) -> bool {
    loop {
        if at == data.0.len() {
            return true;
        }
        let Ok(size) = data.u32(at) else { return false };
        if size == 0 {
            return true;
        }
        let Ok(signature) = data.u32(at + 4) else {
            return false;
        };
        if size < 8
            || signature & 0xFFFF_FFF0 != 0xA000_0000
            || data.slice(at, size as usize).is_err()
        {
            return false;
        }
        at += size as usize;
    }
}

/// LinkInfo is authoritative when exact; the ID list keeps Unicode names, so it wins over a
/// code-page path that may have lost them.
fn choose_target(info: Option<LinkInfoTarget>, id_list: Option<String>) -> Option<String> {
    match (info, id_list) {
        (Some(info), _) if info.exact => Some(info.path),
        (_, Some(path)) => Some(path),
        (info, None) => info.map(|info| info.path),
    }
}
