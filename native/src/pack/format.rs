//! The byte layout of a .ctnr (see FORMAT.md): preamble, header, manifest section, signature,
//! then signed chunk records. Only framing lives here; what the bytes mean is elsewhere.
//!
//! Every length read from a file is checked against a cap before anything is allocated, and
//! every short read is EBADARCHIVE ("truncated"), so garbage or a cut-off file fails cleanly.

use std::io::{self, Read, Write};

use serde::{Deserialize, Serialize};

use super::error::{PackError, Result};

/// The first bytes of every .ctnr.
pub const MAGIC: &[u8; 9] = b"ORBITCTNR";
/// The format version this code writes; it reads exactly this one.
pub const FORMAT_VERSION: u16 = 1;
/// Magic + version.
pub const PREAMBLE_LEN: usize = MAGIC.len() + 2;

/// Caps on the sections before the content: a header is a few hundred bytes; a manifest of a
/// container with a full runtime is a few MiB.
pub const MAX_HEADER_LEN: u32 = 64 * 1024;
pub const MAX_MANIFEST_LEN: u32 = 256 * 1024 * 1024;

/// Content chunk size (plaintext zstd bytes per chunk) and the range a header may name.
pub const DEFAULT_CHUNK_SIZE: u32 = 1 << 20;
pub const MIN_CHUNK_SIZE: u32 = 4 * 1024;
pub const MAX_CHUNK_SIZE: u32 = 16 << 20;
/// Bytes an AES-GCM tag adds to a chunk.
pub const TAG_LEN: u32 = 16;
/// Ed25519 signature length.
pub const SIG_LEN: usize = 64;

/// Chunk flag: the last chunk of the content. Any other bit set is EBADARCHIVE.
pub const FLAG_LAST: u8 = 1;

/// Domain separation of the two kinds of signed message.
pub const SIG_DOMAIN: &[u8] = b"orbit-ctnr-v1 header+manifest\0";
pub const CHUNK_DOMAIN: &[u8] = b"orbit-ctnr-v1 chunk\0";

