//! Passphrase encryption: a key from PBKDF2-HMAC-SHA256, and AES-256-GCM over the manifest and
//! over each content chunk (the STREAM construction of Hoang, Reyhanitabar, Rogaway and Vizár).
//!
//! Nonce (12 bytes) = a 7-byte random prefix per file || u32 big-endian counter || 1 flag byte.
//! Content chunk i uses counter i and flag 0, or flag 1 for the last chunk, so a reordered,
//! dropped, repeated or truncated stream fails authentication; the manifest uses counter
//! u32::MAX with flag 2, a nonce no chunk can have. The associated data is a hash of the
//! plaintext preamble and header, binding every ciphertext to its file's parameters.
//! A chunk's plaintext is only ever handed on after its tag verified.

use std::num::NonZeroU32;

use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM};
use ring::pbkdf2;
use ring::rand::{SecureRandom, SystemRandom};

use super::error::{PackError, Result};
use super::format::{hex, Encryption, Kdf, TAG_LEN};
use crate::error::CoreError;

/// Iterations written by default: OWASP's 2023 figure for PBKDF2-HMAC-SHA256.
pub const DEFAULT_ITERATIONS: u32 = 600_000;
/// Fewest iterations accepted (written or read), so a weak archive is never made by mistake.
pub const MIN_ITERATIONS: u32 = 100_000;
/// Most iterations accepted when reading, so a hostile header cannot make import spin for hours.
pub const MAX_ITERATIONS: u32 = 10_000_000;
pub const SALT_LEN: usize = 16;
pub const NONCE_PREFIX_LEN: usize = 7;
/// Counter and flag of the manifest's nonce.
const MANIFEST_COUNTER: u32 = u32::MAX;
const MANIFEST_FLAG: u8 = 2;

/// Random bytes from the OS.
pub fn random_bytes(n: usize) -> Result<Vec<u8>> {
    let mut out = vec![0u8; n];
    SystemRandom::new().fill(&mut out).map_err(|_| {
        PackError::Core(CoreError::new("EIO", "the system random generator failed"))
    })?;
    Ok(out)
}

/// Fresh encryption parameters for a new archive.
pub fn new_params(iterations: u32) -> Result<Encryption> {
    check_iterations(iterations)?;
    Ok(Encryption {
        alg: "aes-256-gcm".into(),
        kdf: Kdf {
            alg: "pbkdf2-hmac-sha256".into(),
            iterations,
            salt: hex(&random_bytes(SALT_LEN)?),
        },
        nonce_prefix: hex(&random_bytes(NONCE_PREFIX_LEN)?),
    })
}

fn check_iterations(iterations: u32) -> Result<()> {
    if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
        return Err(PackError::Invalid(format!(
            "PBKDF2 iterations must be {MIN_ITERATIONS} to {MAX_ITERATIONS}, got {iterations}"
        )));
    }
    Ok(())
}

fn unhex_any(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok())
        .collect()
}

/// The key of one archive, ready to seal or open its chunks.
pub struct ArchiveKey {
    key: LessSafeKey,
    prefix: [u8; NONCE_PREFIX_LEN],
    aad: [u8; 32],
}

