mod builders;

use super::id_list::CLSID_MY_COMPUTER;
use super::*;
use builders::*;
use std::path::PathBuf;

fn sample(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/lnk")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

fn some(s: &str) -> Option<String> {
    Some(s.to_string())
}

// ---- real links written by Wine's IShellLinkW ----

#[test]
fn reads_the_acme_installer_shortcut() {
    let s = parse_lnk(&sample("wine-acme.lnk")).unwrap();
    assert_eq!(
        s,
        Shortcut {
            target: some(r"C:\Program Files\Acme\acme.exe"),
            arguments: None,
            working_dir: some(r"C:\Program Files\Acme"),
            description: some("Acme 1.0.0"),
            icon_location: some(r"C:\Program Files\Acme\acme.exe"),
            icon_index: 0,
            relative_path: None,
        }
    );
}

#[test]
fn reads_arguments_unicode_and_relative_path() {
    let s = parse_lnk(&sample("wine-args-unicode.lnk")).unwrap();
    assert_eq!(s.target, some(r"C:\Program Files\Ünïcode Tools\tööl.exe"));
    assert_eq!(s.arguments, some(r#"--open "C:\docs\naïve file.txt" -v"#));
    assert_eq!(s.working_dir, some(r"C:\Program Files\Ünïcode Tools"));
    assert_eq!(s.description, some("Tööl — démo"));
    assert_eq!(
        s.relative_path,
        some(r"..\..\Program Files\Ünïcode Tools\tööl.exe")
    );
    assert_eq!(s.icon_location, None);
}

#[test]
fn reads_a_link_to_a_missing_target() {
    let s = parse_lnk(&sample("wine-missing-target.lnk")).unwrap();
    assert_eq!(s.target, some(r"C:\Nowhere\ghost.exe"));
    assert_eq!(s.arguments, some("/x"));
    assert_eq!(s.working_dir, some(r"C:\Nowhere"));
    assert_eq!(s.description, None);
}

/// Wine's sample without its LinkInfo: the path must come from the ID list alone, with the
/// Unicode long names Wine keeps in each item's extension.
#[test]
fn falls_back_to_the_id_list_without_link_info() {
    let mut bytes = sample("wine-args-unicode.lnk");
    let id_list_size = u16::from_le_bytes([bytes[HEADER_SIZE], bytes[HEADER_SIZE + 1]]) as usize;
    let info_at = HEADER_SIZE + 2 + id_list_size;
    let info_size = u32::from_le_bytes(bytes[info_at..info_at + 4].try_into().unwrap()) as usize;
    bytes.drain(info_at..info_at + info_size);
    let flags = u32::from_le_bytes(bytes[0x14..0x18].try_into().unwrap()) & !HAS_LINK_INFO;
    bytes[0x14..0x18].copy_from_slice(&flags.to_le_bytes());

    let s = parse_lnk(&bytes).unwrap();
    assert_eq!(s.target, some(r"C:\Program Files\Ünïcode Tools\tööl.exe"));
    assert_eq!(s.arguments, some(r#"--open "C:\docs\naïve file.txt" -v"#));
}

#[test]
fn honours_force_no_link_info() {
    let mut bytes = sample("wine-acme.lnk");
    let flags = u32::from_le_bytes(bytes[0x14..0x18].try_into().unwrap()) | FORCE_NO_LINK_INFO;
    bytes[0x14..0x18].copy_from_slice(&flags.to_le_bytes());
    // The ID list names the same file, so the answer is unchanged but comes from there.
    assert_eq!(
        parse_lnk(&bytes).unwrap().target,
        some(r"C:\Program Files\Acme\acme.exe")
    );
}

// ---- links built per the spec ----

#[test]
fn reads_a_link_info_only_link_with_ansi_strings() {
    let bytes = link(
        HAS_LINK_INFO | HAS_NAME | HAS_WORKING_DIR | HAS_ARGUMENTS | HAS_ICON_LOCATION,
        &[
            link_info_local(b"C:\\Program Files\\Acme\\", b"acme.exe", None),
            counted_ansi(b"Acme \x80 edition \xE9t\xE9"), // cp1252: euro sign, e acute
            counted_ansi(br"C:\Program Files\Acme"),
            counted_ansi(b"--sleep 5"),
            counted_ansi(br"C:\Program Files\Acme\acme.exe"),
        ],
    );
    let s = parse_lnk(&bytes).unwrap();
    assert_eq!(s.target, some(r"C:\Program Files\Acme\acme.exe"));
    assert_eq!(s.description, some("Acme € edition été"));
    assert_eq!(s.working_dir, some(r"C:\Program Files\Acme"));
    assert_eq!(s.arguments, some("--sleep 5"));
    assert_eq!(s.icon_location, some(r"C:\Program Files\Acme\acme.exe"));
    assert_eq!(s.relative_path, None);
}

#[test]
fn prefers_the_unicode_link_info_path() {
    let bytes = link(
        HAS_LINK_INFO | IS_UNICODE | HAS_ARGUMENTS,
        &[
            link_info_local(
                b"C:\\????????\\",
                b"app.exe",
                Some((r"C:\Программы\", "app.exe")),
            ),
            counted("Ярлык 1"),
        ],
    );
    let s = parse_lnk(&bytes).unwrap();
    assert_eq!(s.target, some(r"C:\Программы\app.exe"));
    assert_eq!(s.arguments, some("Ярлык 1"));
}

#[test]
fn reads_a_network_share_target() {
    let bytes = link(
        HAS_LINK_INFO,
        &[link_info_network(r"\\server\tools", r"bin\tool.exe")],
    );
    assert_eq!(
        parse_lnk(&bytes).unwrap().target,
        some(r"\\server\tools\bin\tool.exe")
    );
}

/// Windows stores 8.3 primary names and the long name in a 0xBEEF0004 extension block.
#[test]
fn reads_windows_style_id_list_long_names() {
    let items = [
        root(CLSID_MY_COMPUTER),
        volume("C:\\"),
        file_entry_v9(0x31, "PROGRA~1", "Program Files"),
        file_entry_v9(0x31, "ACMECO~1", "Acme Company"),
        file_entry_v9(0x32, "ACME~1.EXE", "acme launcher.exe"),
    ];
    let bytes = link(HAS_LINK_TARGET_ID_LIST, &[id_list(&items)]);
    assert_eq!(
        parse_lnk(&bytes).unwrap().target,
        some(r"C:\Program Files\Acme Company\acme launcher.exe")
    );
}

#[test]
fn an_id_list_through_a_virtual_folder_has_no_path() {
    let control_panel = [
        0x20, 0xEC, 0x21, 0x21, 0xEA, 0x3A, 0x69, 0x10, 0xA2, 0xDD, 0x08, 0x00, 0x2B, 0x30, 0x30,
        0x9D,
    ];
    let bytes = link(
        HAS_LINK_TARGET_ID_LIST,
        &[id_list(&[root(control_panel), volume("C:\\")])],
    );
    assert_eq!(parse_lnk(&bytes).unwrap().target, None);
}

#[test]
fn a_link_with_only_a_relative_path_has_no_target() {
    let bytes = link(HAS_RELATIVE_PATH | IS_UNICODE, &[counted(r".\acme.exe")]);
    let s = parse_lnk(&bytes).unwrap();
    assert_eq!(s.target, None);
    assert_eq!(s.relative_path, some(r".\acme.exe"));
}

/// Wine's quirk, built by hand: RELATIVE_PATH written, HasRelativePath not set.
#[test]
fn recovers_a_relative_path_written_without_its_flag() {
    let strings = [
        counted("Acme"),
        counted(r".\acme.exe"),
        counted(r"C:\Acme"),
        counted("--exit 3"),
    ];
    let bytes = link(
        HAS_NAME | HAS_WORKING_DIR | HAS_ARGUMENTS | IS_UNICODE,
        &strings,
    );
    let s = parse_lnk(&bytes).unwrap();
    assert_eq!(s.relative_path, some(r".\acme.exe"));
    assert_eq!(s.working_dir, some(r"C:\Acme"));
    assert_eq!(s.arguments, some("--exit 3"));
}

/// Damaged ExtraData alone does not make the reader reinterpret well-formed strings.
#[test]
fn keeps_the_flagged_strings_when_only_extra_data_is_damaged() {
    let mut bytes = link(
        HAS_WORKING_DIR | HAS_ARGUMENTS | IS_UNICODE,
        &[counted(r"C:\Acme"), counted("-v")],
    );
    let at = bytes.len() - 4;
    bytes[at..].copy_from_slice(&0x0000_0005u32.to_le_bytes()); // a block too small to exist
    let s = parse_lnk(&bytes).unwrap();
    assert_eq!(s.working_dir, some(r"C:\Acme"));
    assert_eq!(s.arguments, some("-v"));
    assert_eq!(s.relative_path, None);
}

#[test]
fn serializes_with_camel_case_names() {
    let s = parse_lnk(&sample("wine-acme.lnk")).unwrap();
    let json = serde_json::to_value(&s).unwrap();
    assert_eq!(json["target"], r"C:\Program Files\Acme\acme.exe");
    assert_eq!(json["workingDir"], r"C:\Program Files\Acme");
    assert_eq!(json["iconLocation"], r"C:\Program Files\Acme\acme.exe");
    assert_eq!(json["iconIndex"], 0);
    assert!(json["relativePath"].is_null());
    assert!(json["arguments"].is_null());
}

// ---- malformed input ----

#[test]
fn rejects_what_is_not_a_link() {
    for bytes in [Vec::new(), b"MZ\x90\x00".to_vec(), vec![0u8; 200]] {
        let err = parse_lnk(&bytes).unwrap_err();
        assert_eq!(err.code(), "EBADLNK");
        assert!(!err.message().is_empty());
    }
}

#[test]
fn rejects_truncated_links_with_a_clear_message() {
    let bytes = sample("wine-acme.lnk");
    let err = parse_lnk(&bytes[..HEADER_SIZE + 40]).unwrap_err();
    assert_eq!(err.code(), "EBADLNK");
    assert!(err.message().contains("LinkTargetIDList"), "{err}");
    // Cut inside StringData (after the header, ID list and LinkInfo).
    let err = parse_lnk(&bytes[..bytes.len() - 40]).unwrap_err();
    assert!(err.to_string().starts_with("EBADLNK: "), "{err}");
    assert!(err.message().contains("string"), "{err}");
}

#[test]
fn rejects_link_info_offsets_outside_the_structure() {
    let mut info = link_info_local(b"C:\\x.exe", b"", None);
    info[16..20].copy_from_slice(&0xFFFF_0000u32.to_le_bytes()); // LocalBasePathOffset
    let err = parse_lnk(&link(HAS_LINK_INFO, &[info])).unwrap_err();
    assert!(err.message().contains("LocalBasePath"), "{err}");
}

/// Every prefix, and every byte replaced by a few telling values, must parse or fail cleanly.
#[test]
fn never_panics_on_truncated_or_mutated_samples() {
    let built = link(
        HAS_LINK_TARGET_ID_LIST | HAS_LINK_INFO | HAS_ARGUMENTS | IS_UNICODE,
        &[
            id_list(&[
                root(CLSID_MY_COMPUTER),
                volume("C:\\"),
                file_entry_v9(0x32, "A~1.EXE", "a.exe"),
            ]),
            link_info_local(b"C:\\a.exe", b"", Some((r"C:\a.exe", ""))),
            counted("x"),
        ],
    );
    let network = link(HAS_LINK_INFO, &[link_info_network(r"\\s\t", r"a.exe")]);
    let samples = [
        sample("wine-acme.lnk"),
        sample("wine-args-unicode.lnk"),
        sample("wine-missing-target.lnk"),
        built,
        network,
    ];
    let mut checked = 0usize;
    for bytes in &samples {
        assert!(parse_lnk(bytes).is_ok());
        for len in 0..bytes.len() {
            let _ = parse_lnk(&bytes[..len]);
            checked += 1;
        }
        for at in 0..bytes.len() {
            for value in [0x00, 0x01, 0x02, 0x7F, 0x80, 0xFE, 0xFF, bytes[at] ^ 0x20] {
                let mut m = bytes.clone();
                m[at] = value;
                let _ = parse_lnk(&m);
                checked += 1;
            }
        }
    }
    // Random multi-byte damage, reproducible (xorshift).
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..20_000 {
        let mut m = samples[round % samples.len()].clone();
        for _ in 0..1 + next() % 6 {
            let at = (next() as usize) % m.len();
            m[at] = next() as u8;
        }
        let cut = m.len() - (next() as usize % 8).min(m.len());
        let _ = parse_lnk(&m[..cut]);
        checked += 1;
    }
    assert!(checked > 30_000);
}
