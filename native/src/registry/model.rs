//! Registry values: the raw form every hive stores (type number + bytes) and the typed view
//! callers and JSON see.
//!
//! JSON model (one object per value):
//! `{ "name": "" | "...", "type": T, "data": D, "raw_type": N }` where
//! - `sz`, `expand_sz`: D is a string (the terminating NUL is implied);
//! - `multi_sz`: D is an array of strings;
//! - `dword`: D is a number; `qword`: a number, or a decimal string above 2^53 - 1;
//! - `binary`, `none`: D is lowercase hex without separators ("0a1b");
//! - `hex`: D is hex and `raw_type` says the real type. Used for every other type, and for
//!   data that does not fit its type's natural form (an unterminated REG_SZ, a 3-byte
//!   REG_DWORD...), so that no value is ever altered by reading and writing it back.
//!
//! `raw_type` is always present on output; on input it is required for `hex` only.

use serde::{Deserialize, Serialize};

use super::error::RegError;
use super::escape::{bytes_to_units, units_to_bytes};

pub const REG_NONE: u32 = 0;
pub const REG_SZ: u32 = 1;
pub const REG_EXPAND_SZ: u32 = 2;
pub const REG_BINARY: u32 = 3;
pub const REG_DWORD: u32 = 4;
pub const REG_LINK: u32 = 6;
pub const REG_MULTI_SZ: u32 = 7;
pub const REG_QWORD: u32 = 11;

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// One named value as stored: Windows type number and the exact data bytes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "ValueJson", into = "ValueJson")]
pub struct RegValue {
    /// "" is the key's default value (`@`).
    pub name: String,
    pub raw_type: u32,
    pub data: Vec<u8>,
}

/// The typed view of a value's data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ValueData {
    None(Vec<u8>),
    Sz(String),
    ExpandSz(String),
    Binary(Vec<u8>),
    Dword(u32),
    MultiSz(Vec<String>),
    Qword(u64),
    /// Any other type, or data that does not fit the natural form of its type.
    Hex {
        raw_type: u32,
        bytes: Vec<u8>,
    },
}

impl ValueData {
    /// The Windows type number and the exact bytes this data is stored as.
    pub fn to_raw(&self) -> (u32, Vec<u8>) {
        match self {
            ValueData::None(b) => (REG_NONE, b.clone()),
            ValueData::Sz(s) => (REG_SZ, sz_bytes(s)),
            ValueData::ExpandSz(s) => (REG_EXPAND_SZ, sz_bytes(s)),
            ValueData::Binary(b) => (REG_BINARY, b.clone()),
            ValueData::Dword(n) => (REG_DWORD, n.to_le_bytes().to_vec()),
            ValueData::MultiSz(list) => (REG_MULTI_SZ, multi_sz_bytes(list)),
            ValueData::Qword(n) => (REG_QWORD, n.to_le_bytes().to_vec()),
            ValueData::Hex { raw_type, bytes } => (*raw_type, bytes.clone()),
        }
    }

    /// The typed view of raw data; falls back to `Hex` whenever the natural form would not
    /// give back exactly the same bytes.
    pub fn from_raw(raw_type: u32, data: &[u8]) -> ValueData {
        let typed = match raw_type {
            REG_NONE => Some(ValueData::None(data.to_vec())),
            REG_BINARY => Some(ValueData::Binary(data.to_vec())),
            REG_SZ => decode_sz(data).map(ValueData::Sz),
            REG_EXPAND_SZ => decode_sz(data).map(ValueData::ExpandSz),
            REG_MULTI_SZ => decode_multi_sz(data).map(ValueData::MultiSz),
            REG_DWORD => <[u8; 4]>::try_from(data)
                .ok()
                .map(|b| ValueData::Dword(u32::from_le_bytes(b))),
            REG_QWORD => <[u8; 8]>::try_from(data)
                .ok()
                .map(|b| ValueData::Qword(u64::from_le_bytes(b))),
            _ => None,
        };
        typed.unwrap_or_else(|| ValueData::Hex {
            raw_type,
            bytes: data.to_vec(),
        })
    }

