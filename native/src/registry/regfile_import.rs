//! Importing regedit `.reg` files (version 5 and REGEDIT4): `[Key]` creates, `[-Key]`
//! deletes a subtree, `"name"=-` deletes a value; data as `"string"`, `dword:`, `hex:` and
//! `hex(N):` with `\` line continuations. The whole file is parsed and checked first and
//! applied to a copy, so a bad file changes nothing.

use serde::Serialize;

use super::error::RegError;
use super::escape::units_to_bytes;
use super::hive_parse::{skip_space, split_lines};
use super::model::{RegValue, REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_SZ};
use super::path::{resolve_root, Target};
use super::regfile::REG_V5_HEADER;
use super::set::HiveSet;

/// What an import changed.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub keys_created: usize,
    pub keys_deleted: usize,
    pub values_set: usize,
    pub values_deleted: usize,
}

#[derive(Debug)]
enum Op {
    Key(String),
    DeleteKey(String),
    Set(String, RegValue),
    DeleteValue(String, String),
}

impl HiveSet {
    /// Applies a .reg file (UTF-16LE/BE with BOM, or UTF-8 with or without BOM).
    pub fn import_reg(&mut self, bytes: &[u8]) -> Result<ImportSummary, RegError> {
        let text = decode(bytes)?;
        let ops = parse_reg(&text)?;
        let mut work = self.clone();
        let mut summary = ImportSummary::default();
        for (line, op) in ops {
            let at = |e: RegError| RegError::bad_reg(line, e.to_string());
            match op {
                Op::Key(path) => {
                    if work.create_key(&path).map_err(at)? {
                        summary.keys_created += 1;
                    }
                }
                Op::DeleteKey(path) => match work.delete_key(&path) {
                    Ok(()) => summary.keys_deleted += 1,
                    Err(RegError::KeyNotFound { .. }) => {}
                    Err(e) => return Err(at(e)),
                },
                Op::Set(path, value) => {
                    work.set_value(&path, value).map_err(at)?;
                    summary.values_set += 1;
                }
                Op::DeleteValue(path, name) => match work.delete_value(&path, &name) {
                    Ok(()) => summary.values_deleted += 1,
                    Err(RegError::KeyNotFound { .. } | RegError::ValueNotFound { .. }) => {}
                    Err(e) => return Err(at(e)),
                },
            }
        }
        *self = work;
        Ok(summary)
    }
}

/// The file's text, whatever its encoding.
fn decode(bytes: &[u8]) -> Result<String, RegError> {
    let utf16 = |body: &[u8], le: bool| -> Result<String, RegError> {
        if !body.len().is_multiple_of(2) {
            return Err(RegError::bad_reg(
                1,
                "UTF-16 file with an odd number of bytes",
            ));
        }
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| {
                if le {
                    u16::from_le_bytes([c[0], c[1]])
                } else {
                    u16::from_be_bytes([c[0], c[1]])
                }
            })
            .collect();
        Ok(String::from_utf16_lossy(&units))
    };
    if let Some(body) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        return utf16(body, true);
    }
    if let Some(body) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        return utf16(body, false);
    }
    let body = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    Ok(match std::str::from_utf8(body) {
        Ok(s) => s.to_string(),
        // REGEDIT4 files are in the ANSI code page; Latin-1 keeps every byte.
        Err(_) => body.iter().map(|&b| b as char).collect(),
    })
}

