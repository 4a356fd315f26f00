//! The JS surface of the core: one line in `EXPORTS` and one small function per export.
//! Keep each body to argument parsing + one call into a plain core module.

use super::{sandbox, spawn, Args, Env, Event, Handler, JsValue};
use crate::error::Result;
use crate::{hash, system};

/// Name seen from JS -> handler. Mirrored by the `NativeBinding` interface in native/index.ts.
pub const EXPORTS: &[(&str, Handler)] = &[
    ("version", version),
    ("systemInfo", system_info),
    ("hashFileSync", hash_file_sync),
    ("hashFile", hash_file),
    ("sandboxSpawn", sandbox::sandbox_spawn),
    ("sandboxWait", sandbox::sandbox_wait),
    ("sandboxStop", sandbox::sandbox_stop),
    ("sandboxStopInstance", sandbox::sandbox_stop_instance),
    ("sandboxInstances", sandbox::sandbox_instances),
    ("_panicForTest", panic_for_test),
];

/// version(): string
fn version(env: Env, _args: &Args) -> Result<JsValue> {
    env.string(env!("CARGO_PKG_VERSION"))
}

/// systemInfo(): SystemInfo
fn system_info(env: Env, _args: &Args) -> Result<JsValue> {
    env.to_js(&system::system_info())
}

/// hashFileSync(path: string): FileHash
fn hash_file_sync(env: Env, args: &Args) -> Result<JsValue> {
    let path = args.string(0, "path")?;
    env.to_js(&hash::hash_file(path.as_ref(), |_| {})?)
}

/// hashFile(path: string, onProgress?: (p: HashProgress) => void): Promise<FileHash>
fn hash_file(env: Env, args: &Args) -> Result<JsValue> {
    let path = args.string(0, "path")?;
    let progress = args.callback(1)?;
    spawn(env, move || {
        hash::hash_file(path.as_ref(), |p| {
            if let Some(cb) = &progress {
                cb.send(Event::Json(serde_json::to_value(p).unwrap_or_default()));
            }
        })
    })
}

/// Internal: panics on purpose so the JS tests prove no panic crosses into Node (code EPANIC).
fn panic_for_test(_env: Env, _args: &Args) -> Result<JsValue> {
    panic!("deliberate panic from _panicForTest")
}
