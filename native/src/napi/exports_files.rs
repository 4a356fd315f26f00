//! The JS surface of a container's files view (chained after `exports_store` by `register`).

use super::{spawn, Args, Env, Handler, JsValue};
use crate::container::DataDir;
use crate::error::Result;
use crate::files;

/// Name seen from JS -> handler. Mirrored by `FilesBinding` in native/files-api.ts.
pub const EXPORTS: &[(&str, Handler)] = &[
    ("containerFilesList", files_list),
    ("containerFilesResolve", files_resolve),
];

fn args3(args: &Args) -> Result<(DataDir, String, String)> {
    Ok((
        DataDir::new(args.string(0, "dataDir")?)?,
        args.string(1, "id")?,
        args.string(2, "path")?,
    ))
}

/// containerFilesList(dataDir, id, path): Promise<Listing>
fn files_list(env: Env, args: &Args) -> Result<JsValue> {
    let (data, id, path) = args3(args)?;
    spawn(env, move || files::list(&data, &id, &path))
}

/// containerFilesResolve(dataDir, id, path): Promise<ResolvedFile>
fn files_resolve(env: Env, args: &Args) -> Result<JsValue> {
    let (data, id, path) = args3(args)?;
    spawn(env, move || files::resolve(&data, &id, &path))
}