fn parse_reg(text: &str) -> Result<Vec<(usize, Op)>, RegError> {
    let lines = split_lines(text.as_bytes());
    let mut i = 0;
    while i < lines.len() && skip_space(lines[i]).is_empty() {
        i += 1;
    }
    let header = lines
        .get(i)
        .map(|l| String::from_utf8_lossy(l).trim().to_string())
        .unwrap_or_default();
    let ansi = match header.as_str() {
        REG_V5_HEADER => false,
        "REGEDIT4" => true,
        _ => {
            let line = if i < lines.len() { i + 1 } else { 1 };
            return Err(RegError::bad_reg(
                line,
                format!("expected \"{REG_V5_HEADER}\" or \"REGEDIT4\""),
            ));
        }
    };
    i += 1;
    let mut ops = Vec::new();
    // The current key; None before the first key and after a [-Key].
    let mut current: Option<String> = None;
    let mut deleted_key = false;
    while i < lines.len() {
        let lineno = i + 1;
        let body = trim_end(skip_space(lines[i]));
        match body.first() {
            None | Some(b';') => {}
            Some(b'[') => {
                let close = body
                    .iter()
                    .rposition(|&b| b == b']')
                    .ok_or_else(|| RegError::bad_reg(lineno, "missing ']'"))?;
                let inner = std::str::from_utf8(&body[1..close])
                    .map_err(|_| RegError::bad_reg(lineno, "bad text"))?;
                let (delete, path) = match inner.strip_prefix('-') {
                    Some(p) => (true, p.trim()),
                    None => (false, inner.trim()),
                };
                check_path(path, lineno)?;
                if delete {
                    ops.push((lineno, Op::DeleteKey(path.to_string())));
                    current = None;
                    deleted_key = true;
                } else {
                    ops.push((lineno, Op::Key(path.to_string())));
                    current = Some(path.to_string());
                }
            }
            Some(b'@' | b'"') => {
                let Some(key) = current.clone() else {
                    let why = if deleted_key {
                        "value after a [-key] deletion"
                    } else {
                        "value before any [key]"
                    };
                    return Err(RegError::bad_reg(lineno, why));
                };
                let op = parse_value_line(body, &lines, &mut i, ansi, key)?;
                ops.push((lineno, op));
            }
            Some(_) => return Err(RegError::bad_reg(lineno, "unrecognized line")),
        }
        i += 1;
    }
    Ok(ops)
}

fn trim_end(s: &[u8]) -> &[u8] {
    let n = s
        .iter()
        .rev()
        .take_while(|&&b| super::hive_parse::is_space(b))
        .count();
    &s[..s.len() - n]
}

/// Key paths must name a root we hold (HKLM, HKCU, HKCR, HKU\.Default, HKU\<sid>, HKCC).
fn check_path(path: &str, lineno: usize) -> Result<(), RegError> {
    if path.is_empty() {
        return Err(RegError::bad_reg(lineno, "empty key path"));
    }
    match resolve_root(path, "") {
        Ok(Target::Hive { .. }) => Ok(()),
        // The SID is only known to the HiveSet; HKU\<sid> is checked when applied.
        Err(RegError::KeyNotFound { .. }) => Ok(()),
        Ok(Target::UsersRoot) => Err(RegError::bad_reg(
            lineno,
            "HKEY_USERS itself cannot be written",
        )),
        Err(e) => Err(RegError::bad_reg(lineno, e.to_string())),
    }
}

/// A quoted string with regedit escapes, from just after the opening quote; returns the text
/// and the rest after the closing quote.
fn parse_quoted(s: &[u8], lineno: usize) -> Result<(String, &[u8]), RegError> {
    let mut out: Vec<u8> = Vec::with_capacity(s.len());
    let mut p = 0;
    while p < s.len() {
        match s[p] {
            b'"' => {
                let text =
                    String::from_utf8(out).map_err(|_| RegError::bad_reg(lineno, "bad text"))?;
                return Ok((text, &s[p + 1..]));
            }
            b'\\' => {
                let c = match s.get(p + 1) {
                    Some(b'\\') => b'\\',
                    Some(b'"') => b'"',
                    Some(b'n') => b'\n',
                    Some(b'r') => b'\r',
                    Some(b't') => b'\t',
                    Some(b'0') => 0,
                    _ => {
                        return Err(RegError::bad_reg(
                            lineno,
                            "unknown escape in string (write a backslash as \\\\)",
                        ))
                    }
                };
                out.push(c);
                p += 2;
            }
            b => {
                out.push(b);
                p += 1;
            }
        }
    }
    Err(RegError::bad_reg(lineno, "unterminated string"))
}

