//! Run Rust work on its own thread and hand JS a Promise for the result. A dedicated thread (not
//! libuv's 4-slot pool) so long work such as a sandboxed run cannot starve fs/dns calls.

use std::os::raw::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use serde::Serialize;
use serde_json::Value;

use super::env::{out, Env, JsValue};
use super::sys::*;
use crate::error::{CoreError, Result};

/// The threadsafe function that carries the result back; only ever called/released off-thread.
struct Settler(napi_threadsafe_function);

// SAFETY: napi_call_threadsafe_function and napi_release_threadsafe_function are thread-safe.
unsafe impl Send for Settler {}

/// Start `work` on a new thread; returns a Promise resolved with its serialised result or
/// rejected with a coded Error (a panic becomes code EPANIC). Call on the JS thread.
pub fn spawn<T, F>(env: Env, work: F) -> Result<JsValue>
where
    T: Serialize,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    let mut deferred: napi_deferred = ptr::null_mut();
    let promise = JsValue(out!(napi_create_promise(env.0, &mut deferred))?);
    let name = env.string("orbit-task")?;
    let tsfn = out!(napi_create_threadsafe_function(
        env.0,
        ptr::null_mut(),
        ptr::null_mut(),
        name.0,
        0,
        1,
        ptr::null_mut(),
        None,
        deferred as *mut c_void,
        Some(settle)
    ))?;
    let settler = Settler(tsfn);
    let spawned = std::thread::Builder::new()
        .name("orbit-task".into())
        .spawn(move || {
            let settler = settler;
            let outcome: Result<Value> = match catch_unwind(AssertUnwindSafe(work)) {
                Ok(Ok(value)) => serde_json::to_value(value).map_err(CoreError::from),
                Ok(Err(err)) => Err(err),
                Err(panic) => Err(CoreError::from_panic(panic.as_ref())),
            };
            let data = Box::into_raw(Box::new(outcome)) as *mut c_void;
            // SAFETY: settler.0 is live until the release below; `settle` takes back `data`. If the
            // call fails Node is shutting down and nobody will await the promise: free `data` here.
            unsafe {
                if napi_call_threadsafe_function(settler.0, data, NAPI_TSFN_NONBLOCKING) != NAPI_OK
                {
                    drop(Box::from_raw(data as *mut Result<Value>));
                }
                napi_release_threadsafe_function(settler.0, NAPI_TSFN_RELEASE);
            }
        });
    if let Err(err) = spawned {
        let err = CoreError::new("EAGAIN", format!("cannot start a worker thread: {err}"));
        // SAFETY: the thread never started, so the tsfn and deferred are still ours, on the JS thread.
        unsafe {
            napi_reject_deferred(env.0, deferred, env.error(&err)?.0);
            napi_release_threadsafe_function(tsfn, NAPI_TSFN_RELEASE);
        }
    }
    Ok(promise)
}

/// Runs on the JS thread with the worker's outcome: settles the promise.
unsafe extern "C" fn settle(
    env: napi_env,
    _js: napi_value,
    context: *mut c_void,
    data: *mut c_void,
) {
    // SAFETY: `data` is the Box<Result<Value>> leaked by the worker, handed to us exactly once.
    let outcome = unsafe { Box::from_raw(data as *mut Result<Value>) };
    if env.is_null() {
        return; // the environment is being torn down
    }
    let env = Env(env);
    let deferred = context as napi_deferred;
    let _ = catch_unwind(AssertUnwindSafe(|| {
        let settled = match *outcome {
            Ok(value) => env.from_json(&value).map(|js| (true, js)),
            Err(err) => env.error(&err).map(|js| (false, js)),
        };
        // SAFETY: `deferred` came from napi_create_promise in `spawn` and is settled only here,
        // once, on the JS thread.
        unsafe {
            match settled {
                Ok((true, js)) => napi_resolve_deferred(env.0, deferred, js.0),
                Ok((false, js)) => napi_reject_deferred(env.0, deferred, js.0),
                Err(err) => match env.error(&err) {
                    Ok(js) => napi_reject_deferred(env.0, deferred, js.0),
                    Err(_) => napi_reject_deferred(
                        env.0,
                        deferred,
                        env.undefined().map(|u| u.0).unwrap_or(ptr::null_mut()),
                    ),
                },
            };
        }
    }));
}
