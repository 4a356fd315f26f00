//! A JS callback that Rust threads may call: a Node-API threadsafe function. Calls are queued
//! without blocking (the producer never waits for the event loop) and delivered on the JS thread.
//! Dropping the last clone releases it, so a finished run never keeps Node alive.

use std::os::raw::c_void;
use std::ptr;

use serde_json::Value;

use super::env::{check, out, Env, JsValue};
use super::sys::*;
use crate::error::{CoreError, Result};

/// One argument delivered to a JS callback.
pub enum Event {
    /// Any JSON value, delivered as the equal JS value (e.g. `{ done, total }` progress).
    Json(Value),
    /// A string (e.g. decoded log lines).
    Text(String),
    /// Raw bytes, delivered as a Node Buffer (e.g. stdout chunks).
    Bytes(Vec<u8>),
    /// Several arguments at once, e.g. `Many(vec![Text("stdout"), Bytes(chunk)])`.
    Many(Vec<Event>),
}

/// A thread-safe handle to a JS function. `Send + Sync`; clone it per producer thread.
pub struct Callback {
    tsfn: napi_threadsafe_function,
}

// SAFETY: napi_threadsafe_function handles are designed to be used from any thread: call,
// acquire and release are the thread-safe N-API entry points; we touch nothing else off-thread.
unsafe impl Send for Callback {}
// SAFETY: as above; every method taking &self only calls those thread-safe entry points.
unsafe impl Sync for Callback {}

impl Callback {
    /// Wrap `func` (must be a JS function). Call on the JS thread.
    pub fn new(env: Env, func: JsValue) -> Result<Callback> {
        if env.type_of(func)? != NAPI_FUNCTION {
            return Err(CoreError::invalid("callback must be a function"));
        }
        let name = env.string("orbit-callback")?;
        let tsfn = out!(napi_create_threadsafe_function(
            env.0,
            func.0,
            ptr::null_mut(),
            name.0,
            0, // unbounded queue: producers never block on a slow event loop
            1,
            ptr::null_mut(),
            None,
            ptr::null_mut(),
            Some(deliver)
        ))?;
        Ok(Callback { tsfn })
    }

    /// Queue `event` for the JS function. Returns false once the callback is closing (Node is
    /// shutting down); producers may then stop early.
    pub fn send(&self, event: Event) -> bool {
        let data = Box::into_raw(Box::new(event)) as *mut c_void;
        // SAFETY: tsfn is live (we hold one acquisition until Drop); `data` is a Box<Event> that
        // `deliver` takes back; on failure N-API did not take it, so we free it here.
        let status =
            unsafe { napi_call_threadsafe_function(self.tsfn, data, NAPI_TSFN_NONBLOCKING) };
        if status != NAPI_OK {
            // SAFETY: the call failed, so ownership of `data` stayed with us.
            drop(unsafe { Box::from_raw(data as *mut Event) });
            return false;
        }
        true
    }

    /// Let Node exit even while this callback is alive (for long-lived watchers). JS thread only.
    pub fn unref(&self, env: Env) -> Result<()> {
        // SAFETY: env is the live env of the JS thread that created tsfn.
        check(
            unsafe { napi_unref_threadsafe_function(env.0, self.tsfn) },
            "napi_unref_threadsafe_function",
        )
    }
}

impl Clone for Callback {
    fn clone(&self) -> Self {
        // SAFETY: tsfn is live while `self` exists; acquiring adds one holder that the clone's
        // Drop releases. If Node is closing, acquire fails and later sends just return false.
        unsafe { napi_acquire_threadsafe_function(self.tsfn) };
        Callback { tsfn: self.tsfn }
    }
}

impl Drop for Callback {
    fn drop(&mut self) {
        // SAFETY: releases the one acquisition this handle holds; never used again after.
        unsafe { napi_release_threadsafe_function(self.tsfn, NAPI_TSFN_RELEASE) };
    }
}

fn event_to_js(env: Env, event: Event, args: &mut Vec<JsValue>) -> Result<()> {
    match event {
        Event::Json(value) => args.push(env.from_json(&value)?),
        Event::Text(text) => args.push(env.string(&text)?),
        Event::Bytes(bytes) => args.push(env.buffer(&bytes)?),
        Event::Many(events) => {
            for e in events {
                event_to_js(env, e, args)?;
            }
        }
    }
    Ok(())
}

/// Runs on the JS thread for each queued event.
unsafe extern "C" fn deliver(
    env: napi_env,
    js_callback: napi_value,
    _ctx: *mut c_void,
    data: *mut c_void,
) {
    // SAFETY: `data` is the Box<Event> leaked by `send`; N-API hands each one to us exactly once.
    let event = unsafe { Box::from_raw(data as *mut Event) };
    if env.is_null() || js_callback.is_null() {
        return; // the environment is being torn down: drop the event
    }
    let env = Env(env);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| -> Result<()> {
        let mut args = Vec::new();
        event_to_js(env, *event, &mut args)?;
        env.call(JsValue(js_callback), &args)?;
        Ok(())
    }));
    match outcome {
        Ok(Ok(())) => {}
        // A JS exception thrown by the callback stays pending and Node reports it as uncaught,
        // like an exception in any event listener.
        Ok(Err(err)) if err.code == "EJSEXCEPTION" => {}
        Ok(Err(err)) => env.throw(&err),
        Err(panic) => env.throw(&CoreError::from_panic(panic.as_ref())),
    }
}