/// The plaintext header: everything an importer needs before it can check or decrypt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Header {
    pub signer: Signer,
    /// 32 random bytes (hex) naming this archive; every chunk signature covers them, so no
    /// chunk of another archive (by the same signer) fits this one.
    pub archive_id: String,
    pub compression: Compression,
    /// None: the manifest and content are plaintext (still signed).
    pub encryption: Option<Encryption>,
    /// Most plaintext bytes in one content chunk.
    pub chunk_size: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Signer {
    /// Always "ed25519".
    pub alg: String,
    /// The raw 32-byte public key, lowercase hex.
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Compression {
    /// Always "zstd".
    pub alg: String,
    /// The level it was written with (informative).
    pub level: i32,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Encryption {
    /// Always "aes-256-gcm".
    pub alg: String,
    pub kdf: Kdf,
    /// 7 random bytes (hex) that start every nonce of this file (see aead.rs).
    pub nonce_prefix: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Kdf {
    /// Always "pbkdf2-hmac-sha256".
    pub alg: String,
    pub iterations: u32,
    /// Random salt, hex (16 to 64 bytes).
    pub salt: String,
}

impl Header {
    /// Check the fixed names and ranges (what serde cannot); EBADARCHIVE names the field.
    pub fn check(&self) -> Result<()> {
        let bad = |m: &str| Err(PackError::BadArchive(format!("archive header: {m}")));
        if self.signer.alg != "ed25519" {
            return bad("signer.alg must be ed25519");
        }
        if unhex(&self.archive_id, 32).is_none() {
            return bad("archiveId must be 32 bytes of hex");
        }
        if self.compression.alg != "zstd" {
            return bad("compression.alg must be zstd");
        }
        if !(MIN_CHUNK_SIZE..=MAX_CHUNK_SIZE).contains(&self.chunk_size) {
            return bad("chunkSize out of range");
        }
        if let Some(enc) = &self.encryption {
            if enc.alg != "aes-256-gcm" || enc.kdf.alg != "pbkdf2-hmac-sha256" {
                return bad("encryption must be aes-256-gcm with pbkdf2-hmac-sha256");
            }
        }
        Ok(())
    }

    /// The archive id as bytes (checked by `check`).
    pub fn archive_id(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        if let Some(b) = unhex(&self.archive_id, 32) {
            out.copy_from_slice(&b);
        }
        out
    }

    /// Most payload bytes one chunk record may carry.
    pub fn max_payload(&self) -> u32 {
        self.chunk_size
            + if self.encryption.is_some() {
                TAG_LEN
            } else {
                0
            }
    }
}

/// Map a failed read to the archive error: a short read means the file ends too early.
pub fn read_err(what: &str) -> impl Fn(io::Error) -> PackError + '_ {
    move |e| {
        if e.kind() == io::ErrorKind::UnexpectedEof {
            PackError::BadArchive(format!("archive is truncated (in the {what})"))
        } else {
            PackError::Core(crate::error::CoreError::new(
                "EIO",
                format!("cannot read the archive ({what}): {e}"),
            ))
        }
    }
}

fn write_err(e: io::Error) -> PackError {
    PackError::Core(crate::error::CoreError::new(
        "EIO",
        format!("cannot write the archive: {e}"),
    ))
}

/// The preamble bytes: magic + version (big-endian).
pub fn preamble() -> [u8; PREAMBLE_LEN] {
    let mut out = [0u8; PREAMBLE_LEN];
    out[..MAGIC.len()].copy_from_slice(MAGIC);
    out[MAGIC.len()..].copy_from_slice(&FORMAT_VERSION.to_be_bytes());
    out
}

/// Read and check the preamble: EBADARCHIVE when it is not a .ctnr, EBADVERSION for another
/// format version.
pub fn read_preamble(r: &mut impl Read) -> Result<[u8; PREAMBLE_LEN]> {
    let mut buf = [0u8; PREAMBLE_LEN];
    r.read_exact(&mut buf).map_err(read_err("preamble"))?;
    if &buf[..MAGIC.len()] != MAGIC {
        return Err(PackError::BadArchive(
            "not an Orbit container archive (.ctnr): the file does not start with ORBITCTNR".into(),
        ));
    }
    let version = u16::from_be_bytes([buf[MAGIC.len()], buf[MAGIC.len() + 1]]);
    if version != FORMAT_VERSION {
        let hint = if version > FORMAT_VERSION {
            "it was made by a newer Orbit; update Orbit to import it"
        } else {
            "this Orbit does not read it"
        };
        return Err(PackError::BadVersion(format!(
            "archive format version {version} is not supported (this Orbit reads version {FORMAT_VERSION}): {hint}"
        )));
    }
    Ok(buf)
}

/// A section: u32 big-endian length, then the bytes.
pub fn write_section(w: &mut impl Write, bytes: &[u8]) -> Result<()> {
    let len = u32::try_from(bytes.len())
        .map_err(|_| PackError::TooLarge("a section is over 4 GiB".into()))?;
    w.write_all(&len.to_be_bytes()).map_err(write_err)?;
    w.write_all(bytes).map_err(write_err)
}

/// Read a section of at most `max` bytes. Returns the length prefix too (it is signed).
pub fn read_section(r: &mut impl Read, max: u32, what: &str) -> Result<([u8; 4], Vec<u8>)> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len).map_err(read_err(what))?;
    let n = u32::from_be_bytes(len);
    if n > max {
        return Err(PackError::TooLarge(format!(
            "the archive's {what} is {n} bytes, over the cap of {max}"
        )));
    }
    let mut buf = Vec::new();
    // take() + read_to_end: a lying length on a short file costs only what the file holds.
    r.take(n as u64)
        .read_to_end(&mut buf)
        .map_err(read_err(what))?;
    if buf.len() != n as usize {
        return Err(PackError::BadArchive(format!(
            "archive is truncated (in the {what})"
        )));
    }
    Ok((len, buf))
}

