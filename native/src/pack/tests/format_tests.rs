//! The byte format: round trip of the head, the version check, caps on lengths, truncation.

use std::io::Cursor;

use super::builder::{test_key, Builder};
use super::{assert_code, data_dir, TempDir};
use crate::pack::format::{self, read_chunk, FORMAT_VERSION, MAGIC};
use crate::pack::open_head;

fn small() -> Builder {
    Builder::new(test_key())
        .dir("d")
        .file("d/a.txt", b"hello")
        .file("d/b.bin", &super::noise(1, 20_000))
        .symlink("d/link", "a.txt")
}

#[test]
fn head_round_trips_through_open_head() {
    let root = TempDir::new("fmt");
    let data = data_dir(root.path(), "data");
    let b = small();
    let bytes = b.build();
    assert_eq!(&bytes[..9], MAGIC);
    assert_eq!(u16::from_be_bytes([bytes[9], bytes[10]]), FORMAT_VERSION);
    let head = open_head(&mut Cursor::new(&bytes), &data, None, true).unwrap();
    assert_eq!(head.manifest, b.manifest());
    assert_eq!(head.public_key, b.signer.public_key());
    assert!(!head.trusted, "a fresh key is not trusted");
    assert!(head.key.is_none());
    assert_eq!(head.header.chunk_size, 4096);
    // The same archive encrypted: the manifest is not readable in the file, and opens with
    // the passphrase.
    let mut enc = small();
    enc.passphrase = Some("correct horse".into());
    let bytes = enc.build();
    let needle = b"d/a.txt";
    assert!(
        !bytes.windows(needle.len()).any(|w| w == needle),
        "file names are encrypted"
    );
    let head = open_head(&mut Cursor::new(&bytes), &data, Some("correct horse"), true).unwrap();
    assert_eq!(head.manifest.layer, enc.manifest().layer);
    assert!(head.key.is_some());
}

#[test]
fn other_format_versions_are_refused_with_a_clear_error() {
    let root = TempDir::new("fmt");
    let data = data_dir(root.path(), "data");
    let mut bytes = small().build();
    bytes[9..11].copy_from_slice(&(FORMAT_VERSION + 1).to_be_bytes());
    let e = assert_code(
        open_head(&mut Cursor::new(&bytes), &data, None, true).map(|_| ()),
        "EBADVERSION",
    );
    assert!(e.to_string().contains("newer Orbit"), "{e}");
    bytes[9..11].copy_from_slice(&0u16.to_be_bytes());
    assert_code(
        open_head(&mut Cursor::new(&bytes), &data, None, true).map(|_| ()),
        "EBADVERSION",
    );
    // A newer manifest version inside a valid signature is refused too.
    let b = small();
    let mut m = b.manifest();
    m.format_version = 2;
    let (head, _) = b.head_with(&serde_json::to_vec(&m).unwrap());
    let h = open_head(&mut Cursor::new(&head), &data, None, true).unwrap();
    assert_code(
        crate::pack::validate::check_manifest(
            &h.manifest,
            &format::hex(&b.signer.public_key()),
            &Default::default(),
        )
        .map(|_| ()),
        "EBADVERSION",
    );
}

#[test]
fn not_an_archive_is_ebadarchive() {
    let root = TempDir::new("fmt");
    let data = data_dir(root.path(), "data");
    for bytes in [
        Vec::new(),
        b"ORBIT".to_vec(),
        b"PK\x03\x04 a zip file".to_vec(),
        super::noise(3, 5000),
    ] {
        assert_code(
            open_head(&mut Cursor::new(&bytes), &data, None, true).map(|_| ()),
            "EBADARCHIVE",
        );
    }
}

