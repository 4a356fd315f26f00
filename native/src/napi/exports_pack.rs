//! The JS surface of `.ctnr` export/import, keys and trust (chained after the other export
//! tables by `register`). Long work runs on a worker thread and returns a Promise; progress goes
//! to an optional callback; a caller-chosen token lets `packCancel` stop an operation.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::{spawn, Args, Callback, Env, Event, Handler, JsValue};
use crate::container::DataDir;
use crate::error::Result;
use crate::pack::{self, sign, ExportOptions, ImportOptions, Progress};

/// Name seen from JS -> handler. Mirrored by `PackBinding` in native/pack-api.ts.
pub const EXPORTS: &[(&str, Handler)] = &[
    ("packExport", pack_export),
    ("packImport", pack_import),
    ("packInspect", pack_inspect),
    ("packCancel", pack_cancel),
    ("packKeyInfo", pack_key_info),
    ("packTrustedKeys", pack_trusted_keys),
    ("packTrustKey", pack_trust_key),
    ("packUntrustKey", pack_untrust_key),
    ("packCleanup", pack_cleanup),
];

fn data_dir(args: &Args) -> Result<DataDir> {
    Ok(DataDir::new(args.string(0, "dataDir")?)?)
}

/// Cancel flags of running operations, by the caller's token.
fn running() -> &'static Mutex<HashMap<String, Arc<AtomicBool>>> {
    static RUNNING: OnceLock<Mutex<HashMap<String, Arc<AtomicBool>>>> = OnceLock::new();
    RUNNING.get_or_init(Default::default)
}

/// A cancel flag registered under `token` (if any) until the returned guard drops.
struct CancelGuard {
    token: Option<String>,
    flag: Arc<AtomicBool>,
}

impl CancelGuard {
    fn new(token: Option<String>) -> CancelGuard {
        let flag = Arc::new(AtomicBool::new(false));
        if let Some(t) = &token {
            running()
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(t.clone(), flag.clone());
        }
        CancelGuard { token, flag }
    }
}

impl Drop for CancelGuard {
    fn drop(&mut self) {
        if let Some(t) = &self.token {
            running()
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .remove(t);
        }
    }
}

/// An optional string argument: absent, `undefined` or `null` -> None.
fn optional_string(args: &Args, index: usize, name: &str) -> Result<Option<String>> {
    match args.get(index)? {
        Some(v) if args.env.type_of(v)? == super::sys::NAPI_NULL => Ok(None),
        Some(_) => Ok(Some(args.string(index, name)?)),
        None => Ok(None),
    }
}

fn progress_sender(cb: Option<Callback>) -> impl Fn(Progress) + Sync {
    move |p: Progress| {
        if let Some(cb) = &cb {
            cb.send(Event::Json(serde_json::to_value(p).unwrap_or_default()));
        }
    }
}

/// packExport(dataDir, id, dest, options, onProgress?, cancelToken?): Promise<ExportResult>
fn pack_export(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "id")?;
    let dest = PathBuf::from(args.string(2, "dest")?);
    let opts: ExportOptions = match args.get(3)? {
        Some(_) => args.parse(3, "options")?,
        None => ExportOptions::default(),
    };
    let cb = args.callback(4)?;
    let guard = CancelGuard::new(optional_string(args, 5, "cancelToken")?);
    spawn(env, move || {
        let send = progress_sender(cb);
        Ok(pack::export(&data, &id, &dest, &opts, &send, &guard.flag)?)
    })
}

/// packImport(dataDir, archive, options, onProgress?, cancelToken?): Promise<ImportResult>
fn pack_import(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let archive = PathBuf::from(args.string(1, "archive")?);
    let opts: ImportOptions = match args.get(2)? {
        Some(_) => args.parse(2, "options")?,
        None => ImportOptions::default(),
    };
    let cb = args.callback(3)?;
    let guard = CancelGuard::new(optional_string(args, 4, "cancelToken")?);
    spawn(env, move || {
        let send = progress_sender(cb);
        Ok(pack::import(&data, &archive, &opts, &send, &guard.flag)?)
    })
}

/// packInspect(dataDir, archive, passphrase?): Promise<Inspection>
fn pack_inspect(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let archive = PathBuf::from(args.string(1, "archive")?);
    let pass = optional_string(args, 2, "passphrase")?;
    spawn(env, move || {
        Ok(pack::inspect(&data, &archive, pass.as_deref())?)
    })
}

/// packCancel(token): boolean (false when no operation runs under that token)
fn pack_cancel(env: Env, args: &Args) -> Result<JsValue> {
    let token = args.string(0, "token")?;
    let found = running()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .get(&token)
        .map(|f| f.store(true, Ordering::Relaxed))
        .is_some();
    env.boolean(found)
}

/// packKeyInfo(dataDir): Promise<KeyInfo> (the installation's key, made on first use)
fn pack_key_info(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    spawn(env, move || Ok(pack::installation_key_info(&data)?))
}

/// packTrustedKeys(dataDir): Promise<KeyInfo[]>
fn pack_trusted_keys(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    spawn(env, move || Ok(pack::trusted_keys(&data)?))
}

/// packTrustKey(dataDir, publicKeyHex): Promise<KeyInfo>
fn pack_trust_key(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let key = sign::parse_public_key(&args.string(1, "publicKey")?)?;
    spawn(env, move || Ok(pack::trust(&data, &key)?))
}

/// packUntrustKey(dataDir, publicKeyHex): Promise<boolean>
fn pack_untrust_key(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let key = sign::parse_public_key(&args.string(1, "publicKey")?)?;
    spawn(env, move || Ok(pack::untrust(&data, &key)?))
}

/// packCleanup(dataDir): Promise<number> (work folders of dead imports removed)
fn pack_cleanup(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    spawn(env, move || Ok(pack::cleanup(&data)?))
}
