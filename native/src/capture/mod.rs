//! Captured installs: run an installer in a container's sandbox and record in manifest.json
//! the files, registry keys and values, and entry points it added, changed or removed.
//!
//! - `install`: the whole flow (see `install.rs`);
//! - `assemble`: the manifest's content from tree manifests and a registry diff (pure);
//! - `noise`: what every capture leaves out, and why.

mod entry_points;
mod error;
mod install;
#[cfg(test)]
mod install_spec_tests;
pub mod installer;
mod manifest;
pub mod noise;
#[cfg(test)]
mod tests;
pub mod winpath;

pub use entry_points::{EntryPoint, EntrySource};
pub use error::CaptureError;
pub use install::{install, InstallEvent, InstallOptions, OnInstallEvent};
pub use manifest::{
    assemble, Captured, ChangeKind, DirChanges, Excluded, FileChange, InstallerInfo, Manifest,
    ManifestRuntime, RegistryChanges, Summary, MANIFEST_FORMAT_VERSION,
};
