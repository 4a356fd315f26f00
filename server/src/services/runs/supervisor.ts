import { randomUUID } from 'node:crypto'
import { join } from 'node:path'
import type { ExitStatus, RunSpec, SandboxRun } from '../../../../native/sandbox.ts'
import type { Run, RunCreate } from '../../../../openapi/runs.ts'
import type { Deps } from '../../deps.ts'
import { fromCoreError, OrbitError } from '../../errors.ts'
import type { ContainerRow } from '../containers/model.ts'
import { readManifest } from '../containers/read.ts'
import { assertCan, settle, transition } from '../containers/state.ts'
import { findContainer } from '../containers/store.ts'
import { hostDisplay } from './display.ts'
import { type OutputChunk, RunOutput } from './output.ts'
import { resolveProgram } from './program.ts'
import { insertRun, type RunRow, runRow, toRun, updateRun } from './store.ts'

type SupervisorDeps = Pick<Deps, 'db' | 'events' | 'core' | 'config'>

interface LiveRun {
  containerId: string
  sandbox: SandboxRun
  stopRequested: boolean
  /** Resolves with the run once it has ended and is recorded. */
  ended: Promise<Run>
}

export interface RunOutputEvent extends OutputChunk {
  runId: string
  containerId: string
}

/**
 * The runs alive in this gateway. A container is `running` from its first run's start until its
 * last run has ended; then it is `stopped`. Runs die with the gateway (the sandbox is tied to it).
 */
export class RunSupervisor {
  private readonly live = new Map<string, LiveRun>()
  /** Runs starting or alive, per container. */
  private readonly active = new Map<string, number>()
  private closed = false

  constructor(private readonly deps: SupervisorDeps) {}

  /** Starts `input.program` in a container; resolves once it runs (state running) with the Run. */
  async start(idOrName: string, input: RunCreate): Promise<Run> {
    const { deps } = this
    const row = findContainer(deps.db, idOrName)
    assertCan(row, 'run')
    const apps = row.runtimeKind === 'wine' ? ((await readManifest(row.path))?.entryPoints ?? []) : []
    const program = resolveProgram(row.runtimeKind, input.program, input.args, apps)
    const spec = this.spec(row, program, input.env ?? {}, await this.prefix(row))
    // Checked again: the reads above were async.
    const current = findContainer(deps.db, row.id)
    const before = { state: current.state, reason: current.stateReason }
    if ((this.active.get(row.id) ?? 0) === 0) transition(deps, row.id, 'run', 'running')
    else assertCan(current, 'run')
    this.active.set(row.id, (this.active.get(row.id) ?? 0) + 1)

    const id = randomUUID()
    let run = insertRun(deps.db, {
      id,
      containerId: row.id,
      program: input.program,
      target: program.target,
      args: program.args,
      state: 'starting',
      pid: null,
      exitCode: null,
      signal: null,
      limits: null,
      error: null,
      logPath: join(row.path, 'logs', `run-${id}.log`),
      startedAt: Date.now(),
      finishedAt: null,
    })
    // Output can come before startRun resolves; its events wait for run.started.
    const publish = (chunk: OutputChunk) =>
      deps.events.publish<RunOutputEvent>('run.output', id, { runId: id, containerId: row.id, ...chunk })
    const early: OutputChunk[] = []
    let announced = false
    let output: RunOutput | undefined
    let sandbox: SandboxRun
    try {
      output = new RunOutput(run.logPath, (chunk) => (announced ? publish(chunk) : early.push(chunk)))
      const out = output
      sandbox = await deps.core.startRun(spec, (stream, chunk) => out.write(stream, chunk))
    } catch (err) {
      output?.close()
      const message = err instanceof Error ? err.message : String(err)
      const failed = updateRun(deps.db, id, { state: 'failed', error: message, finishedAt: Date.now() })
      if (failed) deps.events.publish<Run>('run.ended', id, toRun(failed))
      this.release(row.id, before)
      throw fromCoreError(err) ?? err
    }
    run =
      updateRun(deps.db, id, { state: 'running', pid: sandbox.info.pid, limits: sandbox.info.limits }) ?? run
    deps.events.publish<Run>('run.started', id, toRun(run))
    announced = true
    for (const chunk of early.splice(0)) publish(chunk)
    const live: LiveRun = {
      containerId: row.id,
      sandbox,
      stopRequested: false,
      ended: Promise.resolve(toRun(run)),
    }
    live.ended = sandbox.exited
      .then(
        (status) => status,
        (err: unknown): ExitStatus | Error => (err instanceof Error ? err : new Error(String(err))),
      )
      .then((status) => this.finish(id, live, output as RunOutput, status))
    this.live.set(id, live)
    return toRun(run)
  }

