//! Links built byte by byte per MS-SHLLINK (2.1-2.4), for the cases Wine never writes.
use crate::lnk::{HEADER_SIZE, LINK_CLSID};

pub(super) fn header(flags: u32, icon_index: i32) -> Vec<u8> {
    let mut h = vec![0u8; HEADER_SIZE];
    h[0..4].copy_from_slice(&(HEADER_SIZE as u32).to_le_bytes());
    h[4..20].copy_from_slice(&LINK_CLSID);
    h[0x14..0x18].copy_from_slice(&flags.to_le_bytes());
    h[0x38..0x3C].copy_from_slice(&icon_index.to_le_bytes());
    h[0x3C..0x40].copy_from_slice(&1u32.to_le_bytes()); // SW_SHOWNORMAL
    h
}

/// A StringData entry in UTF-16.
pub(super) fn counted(text: &str) -> Vec<u8> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let mut out = (units.len() as u16).to_le_bytes().to_vec();
    units
        .iter()
        .for_each(|u| out.extend_from_slice(&u.to_le_bytes()));
    out
}

/// A StringData entry in the code page (raw bytes, as written without IsUnicode).
pub(super) fn counted_ansi(raw: &[u8]) -> Vec<u8> {
    let mut out = (raw.len() as u16).to_le_bytes().to_vec();
    out.extend_from_slice(raw);
    out
}

pub(super) fn utf16z(text: &str) -> Vec<u8> {
    text.encode_utf16()
        .chain([0])
        .flat_map(|u| u.to_le_bytes())
        .collect()
}

pub(super) fn ansiz(raw: &[u8]) -> Vec<u8> {
    let mut v = raw.to_vec();
    v.push(0);
    v
}

/// LinkInfo with VolumeID + LocalBasePath (+ the Unicode fields when `unicode` is given).
pub(super) fn link_info_local(
    base: &[u8],
    suffix: &[u8],
    unicode: Option<(&str, &str)>,
) -> Vec<u8> {
    let header_size: u32 = if unicode.is_some() { 0x24 } else { 0x1C };
    let volume_id: Vec<u8> = {
        let mut v = Vec::new();
        v.extend_from_slice(&0x11u32.to_le_bytes()); // VolumeIDSize
        v.extend_from_slice(&3u32.to_le_bytes()); // DRIVE_FIXED
        v.extend_from_slice(&0x1234_5678u32.to_le_bytes()); // serial
        v.extend_from_slice(&0x10u32.to_le_bytes()); // label offset
        v.push(0); // empty label
        v
    };
    let mut body = Vec::new();
    let volume_at = header_size as usize;
    body.extend_from_slice(&volume_id);
    let base_at = volume_at + body.len();
    body.extend_from_slice(&ansiz(base));
    let suffix_at = volume_at + body.len();
    body.extend_from_slice(&ansiz(suffix));
    let (mut base_u_at, mut suffix_u_at) = (0, 0);
    if let Some((base_u, suffix_u)) = unicode {
        base_u_at = volume_at + body.len();
        body.extend_from_slice(&utf16z(base_u));
        suffix_u_at = volume_at + body.len();
        body.extend_from_slice(&utf16z(suffix_u));
    }
    let size = header_size as usize + body.len();
    let mut info = Vec::new();
    for v in [
        size,
        header_size as usize,
        1,
        volume_at,
        base_at,
        0,
        suffix_at,
    ] {
        info.extend_from_slice(&(v as u32).to_le_bytes());
    }
    if unicode.is_some() {
        info.extend_from_slice(&(base_u_at as u32).to_le_bytes());
        info.extend_from_slice(&(suffix_u_at as u32).to_le_bytes());
    }
    info.extend_from_slice(&body);
    info
}

