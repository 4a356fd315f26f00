//! The JS surface of the content store, snapshots and clones (chained after `exports_core` by
//! `register`). Every long call runs on a worker thread and returns a Promise; progress goes to
//! an optional callback; cancellation goes through a cancel token.
//!
//! Cancel tokens: `storeCancelToken()` returns a number naming a cancel flag; pass it as the
//! last argument of a long call, raise it with `storeCancel(token)` (the TS wrapper does this
//! from an AbortSignal) and drop it with `storeReleaseToken(token)` once the call settled.
//! The operation notices within a file or a few milliseconds and rejects with ECANCELED.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::{spawn, Args, Callback, Env, Event, Handler, JsValue};
use crate::clone::{self, CloneSpec};
use crate::container::DataDir;
use crate::error::{CoreError, Result};
use crate::snapshot::{self, layer, swap, Progress};
use crate::store::Store;

/// Name seen from JS -> handler. Mirrored by `StoreBinding` in native/store-api.ts.
pub const EXPORTS: &[(&str, Handler)] = &[
    ("storeCancelToken", cancel_token),
    ("storeCancel", cancel),
    ("storeReleaseToken", release_token),
    ("snapshotCreate", snapshot_create),
    ("snapshotList", snapshot_list),
    ("snapshotGet", snapshot_get),
    ("snapshotDiff", snapshot_diff),
    ("snapshotRestore", snapshot_restore),
    ("snapshotDelete", snapshot_delete),
    ("storeGc", store_gc),
    ("storeUsage", store_usage),
    ("storeVerify", store_verify),
    ("storeRecover", store_recover),
    ("storeRecoverAll", store_recover_all),
    ("containerClone", container_clone),
    ("containerLowerdir", container_lowerdir),
];

type Tokens = Mutex<HashMap<u32, Arc<AtomicBool>>>;

fn tokens() -> &'static Tokens {
    static TOKENS: OnceLock<Tokens> = OnceLock::new();
    TOKENS.get_or_init(|| Mutex::new(HashMap::new()))
}

fn data_dir(args: &Args) -> Result<DataDir> {
    Ok(DataDir::new(args.string(0, "dataDir")?)?)
}

/// The cancel flag named by argument `index` (a fresh, never raised one when absent).
fn cancel_arg(args: &Args, index: usize) -> Result<Arc<AtomicBool>> {
    let Some(_) = args.get(index)? else {
        return Ok(Arc::new(AtomicBool::new(false)));
    };
    let token = args
        .json(index, "cancelToken")?
        .as_u64()
        .ok_or_else(|| CoreError::invalid("cancelToken must be a token from storeCancelToken"))?;
    let map = tokens().lock().unwrap_or_else(|p| p.into_inner());
    map.get(&(token as u32))
        .cloned()
        .ok_or_else(|| CoreError::invalid(format!("no cancel token {token}")))
}

fn progress_sink(cb: Option<Callback>) -> impl Fn(Progress) {
    move |p| {
        if let Some(cb) = &cb {
            cb.send(Event::Json(serde_json::to_value(p).unwrap_or_default()));
        }
    }
}

/// storeCancelToken(): number
fn cancel_token(env: Env, _args: &Args) -> Result<JsValue> {
    static NEXT: AtomicU32 = AtomicU32::new(1);
    let id = NEXT.fetch_add(1, Ordering::Relaxed);
    tokens()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(id, Arc::new(AtomicBool::new(false)));
    env.int64(id as i64)
}

/// storeCancel(token): boolean (false when the token is unknown or released)
fn cancel(env: Env, args: &Args) -> Result<JsValue> {
    let token = args.json(0, "token")?.as_u64().unwrap_or(0) as u32;
    let map = tokens().lock().unwrap_or_else(|p| p.into_inner());
    let found = map.get(&token).map(|f| f.store(true, Ordering::Relaxed));
    env.boolean(found.is_some())
}

