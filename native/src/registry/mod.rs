//! Wine registry hives: parse and write system.reg / user.reg / userdef.reg faithfully (an
//! unchanged hive writes back byte for byte), with the value model callers and JSON see.
//!
//! - `Hive`: one hive file (`Hive::parse`, `Hive::to_bytes`), edited by key id.
//! - `RegValue` / `ValueData`: values; the JSON model is documented in `model.rs`.
//!
//! Plain Rust; the N-API binding converts `RegError` through `CoreError` (same `code()`).

mod error;
mod escape;
mod hive;
mod hive_parse;
mod hive_write;
mod index;
mod model;

pub use error::RegError;
pub use hive::{
    filetime_now, Hive, KeyId, FILETIME_UNIX_EPOCH, MAX_KEY_NAME, MAX_VALUE_NAME, ROOT,
};
pub use model::{
    JsonData, RegValue, ValueData, ValueJson, REG_BINARY, REG_DWORD, REG_EXPAND_SZ, REG_LINK,
    REG_MULTI_SZ, REG_NONE, REG_QWORD, REG_SZ,
};
