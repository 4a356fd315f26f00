//! Signing keys: each installation's own Ed25519 key (`<data>/keys/signing.pk8`, PKCS#8, 0600,
//! made on first use) and the keys it trusts (`<data>/keys/trusted/<hex public key>.pub`).
//!
//! The installation's own key is always trusted, so its own exports import without asking.
//! A key is named by its raw public key in hex; people compare the shorter fingerprint.

use std::fs::{self, OpenOptions};
use std::io::{ErrorKind, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use ring::rand::SystemRandom;
use ring::signature::{Ed25519KeyPair, KeyPair, UnparsedPublicKey, ED25519};
use serde::Serialize;

use super::error::{PackError, Result};
use super::format::{hex, unhex, SIG_LEN};
use crate::container::files::{fsync_dir, random_hex};
use crate::container::DataDir;
use crate::error::CoreError;

/// A signing key with its public half.
pub struct SigningKey {
    pair: Ed25519KeyPair,
    pkcs8: Vec<u8>,
}

impl Clone for SigningKey {
    fn clone(&self) -> Self {
        SigningKey::from_pkcs8(&self.pkcs8).expect("a key that parsed once parses again")
    }
}

impl SigningKey {
    /// A fresh key (tests, and the first export of an installation).
    pub fn generate() -> Result<(SigningKey, Vec<u8>)> {
        let pkcs8 = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new())
            .map_err(|_| PackError::Core(CoreError::new("EIO", "cannot generate a signing key")))?;
        let key = SigningKey::from_pkcs8(pkcs8.as_ref())?;
        Ok((key, pkcs8.as_ref().to_vec()))
    }

    pub fn from_pkcs8(bytes: &[u8]) -> Result<SigningKey> {
        let pair = Ed25519KeyPair::from_pkcs8(bytes).map_err(|e| {
            PackError::Core(CoreError::new(
                "EBADKEY",
                format!("the signing key is not a valid Ed25519 PKCS#8 key: {e}"),
            ))
        })?;
        Ok(SigningKey {
            pair,
            pkcs8: bytes.to_vec(),
        })
    }

    pub fn public_key(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(self.pair.public_key().as_ref());
        out
    }

    pub fn sign(&self, message: &[u8]) -> [u8; SIG_LEN] {
        let mut out = [0u8; SIG_LEN];
        out.copy_from_slice(self.pair.sign(message).as_ref());
        out
    }
}

/// Encodings of the points of small order (libsodium's blocklist; compared without the sign
/// bit of x, the top bit of the last byte). For such a "public key", signatures can be made
/// without any private key (ring's Ed25519 accepts an all-zero key and signature), so a key
/// anyone can sign with must never count as a signer, let alone be trusted.
const SMALL_ORDER: [[u8; 32]; 7] = {
    let mut l = [[0u8; 32]; 7];
    // 1 (order 1); 0 (order 4) stays all zero.
    l[1][0] = 1;
    l[2] = [
        0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4, 0x89, 0xf2, 0xef, 0x98,
        0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6, 0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53,
        0xfc, 0x05,
    ];
    l[3] = [
        0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b, 0x76, 0x0d, 0x10, 0x67,
        0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39, 0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac,
        0x03, 0x7a,
    ];
    // p - 1 (order 2), p (= 0) and p + 1 (= 1): 0xec / 0xed / 0xee, then 0xff..., 0x7f.
    let mut i = 4;
    while i < 7 {
        let mut j = 1;
        while j < 31 {
            l[i][j] = 0xff;
            j += 1;
        }
        l[i][0] = 0xec + (i as u8 - 4);
        l[i][31] = 0x7f;
        i += 1;
    }
    l
};

/// Whether `public_key` is a point of small order (see SMALL_ORDER).
pub fn is_weak_key(public_key: &[u8; 32]) -> bool {
    SMALL_ORDER
        .iter()
        .any(|bad| public_key[..31] == bad[..31] && (public_key[31] & 0x7f) == bad[31])
}

/// Whether `sig` is `public_key`'s signature of `message`. A small-order key never verifies.
pub fn verify(public_key: &[u8; 32], message: &[u8], sig: &[u8]) -> bool {
    !is_weak_key(public_key)
        && UnparsedPublicKey::new(&ED25519, public_key)
            .verify(message, sig)
            .is_ok()
}

/// A short form of a public key for people to compare: the first 16 bytes of a BLAKE3 of it,
/// as 8 groups of 4 hex digits.
pub fn fingerprint(public_key: &[u8; 32]) -> String {
    let mut h = blake3::Hasher::new();
    h.update(b"orbit-signing-key-v1\0");
    h.update(public_key);
    let digest = hex(&h.finalize().as_bytes()[..16]);
    digest
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(":")
}

/// A public key as callers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyInfo {
    pub public_key: String,
    pub fingerprint: String,
}

