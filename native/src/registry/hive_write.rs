//! Writing a hive back in Wine's text format, following server/registry.c `save_subkeys` and
//! `dump_value` exactly (same escapes, same `str(N):` choices, same hex line wrapping), so a
//! hive Wine wrote and we did not change comes out byte-identical.

use super::escape::{bytes_to_units, dump_str};
use super::hive::{filetime_now, Hive, KeyId, Stamp, FILETIME_UNIX_EPOCH, ROOT};
use super::model::{RegValue, REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_MULTI_SZ, REG_SZ};

impl Hive {
    /// The hive as Wine would save it.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.nodes.len() * 96);
        out.extend_from_slice(b"WINE REGISTRY Version 2\n");
        for line in &self.header {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
        // Depth-first; `path` holds the escaped path of the key being visited.
        let mut path: Vec<u8> = Vec::new();
        let mut stack: Vec<(KeyId, usize)> = vec![(ROOT, 0)];
        while let Some((id, parent_len)) = stack.pop() {
            path.truncate(parent_len);
            if id != ROOT {
                if parent_len > 0 {
                    path.extend_from_slice(b"\\\\");
                }
                let units: Vec<u16> = self.nodes[id].name.encode_utf16().collect();
                dump_str(&units, &mut path, [b'[', b']']);
            }
            if self.should_save(id) {
                self.write_key(id, &path, &mut out);
            }
            let len = path.len();
            for &child in self.nodes[id].children.iter().rev() {
                stack.push((child, len));
            }
        }
        out
    }

    /// Wine saves a key when it has values, no subkeys, or metadata; keys that only hold
    /// subkeys are implied by them. A section the file had is kept too.
    fn should_save(&self, id: KeyId) -> bool {
        let n = &self.nodes[id];
        let has_meta = n.meta.iter().any(|m| !m.starts_with("#time="));
        let leaf = n.children.is_empty() && id != ROOT;
        n.explicit || !n.values.is_empty() || leaf || has_meta || !n.others.is_empty()
    }

    fn write_key(&self, id: KeyId, path: &[u8], out: &mut Vec<u8>) {
        let n = &self.nodes[id];
        out.extend_from_slice(b"\n[");
        out.extend_from_slice(path);
        out.push(b']');
        // A key that never had a section (created through the API, or implied until now)
        // gets Wine's stamp and #time line; an existing one keeps exactly what it had.
        let mut time = n.time;
        match &n.stamp {
            Stamp::Secs(secs) => out.extend_from_slice(format!(" {secs}\n").as_bytes()),
            Stamp::Raw(text) => {
                out.extend_from_slice(text.as_bytes());
                out.push(b'\n');
            }
            Stamp::Missing => {
                let t = self.modified_filetime(id).unwrap_or_else(filetime_now);
                out.extend_from_slice(
                    format!(" {}\n", t.saturating_sub(FILETIME_UNIX_EPOCH) / 10_000_000).as_bytes(),
                );
                if !n.meta.iter().any(|m| m.starts_with("#time=")) {
                    time = Some(t);
                }
            }
        }
        if let Some(t) = time {
            out.extend_from_slice(
                format!("#time={:x}{:08x}\n", (t >> 32) as u32, t as u32).as_bytes(),
            );
        }
        for m in &n.meta {
            out.extend_from_slice(m.as_bytes());
            out.push(b'\n');
        }
        let mut others = n.others.iter().peekable();
        for (i, v) in n.values.iter().enumerate() {
            while let Some((_, line)) = others.next_if(|o| o.0 <= i) {
                out.extend_from_slice(line.as_bytes());
                out.push(b'\n');
            }
            dump_value(v, out);
        }
        for (_, line) in others {
            out.extend_from_slice(line.as_bytes());
            out.push(b'\n');
        }
    }
}

/// One value line (or several for long hex data), as Wine's `dump_value`.
pub(crate) fn dump_value(v: &RegValue, out: &mut Vec<u8>) {
    let mut count;
    if v.name.is_empty() {
        out.extend_from_slice(b"@=");
        count = 2;
    } else {
        out.push(b'"');
        let units: Vec<u16> = v.name.encode_utf16().collect();
        count = 1 + dump_str(&units, out, [b'"', b'"']);
        out.extend_from_slice(b"\"=");
        count += 2;
    }
    match v.raw_type {
        REG_SZ | REG_EXPAND_SZ | REG_MULTI_SZ if v.is_terminated_string() => {
            if v.raw_type != REG_SZ {
                out.extend_from_slice(format!("str({:x}):", v.raw_type).as_bytes());
            }
            out.push(b'"');
            dump_str(&bytes_to_units(&v.data), out, [b'"', b'"']);
            out.extend_from_slice(b"\"\n");
            return;
        }
        REG_DWORD if v.data.len() == 4 => {
            let n = u32::from_le_bytes([v.data[0], v.data[1], v.data[2], v.data[3]]);
            out.extend_from_slice(format!("dword:{n:08x}\n").as_bytes());
            return;
        }
        _ => {}
    }
    let prefix = if v.raw_type == REG_BINARY {
        "hex:".to_string()
    } else {
        format!("hex({:x}):", v.raw_type)
    };
    out.extend_from_slice(prefix.as_bytes());
    count += prefix.len();
    write_hex_bytes(&v.data, count, out, b"\\\n  ");
    out.push(b'\n');
}

