//! Reading an archive's head: everything before the content, checked in the order that spends
//! nothing on an archive that fails an earlier check (see import.rs for the whole order).

use std::io::Read;
use std::sync::Arc;

use super::aead::ArchiveKey;
use super::error::{PackError, Result};
use super::format::{
    read_err, read_preamble, read_section, signed_prefix, unhex, Header, MAX_HEADER_LEN,
    MAX_MANIFEST_LEN, SIG_LEN,
};
use super::head::aad_of;
use super::manifest::ArchiveManifest;
use super::sign::{fingerprint, is_trusted, is_weak_key, verify};
use crate::container::DataDir;

/// The checked head of an archive: its header, signer, manifest and content key.
pub struct Opened {
    pub header: Header,
    pub public_key: [u8; 32],
    pub archive_id: [u8; 32],
    pub key: Option<Arc<ArchiveKey>>,
    pub manifest: ArchiveManifest,
    /// The signer is the installation's key or in its trust store.
    pub trusted: bool,
}

/// Read and check everything before the content (see the module docs). With `trust_unknown`
/// an untrusted signer is let through (the caller decides); otherwise it is EUNTRUSTED.
pub fn open_head(
    r: &mut impl Read,
    data: &DataDir,
    passphrase: Option<&str>,
    trust_unknown: bool,
) -> Result<Opened> {
    let pre = read_preamble(r)?;
    let (_, header_json) = read_section(r, MAX_HEADER_LEN, "header")?;
    let (_, manifest_bytes) = read_section(r, MAX_MANIFEST_LEN, "manifest")?;
    let mut sig = [0u8; SIG_LEN];
    r.read_exact(&mut sig).map_err(read_err("signature"))?;
    // Only the public key is taken from the header before the signature is checked.
    let header: Header = serde_json::from_slice(&header_json)
        .map_err(|e| PackError::BadArchive(format!("the archive header is not valid: {e}")))?;
    let public_key: [u8; 32] = unhex(&header.signer.public_key, 32)
        .and_then(|k| k.try_into().ok())
        .ok_or_else(|| PackError::BadSig("the archive is unsigned (no valid signer key)".into()))?;
    if is_weak_key(&public_key) {
        return Err(PackError::BadSig(
            "the archive's signer key is a small-order key that anyone can sign with: the signature proves nothing".into(),
        ));
    }
    let signed = signed_prefix(&pre, &header_json, &manifest_bytes);
    if !verify(&public_key, &signed, &sig) {
        return Err(PackError::BadSig(
            "the archive's signature does not match its header and manifest (altered, or not signed)".into(),
        ));
    }
    header.check()?;
    let trusted = is_trusted(data, &public_key)?;
    if !trusted && !trust_unknown {
        return Err(PackError::Untrusted(format!(
            "the archive is signed by a key this installation does not trust (fingerprint {}, public key {}); import it with trust to accept and remember this key",
            fingerprint(&public_key),
            header.signer.public_key
        )));
    }
    let mut manifest_json = manifest_bytes;
    let key = match &header.encryption {
        None => None,
        Some(params) => {
            let key =
                ArchiveKey::derive(passphrase.unwrap_or(""), params, aad_of(&pre, &header_json))?;
            key.open_manifest(&mut manifest_json)?;
            Some(Arc::new(key))
        }
    };
    let archive_id = header.archive_id();
    let manifest: ArchiveManifest = serde_json::from_slice(&manifest_json)
        .map_err(|e| PackError::BadArchive(format!("the archive manifest is not valid: {e}")))?;
    Ok(Opened {
        header,
        public_key,
        archive_id,
        key,
        manifest,
        trusted,
    })
}
