//! Reading Wine's hive text format ("WINE REGISTRY Version 2"), following server/registry.c
//! `load_keys`: a header, then `[Key\\Path] <secs>` sections holding `#` metadata lines and
//! `"name"=data` / `@=data` values, with hex data continued over lines by a trailing `\`.
//!
//! Differences from Wine, on purpose: malformed keys and values are errors (with the line
//! number) instead of being skipped with a warning, and lines Wine ignores are kept so they
//! can be written back.

use super::error::RegError;
use super::escape::{cmp_names, names_eq, parse_str_into, units_to_string};
use super::hive::{canonical_time, Hive, KeyId, Stamp, ROOT};
use super::model::{RegValue, REG_BINARY, REG_DWORD, REG_SZ};

const MAGIC: &[u8] = b"WINE REGISTRY Version 2";

/// Splits on `\n`, dropping a `\r` before it (Wine's `read_next_line`); no empty last line.
pub(crate) fn split_lines(bytes: &[u8]) -> Vec<&[u8]> {
    let mut lines = Vec::with_capacity(bytes.len() / 24 + 1);
    let mut rest = bytes;
    while !rest.is_empty() {
        let (mut line, next) = match find_newline(rest) {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &rest[rest.len()..]),
        };
        if let [head @ .., b'\r'] = line {
            line = head;
        }
        lines.push(line);
        rest = next;
    }
    lines
}

