//! Wine registry hives: parse and write system.reg / user.reg / userdef.reg faithfully (an
//! unchanged hive writes back byte for byte), query and edit keys and values with Windows
//! paths, export and import regedit `.reg` files, and diff two registries.
//!
//! - `Hive`: one hive file (`Hive::parse`, `Hive::to_bytes`).
//! - `HiveSet`: the three hives of a prefix (`load`, `query`, `set_value`, `delete_key`, ...,
//!   `export_reg`, `import_reg`, `save`).
//! - `RegValue` / `ValueData`: values; the JSON model is documented in `model.rs`.
//! - `diff_sets`: keys and values added, changed, removed.
//!
//! Plain Rust; the N-API binding converts `RegError` through `CoreError` (same `code()`).

mod diff;
mod error;
mod escape;
mod hive;
mod hive_parse;
mod hive_write;
mod index;
mod model;
mod path;
mod regfile;
mod regfile_import;
mod set;

#[cfg(test)]
mod tests;

pub use diff::{diff_hives, diff_sets, RegDiff, ValueAt, ValueChange};
pub use error::RegError;
pub use hive::{
    filetime_now, Hive, KeyId, FILETIME_UNIX_EPOCH, MAX_KEY_NAME, MAX_VALUE_NAME, ROOT,
};
pub use model::{
    JsonData, RegValue, ValueData, ValueJson, REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_LINK,
    REG_MULTI_SZ, REG_NONE, REG_QWORD, REG_SZ,
};
pub use path::HiveId;
pub use regfile::{ExportOptions, RegEncoding, REG_V5_HEADER};
pub use regfile_import::ImportSummary;
pub use set::{HiveSet, KeyInfo};
