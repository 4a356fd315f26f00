//! Bounds-checked little-endian reads and the two string encodings a link uses.
use super::{LnkError, Result};

#[derive(Clone, Copy)]
pub(super) struct Bytes<'a>(pub(super) &'a [u8]);

impl<'a> Bytes<'a> {
    pub(super) fn slice(&self, at: usize, len: usize) -> Result<&'a [u8]> {
        at.checked_add(len)
            .and_then(|end| self.0.get(at..end))
            .ok_or_else(|| {
                LnkError::new(format!(
                    "read of {len} bytes at offset {at} is past the end"
                ))
            })
    }

    pub(super) fn u16(&self, at: usize) -> Result<u16> {
        let b = self.slice(at, 2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(super) fn u32(&self, at: usize) -> Result<u32> {
        let b = self.slice(at, 4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A NUL-terminated code-page string starting at `at`; `None` if it has no terminator.
    pub(super) fn ansiz(&self, at: usize) -> Option<String> {
        let rest = self.0.get(at..)?;
        let end = rest.iter().position(|&c| c == 0)?;
        Some(ansi(&rest[..end]))
    }

    /// A NUL-terminated UTF-16LE string starting at `at`; `None` if it has no terminator.
    pub(super) fn utf16z(&self, at: usize) -> Option<String> {
        let rest = self.0.get(at..)?;
        let units = rest
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]));
        let mut text = Vec::new();
        for unit in units {
            if unit == 0 {
                return Some(String::from_utf16_lossy(&text));
            }
            text.push(unit);
        }
        None
    }
}

pub(super) fn utf16(raw: &[u8]) -> String {
    let units: Vec<u16> = raw
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect();
    String::from_utf16_lossy(&units)
}

/// Code-page strings are decoded as Windows-1252, the default ANSI code page of Western
/// Windows (and of Wine's default locale); bytes it leaves undefined map to the C1 controls.
pub(super) fn ansi(raw: &[u8]) -> String {
    const HIGH: [char; 32] = [
        '\u{20AC}', '\u{81}', '\u{201A}', '\u{192}', '\u{201E}', '\u{2026}', '\u{2020}',
        '\u{2021}', '\u{2C6}', '\u{2030}', '\u{160}', '\u{2039}', '\u{152}', '\u{8D}', '\u{17D}',
        '\u{8F}', '\u{90}', '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{2022}', '\u{2013}',
        '\u{2014}', '\u{2DC}', '\u{2122}', '\u{161}', '\u{203A}', '\u{153}', '\u{9D}', '\u{17E}',
        '\u{178}',
    ];
    raw.iter()
        .map(|&b| match b {
            0x80..=0x9F => HIGH[(b - 0x80) as usize],
            _ => b as char,
        })
        .collect()
}
