//! Orbit's virtualization core. Every module here is plain Rust with no knowledge of N-API;
//! `napi` is the one thin binding module that converts values and errors for Node.
pub mod capture;
pub mod clone;
pub mod container;
pub mod error;
pub mod files;
pub mod hash;
pub mod lnk;
pub mod napi;
pub mod pack;
pub mod registry;
pub mod runtime;
pub mod sandbox;
pub mod snapshot;
pub mod store;
pub mod system;
pub mod walk;
