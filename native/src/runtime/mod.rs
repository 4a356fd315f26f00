//! Base runtimes: initialised Wine prefixes, one per Wine version, stored read-only under
//! `<data>/runtimes/<id>/` and shared as the lower layer of every container that names them.
//!
//! - `ensure` / `create`: make one with `wineboot --init` inside the sandbox (see `create`);
//! - `get`, `list`, `current`, `tree`: read them;
//! - `verify`: rehash the files and compare with the recorded content hash.
//!
//! `sandboxed::run_to_end` is the single place this module and `capture` start sandboxed runs.

pub mod content;
mod create;
mod error;
mod model;
pub mod sandboxed;
pub mod sanitize;
mod store;
#[cfg(test)]
mod tests;

pub use create::wine_slug;
pub use error::{walk_error, RuntimeError};
pub use model::{OnEvent, Phase, RuntimeEvent, RuntimeInfo, VerifyReport, RUNTIME_FORMAT_VERSION};
pub use store::{
    create, current, ensure, ensure_with, find, get, installed_wine, list, lock, paths, tree,
    verify, RuntimePaths,
};