/// One chunk record as read from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChunkRecord {
    pub flags: u8,
    pub payload: Vec<u8>,
    pub signature: [u8; SIG_LEN],
}

impl ChunkRecord {
    pub fn is_last(&self) -> bool {
        self.flags & FLAG_LAST != 0
    }
}

/// Write one chunk record: flags, u32 length, payload, signature.
pub fn write_chunk(w: &mut impl Write, flags: u8, payload: &[u8], sig: &[u8]) -> Result<()> {
    w.write_all(&[flags]).map_err(write_err)?;
    w.write_all(&(payload.len() as u32).to_be_bytes())
        .map_err(write_err)?;
    w.write_all(payload).map_err(write_err)?;
    w.write_all(sig).map_err(write_err)
}

/// Read one chunk record into `payload` (reused across chunks); None at a clean end of file.
pub fn read_chunk(r: &mut impl Read, max_payload: u32) -> Result<Option<ChunkRecord>> {
    let mut flags = [0u8; 1];
    match r.read(&mut flags) {
        Ok(0) => return Ok(None),
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::Interrupted => return read_chunk(r, max_payload),
        Err(e) => return Err(read_err("content")(e)),
    }
    if flags[0] & !FLAG_LAST != 0 {
        return Err(PackError::BadArchive(format!(
            "chunk record has unknown flags {:#04x}",
            flags[0]
        )));
    }
    let mut len = [0u8; 4];
    r.read_exact(&mut len).map_err(read_err("content"))?;
    let n = u32::from_be_bytes(len);
    if n > max_payload {
        return Err(PackError::BadArchive(format!(
            "chunk record of {n} bytes is over the header's chunk size"
        )));
    }
    let mut payload = vec![0u8; n as usize];
    r.read_exact(&mut payload).map_err(read_err("content"))?;
    let mut signature = [0u8; SIG_LEN];
    r.read_exact(&mut signature).map_err(read_err("content"))?;
    Ok(Some(ChunkRecord {
        flags: flags[0],
        payload,
        signature,
    }))
}

/// What a chunk's signature covers: the archive it belongs to (the header's `archiveId`), its
/// position, its flags and a hash of its payload (so signing costs the same for any size).
pub fn chunk_message(archive_id: &[u8; 32], index: u64, flags: u8, payload: &[u8]) -> Vec<u8> {
    let mut m = Vec::with_capacity(CHUNK_DOMAIN.len() + 32 + 8 + 1 + 4 + 32);
    m.extend_from_slice(CHUNK_DOMAIN);
    m.extend_from_slice(archive_id);
    m.extend_from_slice(&index.to_be_bytes());
    m.push(flags);
    m.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    m.extend_from_slice(blake3::hash(payload).as_bytes());
    m
}

/// The bytes the header signature covers, from the preamble to the end of the manifest section.
pub fn signed_prefix(preamble: &[u8], header: &[u8], manifest: &[u8]) -> Vec<u8> {
    let mut m =
        Vec::with_capacity(SIG_DOMAIN.len() + preamble.len() + 8 + header.len() + manifest.len());
    m.extend_from_slice(SIG_DOMAIN);
    m.extend_from_slice(preamble);
    m.extend_from_slice(&(header.len() as u32).to_be_bytes());
    m.extend_from_slice(header);
    m.extend_from_slice(&(manifest.len() as u32).to_be_bytes());
    m.extend_from_slice(manifest);
    m
}

/// Lowercase hex of any bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parse hex of exactly `len` bytes.
pub fn unhex(s: &str, len: usize) -> Option<Vec<u8>> {
    if s.len() != len * 2 || !s.is_ascii() {
        return None;
    }
    (0..len)
        .map(|i| u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok())
        .collect()
}
