//! The chunked AEAD on its own: round trip, truncation, reordering, tag flips, key derivation.

use std::time::Instant;

use super::assert_code;
use crate::pack::format::{Encryption, Kdf};
use crate::pack::{ArchiveKey, DEFAULT_ITERATIONS, MAX_ITERATIONS, MIN_ITERATIONS};

fn params(iterations: u32) -> Encryption {
    crate::pack::aead::new_params(iterations).unwrap()
}

fn key(pass: &str, p: &Encryption) -> ArchiveKey {
    ArchiveKey::derive(pass, p, [7u8; 32]).unwrap()
}

/// Seal `n` chunks of distinct plaintext; the last is flagged.
fn sealed(k: &ArchiveKey, n: usize) -> Vec<(Vec<u8>, Vec<u8>)> {
    (0..n)
        .map(|i| {
            let plain = super::noise(i as u64 + 1, 1000 + i);
            let mut buf = plain.clone();
            k.seal_chunk(i as u64, i + 1 == n, &mut buf).unwrap();
            (plain, buf)
        })
        .collect()
}

#[test]
fn chunks_and_manifest_round_trip() {
    let p = params(MIN_ITERATIONS);
    let (a, b) = (key("pass", &p), key("pass", &p));
    for (i, (plain, mut ct)) in sealed(&a, 4).into_iter().enumerate() {
        assert_ne!(&ct[..plain.len()], &plain[..], "chunk {i} is encrypted");
        assert_eq!(ct.len(), plain.len() + 16);
        b.open_chunk(i as u64, i == 3, &mut ct).unwrap();
        assert_eq!(ct, plain);
    }
    let mut m = b"{\"manifest\":true}".to_vec();
    a.seal_manifest(&mut m).unwrap();
    b.open_manifest(&mut m).unwrap();
    assert_eq!(m, b"{\"manifest\":true}");
    // An empty last chunk is a 16-byte tag and opens to nothing.
    let mut empty = Vec::new();
    a.seal_chunk(9, true, &mut empty).unwrap();
    assert_eq!(empty.len(), 16);
    b.open_chunk(9, true, &mut empty).unwrap();
    assert!(empty.is_empty());
}

#[test]
fn truncation_is_detected_by_the_last_flag() {
    let p = params(MIN_ITERATIONS);
    let k = key("pass", &p);
    let chunks = sealed(&k, 3);
    // Dropping the real last chunk: chunk 1 was sealed as "not last", so a reader that treats it
    // as the end (it is the last one it has) fails.
    let mut c1 = chunks[1].1.clone();
    let e = assert_code(k.open_chunk(1, true, &mut c1), "ETAMPERED");
    assert!(e.to_string().contains("chunk 1"), "{e}");
    assert!(
        c1.is_empty(),
        "no plaintext is left in the buffer after a failed open"
    );
    // And the real last chunk does not open as a middle one.
    let mut c2 = chunks[2].1.clone();
    assert_code(k.open_chunk(2, false, &mut c2), "ETAMPERED");
}

#[test]
fn reordered_or_repeated_chunks_fail() {
    let p = params(MIN_ITERATIONS);
    let k = key("pass", &p);
    let chunks = sealed(&k, 3);
    let mut swapped = chunks[1].1.clone();
    assert_code(k.open_chunk(0, false, &mut swapped), "ETAMPERED");
    let mut repeated = chunks[0].1.clone();
    assert_code(k.open_chunk(1, false, &mut repeated), "ETAMPERED");
    // The manifest's nonce is no chunk's nonce: a chunk never opens as the manifest.
    let mut as_manifest = chunks[0].1.clone();
    assert_code(k.open_manifest(&mut as_manifest), "EBADPASS");
}