/// LinkInfo with a CommonNetworkRelativeLink (a UNC share) and a path suffix.
pub(super) fn link_info_network(net_name: &str, suffix: &str) -> Vec<u8> {
    let mut cnrl = Vec::new();
    let cnrl_size = 0x14 + net_name.len() + 1;
    for v in [cnrl_size, 0, 0x14, 0, 0x0002_0000] {
        cnrl.extend_from_slice(&(v as u32).to_le_bytes());
    }
    cnrl.extend_from_slice(&ansiz(net_name.as_bytes()));
    let cnrl_at = 0x1C;
    let suffix_at = cnrl_at + cnrl.len();
    let size = suffix_at + suffix.len() + 1;
    let mut info = Vec::new();
    for v in [size, 0x1C, 2, 0, 0, cnrl_at, suffix_at] {
        info.extend_from_slice(&(v as u32).to_le_bytes());
    }
    info.extend_from_slice(&cnrl);
    info.extend_from_slice(&ansiz(suffix.as_bytes()));
    info
}

pub(super) fn item(body: &[u8]) -> Vec<u8> {
    let mut v = ((body.len() + 2) as u16).to_le_bytes().to_vec();
    v.extend_from_slice(body);
    v
}

pub(super) fn root(guid: [u8; 16]) -> Vec<u8> {
    let mut body = vec![0x1F, 0x50];
    body.extend_from_slice(&guid);
    item(&body)
}

pub(super) fn volume(drive: &str) -> Vec<u8> {
    let mut body = vec![0x2F];
    let mut name = drive.as_bytes().to_vec();
    name.resize(20, 0);
    body.extend_from_slice(&name);
    body.extend_from_slice(&[0, 0]);
    item(&body)
}

/// A Windows 8+ file entry: 8.3 primary name plus a version 9 0xBEEF0004 block.
pub(super) fn file_entry_v9(class: u8, short: &str, long: &str) -> Vec<u8> {
    let mut body = vec![class, 0];
    body.extend_from_slice(&0u32.to_le_bytes()); // size
    body.extend_from_slice(&0x4A21_5C31u32.to_le_bytes()); // FAT date/time
    body.extend_from_slice(&0x10u16.to_le_bytes()); // attributes
    body.extend_from_slice(&ansiz(short.as_bytes()));
    if (body.len() + 2) % 2 == 1 {
        body.push(0);
    }
    let ext_at = body.len() + 2;
    let mut ext = Vec::new();
    ext.extend_from_slice(&9u16.to_le_bytes()); // version
    ext.extend_from_slice(&0xBEEF_0004u32.to_le_bytes());
    ext.extend_from_slice(&[0x31, 0x5C, 0x21, 0x4A, 0x31, 0x5C, 0x21, 0x4A]); // created, accessed
    ext.extend_from_slice(&0x2Eu16.to_le_bytes()); // identifier
    ext.extend_from_slice(&[0; 2]); // empty
    ext.extend_from_slice(&[7, 0, 0, 0, 0, 0, 1, 0]); // NTFS file reference
    ext.extend_from_slice(&[0; 8]);
    ext.extend_from_slice(&0u16.to_le_bytes()); // long string size
    ext.extend_from_slice(&[0; 4]); // v9 unknown
    ext.extend_from_slice(&[0; 4]); // v8 unknown
    ext.extend_from_slice(&utf16z(long));
    ext.extend_from_slice(&(ext_at as u16).to_le_bytes()); // offset of this block, last WORD
    body.extend_from_slice(&((ext.len() + 2) as u16).to_le_bytes());
    body.extend_from_slice(&ext);
    item(&body)
}

pub(super) fn id_list(items: &[Vec<u8>]) -> Vec<u8> {
    let list: Vec<u8> = items.iter().flatten().copied().chain([0, 0]).collect();
    let mut v = (list.len() as u16).to_le_bytes().to_vec();
    v.extend_from_slice(&list);
    v
}

pub(super) fn link(flags: u32, parts: &[Vec<u8>]) -> Vec<u8> {
    let mut v = header(flags, 0);
    parts.iter().for_each(|p| v.extend_from_slice(p));
    v.extend_from_slice(&0u32.to_le_bytes()); // ExtraData terminal block
    v
}
