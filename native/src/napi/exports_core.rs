//! The JS surface of runtimes, containers and captured installs (chained after `exports::EXPORTS`
//! by `register`). Each body parses its arguments and makes one call into a plain core module;
//! everything that touches the disk runs on a worker thread and returns a Promise.

use super::sys::NAPI_STRING;
use super::{spawn, Args, Callback, Env, Event, Handler, JsValue};
use crate::container::{self, registry as creg, CreateSpec, DataDir, UpdatePatch};
use crate::error::Result;
use crate::registry::RegValue;
use crate::{capture, runtime};

/// Name seen from JS -> handler. Mirrored by `CoreBinding` in native/core-api.ts.
pub const EXPORTS: &[(&str, Handler)] = &[
    ("ensureRuntime", ensure_runtime),
    ("createRuntime", create_runtime),
    ("listRuntimes", list_runtimes),
    ("getRuntime", get_runtime),
    ("verifyRuntime", verify_runtime),
    ("createContainer", create_container),
    ("getContainer", get_container),
    ("listContainers", list_containers),
    ("updateContainer", update_container),
    ("deleteContainer", delete_container),
    ("install", install),
    ("containerRegistryQuery", registry_query),
    ("containerRegistryGetValue", registry_get_value),
    ("containerRegistrySetValue", registry_set_value),
    ("containerRegistryDelete", registry_delete),
    ("containerRegistryExport", registry_export),
    ("containerRegistryImport", registry_import),
    ("containerRegistryDiff", registry_diff),
];

fn data_dir(args: &Args) -> Result<DataDir> {
    Ok(DataDir::new(args.string(0, "dataDir")?)?)
}

/// Send a serialisable progress event to the optional JS callback.
fn emit<T: serde::Serialize>(cb: &Option<Callback>, event: T) {
    if let Some(cb) = cb {
        cb.send(Event::Json(serde_json::to_value(event).unwrap_or_default()));
    }
}

/// ensureRuntime(dataDir, onProgress?): Promise<RuntimeInfo>
fn ensure_runtime(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let cb = args.callback(1)?;
    spawn(env, move || Ok(runtime::ensure(&data, &|e| emit(&cb, e))?))
}

/// createRuntime(dataDir, onProgress?): Promise<RuntimeInfo>
fn create_runtime(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let cb = args.callback(1)?;
    spawn(env, move || Ok(runtime::create(&data, &|e| emit(&cb, e))?))
}

/// listRuntimes(dataDir): Promise<RuntimeInfo[]>
fn list_runtimes(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    spawn(env, move || Ok(runtime::list(&data)?))
}

/// getRuntime(dataDir, id): Promise<RuntimeInfo>
fn get_runtime(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "id")?;
    spawn(env, move || Ok(runtime::get(&data, &id)?))
}

/// verifyRuntime(dataDir, id, onProgress?): Promise<VerifyReport>
fn verify_runtime(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "id")?;
    let cb = args.callback(2)?;
    spawn(env, move || {
        Ok(runtime::verify(&data, &id, &|e| emit(&cb, e))?)
    })
}

/// createContainer(dataDir, spec): Promise<ContainerInfo>
fn create_container(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let spec: CreateSpec = args.parse(1, "spec")?;
    spawn(env, move || Ok(container::create(&data, spec)?))
}

/// getContainer(dataDir, id): Promise<ContainerInfo>
fn get_container(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "id")?;
    spawn(env, move || Ok(container::get(&data, &id)?))
}

/// listContainers(dataDir): Promise<ContainerInfo[]>
fn list_containers(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    spawn(env, move || Ok(container::list(&data)?))
}

/// updateContainer(dataDir, id, patch): Promise<ContainerInfo>
fn update_container(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "id")?;
    let patch: UpdatePatch = args.parse(2, "patch")?;
    spawn(env, move || Ok(container::update(&data, &id, patch)?))
}

/// deleteContainer(dataDir, id): Promise<null>
fn delete_container(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "id")?;
    spawn(env, move || Ok(container::delete(&data, &id)?))
}

/// install(dataDir, containerId, installerPath, args?, onProgress?, options?): Promise<Manifest>
fn install(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "containerId")?;
    let installer = args.string(2, "installerPath")?;
    let installer_args: Vec<String> = match args.get(3)? {
        Some(_) => args.parse(3, "args")?,
        None => Vec::new(),
    };
    let cb = args.callback(4)?;
    let options: capture::InstallOptions = match args.get(5)? {
        Some(_) => args.parse(5, "options")?,
        None => capture::InstallOptions::default(),
    };
    spawn(env, move || {
        Ok(capture::install(
            &data,
            &id,
            installer.as_ref(),
            &installer_args,
            &options,
            &|e| emit(&cb, e),
        )?)
    })
}

/// containerRegistryQuery(dataDir, id, key): Promise<KeyInfo>
fn registry_query(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let (id, key) = (args.string(1, "id")?, args.string(2, "key")?);
    spawn(env, move || Ok(creg::query(&data, &id, &key)?))
}

/// containerRegistryGetValue(dataDir, id, key, name): Promise<RegValue>
fn registry_get_value(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let (id, key, name) = (
        args.string(1, "id")?,
        args.string(2, "key")?,
        args.string(3, "name")?,
    );
    spawn(env, move || Ok(creg::get_value(&data, &id, &key, &name)?))
}

/// containerRegistrySetValue(dataDir, id, key, value): Promise<null>
fn registry_set_value(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let (id, key) = (args.string(1, "id")?, args.string(2, "key")?);
    let value: RegValue = args.parse(3, "value")?;
    spawn(env, move || Ok(creg::set_value(&data, &id, &key, value)?))
}

/// containerRegistryDelete(dataDir, id, key, valueName?): Promise<null> (no name: the whole key)
fn registry_delete(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let (id, key) = (args.string(1, "id")?, args.string(2, "key")?);
    let name = match args.get(3)? {
        Some(_) => Some(args.string(3, "valueName")?),
        None => None,
    };
    spawn(env, move || {
        Ok(creg::delete(&data, &id, &key, name.as_deref())?)
    })
}

/// containerRegistryExport(dataDir, id, key): Promise<string> (.reg text, version 5)
fn registry_export(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let (id, key) = (args.string(1, "id")?, args.string(2, "key")?);
    spawn(env, move || Ok(creg::export(&data, &id, &key)?))
}

/// containerRegistryImport(dataDir, id, reg: string | Buffer): Promise<ImportResult>
fn registry_import(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "id")?;
    let reg = match args.get(2)? {
        Some(v) if env.type_of(v)? == NAPI_STRING => args.string(2, "reg")?.into_bytes(),
        _ => args.bytes(2, "reg")?,
    };
    spawn(env, move || Ok(creg::import(&data, &id, &reg)?))
}

/// containerRegistryDiff(dataDir, id): Promise<RegistryChanges> (against the base runtime)
fn registry_diff(env: Env, args: &Args) -> Result<JsValue> {
    let data = data_dir(args)?;
    let id = args.string(1, "id")?;
    spawn(env, move || Ok(creg::diff(&data, &id)?))
}
