//! LinkInfo (MS-SHLLINK 2.3): where the target lived when the link was made, as a local path
//! or a network share, each in the code page and (optionally) in Unicode.
use super::bytes::Bytes;
use super::{LnkError, Result};

/// A target path read from LinkInfo, and whether it is exact (Unicode or plain ASCII) or went
/// through a legacy code page that may have lost characters.
pub(super) struct LinkInfoTarget {
    pub(super) path: String,
    pub(super) exact: bool,
}

const VOLUME_ID_AND_LOCAL_BASE_PATH: u32 = 0x1;
const COMMON_NETWORK_RELATIVE_LINK_AND_PATH_SUFFIX: u32 = 0x2;

pub(super) fn link_info_path(info: &[u8]) -> Result<Option<LinkInfoTarget>> {
    let li = Bytes(info);
    let bad = |what: &str| LnkError::new(format!("LinkInfo: {what}"));
    let header_size = li.u32(4).map_err(|_| bad("header is cut off"))? as usize;
    if header_size < 0x1C || li.u32(24).is_err() {
        return Err(bad("header is too short"));
    }
    let flags = li.u32(8)?;
    let offset = |at: usize| -> Result<usize> {
        Ok(li.u32(at).map_err(|_| bad("header is cut off"))? as usize)
    };
    let has_unicode = header_size >= 0x24;

    let suffix = if has_unicode && offset(32)? != 0 {
        Some((
            li.utf16z(offset(32)?)
                .ok_or_else(|| bad("CommonPathSuffixUnicode is outside"))?,
            true,
        ))
    } else if offset(24)? != 0 {
        Some((
            li.ansiz(offset(24)?)
                .ok_or_else(|| bad("CommonPathSuffix is outside"))?,
            false,
        ))
    } else {
        None
    };

    let base = if flags & VOLUME_ID_AND_LOCAL_BASE_PATH != 0 {
        if has_unicode && offset(28)? != 0 {
            Some((
                li.utf16z(offset(28)?)
                    .ok_or_else(|| bad("LocalBasePathUnicode is outside"))?,
                true,
            ))
        } else {
            Some((
                li.ansiz(offset(16)?)
                    .ok_or_else(|| bad("LocalBasePath is outside"))?,
                false,
            ))
        }
    } else if flags & COMMON_NETWORK_RELATIVE_LINK_AND_PATH_SUFFIX != 0 {
        let at = offset(20)?;
        let size = li
            .u32(at)
            .map_err(|_| bad("CommonNetworkRelativeLink is outside"))? as usize;
        let cnrl = Bytes(
            li.slice(at, size)
                .map_err(|_| bad("CommonNetworkRelativeLink runs past LinkInfo"))?,
        );
        let net_name_offset =
            cnrl.u32(8)
                .map_err(|_| bad("CommonNetworkRelativeLink is cut off"))? as usize;
        // Offsets past 0x14 announce the Unicode name fields.
        let unicode_offset = if net_name_offset > 0x14 {
            cnrl.u32(0x14).unwrap_or(0) as usize
        } else {
            0
        };
        if unicode_offset != 0 {
            Some((
                cnrl.utf16z(unicode_offset)
                    .ok_or_else(|| bad("NetNameUnicode is outside"))?,
                true,
            ))
        } else {
            Some((
                cnrl.ansiz(net_name_offset)
                    .ok_or_else(|| bad("NetName is outside"))?,
                false,
            ))
        }
    } else {
        None
    };

    let Some((base, base_exact)) = base else {
        return Ok(None);
    };
    let (path, exact) = match suffix {
        Some((suffix, suffix_exact)) if !suffix.is_empty() => {
            let sep = if base.ends_with('\\') { "" } else { "\\" };
            (format!("{base}{sep}{suffix}"), base_exact && suffix_exact)
        }
        _ => (base, base_exact),
    };
    if path.is_empty() {
        return Ok(None);
    }
    let exact = exact || path.is_ascii();
    Ok(Some(LinkInfoTarget { path, exact }))
}