/// The first `\n`, eight bytes at a time (the classic "has zero byte" test on `word ^ 0x0a0a..`).
fn find_newline(s: &[u8]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let mut i = 0;
    for chunk in s.chunks_exact(8) {
        let w = u64::from_le_bytes([
            chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7],
        ]) ^ (LO * 10);
        let zero = w.wrapping_sub(LO) & !w & HI;
        if zero != 0 {
            return Some(i + (zero.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    s[i..].iter().position(|&b| b == b'\n').map(|p| i + p)
}

/// C `isspace` in the "C" locale.
pub(crate) fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

pub(crate) fn skip_space(s: &[u8]) -> &[u8] {
    let n = s.iter().take_while(|&&b| is_space(b)).count();
    &s[n..]
}

fn lossy(s: &[u8]) -> String {
    String::from_utf8_lossy(s).into_owned()
}

impl Hive {
    /// Parses a hive file's bytes.
    pub fn parse(bytes: &[u8]) -> Result<Hive, RegError> {
        let lines = split_lines(bytes);
        match lines.first() {
            Some(&first) if first == MAGIC => {}
            _ => {
                return Err(RegError::bad_hive(
                    1,
                    "not a Wine registry file (expected \"WINE REGISTRY Version 2\")",
                ))
            }
        }
        let mut hive = Hive::with_capacity(bytes.len() / 160);
        let mut scratch = Scratch::default();
        let mut current: Option<KeyId> = None;
        let mut blanks = 0usize;
        let mut i = 1;
        while i < lines.len() {
            let line = lines[i];
            let lineno = i + 1;
            let body = skip_space(line);
            let Some(&first) = body.first() else {
                blanks += 1;
                i += 1;
                continue;
            };
            if first == b'[' {
                // The blank line before a key is the separator Wine writes; the writer adds it back.
                blanks = 0;
                current = Some(parse_key_line(&mut hive, &body[1..], lineno, &mut scratch)?);
                i += 1;
                continue;
            }
            let Some(key) = current else {
                if first == b'@' || first == b'"' {
                    return Err(RegError::bad_hive(lineno, "value outside of any key"));
                }
                hive.header
                    .extend(std::iter::repeat_n(String::new(), blanks));
                blanks = 0;
                hive.header.push(lossy(line));
                i += 1;
                continue;
            };
            let node = hive.node_mut(key);
            for _ in 0..std::mem::take(&mut blanks) {
                node.others.push((node.values.len(), String::new()));
            }
            match first {
                b'#' => match canonical_time(line) {
                    Some(t) if node.time.is_none() && node.meta.is_empty() => node.time = Some(t),
                    _ => node.meta.push(lossy(line)),
                },
                b'@' | b'"' => {
                    let value = parse_value(body, &lines, &mut i, &mut scratch.units)?;
                    // A repeated name replaces the earlier value, as when Wine loads it. Wine's
                    // files are sorted, so a name after the last one cannot repeat an earlier one.
                    let after_last = node
                        .values
                        .last()
                        .is_none_or(|l| cmp_names(&l.name, &value.name).is_lt());
                    if after_last && scratch.values_sorted {
                        node.values.push(value);
                    } else {
                        scratch.values_sorted = false;
                        match node
                            .values
                            .iter_mut()
                            .find(|v| names_eq(&v.name, &value.name))
                        {
                            Some(old) => *old = value,
                            None => node.values.push(value),
                        }
                    }
                }
                _ => node.others.push((node.values.len(), lossy(line))),
            }
            i += 1;
        }
        if current.is_none() {
            hive.header
                .extend(std::iter::repeat_n(String::new(), blanks));
        }
        Ok(hive)
    }
}

/// Buffers reused from line to line; `path`/`ends`/`ids` remember the previous key (its
/// unescaped path, where each component ends, and its key ids) so that the next one (usually a
/// sibling or child: Wine writes keys in tree order) skips the shared components.
#[derive(Default)]
struct Scratch {
    units: Vec<u16>,
    path: Vec<u16>,
    ends: Vec<usize>,
    ids: Vec<KeyId>,
    /// The current key's values came in sorted order so far.
    values_sorted: bool,
}

const SEP: u16 = b'\\' as u16;

/// `[Path\\To\\Key] 1700000000` (after the `[`): finds or creates the key and marks it explicit.
fn parse_key_line(
    hive: &mut Hive,
    rest: &[u8],
    lineno: usize,
    scratch: &mut Scratch,
) -> Result<KeyId, RegError> {
    let used = parse_str_into(rest, b']', &mut scratch.units)
        .ok_or_else(|| RegError::bad_hive(lineno, "unterminated key name (missing ']')"))?;
    let (new, old) = (&scratch.units, &scratch.path);
    let common = new
        .iter()
        .zip(old.iter())
        .position(|(a, b)| a != b)
        .unwrap_or(new.len().min(old.len()));
    // Components of the previous path that end at or before `boundary` are shared.
    let boundary = if common == old.len() && new.get(common).is_none_or(|&u| u == SEP) {
        common
    } else {
        old[..common].iter().rposition(|&u| u == SEP).unwrap_or(0)
    };
    let shared = scratch
        .ends
        .partition_point(|&e| e <= boundary)
        .min(scratch.ids.len());
    scratch.ends.truncate(shared);
    scratch.ids.truncate(shared);
    let mut id = scratch.ids.last().copied().unwrap_or(ROOT);
    let mut pos = scratch.ends.last().copied().unwrap_or(0);
    while pos < new.len() {
        if new[pos] == SEP {
            pos += 1;
            continue;
        }
        let end = new[pos..]
            .iter()
            .position(|&u| u == SEP)
            .map_or(new.len(), |n| pos + n);
        let name = units_to_string(&new[pos..end]);
        id = hive
            .get_or_add_child(id, &name, None)
            .map_err(|e| RegError::bad_hive(lineno, e.to_string()))?
            .0;
        scratch.ids.push(id);
        scratch.ends.push(end);
        pos = end;
    }
    std::mem::swap(&mut scratch.path, &mut scratch.units);
    let node = hive.node_mut(id);
    // A key seen before (a repeated section) may hold values in any order.
    scratch.values_sorted = node.values.is_empty();
    node.explicit = true;
    node.stamp = Stamp::parse(&rest[used..]);
    Ok(id)
}

fn bad_value(lineno: usize, what: &str) -> RegError {
    RegError::bad_hive(lineno, format!("malformed value: {what}"))
}

/// Parses one value line (plus its continuation lines, advancing `*i` past them).
fn parse_value<'a>(
    body: &'a [u8],
    lines: &[&'a [u8]],
    i: &mut usize,
    units: &mut Vec<u16>,
) -> Result<RegValue, RegError> {
    let lineno = *i + 1;
    let (name, rest) = if body[0] == b'@' {
        (String::new(), &body[1..])
    } else {
        let raw = &body[1..];
        let plain = raw
            .iter()
            .take_while(|&&b| b != b'"' && b != b'\\' && b < 0x80)
            .count();
        if raw.get(plain) == Some(&b'"') {
            // No escapes: the bytes are the name.
            (
                String::from_utf8_lossy(&raw[..plain]).into_owned(),
                &raw[plain + 1..],
            )
        } else {
            let used = parse_str_into(raw, b'"', units)
                .ok_or_else(|| bad_value(lineno, "unterminated value name"))?;
            (units_to_string(units), &raw[used..])
        }
    };
    let rest = skip_space(rest);
    let Some(rest) = rest.strip_prefix(b"=") else {
        return Err(bad_value(lineno, "expected '=' after the value name"));
    };
    let rest = skip_space(rest);

    let string_type = if rest.starts_with(b"\"") {
        Some((REG_SZ, &rest[1..]))
    } else if let Some(s) = rest.strip_prefix(b"str:\"") {
        Some((REG_SZ, s))
    } else if let Some(s) = rest.strip_prefix(b"str(") {
        let (t, s) = type_number(s).ok_or_else(|| bad_value(lineno, "bad str(N): type"))?;
        let s = s
            .strip_prefix(b"\"")
            .ok_or_else(|| bad_value(lineno, "expected '\"' after str(N):"))?;
        Some((t, s))
    } else {
        None
    };
    if let Some((raw_type, s)) = string_type {
        parse_str_into(s, b'"', units).ok_or_else(|| bad_value(lineno, "unterminated string"))?;
        let mut data = Vec::with_capacity(units.len() * 2 + 2);
        for u in units.iter().chain(&[0]) {
            data.extend_from_slice(&u.to_le_bytes());
        }
        return Ok(RegValue {
            name,
            raw_type,
            data,
        });
    }
    if let Some(s) = rest.strip_prefix(b"dword:") {
        let digits = s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if digits == 0 || digits > 8 || !skip_space(&s[digits..]).is_empty() {
            return Err(bad_value(lineno, "dword needs 1 to 8 hex digits"));
        }
        let n =
            u32::from_str_radix(std::str::from_utf8(&s[..digits]).unwrap_or("0"), 16).unwrap_or(0);
        return Ok(RegValue {
            name,
            raw_type: REG_DWORD,
            data: n.to_le_bytes().to_vec(),
        });
    }
    let (raw_type, hex) = if let Some(s) = rest.strip_prefix(b"hex:") {
        (REG_BINARY, s)
    } else if let Some(s) = rest.strip_prefix(b"hex(") {
        type_number(s).ok_or_else(|| bad_value(lineno, "bad hex(N): type"))?
    } else {
        return Err(bad_value(lineno, "unknown data type"));
    };
    let data = parse_hex_lines(hex, lines, i)?;
    Ok(RegValue {
        name,
        raw_type,
        data,
    })
}

/// `N):` after `hex(` or `str(`: up to 8 hex digits.
fn type_number(s: &[u8]) -> Option<(u32, &[u8])> {
    let digits = s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    if digits == 0 || digits > 8 {
        return None;
    }
    let rest = s[digits..].strip_prefix(b"):")?;
    let t = u32::from_str_radix(std::str::from_utf8(&s[..digits]).ok()?, 16).ok()?;
    Some((t, rest))
}

/// Comma-separated hex bytes, continued on the next line after a trailing `\`.
fn parse_hex_lines<'a>(
    mut s: &'a [u8],
    lines: &[&'a [u8]],
    i: &mut usize,
) -> Result<Vec<u8>, RegError> {
    let mut out = Vec::with_capacity(s.len() / 3 + 1);
    loop {
        s = skip_space(s);
        while s.first().is_some_and(|b| b.is_ascii_hexdigit()) {
            let digits = s.iter().take_while(|b| b.is_ascii_hexdigit()).count();
            let v = s[..digits].iter().try_fold(0u32, |acc, &d| {
                let v = acc * 16 + super::escape::hex_val(d) as u32;
                (v <= 0xff).then_some(v)
            });
            let Some(v) = v else {
                return Err(bad_value(*i + 1, "hex byte out of range"));
            };
            out.push(v as u8);
            s = skip_space(&s[digits..]);
            if let Some(r) = s.strip_prefix(b",") {
                s = skip_space(r);
            }
        }
        match s.first() {
            None => return Ok(out),
            Some(b'\\') => {
                *i += 1;
                let Some(next) = lines.get(*i) else {
                    return Err(bad_value(*i, "hex data continues past the end of the file"));
                };
                s = next;
            }
            Some(_) => return Err(bad_value(*i + 1, "invalid character in hex data")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::model::ValueData;

    const HEAD: &str =
        "WINE REGISTRY Version 2\n;; All keys relative to REGISTRY\\\\Machine\n\n#arch=win64\n";

    fn hive(body: &str) -> Hive {
        Hive::parse(format!("{HEAD}{body}").as_bytes()).unwrap()
    }

    fn err_line(text: &str) -> (usize, String) {
        match Hive::parse(text.as_bytes()) {
            Err(RegError::BadHive { line, message }) => (line, message),
            other => panic!("expected EBADHIVE for {text:?}, got {other:?}"),
        }
    }

    #[test]
    fn parses_keys_values_and_metadata() {
        let h = hive(
            "\n[Software\\\\Acme\\\\App] 1700000000\n#time=1da0000000000000\n#class=\"cls\"\n@=\"def\"\n\
             \"s\"=\"a\\\\b\"\n\"e\"=str(2):\"%x%\"\n\"m\"=str(7):\"a\\0b\\0\"\n\"d\"=dword:0000002a\n\
             \"q\"=hex(b):01,00,00,00,00,00,00,00\n\"b\"=hex:01,02,\\\n  03\n\"n\"=hex(0):\n\"x\"=hex(ffff0007):03,00,00,00\n",
        );
        let id = h.find(&["software", "ACME", "app"]).unwrap();
        assert_eq!(h.path_of(id), "Software\\Acme\\App");
        assert_eq!(h.node(id).time, Some(0x1da0000000000000));
        assert_eq!(h.node(id).meta, vec!["#class=\"cls\"".to_string()]);
        assert_eq!(h.modified_filetime(id), Some(0x1da0000000000000));
        let v: Vec<(String, ValueData)> = h
            .values(id)
            .iter()
            .map(|v| (v.name.clone(), v.value()))
            .collect();
        assert_eq!(
            v,
            vec![
                ("".into(), ValueData::Sz("def".into())),
                ("s".into(), ValueData::Sz("a\\b".into())),
                ("e".into(), ValueData::ExpandSz("%x%".into())),
                ("m".into(), ValueData::MultiSz(vec!["a".into(), "b".into()])),
                ("d".into(), ValueData::Dword(42)),
                ("q".into(), ValueData::Qword(1)),
                ("b".into(), ValueData::Binary(vec![1, 2, 3])),
                ("n".into(), ValueData::None(vec![])),
                (
                    "x".into(),
                    ValueData::Hex {
                        raw_type: 0xffff0007,
                        bytes: vec![3, 0, 0, 0]
                    }
                ),
            ]
        );
        // Implicit parents exist for lookups but had no section of their own.
        let acme = h.find(&["Software", "Acme"]).unwrap();
        assert!(!h.node(acme).explicit);
        assert_eq!(h.subkey_names(acme), vec!["App".to_string()]);
    }

    #[test]
    fn lenient_where_wine_is() {
        // Leading whitespace, spaces around '=', CRLF endings, str: prefix, generic str(N), spaced hex.
        let h = hive("\n  [A] 1\r\n  \"v\" = str:\"x\"\r\n\"g\"=str(1):\"y\"\r\n\"h\"=hex: 1 , 02 ,\\\r\n 3\r\n; comment\r\nstray\r\n");
        let a = h.find(&["a"]).unwrap();
        assert_eq!(
            h.get_value(a, "V").unwrap().value(),
            ValueData::Sz("x".into())
        );
        assert_eq!(
            h.get_value(a, "g").unwrap().value(),
            ValueData::Sz("y".into())
        );
        assert_eq!(h.get_value(a, "h").unwrap().data, vec![1, 2, 3]);
        assert_eq!(
            h.node(a).others,
            vec![(3, "; comment".to_string()), (3, "stray".to_string())]
        );
    }

    #[test]
    fn malformed_input_reports_the_line() {
        assert_eq!(err_line("").0, 1);
        assert_eq!(err_line("REGEDIT4\n").0, 1);
        let cases = [
            ("[Unterminated\n", 5, "missing ']'"),
            ("[A] 1\n\"v\"=\"unterminated\n", 6, "unterminated string"),
            ("[A] 1\n\"v=\"x\"\n", 6, "expected '='"),
            ("[A] 1\n\"v\"\n", 6, "expected '='"),
            ("[A] 1\n\"v\"=dword:123456789\n", 6, "dword"),
            ("[A] 1\n\"v\"=dword:\n", 6, "dword"),
            ("[A] 1\n\"v\"=hex:1ff\n", 6, "out of range"),
            ("[A] 1\n\"v\"=hex:01,zz\n", 6, "invalid character"),
            ("[A] 1\n\"v\"=hex(1:01\n", 6, "hex(N)"),
            ("[A] 1\n\"v\"=float:1\n", 6, "unknown data type"),
            ("[A] 1\n\"v\"=hex:01,\\\n", 6, "past the end"),
            (
                "[A] 1\n\"v\"=hex:01,\\\n  02,\\\n  0g\n",
                8,
                "invalid character",
            ),
            ("\"v\"=\"outside\"\n", 5, "outside of any key"),
        ];
        for (body, line, needle) in cases {
            let (l, msg) = err_line(&format!("{HEAD}{body}"));
            assert_eq!(
                (l, msg.contains(needle)),
                (line, true),
                "{body:?}: line {l}: {msg}"
            );
        }
        let long = format!("{HEAD}[{}] 1\n", "k".repeat(300));
        assert_eq!(err_line(&long).0, 5);
    }
}