    /// The JSON `type` name.
    pub fn type_name(&self) -> &'static str {
        match self {
            ValueData::None(_) => "none",
            ValueData::Sz(_) => "sz",
            ValueData::ExpandSz(_) => "expand_sz",
            ValueData::Binary(_) => "binary",
            ValueData::Dword(_) => "dword",
            ValueData::MultiSz(_) => "multi_sz",
            ValueData::Qword(_) => "qword",
            ValueData::Hex { .. } => "hex",
        }
    }
}

impl RegValue {
    pub fn new(name: impl Into<String>, data: ValueData) -> RegValue {
        let (raw_type, data) = data.to_raw();
        RegValue {
            name: name.into(),
            raw_type,
            data,
        }
    }

    pub fn sz(name: impl Into<String>, s: &str) -> RegValue {
        RegValue::new(name, ValueData::Sz(s.to_string()))
    }

    pub fn dword(name: impl Into<String>, n: u32) -> RegValue {
        RegValue::new(name, ValueData::Dword(n))
    }

    /// The typed view of this value's data.
    pub fn value(&self) -> ValueData {
        ValueData::from_raw(self.raw_type, &self.data)
    }

    /// True when this is a properly NUL-terminated UTF-16 string (REG_SZ / EXPAND_SZ / MULTI_SZ shape).
    pub fn is_terminated_string(&self) -> bool {
        self.data.len() >= 2
            && self.data.len().is_multiple_of(2)
            && self.data[self.data.len() - 2..] == [0, 0]
    }
}

fn sz_bytes(s: &str) -> Vec<u8> {
    let mut units: Vec<u16> = s.encode_utf16().collect();
    units.push(0);
    units_to_bytes(&units)
}

fn multi_sz_bytes(list: &[String]) -> Vec<u8> {
    let mut units = Vec::new();
    for s in list {
        units.extend(s.encode_utf16());
        units.push(0);
    }
    units.push(0);
    units_to_bytes(&units)
}

/// A terminated UTF-16 string without unpaired surrogates, else None.
fn decode_sz(data: &[u8]) -> Option<String> {
    if data.len() < 2 || !data.len().is_multiple_of(2) {
        return None;
    }
    let units = bytes_to_units(data);
    let (last, body) = units.split_last()?;
    if *last != 0 {
        return None;
    }
    String::from_utf16(body).ok()
}

/// The exact inverse of `multi_sz_bytes`: [0] is the empty list, [.., 0, 0] splits on NUL.
fn decode_multi_sz(data: &[u8]) -> Option<Vec<String>> {
    if !data.len().is_multiple_of(2) {
        return None;
    }
    let units = bytes_to_units(data);
    match units.as_slice() {
        [0] => Some(Vec::new()),
        [body @ .., 0, 0] => body
            .split(|&u| u == 0)
            .map(|s| String::from_utf16(s).ok())
            .collect::<Option<Vec<_>>>(),
        _ => None,
    }
}

pub fn to_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(DIGITS[(b >> 4) as usize] as char);
        s.push(DIGITS[(b & 15) as usize] as char);
    }
    s
}

/// Hex from callers: digits in pairs, optionally separated by commas or spaces ("0a,1b" or "0a1b").
pub fn from_hex(s: &str) -> Result<Vec<u8>, RegError> {
    let digits: Vec<u8> = s
        .bytes()
        .filter(|b| !matches!(b, b',' | b' ' | b'\t'))
        .collect();
    if !digits.len().is_multiple_of(2) || !digits.iter().all(|d| d.is_ascii_hexdigit()) {
        return Err(RegError::invalid(format!("invalid hex data: {s:?}")));
    }
    Ok(digits
        .chunks(2)
        .map(|p| super::escape::hex_val(p[0]) << 4 | super::escape::hex_val(p[1]))
        .collect())
}

/// The JSON shape of a value (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ValueJson {
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub data: JsonData,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub raw_type: Option<u32>,
}

/// `data` is a string, an array of strings, or a number depending on `type`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum JsonData {
    Number(u64),
    Text(String),
    List(Vec<String>),
}