fn parse_value_line(
    body: &[u8],
    lines: &[&[u8]],
    i: &mut usize,
    ansi: bool,
    key: String,
) -> Result<Op, RegError> {
    let lineno = *i + 1;
    let (name, rest) = if body[0] == b'@' {
        (String::new(), &body[1..])
    } else {
        parse_quoted(&body[1..], lineno)?
    };
    let rest = skip_space(rest);
    let rest = rest
        .strip_prefix(b"=")
        .ok_or_else(|| RegError::bad_reg(lineno, "expected '=' after the value name"))?;
    let rest = skip_space(rest);
    if rest == b"-" {
        return Ok(Op::DeleteValue(key, name));
    }
    let value = |raw_type: u32, data: Vec<u8>| {
        Ok(Op::Set(
            key.clone(),
            RegValue {
                name: name.clone(),
                raw_type,
                data,
            },
        ))
    };
    if let Some(s) = rest.strip_prefix(b"\"") {
        let (text, after) = parse_quoted(s, lineno)?;
        if !skip_space(after).is_empty() {
            return Err(RegError::bad_reg(
                lineno,
                "unexpected text after the closing quote",
            ));
        }
        let mut units: Vec<u16> = text.encode_utf16().collect();
        units.push(0);
        return value(REG_SZ, units_to_bytes(&units));
    }
    let lower = String::from_utf8_lossy(&rest[..rest.len().min(12)]).to_ascii_lowercase();
    if lower.starts_with("dword:") {
        let digits = &rest[6..];
        if digits.is_empty() || digits.len() > 8 || !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(RegError::bad_reg(lineno, "dword needs 1 to 8 hex digits"));
        }
        let n = u32::from_str_radix(std::str::from_utf8(digits).unwrap_or("0"), 16).unwrap_or(0);
        return value(REG_DWORD, n.to_le_bytes().to_vec());
    }
    let (raw_type, hex) = if lower.starts_with("hex:") {
        (REG_BINARY, &rest[4..])
    } else if lower.starts_with("hex(") {
        let close = rest
            .iter()
            .position(|&b| b == b')')
            .ok_or_else(|| RegError::bad_reg(lineno, "bad hex(N): type"))?;
        let num = std::str::from_utf8(&rest[4..close])
            .ok()
            .filter(|s| !s.is_empty() && s.len() <= 8);
        let t = num
            .and_then(|s| u32::from_str_radix(s, 16).ok())
            .ok_or_else(|| RegError::bad_reg(lineno, "bad hex(N): type"))?;
        let after = rest[close + 1..]
            .strip_prefix(b":")
            .ok_or_else(|| RegError::bad_reg(lineno, "expected ':' after hex(N)"))?;
        (t, after)
    } else {
        return Err(RegError::bad_reg(
            lineno,
            "unsupported value data (expected \"string\", dword:, hex: or hex(N):)",
        ));
    };
    let mut data = parse_hex_list(hex, lines, i)?;
    if ansi && (raw_type == REG_EXPAND_SZ || raw_type == REG_MULTI_SZ) {
        // REGEDIT4 stores these as ANSI bytes; the registry holds UTF-16.
        data = data.iter().flat_map(|&b| [b, 0]).collect();
    }
    value(raw_type, data)
}

