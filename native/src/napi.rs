//! The one N-API binding module: the core stays plain Rust, this converts values and errors.
//!
//! Every exported JS function is a `Handler` listed in `exports::EXPORTS` and runs through one
//! `trampoline`, which catches panics and turns any `CoreError` into a thrown JS Error whose
//! `.code` is the stable code. Long work uses `task::spawn` (returns a Promise); progress and
//! output go through `callback::Callback` (a threadsafe function).
// This module is the FFI boundary: Node calls in with raw pointers by design.
#![allow(clippy::not_unsafe_ptr_arg_deref)]

mod callback;
pub(crate) mod env;
mod exports;
mod exports_core;
mod exports_files;
mod exports_pack;
mod exports_store;
mod sandbox;
pub(crate) mod sys;
mod task;

use std::os::raw::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

pub use callback::{Callback, Event};
pub use env::{Env, JsValue};
pub use task::spawn;

use crate::error::{CoreError, Result};
use env::out;
use sys::*;

/// The Rust body of one exported JS function.
pub type Handler = fn(Env, &Args) -> Result<JsValue>;

/// Most arguments any export takes; extra ones are ignored like in JS.
const MAX_ARGS: usize = 8;

/// The arguments of one JS call, with typed accessors that fail with EINVAL.
pub struct Args {
    env: Env,
    values: Vec<JsValue>,
}

impl Args {
    /// The raw argument, if given and not `undefined`.
    pub fn get(&self, index: usize) -> Result<Option<JsValue>> {
        match self.values.get(index) {
            Some(v) if self.env.type_of(*v)? != NAPI_UNDEFINED => Ok(Some(*v)),
            _ => Ok(None),
        }
    }

    /// A required string argument.
    pub fn string(&self, index: usize, name: &str) -> Result<String> {
        let value = self
            .get(index)?
            .ok_or_else(|| CoreError::invalid(format!("{name} is required")))?;
        self.env.get_string(value, name)
    }

    /// A required argument read as JSON (plain objects, arrays, strings, numbers...).
    pub fn json(&self, index: usize, name: &str) -> Result<serde_json::Value> {
        let value = self
            .get(index)?
            .ok_or_else(|| CoreError::invalid(format!("{name} is required")))?;
        self.env.to_json(value)
    }

    /// A required argument deserialised into `T` (EINVAL with serde's message when it does not fit).
    pub fn parse<T: serde::de::DeserializeOwned>(&self, index: usize, name: &str) -> Result<T> {
        serde_json::from_value(self.json(index, name)?)
            .map_err(|e| CoreError::invalid(format!("{name} is invalid: {e}")))
    }

    /// A required Buffer/Uint8Array argument, copied out (safe to move to another thread).
    pub fn bytes(&self, index: usize, name: &str) -> Result<Vec<u8>> {
        let value = self
            .get(index)?
            .ok_or_else(|| CoreError::invalid(format!("{name} is required")))?;
        if !out!(napi_is_buffer(self.env.0, value.0))? {
            return Err(CoreError::invalid(format!("{name} must be a Buffer")));
        }
        let (mut data, mut len): (*mut c_void, usize) = (ptr::null_mut(), 0);
        // SAFETY: value is a live Buffer of this call; both out-pointers are valid.
        let status = unsafe { napi_get_buffer_info(self.env.0, value.0, &mut data, &mut len) };
        env::check(status, "napi_get_buffer_info")?;
        if len == 0 || data.is_null() {
            return Ok(Vec::new());
        }
        // SAFETY: N-API reported a live buffer of `len` bytes at `data`; we copy it at once.
        Ok(unsafe { std::slice::from_raw_parts(data as *const u8, len) }.to_vec())
    }

    /// An optional callback argument (`undefined`/`null` -> None), usable from any thread.
    pub fn callback(&self, index: usize) -> Result<Option<Callback>> {
        match self.get(index)? {
            Some(v) if self.env.type_of(v)? != NAPI_NULL => Callback::new(self.env, v).map(Some),
            _ => Ok(None),
        }
    }
}

fn read_args(env: Env, info: napi_callback_info) -> Result<(Args, Handler)> {
    let mut argc = MAX_ARGS;
    let mut argv = [ptr::null_mut(); MAX_ARGS];
    let mut data: *mut c_void = ptr::null_mut();
    // SAFETY: env/info are the live values Node passed to this callback; argv has room for argc
    // values and N-API writes at most argc of them.
    let status = unsafe {
        napi_get_cb_info(
            env.0,
            info,
            &mut argc,
            argv.as_mut_ptr(),
            ptr::null_mut(),
            &mut data,
        )
    };
    env::check(status, "napi_get_cb_info")?;
    // SAFETY: `data` is the Handler fn pointer stored by `register` for this very function.
    let handler = unsafe { std::mem::transmute::<*mut c_void, Handler>(data) };
    let values = argv[..argc.min(MAX_ARGS)]
        .iter()
        .map(|v| JsValue(*v))
        .collect();
    Ok((Args { env, values }, handler))
}

/// The single entry point for all exported functions: no panic or Rust error escapes into Node.
unsafe extern "C" fn trampoline(raw_env: napi_env, info: napi_callback_info) -> napi_value {
    let env = Env(raw_env);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        let (args, handler) = read_args(env, info)?;
        handler(env, &args)
    }));
    let err = match outcome {
        Ok(Ok(value)) => return value.0,
        Ok(Err(err)) => err,
        Err(panic) => CoreError::from_panic(panic.as_ref()),
    };
    env.throw(&err);
    ptr::null_mut()
}

fn register(env: Env, exports: JsValue) -> Result<()> {
    for (name, handler) in exports::EXPORTS
        .iter()
        .chain(exports_core::EXPORTS)
        .chain(exports_pack::EXPORTS)
        .chain(exports_store::EXPORTS)
        .chain(exports_files::EXPORTS)
    {
        let func = out!(napi_create_function(
            env.0,
            name.as_ptr() as *const std::os::raw::c_char,
            name.len(),
            Some(trampoline),
            *handler as *mut c_void
        ))?;
        env.set(exports, name, JsValue(func))?;
    }
    Ok(())
}

/// Node's entry point when it loads `orbit_core.node`.
///
/// # Safety
/// Only Node calls this, once per environment, with a live `env` and its `exports` object.
#[no_mangle]
pub unsafe extern "C" fn napi_register_module_v1(
    raw_env: napi_env,
    exports: napi_value,
) -> napi_value {
    let env = Env(raw_env);
    match catch_unwind(AssertUnwindSafe(|| register(env, JsValue(exports)))) {
        Ok(Ok(())) => {}
        Ok(Err(err)) => env.throw(&err),
        Err(panic) => env.throw(&CoreError::from_panic(panic.as_ref())),
    }
    exports
}