#[test]
fn lying_lengths_are_capped_before_allocation() {
    let root = TempDir::new("fmt");
    let data = data_dir(root.path(), "data");
    let mut bytes = format::preamble().to_vec();
    bytes.extend_from_slice(&u32::MAX.to_be_bytes());
    assert_code(
        open_head(&mut Cursor::new(&bytes), &data, None, true).map(|_| ()),
        "ETOO_LARGE",
    );
    // A manifest length within the cap but past the end of the file is "truncated".
    let mut bytes = format::preamble().to_vec();
    bytes.extend_from_slice(&2u32.to_be_bytes());
    bytes.extend_from_slice(b"{}");
    bytes.extend_from_slice(&(200u32 << 20).to_be_bytes());
    bytes.extend_from_slice(b"short");
    let e = assert_code(
        open_head(&mut Cursor::new(&bytes), &data, None, true).map(|_| ()),
        "EBADARCHIVE",
    );
    assert!(e.to_string().contains("truncated"), "{e}");
    // A chunk record longer than the header allows.
    let mut rec = vec![0u8];
    rec.extend_from_slice(&(1u32 << 30).to_be_bytes());
    assert_code(
        read_chunk(&mut Cursor::new(&rec), 4096 + 16).map(|_| ()),
        "EBADARCHIVE",
    );
    let rec = vec![0x80u8, 0, 0, 0, 0];
    let e = assert_code(
        read_chunk(&mut Cursor::new(&rec), 4096).map(|_| ()),
        "EBADARCHIVE",
    );
    assert!(e.to_string().contains("flags"), "{e}");
}

#[test]
fn every_truncation_of_the_head_is_a_clean_error() {
    let root = TempDir::new("fmt");
    let data = data_dir(root.path(), "data");
    let b = small();
    let (head, _) = b.head();
    for cut in 0..head.len() {
        let r = open_head(&mut Cursor::new(&head[..cut]), &data, None, true).map(|_| ());
        let e = r.expect_err("a cut head must not open");
        assert_eq!(e.code(), "EBADARCHIVE", "cut at {cut}: {e}");
    }
}

#[test]
fn header_fields_are_checked_after_the_signature() {
    let root = TempDir::new("fmt");
    let data = data_dir(root.path(), "data");
    let b = small();
    // A header that names another algorithm, properly signed: refused by name.
    let key = &b.signer;
    let header = serde_json::json!({
        "signer": { "alg": "ed25519", "publicKey": format::hex(&key.public_key()) },
        "archiveId": "11".repeat(32),
        "compression": { "alg": "lz4", "level": 1 },
        "encryption": null,
        "chunkSize": 4096
    });
    let header = serde_json::to_vec(&header).unwrap();
    let manifest = serde_json::to_vec(&b.manifest()).unwrap();
    let pre = format::preamble();
    let sig = key.sign(&format::signed_prefix(&pre, &header, &manifest));
    let mut bytes = pre.to_vec();
    format::write_section(&mut bytes, &header).unwrap();
    format::write_section(&mut bytes, &manifest).unwrap();
    bytes.extend_from_slice(&sig);
    let e = assert_code(
        open_head(&mut Cursor::new(&bytes), &data, None, true).map(|_| ()),
        "EBADARCHIVE",
    );
    assert!(e.to_string().contains("zstd"), "{e}");
}

#[test]
fn small_order_keys_never_count_as_signers() {
    use crate::pack::sign::{is_weak_key, verify};
    use ring::signature::{UnparsedPublicKey, ED25519};
    // ring alone accepts an all-zero "signature" by the all-zero key for about one message in
    // four (R + [k]A is the identity when k = 3 mod 4): why the check exists.
    let zero = [0u8; 32];
    let accepted: Vec<Vec<u8>> = (0..64u8)
        .map(|i| vec![i; 10])
        .filter(|m| {
            UnparsedPublicKey::new(&ED25519, &zero)
                .verify(m, &[0u8; 64])
                .is_ok()
        })
        .collect();
    assert!(!accepted.is_empty(), "ring accepted no forged signature");
    for m in &accepted {
        assert!(!verify(&zero, m, &[0u8; 64]));
    }
    for k in [
        zero,
        {
            let mut k = zero;
            k[31] = 0x80;
            k
        },
        {
            let mut k = zero;
            k[0] = 1;
            k
        },
    ] {
        assert!(is_weak_key(&k));
        let root = TempDir::new("fmt");
        let data = data_dir(root.path(), "data");
        assert_code(crate::pack::trust(&data, &k).map(|_| ()), "EINVAL");
        assert_code(
            crate::pack::sign::parse_public_key(&format::hex(&k)).map(|_| ()),
            "EINVAL",
        );
    }
    for _ in 0..50 {
        assert!(
            !is_weak_key(&test_key().public_key()),
            "a real key is never flagged"
        );
    }
}