  /** Stops a live run (SIGTERM, SIGKILL after graceMs) and answers with it ended. */
  async stop(runId: string, graceMs: number): Promise<Run> {
    const live = this.live.get(runId)
    if (!live) {
      const row = runRow(this.deps.db, runId)
      throw new OrbitError('ECONFLICT', `run ${runId} already ${row.state}`)
    }
    live.stopRequested = true
    try {
      await live.sandbox.stop(graceMs)
    } catch (err) {
      throw fromCoreError(err) ?? err
    }
    return live.ended
  }

  /** Stops every live run (the gateway is stopping) and waits until each is recorded. */
  async shutdown(graceMs = 2000): Promise<void> {
    this.closed = true
    const runs = [...this.live.values()]
    for (const live of runs) live.stopRequested = true
    await Promise.allSettled(runs.map((live) => live.sandbox.stop(graceMs)))
    await Promise.allSettled(runs.map((live) => live.ended))
  }

  /** How many runs of the container are starting or alive in this gateway. */
  activeRuns(containerId: string): number {
    return this.active.get(containerId) ?? 0
  }

  /** What the sandbox shows at its prefix: the layer over a clone's frozen layers and the runtime. */
  private async prefix(row: ContainerRow): Promise<NonNullable<RunSpec['prefix']>> {
    try {
      return await this.deps.core.layerPrefix(this.deps.config.dataDir, row.id)
    } catch (err) {
      throw fromCoreError(err) ?? err
    }
  }

  private spec(
    row: ContainerRow,
    program: ReturnType<typeof resolveProgram>,
    extraEnv: Record<string, string>,
    prefix: NonNullable<RunSpec['prefix']>,
  ): RunSpec {
    const wine = row.runtimeKind === 'wine'
    const limits = {
      ...(row.limits.memoryMb ? { memoryBytes: row.limits.memoryMb * 1024 * 1024 } : {}),
      ...(row.limits.pids ? { pids: row.limits.pids } : {}),
    }
    return {
      kind: row.runtimeKind,
      program: program.target,
      args: program.args,
      // Wine's debug channels would bury the program's own stderr.
      env: { ...(wine ? { WINEDEBUG: '-all' } : {}), ...row.env, ...extraEnv },
      ...(program.cwd ? { cwd: program.cwd } : {}),
      prefix,
      network: row.network,
      ...(row.display === 'host' ? { display: hostDisplay(this.deps.config) } : {}),
      limits,
      instance: row.id,
    }
  }

  private finish(id: string, live: LiveRun, output: RunOutput, status: ExitStatus | Error): Run {
    output.close()
    this.live.delete(id)
    const ended: Partial<RunRow> =
      status instanceof Error
        ? { state: 'lost', error: `could not wait for the run: ${status.message}` }
        : {
            state: live.stopRequested ? 'stopped' : 'exited',
            exitCode: status.code,
            signal: status.signal,
            limits: status.limits,
          }
    const row = updateRun(this.deps.db, id, { ...ended, finishedAt: Date.now() })
    const run = row ? toRun(row) : undefined
    if (run) this.deps.events.publish<Run>('run.ended', id, run)
    this.release(live.containerId)
    if (!run) throw new OrbitError('ENOTFOUND', `run ${id} was deleted with its container`)
    return run
  }

  /**
   * One run of the container is over. After the last: back to `before` when none ever started,
   * else `stopped`. Wine's wineserver may linger a few seconds for the next run to join; work
   * that needs the container at rest ends it first (containers/leftovers.ts).
   */
  private release(
    containerId: string,
    before?: { state: ContainerRow['state']; reason: string | null },
  ): void {
    const left = (this.active.get(containerId) ?? 1) - 1
    if (left > 0) {
      this.active.set(containerId, left)
      return
    }
    this.active.delete(containerId)
    // On shutdown the next start's reconcile settles it (nothing runs after a restart).
    if (this.closed) return
    if (before && before.state !== 'running')
      settle(this.deps, containerId, ['running'], before.state, before.reason)
    else settle(this.deps, containerId, ['running'], 'stopped')
  }
}
