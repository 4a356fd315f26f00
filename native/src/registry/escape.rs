//! Wine's string escaping for hive files (server/unicode.c `dump_strW`, server/registry.c
//! `parse_strW`), UTF-16 helpers, and the case folding Wine uses to sort and match names.
//!
//! Hive files are ASCII: every UTF-16 unit above 127 is written as `\x` plus hex digits (four
//! digits when the next character would otherwise be read as one more hex digit), control
//! characters as C escapes (`\a \b \t \n \v \f \r \e`) or octal (`\0`, or `\001` when an octal
//! digit follows), and `\` plus the delimiter characters get a backslash.

use std::cmp::Ordering;

/// Control characters that have a one-letter C escape; '.' means "use octal".
const C_ESCAPES: &[u8; 32] = b".......abtnvfr.............e....";

/// Writes `units` the way Wine's `dump_strW` does and returns the number of bytes written.
/// A NUL in last position (the string terminator of value data) is not written.
pub fn dump_str(units: &[u16], out: &mut Vec<u8>, delims: [u8; 2]) -> usize {
    let start = out.len();
    for (i, &c) in units.iter().enumerate() {
        let next = units.get(i + 1).copied();
        if c > 127 {
            let hex_follows = matches!(next, Some(n) if n < 128 && (n as u8).is_ascii_hexdigit());
            if hex_follows {
                out.extend_from_slice(format!("\\x{c:04x}").as_bytes());
            } else {
                out.extend_from_slice(format!("\\x{c:x}").as_bytes());
            }
        } else if c < 32 {
            if c == 0 && next.is_none() {
                continue;
            }
            let letter = C_ESCAPES[c as usize];
            if letter != b'.' {
                out.extend_from_slice(&[b'\\', letter]);
            } else if matches!(next, Some(n) if (b'0' as u16..=b'7' as u16).contains(&n)) {
                out.extend_from_slice(format!("\\{c:03o}").as_bytes());
            } else {
                out.extend_from_slice(format!("\\{c:o}").as_bytes());
            }
        } else {
            let b = c as u8;
            if b == b'\\' || b == delims[0] || b == delims[1] {
                out.push(b'\\');
            }
            out.push(b);
        }
    }
    out.len() - start
}

/// Reads an escaped string up to the unescaped byte `end`, like Wine's `parse_strW`.
/// Returns the UTF-16 units (without terminator) and the number of bytes consumed including
/// `end`, or `None` when `end` never comes.
///
/// Wine itself only writes ASCII; raw bytes above 127 (a hand-edited file) are read as UTF-8,
/// and bytes that are not valid UTF-8 as Latin-1, so nothing is silently dropped.
#[cfg(test)]
pub fn parse_str(src: &[u8], end: u8) -> Option<(Vec<u16>, usize)> {
    let mut out = Vec::new();
    let used = parse_str_into(src, end, &mut out)?;
    Some((out, used))
}

/// `parse_str` into a caller's buffer (cleared first), so a parser can reuse one allocation.
pub fn parse_str_into(src: &[u8], end: u8, out: &mut Vec<u16>) -> Option<usize> {
    out.clear();
    let mut p = 0;
    while p < src.len() {
        // Plain ASCII runs are the bulk of every hive: copy them in one go.
        let run = src[p..]
            .iter()
            .take_while(|&&b| b != end && b != b'\\' && b < 0x80)
            .count();
        out.extend(src[p..p + run].iter().map(|&b| u16::from(b)));
        p += run;
        if p >= src.len() || src[p] == end {
            break;
        }
        let b = src[p];
        if b == b'\\' {
            p += 1;
            let &e = src.get(p)?;
            match e {
                b'a' => out.push(7),
                b'b' => out.push(8),
                b'e' => out.push(27),
                b'f' => out.push(12),
                b'n' => out.push(10),
                b'r' => out.push(13),
                b't' => out.push(9),
                b'v' => out.push(11),
                b'x' => {
                    let digits = src[p + 1..]
                        .iter()
                        .take(4)
                        .take_while(|d| d.is_ascii_hexdigit())
                        .count();
                    if digits == 0 {
                        // Wine: `\x` not followed by a hex digit is a literal 'x'.
                        out.push(b'x' as u16);
                    } else {
                        let mut v: u16 = 0;
                        for &d in &src[p + 1..p + 1 + digits] {
                            v = v * 16 + hex_val(d) as u16;
                        }
                        out.push(v);
                        p += digits;
                    }
                }
                b'0'..=b'7' => {
                    let digits = src[p..]
                        .iter()
                        .take(3)
                        .take_while(|d| (b'0'..=b'7').contains(d))
                        .count();
                    let mut v: u16 = 0;
                    for &d in &src[p..p + digits] {
                        v = v * 8 + (d - b'0') as u16;
                    }
                    out.push(v);
                    p += digits - 1;
                }
                _ if e >= 0x80 => {
                    p = push_raw(src, p, out);
                    continue;
                }
                _ => out.push(e as u16),
            }
            p += 1;
        } else if b >= 0x80 {
            p = push_raw(src, p, out);
        } else {
            out.push(b as u16);
            p += 1;
        }
    }
    if p >= src.len() {
        return None;
    }
    Some(p + 1)
}