impl ArchiveKey {
    /// Derive the key from `passphrase` and the header's parameters. `aad` binds ciphertexts to
    /// the header (see the module docs). Parameters outside the accepted ranges are EBADARCHIVE.
    pub fn derive(passphrase: &str, params: &Encryption, aad: [u8; 32]) -> Result<ArchiveKey> {
        let bad = |m: &str| PackError::BadArchive(format!("archive encryption parameters: {m}"));
        check_iterations(params.kdf.iterations).map_err(|e| bad(&e.to_string()))?;
        let salt = unhex_any(&params.kdf.salt)
            .filter(|s| (16..=64).contains(&s.len()))
            .ok_or_else(|| bad("the salt must be 16 to 64 bytes of hex"))?;
        let prefix: [u8; NONCE_PREFIX_LEN] = unhex_any(&params.nonce_prefix)
            .and_then(|p| p.try_into().ok())
            .ok_or_else(|| bad("the nonce prefix must be 7 bytes of hex"))?;
        if passphrase.is_empty() {
            return Err(PackError::BadPass(
                "the archive is encrypted: a passphrase is needed to import it".into(),
            ));
        }
        let mut raw = [0u8; 32];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            NonZeroU32::new(params.kdf.iterations).expect("checked above: at least MIN_ITERATIONS"),
            &salt,
            passphrase.as_bytes(),
            &mut raw,
        );
        let unbound = UnboundKey::new(&AES_256_GCM, &raw)
            .map_err(|_| PackError::Core(CoreError::new("EIO", "cannot load the AES key")))?;
        Ok(ArchiveKey {
            key: LessSafeKey::new(unbound),
            prefix,
            aad,
        })
    }

    fn nonce(&self, counter: u32, flag: u8) -> Nonce {
        let mut n = [0u8; 12];
        n[..NONCE_PREFIX_LEN].copy_from_slice(&self.prefix);
        n[NONCE_PREFIX_LEN..11].copy_from_slice(&counter.to_be_bytes());
        n[11] = flag;
        Nonce::assume_unique_for_key(n)
    }

    fn chunk_nonce(&self, index: u64, last: bool) -> Result<Nonce> {
        let counter = u32::try_from(index)
            .ok()
            .filter(|c| *c != MANIFEST_COUNTER)
            .ok_or_else(|| PackError::TooLarge("too many content chunks for one archive".into()))?;
        Ok(self.nonce(counter, u8::from(last)))
    }

    /// Encrypt `buf` in place and append its tag.
    fn seal(&self, nonce: Nonce, buf: &mut Vec<u8>) -> Result<()> {
        let tag = self
            .key
            .seal_in_place_separate_tag(nonce, Aad::from(self.aad), buf)
            .map_err(|_| PackError::Core(CoreError::new("EIO", "AES-GCM sealing failed")))?;
        buf.extend_from_slice(tag.as_ref());
        Ok(())
    }

    /// Check the tag and decrypt in place; on success `buf` holds only the plaintext. On failure
    /// `buf` is wiped, so no unauthenticated plaintext can be used by mistake.
    fn open(&self, nonce: Nonce, buf: &mut Vec<u8>) -> bool {
        if buf.len() < TAG_LEN as usize {
            buf.clear();
            return false;
        }
        match self.key.open_in_place(nonce, Aad::from(self.aad), buf) {
            Ok(plain) => {
                let n = plain.len();
                buf.truncate(n);
                true
            }
            Err(_) => {
                buf.iter_mut().for_each(|b| *b = 0);
                buf.clear();
                false
            }
        }
    }

    pub fn seal_manifest(&self, buf: &mut Vec<u8>) -> Result<()> {
        self.seal(self.nonce(MANIFEST_COUNTER, MANIFEST_FLAG), buf)
    }

    /// Open the manifest. It is signed, so a failure here means the key is wrong: EBADPASS.
    pub fn open_manifest(&self, buf: &mut Vec<u8>) -> Result<()> {
        if self.open(self.nonce(MANIFEST_COUNTER, MANIFEST_FLAG), buf) {
            Ok(())
        } else {
            Err(PackError::BadPass(
                "the passphrase is wrong (the archive's manifest does not decrypt with it)".into(),
            ))
        }
    }

    pub fn seal_chunk(&self, index: u64, last: bool, buf: &mut Vec<u8>) -> Result<()> {
        let nonce = self.chunk_nonce(index, last)?;
        self.seal(nonce, buf)
    }

    /// Open content chunk `index`. The manifest opened with this key, so a failure here is a
    /// chunk that was altered, moved or cut: ETAMPERED.
    pub fn open_chunk(&self, index: u64, last: bool, buf: &mut Vec<u8>) -> Result<()> {
        let nonce = self.chunk_nonce(index, last)?;
        if self.open(nonce, buf) {
            Ok(())
        } else {
            Err(PackError::Tampered(format!(
                "content chunk {index} fails authentication (altered, reordered or truncated)"
            )))
        }
    }
}
