//! What an archive says about itself — signer, trust, encryption and, when readable, its
//! contents — without unpacking or trusting anything.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::Serialize;

use super::error::{PackError, Result};
use super::format::{read_preamble, read_section, unhex, Header, MAX_HEADER_LEN};
use super::manifest::{RuntimePart, Totals};
use super::open::open_head;
use super::sign::{is_trusted, KeyInfo};
use crate::container::{ContainerConfig, DataDir};

/// What an archive says about itself, without unpacking it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Inspection {
    pub signer: KeyInfo,
    pub trusted: bool,
    pub encrypted: bool,
    /// The container's name, when the manifest could be read (not encrypted, or the passphrase
    /// was given).
    pub name: Option<String>,
    pub version: Option<String>,
    pub runtime: Option<RuntimePart>,
    pub totals: Option<Totals>,
    pub created_at: Option<String>,
}

/// Check an archive's signature and read its manifest (if it can be decrypted) without
/// unpacking or trusting anything.
pub fn inspect(data: &DataDir, archive: &Path, passphrase: Option<&str>) -> Result<Inspection> {
    let open = || -> Result<BufReader<File>> {
        let file = File::open(archive).map_err(|e| PackError::io(e, "open", archive))?;
        Ok(BufReader::new(file))
    };
    let head = match open_head(&mut open()?, data, passphrase, true) {
        Ok(h) => h,
        Err(PackError::BadPass(_)) if passphrase.is_none() => {
            // Encrypted: report who signed it and that it is encrypted.
            let mut r = open()?;
            read_preamble(&mut r)?;
            let (_, header_json) = read_section(&mut r, MAX_HEADER_LEN, "header")?;
            let header: Header = serde_json::from_slice(&header_json).map_err(|e| {
                PackError::BadArchive(format!("the archive header is not valid: {e}"))
            })?;
            let pk: [u8; 32] = unhex(&header.signer.public_key, 32)
                .and_then(|k| k.try_into().ok())
                .ok_or_else(|| PackError::BadSig("no valid signer key".into()))?;
            return Ok(Inspection {
                signer: KeyInfo::of(&pk),
                trusted: is_trusted(data, &pk)?,
                encrypted: true,
                name: None,
                version: None,
                runtime: None,
                totals: None,
                created_at: None,
            });
        }
        Err(e) => return Err(e),
    };
    let config = ContainerConfig::from_yaml(&head.manifest.container.yaml).ok();
    Ok(Inspection {
        signer: KeyInfo::of(&head.public_key),
        trusted: head.trusted,
        encrypted: head.key.is_some(),
        name: config.as_ref().map(|c| c.name.clone()),
        version: config.and_then(|c| c.version),
        runtime: head.manifest.runtime.map(|mut r| {
            r.prefix = None;
            r
        }),
        totals: Some(head.manifest.totals),
        created_at: Some(head.manifest.created_at),
    })
}