/// `aa,bb,...` wrapped like Wine: after a comma, once the line passes 76 columns, break with
/// `wrap` and continue at column 2. `count` is the column where the bytes start.
pub(crate) fn write_hex_bytes(data: &[u8], mut count: usize, out: &mut Vec<u8>, wrap: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for (i, b) in data.iter().enumerate() {
        out.push(DIGITS[(b >> 4) as usize]);
        out.push(DIGITS[(b & 15) as usize]);
        count += 2;
        if i + 1 < data.len() {
            out.push(b',');
            count += 1;
            if count > 76 {
                out.extend_from_slice(wrap);
                count = 2;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::model::ValueData;

    fn line(v: &RegValue) -> String {
        let mut out = Vec::new();
        dump_value(v, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn values_are_written_as_wine_writes_them() {
        assert_eq!(line(&RegValue::sz("", "x")), "@=\"x\"\n");
        assert_eq!(line(&RegValue::sz("a\"b", "")), "\"a\\\"b\"=\"\"\n");
        assert_eq!(
            line(&RegValue::new("e", ValueData::ExpandSz("%P%".into()))),
            "\"e\"=str(2):\"%P%\"\n"
        );
        assert_eq!(
            line(&RegValue::new(
                "m",
                ValueData::MultiSz(vec!["a".into(), "bc".into()])
            )),
            "\"m\"=str(7):\"a\\0bc\\0\"\n"
        );
        assert_eq!(
            line(&RegValue::dword("d", 0xabcd)),
            "\"d\"=dword:0000abcd\n"
        );
        assert_eq!(
            line(&RegValue::new("q", ValueData::Qword(0x0807060504030201))),
            "\"q\"=hex(b):01,02,03,04,05,06,07,08\n"
        );
        assert_eq!(
            line(&RegValue::new("n", ValueData::None(vec![]))),
            "\"n\"=hex(0):\n"
        );
        assert_eq!(
            line(&RegValue {
                name: "d3".into(),
                raw_type: 4,
                data: vec![1, 2, 3]
            }),
            "\"d3\"=hex(4):01,02,03\n"
        );
        assert_eq!(
            line(&RegValue {
                name: "u".into(),
                raw_type: 1,
                data: vec![b'a', 0, b'b', 0]
            }),
            "\"u\"=hex(1):61,00,62,00\n"
        );
        // Observed in a Wine 8 prefix: the first line breaks after 23 bytes for "bin", then every 25.
        let bin = RegValue::new("bin", ValueData::Binary((0u8..48).collect()));
        assert_eq!(
            line(&bin),
            "\"bin\"=hex:00,01,02,03,04,05,06,07,08,09,0a,0b,0c,0d,0e,0f,10,11,12,13,14,15,16,\\\n  \
             17,18,19,1a,1b,1c,1d,1e,1f,20,21,22,23,24,25,26,27,28,29,2a,2b,2c,2d,2e,2f\n"
        );
    }

    #[test]
    fn every_value_type_round_trips_through_the_file() {
        let values = vec![
            RegValue::sz("", "default"),
            RegValue::sz(
                "esc",
                "tab\t nl\n cr\r nul\0 q\" bs\\ é 日本 \u{1F600} \u{7f}\u{1}1",
            ),
            RegValue::new("exp", ValueData::ExpandSz("%SystemRoot%\\x".into())),
            RegValue::new(
                "multi",
                ValueData::MultiSz(vec!["one".into(), "".into(), "thrée".into()]),
            ),
            RegValue::new("multi0", ValueData::MultiSz(vec![])),
            RegValue::dword("dw", u32::MAX),
            RegValue::new("qw", ValueData::Qword(u64::MAX - 5)),
            RegValue::new("bin", ValueData::Binary((0..=255).collect())),
            RegValue::new("none", ValueData::None(vec![1])),
            RegValue {
                name: "odd".into(),
                raw_type: 1,
                data: vec![0x41, 0, 0x42],
            },
            RegValue {
                name: "noterm".into(),
                raw_type: 7,
                data: vec![0x41, 0],
            },
            RegValue {
                name: "big type".into(),
                raw_type: 0xffff1003,
                data: vec![],
            },
            RegValue {
                name: "link".into(),
                raw_type: 6,
                data: vec![0x5c, 0],
            },
            RegValue {
                name: "weird \\ [name] \u{e9}A".into(),
                raw_type: 5,
                data: vec![0, 0, 0, 1],
            },
        ];
        let mut h = Hive::new("REGISTRY\\\\Machine");
        let (k, _) = h
            .create_path(ROOT, &["Software", "Orbit [test] \u{e9}", "Sub"])
            .unwrap();
        for v in &values {
            h.set_value(k, v.clone()).unwrap();
        }
        let text = h.to_bytes();
        assert!(text.is_ascii());
        let back = Hive::parse(&text).unwrap();
        let k2 = back
            .find(&["software", "ORBIT [TEST] \u{c9}", "sub"])
            .unwrap();
        let mut sorted = values.clone();
        sorted.sort_by(|a, b| crate::registry::escape::cmp_names(&a.name, &b.name));
        assert_eq!(back.values(k2), sorted.as_slice());
        assert_eq!(back.to_bytes(), text, "second write is identical");
    }
}
