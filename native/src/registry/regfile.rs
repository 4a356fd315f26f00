//! Exporting a subtree as a regedit `.reg` file ("Windows Registry Editor Version 5.00"),
//! laid out as Wine 8's `regedit /e` writes it: UTF-16LE with a BOM, CRLF, a blank line
//! before each key, values in stored order, hex data wrapped after column 76 with `\`.
//!
//! A REG_SZ is written as a quoted string only when that is lossless and portable (terminated,
//! no NUL, CR or LF inside); otherwise as `hex(1):`, which Windows' and Wine's regedit both read.
//! REG_EXPAND_SZ, REG_MULTI_SZ, REG_QWORD and every other type use `hex(N):`, as regedit does.
//! Wine's symbolic link keys below the exported key become a `;` comment naming the target.

use serde::{Deserialize, Serialize};

use super::error::RegError;
use super::hive_write::write_hex_bytes;
use super::model::{RegValue, ValueData, REG_BINARY, REG_DWORD, REG_SZ};
use super::set::HiveSet;

pub const REG_V5_HEADER: &str = "Windows Registry Editor Version 5.00";

/// Text encoding of an exported .reg file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RegEncoding {
    /// What regedit writes: UTF-16LE with a byte order mark.
    #[default]
    Utf16le,
    /// UTF-8 without a byte order mark (readable in diffs; Orbit and Wine's regedit import it).
    Utf8,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportOptions {
    pub encoding: RegEncoding,
}

impl HiveSet {
    /// The key at `path` and everything below it as a .reg file.
    pub fn export_reg(&self, path: &str, options: ExportOptions) -> Result<Vec<u8>, RegError> {
        let text = self.export_reg_text(path)?;
        Ok(match options.encoding {
            RegEncoding::Utf8 => text.into_bytes(),
            RegEncoding::Utf16le => {
                let mut out = Vec::with_capacity(text.len() * 2 + 2);
                out.extend_from_slice(&[0xFF, 0xFE]);
                for u in text.encode_utf16() {
                    out.extend_from_slice(&u.to_le_bytes());
                }
                out
            }
        })
    }

    /// The .reg text before encoding.
    pub fn export_reg_text(&self, path: &str) -> Result<String, RegError> {
        let (h, key, shown) = self.locate(path, true)?;
        let hive = self.hive(h);
        let mut out = String::with_capacity(4096);
        out.push_str(REG_V5_HEADER);
        out.push_str("\r\n");
        let mut key_path = shown;
        let mut stack = vec![(key, key_path.len())];
        let mut first = true;
        while let Some((id, parent_len)) = stack.pop() {
            key_path.truncate(parent_len);
            if !first {
                key_path.push('\\');
                key_path.push_str(hive.name(id));
            }
            if !first {
                if let Some(target) = hive.link_target(id) {
                    // A .reg file cannot express a link; following it would duplicate the target.
                    out.push_str(&format!(
                        "\r\n; [{key_path}] is a symbolic link to {target}, not exported\r\n"
                    ));
                    continue;
                }
            }
            first = false;
            out.push_str("\r\n[");
            out.push_str(&key_path);
            out.push_str("]\r\n");
            for v in hive.values(id) {
                export_value(v, &mut out);
            }
            let len = key_path.len();
            for &child in hive.children(id).iter().rev() {
                stack.push((child, len));
            }
        }
        out.push_str("\r\n");
        Ok(out)
    }
}

/// `\` and `"` get a backslash, as in every regedit version.
fn escape_reg(s: &str, out: &mut String) {
    for c in s.chars() {
        if c == '\\' || c == '"' {
            out.push('\\');
        }
        out.push(c);
    }
}

/// One `"name"=data` line (several for wrapped hex).
pub(crate) fn export_value(v: &RegValue, out: &mut String) {
    let start = out.len();
    if v.name.is_empty() {
        out.push('@');
    } else {
        out.push('"');
        escape_reg(&v.name, out);
        out.push('"');
    }
    out.push('=');
    match (v.raw_type, v.value()) {
        (REG_SZ, ValueData::Sz(s)) if !s.contains(['\0', '\r', '\n']) => {
            out.push('"');
            escape_reg(&s, out);
            out.push_str("\"\r\n");
            return;
        }
        (REG_DWORD, ValueData::Dword(n)) => {
            out.push_str(&format!("dword:{n:08x}\r\n"));
            return;
        }
        _ => {}
    }
    if v.raw_type == REG_BINARY {
        out.push_str("hex:");
    } else {
        out.push_str(&format!("hex({:x}):", v.raw_type));
    }
    // regedit counts columns in UTF-16 units.
    let column = out[start..].encode_utf16().count();
    let mut bytes = Vec::with_capacity(v.data.len() * 3 + 8);
    write_hex_bytes(&v.data, column, &mut bytes, b"\\\r\n  ");
    out.push_str(std::str::from_utf8(&bytes).unwrap_or_default());
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(v: &RegValue) -> String {
        let mut s = String::new();
        export_value(v, &mut s);
        s
    }

    #[test]
    fn values_are_exported_as_regedit_writes_them() {
        assert_eq!(line(&RegValue::sz("", "default")), "@=\"default\"\r\n");
        assert_eq!(
            line(&RegValue::sz("\"q\\n\"", "a \"b\" c\\d é")),
            "\"\\\"q\\\\n\\\"\"=\"a \\\"b\\\" c\\\\d é\"\r\n"
        );
        assert_eq!(
            line(&RegValue::dword("dw", 0xabcd)),
            "\"dw\"=dword:0000abcd\r\n"
        );
        assert_eq!(
            line(&RegValue::new(
                "expand",
                ValueData::ExpandSz("%PATH%".into())
            )),
            "\"expand\"=hex(2):25,00,50,00,41,00,54,00,48,00,25,00,00,00\r\n"
        );
        assert_eq!(
            line(&RegValue::new(
                "multi",
                ValueData::MultiSz(vec!["a".into(), "bc".into()])
            )),
            "\"multi\"=hex(7):61,00,00,00,62,00,63,00,00,00,00,00\r\n"
        );
        assert_eq!(
            line(&RegValue::new("qw", ValueData::Qword(0x0807060504030201))),
            "\"qw\"=hex(b):01,02,03,04,05,06,07,08\r\n"
        );
        assert_eq!(
            line(&RegValue::new("none", ValueData::None(vec![]))),
            "\"none\"=hex(0):\r\n"
        );
        assert_eq!(
            line(&RegValue::sz("nl", "a\nb")),
            "\"nl\"=hex(1):61,00,0a,00,62,00,00,00\r\n"
        );
        // Byte-for-byte what Wine 8's `regedit /e` wrote for the same value.
        assert_eq!(
            line(&RegValue::new("bin", ValueData::Binary((0u8..48).collect()))),
            "\"bin\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,\\\r\n  \
             17,18,19,1a,1b,1c,1d,1e,1f,20,21,22,23,24,25,26,27,28,29,2a,2b,2c,2d,2e,2f\r\n"
        );
    }
}
