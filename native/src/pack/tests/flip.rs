//! One flipped byte anywhere: in the header, manifest or signature it is refused before any
//! key derivation, decryption or decompression (no plaintext chunk is ever handed on); in the
//! content it is refused by the chunk's signature before that chunk is used; and nothing is
//! left behind either way.

use std::sync::{Arc, Mutex};

use super::builder::{test_key, Builder};
use super::hostile::Scene;
use crate::pack::ImportOptions;

fn archive(encrypted: bool) -> (Builder, Vec<u8>, usize) {
    let mut b = Builder::new(test_key())
        .dir("d")
        .file("d/a", &super::noise(31, 40_000))
        .file("d/b", &"text ".repeat(3000).into_bytes())
        .symlink("d/l", "a");
    if encrypted {
        b.passphrase = Some("pw".into());
    }
    let bytes = b.build();
    let head_len = b.head().0.len();
    (b, bytes, head_len)
}

fn check(encrypted: bool) {
    let (b, bytes, head_len) = archive(encrypted);
    let s = Scene::new(&b.signer);
    let seen = Arc::new(Mutex::new(Vec::<u64>::new()));
    let hook_seen = seen.clone();
    let opts = ImportOptions {
        passphrase: encrypted.then(|| "pw".to_string()),
        plaintext_hook: Some(Arc::new(move |i, _| hook_seen.lock().unwrap().push(i))),
        ..ImportOptions::default()
    };
    // Unflipped, it imports.
    let ok = s.root.path().join("ok.ctnr");
    std::fs::write(&ok, &bytes).unwrap();
    super::import_simple(&s.data, &ok, &opts).unwrap();
    std::fs::remove_file(&ok).unwrap();
    let chunks = seen.lock().unwrap().len();
    assert!(chunks >= 3, "{chunks} chunks");

    // Every byte of the head (preamble, header, manifest, signature): its lowest bit (a hex
    // digit stays a hex digit), and on every fourth byte its highest bit too.
    for pos in 0..head_len {
        let bits: &[u8] = if pos % 4 == 0 { &[0x01, 0x80] } else { &[0x01] };
        for &bit in bits {
            seen.lock().unwrap().clear();
            let mut bad = bytes.clone();
            bad[pos] ^= bit;
            let archive = s.root.path().join("in.ctnr");
            std::fs::write(&archive, &bad).unwrap();
            let before = s.state();
            let r = super::import_simple(&s.data, &archive, &opts);
            let e = r.expect_err(&format!(
                "flip {bit:#x} at {pos} of {head_len} was accepted"
            ));
            assert!(
                ["EBADARCHIVE", "EBADSIG", "EBADVERSION", "ETOO_LARGE"].contains(&e.code()),
                "flip at {pos}: {e}"
            );
            assert!(
                seen.lock().unwrap().is_empty(),
                "flip at {pos}: content was decompressed ({e})"
            );
            assert_eq!(s.state(), before, "flip at {pos}");
        }
    }
    // Sampled bytes of the content (about 20 in each 4 KiB chunk record): flags, length,
    // payload and signature.
    for pos in (head_len..bytes.len())
        .step_by(211)
        .chain([head_len, bytes.len() - 1])
    {
        seen.lock().unwrap().clear();
        let mut bad = bytes.clone();
        bad[pos] ^= 0x04;
        let archive = s.root.path().join("in.ctnr");
        std::fs::write(&archive, &bad).unwrap();
        let before = s.state();
        let e = super::import_simple(&s.data, &archive, &opts)
            .expect_err(&format!("flip at {pos} of the content was accepted"));
        // A flipped flag or length is a malformed record; anything else fails the signature.
        assert!(
            ["ETAMPERED", "EBADARCHIVE"].contains(&e.code()),
            "flip at {pos}: {e}"
        );
        assert_eq!(s.state(), before, "flip at {pos}");
        let got = seen.lock().unwrap().clone();
        // Chunks before the damaged one may have been used (their work is removed); the damaged
        // one and everything after it never reach the unpacker.
        let damaged = chunk_index(&bytes[head_len..], pos - head_len);
        assert!(
            got.iter().all(|i| *i < damaged),
            "flip at {pos} (chunk {damaged}): {got:?}"
        );
    }
}

/// Which chunk record holds byte `at` of the content.
fn chunk_index(content: &[u8], at: usize) -> u64 {
    let mut off = 0;
    let mut i = 0;
    loop {
        let len = u32::from_be_bytes(content[off + 1..off + 5].try_into().unwrap()) as usize;
        let end = off + 1 + 4 + len + 64;
        if at < end {
            return i;
        }
        off = end;
        i += 1;
    }
}

#[test]
fn flipped_bytes_are_refused_in_plain_archives() {
    check(false);
}

#[test]
fn flipped_bytes_are_refused_in_encrypted_archives() {
    check(true);
}