/// `aa,bb,\` continued on following lines; spaces allowed around bytes, a trailing comma too.
fn parse_hex_list(first: &[u8], lines: &[&[u8]], i: &mut usize) -> Result<Vec<u8>, RegError> {
    let mut data = Vec::new();
    let mut s = trim_end(first);
    loop {
        let continued = s.last() == Some(&b'\\');
        if continued {
            s = &s[..s.len() - 1];
        }
        for token in s.split(|&b| b == b',') {
            let t = trim_end(skip_space(token));
            if t.is_empty() {
                continue;
            }
            if t.len() > 2 || !t.iter().all(u8::is_ascii_hexdigit) {
                let shown = String::from_utf8_lossy(t);
                return Err(RegError::bad_reg(
                    *i + 1,
                    format!("invalid hex byte {shown:?}"),
                ));
            }
            data.push(u8::from_str_radix(std::str::from_utf8(t).unwrap_or("0"), 16).unwrap_or(0));
        }
        if !continued {
            return Ok(data);
        }
        *i += 1;
        let Some(next) = lines.get(*i) else {
            return Err(RegError::bad_reg(
                *i,
                "hex data continues past the end of the file",
            ));
        };
        s = trim_end(skip_space(next));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::model::ValueData;

    fn reg(body: &str) -> Vec<u8> {
        format!("{REG_V5_HEADER}\r\n\r\n{body}").into_bytes()
    }

    fn err_of(set: &mut HiveSet, bytes: &[u8]) -> (usize, String) {
        match set.import_reg(bytes) {
            Err(RegError::BadReg { line, message }) => (line, message),
            other => panic!("expected EBADREG, got {other:?}"),
        }
    }

    #[test]
    fn imports_every_form() {
        let mut set = HiveSet::empty();
        let text = "[HKEY_LOCAL_MACHINE\\Software\\Acme]\r\n@=\"def\"\r\n\"s\"=\"a \\\"q\\\" b\\\\c\"\r\n\
                    \"d\"=dword:0000002A\r\n\"e\"=hex(2):25,00,50,00,25,00,00,00\r\n\
                    \"m\"=hex(7):61,00,00,00,\\\r\n  62,00,00,00,00,00\r\n\"q\"=hex(b):01,00,00,00,00,00,00,00\r\n\
                    \"b\"=hex:de,ad,\\\r\n    be,ef\r\n\"n\"=hex(0):\r\n\"sp\" = \"x\"  \r\n; comment\r\n\
                    [HKCU\\Console\\Sub]\r\n\"x\"=dword:1\r\n";
        let summary = set.import_reg(&reg(text)).unwrap();
        assert_eq!(
            summary,
            ImportSummary {
                keys_created: 2,
                keys_deleted: 0,
                values_set: 10,
                values_deleted: 0
            }
        );
        let get = |name: &str| set.get_value("HKLM\\software\\acme", name).unwrap().value();
        assert_eq!(get(""), ValueData::Sz("def".into()));
        assert_eq!(get("s"), ValueData::Sz("a \"q\" b\\c".into()));
        assert_eq!(get("d"), ValueData::Dword(42));
        assert_eq!(get("e"), ValueData::ExpandSz("%P%".into()));
        assert_eq!(get("m"), ValueData::MultiSz(vec!["a".into(), "b".into()]));
        assert_eq!(get("q"), ValueData::Qword(1));
        assert_eq!(get("b"), ValueData::Binary(vec![0xde, 0xad, 0xbe, 0xef]));
        assert_eq!(get("n"), ValueData::None(vec![]));
        assert_eq!(get("sp"), ValueData::Sz("x".into()));
        assert_eq!(
            set.get_value("HKCU\\Console\\Sub", "x").unwrap().value(),
            ValueData::Dword(1)
        );

        // Deletions: a value, a missing value (ignored), a subtree, a missing key (ignored).
        let text = "[HKLM\\Software\\Acme]\r\n\"s\"=-\r\n\"missing\"=-\r\n[-HKCU\\Console]\r\n[-HKCU\\Nope]\r\n";
        let summary = set.import_reg(&reg(text)).unwrap();
        assert_eq!(
            summary,
            ImportSummary {
                keys_created: 0,
                keys_deleted: 1,
                values_set: 0,
                values_deleted: 1
            }
        );
        assert_eq!(
            set.get_value("HKLM\\Software\\Acme", "s")
                .unwrap_err()
                .code(),
            "ENOTFOUND_VALUE"
        );
        assert!(!set.key_exists("HKCU\\Console"));
    }

    #[test]
    fn accepts_every_encoding() {
        let text = format!("{REG_V5_HEADER}\r\n\r\n[HKLM\\Software\\Enc]\r\n\"v\"=\"日本 é\"\r\n");
        let mut le = vec![0xFF, 0xFE];
        le.extend(text.encode_utf16().flat_map(|u| u.to_le_bytes()));
        let mut be = vec![0xFE, 0xFF];
        be.extend(text.encode_utf16().flat_map(|u| u.to_be_bytes()));
        let mut bom8 = vec![0xEF, 0xBB, 0xBF];
        bom8.extend(text.as_bytes());
        for bytes in [le, be, bom8, text.clone().into_bytes()] {
            let mut set = HiveSet::empty();
            set.import_reg(&bytes).unwrap();
            assert_eq!(
                set.get_value("HKLM\\Software\\Enc", "v").unwrap().value(),
                ValueData::Sz("日本 é".into())
            );
        }
        // REGEDIT4: ANSI bytes, and hex(2)/hex(7) widened to UTF-16.
        let mut set = HiveSet::empty();
        let mut ansi = b"REGEDIT4\n\n[HKLM\\Software\\Old]\n\"v\"=\"caf".to_vec();
        ansi.extend([0xE9, b'"', b'\n']);
        ansi.extend(b"\"e\"=hex(2):25,41,25,00\n");
        set.import_reg(&ansi).unwrap();
        assert_eq!(
            set.get_value("HKLM\\Software\\Old", "v").unwrap().value(),
            ValueData::Sz("café".into())
        );
        assert_eq!(
            set.get_value("HKLM\\Software\\Old", "e").unwrap().value(),
            ValueData::ExpandSz("%A%".into())
        );
    }

    #[test]
    fn bad_files_change_nothing_and_name_the_line() {
        let mut set = HiveSet::empty();
        set.set_value("HKLM\\Software\\Keep", RegValue::dword("v", 1))
            .unwrap();
        let cases: [(&[u8], usize, &str); 11] = [
            (b"", 1, "expected"),
            (b"Hello\r\n", 1, "expected"),
            (b"Windows Registry Editor Version 5.00\r\n\"v\"=\"x\"\r\n", 2, "before any"),
            (b"Windows Registry Editor Version 5.00\r\n[HKLM\\A\r\n", 2, "missing ']'"),
            (b"Windows Registry Editor Version 5.00\r\n[HKXX\\A]\r\n", 2, "unknown registry root"),
            (b"Windows Registry Editor Version 5.00\r\n[HKLM\\A]\r\n\"v\"=\"C:\\Program\"\r\n", 3, "escape"),
            (b"Windows Registry Editor Version 5.00\r\n[HKLM\\A]\r\n\"v\"=dword:123456789\r\n", 3, "dword"),
            (b"Windows Registry Editor Version 5.00\r\n[HKLM\\A]\r\n\"v\"=hex:01,\\\r\n  1ff\r\n", 4, "invalid hex byte"),
            (b"Windows Registry Editor Version 5.00\r\n[HKLM\\A]\r\n\"v\"=hex:01,\\\r\n", 3, "past the end"),
            (b"Windows Registry Editor Version 5.00\r\n[-HKLM\\A]\r\n\"v\"=\"x\"\r\n", 3, "deletion"),
            (b"Windows Registry Editor Version 5.00\r\n[HKLM\\A]\r\nwhat\r\n", 3, "unrecognized"),
        ];
        for (bytes, line, needle) in cases {
            let (l, msg) = err_of(&mut set, bytes);
            assert_eq!(
                (l, msg.contains(needle)),
                (line, true),
                "{:?}: line {l}: {msg}",
                String::from_utf8_lossy(bytes)
            );
        }
        // A late failure (a name too long for Wine) leaves the earlier lines unapplied.
        let long = format!(
            "[HKLM\\Software\\New]\r\n\"v\"=dword:1\r\n[HKLM\\Software\\{}]\r\n",
            "k".repeat(300)
        );
        let (l, _) = err_of(&mut set, &reg(&long));
        assert_eq!(l, 5);
        assert!(!set.key_exists("HKLM\\Software\\New"));
        assert!(set.key_exists("HKLM\\Software\\Keep"));
    }
}