impl From<RegValue> for ValueJson {
    fn from(v: RegValue) -> ValueJson {
        let typed = v.value();
        let data = match &typed {
            ValueData::Sz(s) | ValueData::ExpandSz(s) => JsonData::Text(s.clone()),
            ValueData::MultiSz(list) => JsonData::List(list.clone()),
            ValueData::Dword(n) => JsonData::Number(*n as u64),
            ValueData::Qword(n) if *n <= MAX_SAFE_INTEGER => JsonData::Number(*n),
            ValueData::Qword(n) => JsonData::Text(n.to_string()),
            ValueData::None(b) | ValueData::Binary(b) | ValueData::Hex { bytes: b, .. } => {
                JsonData::Text(to_hex(b))
            }
        };
        ValueJson {
            name: v.name,
            kind: typed.type_name().to_string(),
            data,
            raw_type: Some(v.raw_type),
        }
    }
}

impl TryFrom<ValueJson> for RegValue {
    type Error = RegError;

    fn try_from(j: ValueJson) -> Result<RegValue, RegError> {
        let bad = |what: &str| RegError::invalid(format!("value {:?}: {what}", j.name));
        let text = || match &j.data {
            JsonData::Text(s) => Ok(s.clone()),
            _ => Err(bad(&format!("type {} needs a string", j.kind))),
        };
        let number = |max: u64| -> Result<u64, RegError> {
            let n = match &j.data {
                JsonData::Number(n) => *n,
                JsonData::Text(s) => {
                    parse_int(s).ok_or_else(|| bad(&format!("not an integer: {s:?}")))?
                }
                JsonData::List(_) => return Err(bad(&format!("type {} needs a number", j.kind))),
            };
            if n > max {
                return Err(bad(&format!("{n} does not fit in a {}", j.kind)));
            }
            Ok(n)
        };
        let data = match j.kind.as_str() {
            "sz" => ValueData::Sz(text()?),
            "expand_sz" => ValueData::ExpandSz(text()?),
            "multi_sz" => match &j.data {
                JsonData::List(l) => ValueData::MultiSz(l.clone()),
                _ => return Err(bad("type multi_sz needs an array of strings")),
            },
            "dword" => ValueData::Dword(number(u32::MAX as u64)? as u32),
            "qword" => ValueData::Qword(number(u64::MAX)?),
            "binary" => ValueData::Binary(from_hex(&text()?).map_err(|e| bad(&e.to_string()))?),
            "none" => ValueData::None(from_hex(&text()?).map_err(|e| bad(&e.to_string()))?),
            "hex" => {
                let raw_type = j.raw_type.ok_or_else(|| bad("type hex needs raw_type"))?;
                let data = from_hex(&text()?).map_err(|e| bad(&e.to_string()))?;
                return Ok(RegValue {
                    name: j.name.clone(),
                    raw_type,
                    data,
                });
            }
            other => return Err(bad(&format!("unknown type {other:?}"))),
        };
        let v = RegValue::new(j.name.clone(), data);
        if let Some(t) = j.raw_type {
            if t != v.raw_type {
                return Err(bad(&format!("raw_type {t} does not match type {}", j.kind)));
            }
        }
        if v.name.encode_utf16().count() > super::hive::MAX_VALUE_NAME {
            return Err(bad("name is too long"));
        }
        Ok(v)
    }
}

