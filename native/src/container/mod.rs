//! Container folders: `<data>/containers/<id>/` with container.yml, the overlay layer
//! (`layer/upper`, `layer/work`), snapshots/, logs/ and, after an install, manifest.json.
//!
//! - `create`, `get`, `list`, `update`, `delete` (see `store`);
//! - `registry`: the container's merged registry, read and edited while it is stopped;
//! - `paths`, `files`: the data dir layout and the atomic-write helpers runtimes share.

mod error;
pub mod files;
pub mod lock;
pub mod model;
pub mod paths;
pub mod registry;
mod store;
#[cfg(test)]
mod tests;

pub use error::ContainerError;
pub use model::{
    ContainerConfig, CreateSpec, DisplayMode, Limits, RuntimeChoice, RuntimeKind, RuntimeRef,
    UpdatePatch, CONTAINER_FORMAT_VERSION,
};
pub use paths::{ContainerPaths, DataDir};
pub use store::{create, delete, get, list, load, update, ContainerInfo};
