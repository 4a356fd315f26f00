import type { ContainerInfo, CreateContainerSpec } from '../../../../native/core-api.ts'
import type { Container, ContainerCreate } from '../../../../openapi/containers.ts'
import type { Job } from '../../../../openapi/jobs.ts'
import type { Deps } from '../../deps.ts'
import { coreCode, OrbitError } from '../../errors.ts'
import type { JobContext } from '../../jobs/types.ts'
import { adopt } from './adopt.ts'
import type { ContainerDeps } from './deps.ts'
import { idFromName } from './ids.ts'
import { createJobKind } from './kinds.ts'
import { toContainer } from './model.ts'
import { rowById, rowsByName } from './store.ts'

export type Created = { container: Container } | { pending: { containerId: string; job: Job } }

/** Names being created by a container.create job that has not finished. */
function pendingNames(deps: Pick<Deps, 'jobs'>): Set<string> {
  const names = new Set<string>()
  for (const state of ['queued', 'running'] as const) {
    for (const job of deps.jobs.list({ kind: createJobKind, state }, 200).items) {
      const spec = job.params.spec as CreateContainerSpec | undefined
      if (spec) names.add(spec.name)
    }
  }
  return names
}

export function assertNameFree(deps: Pick<Deps, 'db' | 'jobs'>, name: string, pendingToo: boolean): void {
  if (rowsByName(deps.db, name).length > 0 || (pendingToo && pendingNames(deps).has(name))) {
    throw new OrbitError('ECONFLICT', `a container named ${JSON.stringify(name)} exists already`)
  }
}

/**
 * Creates a container in state `created`. A Wine container needs the base runtime; when there is
 * none yet, a container.create job makes it (once per installation) and then the container.
 */
export async function createContainer(deps: ContainerDeps, input: ContainerCreate): Promise<Created> {
  assertNameFree(deps, input.name, true)
  const spec: CreateContainerSpec = {
    id: idFromName(input.name),
    name: input.name,
    runtime: { kind: input.runtime },
    network: input.network,
    display: input.display,
    ...(input.version !== undefined ? { version: input.version } : {}),
    ...(input.env ? { env: input.env } : {}),
    ...(input.labels ? { labels: input.labels } : {}),
    ...(input.limits ? { limits: definedLimits(input.limits) } : {}),
  }
  let info: ContainerInfo
  try {
    info = await deps.core.createContainer(deps.config.dataDir, spec)
  } catch (err) {
    if (coreCode(err) !== 'ENOTFOUND_RUNTIME' || input.runtime !== 'wine') throw err
    const job = deps.jobs.enqueue(createJobKind, { spec }, { containerId: spec.id as string })
    return { pending: { containerId: spec.id as string, job } }
  }
  return { container: toContainer(await adoptIfNameFree(deps, info)) }
}

/** Indexes a new folder unless another request took its name meanwhile (then the folder goes). */
export async function adoptIfNameFree(deps: ContainerDeps, info: ContainerInfo) {
  try {
    // Checked again in the same tick as the insert: the core call before it was async.
    assertNameFree(deps, info.name, false)
  } catch (err) {
    await deps.core.deleteContainer(deps.config.dataDir, info.id)
    throw err
  }
  return adopt(deps, info)
}

/** The core takes absent limits, not nulls. */
export function definedLimits(limits: { memoryMb?: number | null; pids?: number | null }) {
  return {
    ...(limits.memoryMb != null ? { memoryMb: limits.memoryMb } : {}),
    ...(limits.pids != null ? { pids: limits.pids } : {}),
  }
}

/**
 * The container.create job: make the base runtime, then the container. Safe to run again after a
 * restart: the runtime is made once, and a container it already made (adopted at start by
 * reconcile) is simply returned.
 */
export async function runCreateJob(deps: ContainerDeps, ctx: JobContext<{ spec: CreateContainerSpec }>) {
  const { spec } = ctx.params
  const id = spec.id as string
  let events = 0
  ctx.progress({ done: 0, total: null, unit: 'steps', message: 'making the Wine base runtime' }, 'runtime')
  // ensureRuntime cannot be interrupted; once the job is stopped, its progress goes nowhere.
  await deps.core.ensureRuntime(deps.config.dataDir, (e) => {
    if (!ctx.signal.aborted) ctx.progress({ done: ++events, message: e.message }, `runtime: ${e.phase}`)
  })
  ctx.signal.throwIfAborted()
  const existing = rowById(deps.db, id)
  if (existing) return toContainer(existing)
  ctx.progress({ done: events, message: 'creating the container' }, 'create')
  let info: ContainerInfo
  try {
    info = await deps.core.createContainer(deps.config.dataDir, spec)
  } catch (err) {
    if (coreCode(err) !== 'EEXIST') throw err
    info = await deps.core.getContainer(deps.config.dataDir, id)
  }
  return toContainer(await adoptIfNameFree(deps, info))
}