/// Decimal, or hex with a 0x prefix.
fn parse_int(s: &str) -> Option<u64> {
    let s = s.trim();
    match s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn round(v: &RegValue) -> serde_json::Value {
        let j = serde_json::to_value(v).unwrap();
        let back: RegValue = serde_json::from_value(j.clone()).unwrap();
        assert_eq!(&back, v, "JSON round trip of {j}");
        j
    }

    #[test]
    fn every_type_round_trips_through_json() {
        let cases = [
            (
                RegValue::sz("", "hello \u{e9}"),
                json!({"name":"","type":"sz","data":"hello \u{e9}","raw_type":1}),
            ),
            (
                RegValue::new("p", ValueData::ExpandSz("%PATH%".into())),
                json!({"name":"p","type":"expand_sz","data":"%PATH%","raw_type":2}),
            ),
            (
                RegValue::new(
                    "m",
                    ValueData::MultiSz(vec!["a".into(), "".into(), "bc".into()]),
                ),
                json!({"name":"m","type":"multi_sz","data":["a","","bc"],"raw_type":7}),
            ),
            (
                RegValue::new("m0", ValueData::MultiSz(vec![])),
                json!({"name":"m0","type":"multi_sz","data":[],"raw_type":7}),
            ),
            (
                RegValue::dword("d", 0xdeadbeef),
                json!({"name":"d","type":"dword","data":0xdeadbeefu32,"raw_type":4}),
            ),
            (
                RegValue::new("q", ValueData::Qword(1 << 40)),
                json!({"name":"q","type":"qword","data":1u64<<40,"raw_type":11}),
            ),
            (
                RegValue::new("big", ValueData::Qword(u64::MAX)),
                json!({"name":"big","type":"qword","data":"18446744073709551615","raw_type":11}),
            ),
            (
                RegValue::new("b", ValueData::Binary(vec![0, 0xab])),
                json!({"name":"b","type":"binary","data":"00ab","raw_type":3}),
            ),
            (
                RegValue::new("n", ValueData::None(vec![])),
                json!({"name":"n","type":"none","data":"","raw_type":0}),
            ),
            (
                RegValue {
                    name: "l".into(),
                    raw_type: 0xffff0007,
                    data: vec![3, 0, 0, 0],
                },
                json!({"name":"l","type":"hex","data":"03000000","raw_type":0xffff0007u32}),
            ),
        ];
        for (v, expected) in cases {
            assert_eq!(round(&v), expected);
        }
    }

    #[test]
    fn malformed_data_of_a_known_type_stays_exact_as_hex() {
        for v in [
            RegValue {
                name: "unterminated".into(),
                raw_type: REG_SZ,
                data: vec![b'a', 0].into_iter().chain([b'b', 0]).collect(),
            },
            RegValue {
                name: "odd".into(),
                raw_type: REG_SZ,
                data: vec![b'a', 0, 0],
            },
            RegValue {
                name: "lone surrogate".into(),
                raw_type: REG_SZ,
                data: vec![0x00, 0xd8, 0, 0],
            },
            RegValue {
                name: "dw3".into(),
                raw_type: REG_DWORD,
                data: vec![1, 2, 3],
            },
            RegValue {
                name: "multi one nul".into(),
                raw_type: REG_MULTI_SZ,
                data: vec![b'a', 0, 0, 0],
            },
            RegValue {
                name: "qw".into(),
                raw_type: REG_QWORD,
                data: vec![1],
            },
            RegValue {
                name: "empty sz".into(),
                raw_type: REG_SZ,
                data: vec![],
            },
        ] {
            assert!(matches!(v.value(), ValueData::Hex { .. }), "{v:?}");
            let j = round(&v);
            assert_eq!(j["type"], "hex");
        }
        // A REG_SZ with an inner NUL is still a string: the NUL is part of it.
        let v = RegValue {
            name: "inner".into(),
            raw_type: REG_SZ,
            data: vec![b'a', 0, 0, 0, b'b', 0, 0, 0],
        };
        assert_eq!(v.value(), ValueData::Sz("a\0b".into()));
    }

    #[test]
    fn json_input_is_checked() {
        let bad = [
            json!({"name":"x","type":"dword","data":4294967296u64}),
            json!({"name":"x","type":"dword","data":"nope"}),
            json!({"name":"x","type":"sz","data":1}),
            json!({"name":"x","type":"multi_sz","data":"a"}),
            json!({"name":"x","type":"binary","data":"abc"}),
            json!({"name":"x","type":"hex","data":"00"}),
            json!({"name":"x","type":"sz","data":"a","raw_type":2}),
            json!({"name":"x","type":"float","data":"a"}),
        ];
        for j in bad {
            let err = serde_json::from_value::<RegValue>(j.clone()).unwrap_err();
            assert!(err.to_string().contains("\"x\""), "{j}: {err}");
        }
        let v: RegValue =
            serde_json::from_value(json!({"name":"d","type":"dword","data":"0x10"})).unwrap();
        assert_eq!(v.value(), ValueData::Dword(16));
        let v: RegValue =
            serde_json::from_value(json!({"name":"b","type":"binary","data":"0a,0B ff"})).unwrap();
        assert_eq!(v.data, vec![10, 11, 255]);
    }
}
