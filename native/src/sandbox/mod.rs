//! The sandbox: runs a program (native Linux or Win32 through Wine) inside Linux namespaces with
//! a private view of the file system, as the unprivileged `orbit` user, with limits.
//!
//! Layout: `spec` (what a run asks for) -> `plan` (the view as data) -> `mounts` (executes it
//! through `sys`, the only unsafe code) inside `init` (pid 1), started by `runner` (the
//! `orbit-sandbox` executable, never the gateway process itself). The core side is `run`
//! (`spawn_run`, `RunHandle`), `client` (one runner process) and `instance` (one live sandbox
//! per container, shared by its runs).

mod client;
pub mod display;
pub mod error;
pub mod exec;
pub mod init;
pub mod instance;
pub mod limits;
pub mod mounts;
pub mod plan;
pub mod procfs;
pub mod protocol;
mod pump;
mod run;
pub mod runner;
pub mod session;
pub mod spec;
pub mod sys;
#[cfg(test)]
mod tests;

pub use display::X11Display;
pub use error::SandboxError;
pub use instance::{list as list_instances, stop as stop_instance, InstanceInfo};
pub use limits::{LimitsApplied, Mechanism};
pub use run::{runner_path, set_runner_path, spawn_run, ExitStatus, RunHandle};
pub use session::{RunInfo, Stream};
pub use spec::{
    Bind, Kind, Limits, Network, Prefix, RunSpec, HOME, ORBIT_GID, ORBIT_UID, ORBIT_USER, PREFIX,
};