impl KeyInfo {
    pub fn of(public_key: &[u8; 32]) -> KeyInfo {
        KeyInfo {
            public_key: hex(public_key),
            fingerprint: fingerprint(public_key),
        }
    }
}

/// Parse a hex public key (EINVAL otherwise, and for a small-order key nobody owns).
pub fn parse_public_key(s: &str) -> Result<[u8; 32]> {
    let bytes = unhex(&s.to_ascii_lowercase(), 32)
        .ok_or_else(|| PackError::Invalid(format!("a public key is 64 hex digits, got {s:?}")))?;
    let mut out = [0u8; 32];
    out.copy_from_slice(&bytes);
    if is_weak_key(&out) {
        return Err(PackError::Invalid(format!(
            "{s} is a small-order key that anyone can sign with; it cannot be trusted"
        )));
    }
    Ok(out)
}

fn keys_dir(data: &DataDir) -> PathBuf {
    data.root().join("keys")
}

fn trusted_dir(data: &DataDir) -> PathBuf {
    keys_dir(data).join("trusted")
}

fn mkdir_all(path: &Path, mode: u32) -> Result<()> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(mode)
        .create(path)
        .map_err(|e| PackError::io(e, "create", path))
}

/// The installation's signing key, made on first use. Two processes making it at once agree on
/// one: the key is written beside and linked into place, and `link` never replaces a file.
pub fn installation_key(data: &DataDir) -> Result<SigningKey> {
    let dir = keys_dir(data);
    let path = dir.join("signing.pk8");
    match fs::read(&path) {
        Ok(bytes) => return SigningKey::from_pkcs8(&bytes),
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(PackError::io(e, "read", &path)),
    }
    mkdir_all(&dir, 0o700)?;
    let (key, pkcs8) = SigningKey::generate()?;
    let tmp = dir.join(format!(".signing.pk8.tmp-{}", random_hex(8)));
    let written = (|| {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(&pkcs8)?;
        f.sync_all()?;
        fs::hard_link(&tmp, &path)
    })();
    let _ = fs::remove_file(&tmp);
    match written {
        Ok(()) => {
            fsync_dir(&dir).map_err(|e| PackError::io(e, "sync", &dir))?;
            Ok(key)
        }
        // Another process made it first: use that one.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => {
            let bytes = fs::read(&path).map_err(|e| PackError::io(e, "read", &path))?;
            SigningKey::from_pkcs8(&bytes)
        }
        Err(e) => Err(PackError::io(e, "write", &path)),
    }
}

/// The public half of the installation's key (made if needed).
pub fn installation_key_info(data: &DataDir) -> Result<KeyInfo> {
    Ok(KeyInfo::of(&installation_key(data)?.public_key()))
}

/// Whether this installation trusts `public_key`: its own key, or one in the trust store.
pub fn is_trusted(data: &DataDir, public_key: &[u8; 32]) -> Result<bool> {
    let own = keys_dir(data).join("signing.pk8");
    if own.exists() && installation_key(data)?.public_key() == *public_key {
        return Ok(true);
    }
    let path = trusted_dir(data).join(format!("{}.pub", hex(public_key)));
    match fs::read_to_string(&path) {
        Ok(text) => Ok(text.trim() == hex(public_key)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(PackError::io(e, "read", &path)),
    }
}

/// Add a key to the trust store (idempotent).
pub fn trust(data: &DataDir, public_key: &[u8; 32]) -> Result<KeyInfo> {
    if is_weak_key(public_key) {
        return Err(PackError::Invalid(
            "a small-order key that anyone can sign with cannot be trusted".into(),
        ));
    }
    let dir = trusted_dir(data);
    mkdir_all(&dir, 0o700)?;
    let path = dir.join(format!("{}.pub", hex(public_key)));
    crate::container::files::write_atomic(
        &path,
        format!("{}\n", hex(public_key)).as_bytes(),
        0o644,
    )
    .map_err(|e| PackError::io(e, "write", &path))?;
    Ok(KeyInfo::of(public_key))
}

/// Remove a key from the trust store; false when it was not there.
pub fn untrust(data: &DataDir, public_key: &[u8; 32]) -> Result<bool> {
    let path = trusted_dir(data).join(format!("{}.pub", hex(public_key)));
    match fs::remove_file(&path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
        Err(e) => Err(PackError::io(e, "remove", &path)),
    }
}

/// Every key in the trust store (not the installation's own), sorted.
pub fn trusted_keys(data: &DataDir) -> Result<Vec<KeyInfo>> {
    let dir = trusted_dir(data);
    let entries = match fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(PackError::io(e, "list", &dir)),
    };
    let mut out: Vec<KeyInfo> = entries
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.strip_suffix(".pub")?.to_string();
            parse_public_key(&name).ok().map(|k| KeyInfo::of(&k))
        })
        .collect();
    out.sort_by(|a, b| a.public_key.cmp(&b.public_key));
    Ok(out)
}
