//! JS surface of the sandbox: parse arguments, call `sandbox::session`, hand back JSON.
//! Every call that waits runs on its own thread (a Promise); output chunks reach the JS callback
//! as `(stream: 'stdout' | 'stderr', chunk: Buffer)`.

use std::sync::Arc;
use std::time::Duration;

use super::{spawn, Args, Env, Event, JsValue};
use crate::error::{CoreError, Result};
use crate::sandbox::{self, session, RunSpec};

fn grace(args: &Args, index: usize) -> Result<Duration> {
    let ms = match args.get(index)? {
        Some(_) => args
            .json(index, "graceMs")?
            .as_u64()
            .ok_or_else(|| CoreError::invalid("graceMs must be a non-negative integer"))?,
        None => 5000,
    };
    Ok(Duration::from_millis(ms.min(600_000)))
}

fn run_id(args: &Args) -> Result<u64> {
    args.json(0, "id")?
        .as_u64()
        .ok_or_else(|| CoreError::invalid("id must be a run id"))
}

/// sandboxSpawn(spec: RunSpec, onOutput?: (stream, chunk) => void): Promise<RunInfo>
pub fn sandbox_spawn(env: Env, args: &Args) -> Result<JsValue> {
    let spec: RunSpec = args.parse(0, "spec")?;
    let sink: Option<session::Sink> = args.callback(1)?.map(|cb| {
        Arc::new(move |stream: session::Stream, chunk: &[u8]| {
            cb.send(Event::Many(vec![
                Event::Text(stream.name().into()),
                Event::Bytes(chunk.to_vec()),
            ]));
        }) as session::Sink
    });
    spawn(env, move || {
        session::start(spec, sink).map_err(CoreError::from)
    })
}

/// sandboxWait(id: number): Promise<ExitStatus>
pub fn sandbox_wait(env: Env, args: &Args) -> Result<JsValue> {
    let id = run_id(args)?;
    spawn(env, move || session::wait(id).map_err(CoreError::from))
}

/// sandboxStop(id: number, graceMs = 5000): Promise<ExitStatus>
pub fn sandbox_stop(env: Env, args: &Args) -> Result<JsValue> {
    let (id, grace) = (run_id(args)?, grace(args, 1)?);
    spawn(env, move || {
        session::stop(id, grace).map_err(CoreError::from)
    })
}

/// sandboxStopInstance(container: string, graceMs = 5000): Promise<boolean>
pub fn sandbox_stop_instance(env: Env, args: &Args) -> Result<JsValue> {
    let (key, grace) = (args.string(0, "container")?, grace(args, 1)?);
    spawn(env, move || {
        sandbox::stop_instance(&key, grace).map_err(CoreError::from)
    })
}

/// sandboxInstances(): InstanceInfo[]
pub fn sandbox_instances(env: Env, _args: &Args) -> Result<JsValue> {
    env.to_js(&sandbox::list_instances())
}
