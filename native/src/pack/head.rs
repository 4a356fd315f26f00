//! The head of an archive: preamble, header, manifest section (sealed when a passphrase is
//! set) and the signature over them.
//!
//! An export plans the head before its content (the header, with the archive's random id that
//! chunk signatures bind to, and the content key) and writes it last, into room it left at the
//! start of the file: the manifest holds the hashes that hashing the content while streaming it
//! produces. Hex hashes have a fixed length, so the manifest's length is known in advance.

use std::io::Write;

use super::aead::{new_params, random_bytes, ArchiveKey};
use super::error::{PackError, Result};
use super::format::{
    hex, preamble, signed_prefix, write_section, Compression, Header, Signer, PREAMBLE_LEN, SIG_LEN,
};
use super::sign::SigningKey;

/// A planned head: everything but the manifest.
pub struct Head {
    /// Random, per archive; every chunk signature covers it.
    pub archive_id: [u8; 32],
    pub key: Option<ArchiveKey>,
    pub header: Header,
    header_json: Vec<u8>,
    pre: [u8; PREAMBLE_LEN],
}

/// The AEAD associated data: a hash of the plaintext preamble and header.
pub fn aad_of(preamble: &[u8], header_json: &[u8]) -> [u8; 32] {
    let mut h = blake3::Hasher::new();
    h.update(b"orbit-ctnr-v1 aad\0");
    h.update(preamble);
    h.update(header_json);
    *h.finalize().as_bytes()
}

impl Head {
    /// Plan a head: fresh archive id, fresh encryption parameters and key when `passphrase`.
    pub fn new(
        signer: &SigningKey,
        passphrase: Option<&str>,
        iterations: u32,
        level: i32,
        chunk_size: u32,
    ) -> Result<Head> {
        let archive_id: [u8; 32] = random_bytes(32)?
            .try_into()
            .expect("32 random bytes were asked for");
        let encryption = match passphrase {
            Some(_) => Some(new_params(iterations)?),
            None => None,
        };
        let header = Header {
            signer: Signer {
                alg: "ed25519".into(),
                public_key: hex(&signer.public_key()),
            },
            archive_id: hex(&archive_id),
            compression: Compression {
                alg: "zstd".into(),
                level,
            },
            encryption,
            chunk_size,
        };
        let header_json = serde_json::to_vec(&header).map_err(crate::error::CoreError::from)?;
        let pre = preamble();
        let key = match (&header.encryption, passphrase) {
            (Some(params), Some(pass)) => Some(ArchiveKey::derive(
                pass,
                params,
                aad_of(&pre, &header_json),
            )?),
            _ => None,
        };
        Ok(Head {
            archive_id,
            key,
            header,
            header_json,
            pre,
        })
    }

    /// Length of the head for a manifest of `manifest_len` plaintext bytes.
    pub fn len_for(&self, manifest_len: usize) -> usize {
        let sealed = manifest_len + if self.key.is_some() { 16 } else { 0 };
        PREAMBLE_LEN + 4 + self.header_json.len() + 4 + sealed + SIG_LEN
    }

    /// The head's bytes for this manifest, signed.
    pub fn bytes(&self, signer: &SigningKey, manifest_json: &[u8]) -> Result<Vec<u8>> {
        let mut manifest = manifest_json.to_vec();
        if let Some(k) = &self.key {
            k.seal_manifest(&mut manifest)?;
        }
        let sig = signer.sign(&signed_prefix(&self.pre, &self.header_json, &manifest));
        let mut out = Vec::with_capacity(self.len_for(manifest_json.len()));
        out.extend_from_slice(&self.pre);
        write_section(&mut out, &self.header_json)?;
        write_section(&mut out, &manifest)?;
        out.extend_from_slice(&sig);
        Ok(out)
    }
}

/// Plan and write a head at once (the tests' archive builder signs arbitrary manifests so).
pub fn write_head(
    out: &mut impl Write,
    signer: &SigningKey,
    manifest_json: &[u8],
    passphrase: Option<&str>,
    iterations: u32,
    level: i32,
    chunk_size: u32,
) -> Result<Head> {
    let head = Head::new(signer, passphrase, iterations, level, chunk_size)?;
    out.write_all(&head.bytes(signer, manifest_json)?)
        .map_err(|e| {
            PackError::Core(crate::error::CoreError::new(
                "EIO",
                format!("cannot write the archive: {e}"),
            ))
        })?;
    Ok(head)
}