#[test]
fn any_flipped_bit_of_tag_or_ciphertext_fails_and_releases_nothing() {
    let p = params(MIN_ITERATIONS);
    let k = key("pass", &p);
    let (_, ct) = sealed(&k, 1).remove(0);
    for pos in (0..ct.len()).step_by(37).chain(ct.len() - 16..ct.len()) {
        for bit in [0x01u8, 0x80] {
            let mut bad = ct.clone();
            bad[pos] ^= bit;
            assert_code(k.open_chunk(0, true, &mut bad), "ETAMPERED");
            assert!(bad.is_empty(), "flip at {pos}: buffer must be wiped");
        }
    }
    // Short tags: the last bytes cut off, or fewer bytes than a tag at all.
    for cut in [1, 8, 15, 16] {
        let mut short = ct[..ct.len() - cut].to_vec();
        assert_code(k.open_chunk(0, true, &mut short), "ETAMPERED");
    }
    let mut tiny = vec![0u8; 5];
    assert_code(k.open_chunk(0, true, &mut tiny), "ETAMPERED");
}

#[test]
fn the_key_depends_on_passphrase_salt_iterations_and_header() {
    let p = params(MIN_ITERATIONS);
    let k = key("pass", &p);
    let (_, ct) = sealed(&k, 1).remove(0);
    let opens = |k: ArchiveKey| k.open_chunk(0, true, &mut ct.clone()).is_ok();
    assert!(opens(key("pass", &p)));
    assert!(!opens(key("Pass", &p)), "another passphrase");
    let mut other_salt = p.clone();
    other_salt.kdf.salt = "00".repeat(16);
    assert!(!opens(key("pass", &other_salt)), "another salt");
    let mut more = p.clone();
    more.kdf.iterations += 1;
    assert!(!opens(key("pass", &more)), "another iteration count");
    assert!(
        !opens(ArchiveKey::derive("pass", &p, [8u8; 32]).unwrap()),
        "another header (associated data)"
    );
}

#[test]
fn kdf_parameters_are_bounded() {
    let p = params(MIN_ITERATIONS);
    let with = |f: &dyn Fn(&mut Encryption)| {
        let mut q = p.clone();
        f(&mut q);
        ArchiveKey::derive("pass", &q, [0; 32]).map(|_| ())
    };
    assert_code(
        with(&|q| q.kdf.iterations = MIN_ITERATIONS - 1),
        "EBADARCHIVE",
    );
    assert_code(
        with(&|q| q.kdf.iterations = MAX_ITERATIONS + 1),
        "EBADARCHIVE",
    );
    assert_code(with(&|q| q.kdf.salt = "ab".repeat(15)), "EBADARCHIVE");
    assert_code(with(&|q| q.kdf.salt = "zz".repeat(16)), "EBADARCHIVE");
    assert_code(with(&|q| q.nonce_prefix = "00".repeat(8)), "EBADARCHIVE");
    assert_code(ArchiveKey::derive("", &p, [0; 32]).map(|_| ()), "EBADPASS");
    assert_code(crate::pack::aead::new_params(1000).map(|_| ()), "EINVAL");
    // Fresh parameters: random salt and prefix, the default iteration count.
    let a = params(DEFAULT_ITERATIONS);
    let b = params(DEFAULT_ITERATIONS);
    assert_ne!(a.kdf.salt, b.kdf.salt);
    assert_ne!(a.nonce_prefix, b.nonce_prefix);
    assert_eq!(a.kdf.salt.len(), 32);
    assert_eq!(
        (a.alg.as_str(), a.kdf.alg.as_str(), a.kdf.iterations),
        ("aes-256-gcm", "pbkdf2-hmac-sha256", 600_000)
    );
    let _: &Kdf = &a.kdf;
}

#[test]
fn the_default_iteration_count_costs_a_noticeable_but_bounded_time() {
    let p = params(DEFAULT_ITERATIONS);
    let t = Instant::now();
    key("pass", &p);
    let took = t.elapsed();
    // Slow enough to matter for guessing, fast enough for an import (debug builds included).
    assert!(took.as_millis() >= 20, "{took:?}");
    assert!(took.as_secs() < 30, "{took:?}");
}