/// storeReleaseToken(token): undefined
fn release_token(env: Env, args: &Args) -> Result<JsValue> {
    let token = args.json(0, "token")?.as_u64().unwrap_or(0) as u32;
    tokens()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&token);
    env.undefined()
}

/// snapshotCreate(dataDir, id, label, onProgress?, cancelToken?): Promise<Created>
fn snapshot_create(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let (id, label) = (args.string(1, "id")?, args.string(2, "label")?);
    let on = progress_sink(args.callback(3)?);
    let cancel = cancel_arg(args, 4)?;
    spawn(env, move || {
        Ok(snapshot::create(&data, &id, &label, &on, &cancel)?)
    })
}

/// snapshotList(dataDir, id): Promise<SnapshotInfo[]>
fn snapshot_list(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "id")?;
    spawn(env, move || Ok(snapshot::list(&data, &id)?))
}

/// snapshotGet(dataDir, id, snapshotId): Promise<SnapshotInfo>
fn snapshot_get(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let (id, snap) = (args.string(1, "id")?, args.string(2, "snapshotId")?);
    spawn(env, move || Ok(snapshot::get(&data, &id, &snap)?))
}

/// snapshotDiff(dataDir, id, from, to): Promise<SnapshotDiff>
fn snapshot_diff(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let (id, from, to) = (
        args.string(1, "id")?,
        args.string(2, "from")?,
        args.string(3, "to")?,
    );
    spawn(env, move || Ok(snapshot::diff(&data, &id, &from, &to)?))
}

/// snapshotRestore(dataDir, id, snapshotId, onProgress?, cancelToken?): Promise<Restored>
fn snapshot_restore(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let (id, snap) = (args.string(1, "id")?, args.string(2, "snapshotId")?);
    let on = progress_sink(args.callback(3)?);
    let cancel = cancel_arg(args, 4)?;
    spawn(env, move || {
        Ok(snapshot::restore(&data, &id, &snap, &on, &cancel)?)
    })
}

/// snapshotDelete(dataDir, id, snapshotId): Promise<null>
fn snapshot_delete(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let (id, snap) = (args.string(1, "id")?, args.string(2, "snapshotId")?);
    spawn(env, move || Ok(snapshot::delete(&data, &id, &snap)?))
}

/// storeGc(dataDir, onProgress?, cancelToken?): Promise<GcReport>
fn store_gc(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let on = progress_sink(args.callback(1)?);
    let cancel = cancel_arg(args, 2)?;
    spawn(env, move || Ok(snapshot::gc(&data, &on, &cancel)?))
}

/// storeUsage(dataDir): Promise<Usage>
fn store_usage(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    spawn(env, move || Ok(Store::open(&data)?.usage()?))
}

/// storeVerify(dataDir, cancelToken?): Promise<Verified>
fn store_verify(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let cancel = cancel_arg(args, 1)?;
    spawn(env, move || Ok(Store::open(&data)?.verify(&cancel)?))
}

/// storeRecover(dataDir, id): Promise<Recovery>
fn store_recover(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "id")?;
    spawn(env, move || Ok(swap::recover(&data, &id)?))
}

/// storeRecoverAll(dataDir): Promise<RecoveredContainer[]>
fn store_recover_all(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    spawn(env, move || Ok(swap::recover_all(&data)?))
}

/// containerClone(dataDir, sourceId, spec?, cancelToken?): Promise<Cloned>
fn container_clone(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let src = args.string(1, "sourceId")?;
    let spec: CloneSpec = match args.get(2)? {
        Some(_) => args.parse(2, "spec")?,
        None => CloneSpec::default(),
    };
    let cancel = cancel_arg(args, 3)?;
    spawn(env, move || Ok(clone::clone(&data, &src, spec, &cancel)?))
}

/// containerLowerdir(dataDir, id): Promise<string> (the overlay lowerdir a run needs)
fn container_lowerdir(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "id")?;
    spawn(env, move || Ok(layer::lowerdir(&data, &id)?))
}