/// Decodes one raw non-ASCII character at `p` (UTF-8, else one Latin-1 byte); returns the new position.
fn push_raw(src: &[u8], p: usize, out: &mut Vec<u16>) -> usize {
    let len = match src[p] {
        0xC2..=0xDF => 2,
        0xE0..=0xEF => 3,
        0xF0..=0xF4 => 4,
        _ => 1,
    };
    if len > 1 && p + len <= src.len() {
        if let Ok(s) = std::str::from_utf8(&src[p..p + len]) {
            out.extend(s.encode_utf16());
            return p + len;
        }
    }
    out.push(src[p] as u16);
    p + 1
}

pub fn hex_val(d: u8) -> u8 {
    match d {
        b'0'..=b'9' => d - b'0',
        b'a'..=b'f' => d - b'a' + 10,
        b'A'..=b'F' => d - b'A' + 10,
        _ => 0,
    }
}

/// UTF-16 units to a String; unpaired surrogates become U+FFFD (names only: value data stays raw).
pub fn units_to_string(units: &[u16]) -> String {
    if units.iter().all(|&u| u < 0x80) {
        let bytes: Vec<u8> = units.iter().map(|&u| u as u8).collect();
        return String::from_utf8(bytes).unwrap_or_default();
    }
    String::from_utf16_lossy(units)
}

/// UTF-16LE bytes to units (an odd trailing byte is ignored by the caller's checks).
pub fn bytes_to_units(bytes: &[u8]) -> Vec<u16> {
    bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .collect()
}

pub fn units_to_bytes(units: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(units.len() * 2);
    for u in units {
        out.extend_from_slice(&u.to_le_bytes());
    }
    out
}

/// Folds one character the way Windows/Wine compare names: a simple one-to-one lowercase.
pub(crate) fn fold_char(c: char) -> char {
    if c.is_ascii() {
        return c.to_ascii_lowercase();
    }
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) if (l as u32) <= 0xFFFF && (c as u32) <= 0xFFFF => l,
        _ => c,
    }
}

/// The case-folded form used as lookup key: "Software" and "SOFTWARE" fold alike.
pub fn fold(name: &str) -> String {
    if name
        .bytes()
        .all(|b| b.is_ascii() && !b.is_ascii_uppercase())
    {
        return name.to_string();
    }
    name.chars().map(fold_char).collect()
}

/// Wine's sort order for subkeys and values: case-insensitive by UTF-16 unit, shorter first on a tie.
pub fn cmp_names(a: &str, b: &str) -> Ordering {
    if a.is_ascii() && b.is_ascii() {
        let lower = |c: &u8| c.to_ascii_lowercase();
        return a
            .as_bytes()
            .iter()
            .map(lower)
            .cmp(b.as_bytes().iter().map(lower));
    }
    let fa = a.chars().map(fold_char).flat_map(|c| {
        let mut buf = [0u16; 2];
        let n = c.encode_utf16(&mut buf).len();
        buf.into_iter().take(n)
    });
    let fb = b.chars().map(fold_char).flat_map(|c| {
        let mut buf = [0u16; 2];
        let n = c.encode_utf16(&mut buf).len();
        buf.into_iter().take(n)
    });
    fa.cmp(fb)
}

/// Case-insensitive name equality (the common all-ASCII case without folding).
pub fn names_eq(a: &str, b: &str) -> bool {
    if a.len() == b.len() && a.eq_ignore_ascii_case(b) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    cmp_names(a, b).is_eq()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(s: &[u16]) -> String {
        let mut out = Vec::new();
        dump_str(s, &mut out, [b'"', b'"']);
        String::from_utf8(out).unwrap()
    }

    fn parse(s: &str) -> Vec<u16> {
        let mut bytes = s.as_bytes().to_vec();
        bytes.push(b'"');
        let (units, used) = parse_str(&bytes, b'"').unwrap();
        assert_eq!(used, bytes.len());
        units
    }

    fn u(s: &str) -> Vec<u16> {
        s.encode_utf16().collect()
    }

    #[test]
    fn dumps_like_wine() {
        // Observed in a Wine 8 prefix: "ctl" = \x01 '1' \x1b NUL, "hexafter" = é A é g NUL.
        assert_eq!(dump(&[1, b'1' as u16, 27, 0]), "\\0011\\e");
        assert_eq!(dump(&u("\u{e9}A\u{e9}g\0")), "\\x00e9A\\xe9g");
        assert_eq!(dump(&u("a\nb\r\t\0c\0")), "a\\nb\\r\\t\\0c");
        assert_eq!(dump(&u("q\"b\\s")), "q\\\"b\\\\s");
        assert_eq!(dump(&u("\u{65e5}\u{672c}")), "\\x65e5\\x672c");
        assert_eq!(dump(&u("\u{7}\u{8}\u{b}\u{c}")), "\\a\\b\\v\\f");
        assert_eq!(dump(&[0x1f, b'8' as u16]), "\\378");
        assert_eq!(dump(&[0x1f, b'7' as u16]), "\\0377");
        // Only the last NUL is the terminator; an inner NUL is kept.
        assert_eq!(dump(&[0, 0]), "\\0");
        // A supplementary character is two surrogates, each escaped.
        assert_eq!(dump(&u("\u{1F600}")), "\\xd83d\\xde00");
        // Key paths escape the bracket delimiters instead of quotes.
        let mut out = Vec::new();
        dump_str(&u("br[ack]et\""), &mut out, [b'[', b']']);
        assert_eq!(out, b"br\\[ack\\]et\"");
    }

    #[test]
    fn parses_like_wine() {
        assert_eq!(parse("\\0011\\e"), vec![1, b'1' as u16, 27]);
        assert_eq!(parse("\\x00e9A\\xe9g"), u("\u{e9}A\u{e9}g"));
        // \x reads at most four digits: the fifth is a literal character.
        assert_eq!(parse("\\x00e9a"), u("\u{e9}a"));
        assert_eq!(parse("\\x41"), u("A"));
        // \x without digits is a plain 'x'; unknown escapes keep the character.
        assert_eq!(parse("\\xg\\q"), u("xgq"));
        assert_eq!(parse("\\777"), vec![0o777]);
        assert_eq!(parse("\\08"), vec![0, b'8' as u16]);
        assert_eq!(parse("a\\\"b\\\\"), u("a\"b\\"));
        assert_eq!(
            parse("\\a\\b\\t\\n\\v\\f\\r"),
            vec![7, 8, 9, 10, 11, 12, 13]
        );
        assert_eq!(parse("caf\u{e9} \u{1F600}"), u("caf\u{e9} \u{1F600}"));
        assert_eq!(parse_str(b"unterminated", b'"'), None);
        assert_eq!(parse_str(b"ends in escape\\", b'"'), None);
        assert_eq!(parse_str(b"\\\"", b'"'), None);
    }

    #[test]
    fn escapes_round_trip_every_bmp_unit() {
        let all: Vec<u16> = (0u16..=0xFFFF).collect();
        for chunk in all.chunks(97) {
            let mut data = chunk.to_vec();
            data.push(b'5' as u16);
            let mut out = Vec::new();
            dump_str(&data, &mut out, [b'"', b'"']);
            assert!(out.iter().all(|b| b.is_ascii()));
            out.push(b'"');
            assert_eq!(parse_str(&out, b'"').unwrap().0, data);
        }
    }

    #[test]
    fn folding_and_order() {
        assert_eq!(fold("SoftWare"), "software");
        assert_eq!(fold("ÄBC"), "äbc");
        assert_eq!(cmp_names("abc", "ABD"), Ordering::Less);
        assert_eq!(cmp_names("ab", "AB"), Ordering::Equal);
        assert_eq!(cmp_names("ab", "abc"), Ordering::Less);
        // Lowercase comparison puts '_' before letters, as Wine's sorted hives show.
        assert_eq!(cmp_names("a_b", "aBc"), Ordering::Less);
        assert_eq!(cmp_names("Templates", "{374DE290}"), Ordering::Less);
        assert!(
            names_eq("Déjà", "DÉJÀ")
                && names_eq("abc", "ABC")
                && !names_eq("abc", "abd")
                && !names_eq("é", "e")
        );
    }
}
