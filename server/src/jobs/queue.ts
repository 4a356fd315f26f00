import { randomUUID } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import type { JobError } from '../../../openapi/jobs.ts'
import type { Db } from '../db/open.ts'
import { OrbitError } from '../errors.ts'
import type { EventBus } from '../events/bus.ts'
import { runContext } from './context.ts'
import { type JobFilter, type JobPageRows, JobStore } from './store.ts'
import { type Job, type JobHandler, type JobKindOptions, JobStopped } from './types.ts'

export interface JobQueueOptions {
  now?: () => number
  /** How many jobs run at once. Default 2. */
  concurrency?: number
  /** Runs a resumable job gets before recovery gives up, unless its kind says otherwise. Default 3. */
  maxAttempts?: number
  /** Throttle of job.progress events, in ms. Default 100. */
  progressEventMs?: number
  /** Throttle of progress writes to the job row, in ms. Default 250. */
  progressWriteMs?: number
  /** How long `cancel` waits for a running handler to stop before answering. Default 5 s. */
  cancelWaitMs?: number
  /** How long `shutdown` waits for running handlers to stop. Default 10 s. */
  shutdownGraceMs?: number
}

interface Kind {
  // biome-ignore lint/suspicious/noExplicitAny: each kind has its own params; register() keeps them typed
  handler: JobHandler<any, unknown>
  options: JobKindOptions
}

interface Run {
  controller: AbortController
  containerId: string | null
  settled: Promise<void>
}

const finalStates = new Set(['succeeded', 'failed', 'canceled'])

/** Waits for `work`, but no longer than `ms`. */
async function within(work: Promise<unknown>, ms: number): Promise<void> {
  const timeout = new AbortController()
  const timer = delay(ms, undefined, { ref: false, signal: timeout.signal }).catch(() => {})
  await Promise.race([work, timer])
  timeout.abort()
}

/** The error a failed job records: the thrown error's stable code when it has one. */
function jobError(err: unknown): JobError {
  const code = (err as { code?: unknown } | null)?.code
  return {
    code: typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code) ? code : 'EFAILED',
    message: err instanceof Error ? err.message : String(err),
  }
}

/**
 * The durable job queue. Rows in SQLite are the truth; this process runs them with bounded
 * concurrency and never two jobs of one container at once (those run in enqueue order).
 *
 * Crash-only: `start()` first settles what a previous process left `running` (resumable kinds run
 * again, up to maxAttempts; others fail with EINTERRUPTED). A graceful `shutdown()` aborts every
 * run and waits: a resumable job goes back to `queued` (that run does not count as an attempt),
 * any other becomes `canceled` with error ESHUTDOWN. Only a killed process leaves rows `running`.
 */
export class JobQueue {
  private readonly store: JobStore
  private readonly kinds = new Map<string, Kind>()
  private readonly running = new Map<string, Run>()
  private readonly now: () => number
  private readonly concurrency: number
  private readonly maxAttempts: number
  private readonly options: Required<Omit<JobQueueOptions, 'now' | 'concurrency' | 'maxAttempts'>>
  private state: 'new' | 'started' | 'stopped' = 'new'

  constructor(
    db: Db,
    private readonly bus: EventBus,
    options: JobQueueOptions = {},
  ) {
    this.store = new JobStore(db)
    this.now = options.now ?? Date.now
    this.concurrency = options.concurrency ?? 2
    if (!(Number.isInteger(this.concurrency) && this.concurrency >= 1)) {
      throw new Error(`job concurrency must be an integer >= 1, got ${this.concurrency}`)
    }
    this.maxAttempts = options.maxAttempts ?? 3
    this.options = {
      progressEventMs: options.progressEventMs ?? 100,
      progressWriteMs: options.progressWriteMs ?? 250,
      cancelWaitMs: options.cancelWaitMs ?? 5000,
      shutdownGraceMs: options.shutdownGraceMs ?? 10_000,
    }
  }

  /** Declares a job kind and its handler; every kind must be registered before `start()`. */
  register<P extends Record<string, unknown>, R>(
    kind: string,
    handler: JobHandler<P, R>,
    options: JobKindOptions,
  ): void {
    if (this.state !== 'new') throw new Error(`register job kind ${kind} before the queue starts`)
    if (this.kinds.has(kind)) throw new Error(`job kind ${kind} is already registered`)
    this.kinds.set(kind, { handler, options })
  }

  /** Adds a job to the queue (publishes job.created); it runs when a slot and its container are free. */
  enqueue(kind: string, params: Record<string, unknown> = {}, options: { containerId?: string } = {}): Job {
    const registered = this.kinds.get(kind)
    if (!registered) throw new Error(`no handler is registered for job kind ${kind}`)
    if (this.state === 'stopped') throw new Error('the job queue has shut down')
    const job = this.store.insert({
      id: randomUUID(),
      kind,
      containerId: options.containerId ?? null,
      params,
      resumable: registered.options.resumable,
      now: this.now(),
    })
    this.bus.publish('job.created', job.id, job)
    this.pump()
    return job
  }

  /** One job, or ENOTFOUND. */
  get(id: string): Job {
    const job = this.store.get(id)
    if (!job) throw new OrbitError('ENOTFOUND', `no job ${id}`)
    return job
  }

  /** Jobs, newest first. */
  list(filter: JobFilter, limit: number, cursor?: string): JobPageRows {
    return this.store.list(filter, limit, cursor)
  }

  /** How many handlers are running in this process now. */
  get runningCount(): number {
    return this.running.size
  }

  /**
   * Cancels a job: a queued one at once; a running one by aborting its signal and waiting (up to
   * cancelWaitMs) for the handler to stop. ENOTFOUND when there is none, ECONFLICT when finished.
   */
  async cancel(id: string): Promise<Job> {
    const job = this.get(id)
    if (job.state === 'queued') {
      return this.finish(job.id, 'queued', 'canceled', {}) ?? this.get(id)
    }
    if (job.state === 'running') {
      const run = this.running.get(id)
      // A row left running by a process that is gone (before start() recovers it): nothing to stop.
      if (!run) return this.finish(job.id, 'running', 'canceled', {}) ?? this.get(id)
      run.controller.abort(new JobStopped('ECANCELED'))
      await within(run.settled, this.options.cancelWaitMs)
      return this.get(id)
    }
    throw new OrbitError('ECONFLICT', `job ${id} already ${job.state}`)
  }

  /** Resolves with the job once it is succeeded, failed or canceled. */
  waitFor(id: string): Promise<Job> {
    return new Promise<Job>((resolve, reject) => {
      const check = (): boolean => {
        const job = this.store.get(id)
        if (!job) reject(new OrbitError('ENOTFOUND', `no job ${id}`))
        else if (finalStates.has(job.state)) resolve(job)
        else return false
        return true
      }
      const unsubscribe = this.bus.subscribe(
        () => {
          if (check()) unsubscribe()
        },
        { subject: id },
        () => reject(new Error(`the event bus closed while waiting for job ${id}`)),
      )
      if (check()) unsubscribe()
    })
  }

  /** Settles what a previous process left behind, then starts running queued jobs. */
  start(): void {
    if (this.state !== 'new') throw new Error('the job queue was already started')
    for (const job of this.store.inState('running')) {
      const max = this.kinds.get(job.kind)?.options.maxAttempts ?? this.maxAttempts
      if (job.resumable && job.attempts < max) {
        const requeued = this.store.requeue(job.id, false, this.now())
        if (requeued) this.bus.publish('job.requeued', requeued.id, requeued)
      } else {
        const message = job.resumable
          ? `the gateway stopped while this job ran, ${job.attempts} times; giving up`
          : 'the gateway stopped while this job ran; it was not safe to resume'
        this.finish(job.id, 'running', 'failed', { error: { code: 'EINTERRUPTED', message } })
      }
    }
    for (const job of this.store.queued()) {
      if (this.kinds.has(job.kind)) continue
      const message = `no handler is registered for job kind ${job.kind} in this version of Orbit`
      this.finish(job.id, 'queued', 'failed', { error: { code: 'EUNKNOWN_KIND', message } })
    }
    this.state = 'started'
    this.pump()
  }

  /** Stops starting jobs, aborts running ones and waits for them (see the class comment). */
  async shutdown(graceMs = this.options.shutdownGraceMs): Promise<void> {
    this.state = 'stopped'
    const runs = [...this.running.values()]
    for (const run of runs) run.controller.abort(new JobStopped('ESHUTDOWN'))
    if (runs.length === 0) return
    await within(Promise.all(runs.map((r) => r.settled)), graceMs)
  }

  /** Starts every queued job that has a free slot and a free container, oldest first. */
  private pump(): void {
    if (this.state !== 'started') return
    const busy = new Set<string>()
    for (const run of this.running.values()) if (run.containerId !== null) busy.add(run.containerId)
    for (const next of this.store.queued()) {
      if (this.running.size >= this.concurrency) return
      if (!this.kinds.has(next.kind)) continue
      if (next.containerId !== null) {
        // Claimed even when not started now: later jobs of the container must wait their turn.
        if (busy.has(next.containerId)) continue
        busy.add(next.containerId)
      }
      try {
        this.launch(next.id)
      } catch (err) {
        console.error(`could not start job ${next.id}`, err)
      }
    }
  }

  private launch(id: string): void {
    const job = this.store.start(id, this.now())
    const kind = job && this.kinds.get(job.kind)
    if (!job || !kind) return
    const controller = new AbortController()
    const { ctx, finish } = runContext(job, controller.signal, {
      store: this.store,
      bus: this.bus,
      now: this.now,
      eventMs: this.options.progressEventMs,
      writeMs: this.options.progressWriteMs,
    })
    const run: Run = { controller, containerId: job.containerId, settled: Promise.resolve() }
    this.running.set(job.id, run)
    run.settled = Promise.resolve()
      // A later tick, so a handler never runs inside pump(); a failed publish fails the run.
      .then(() => {
        this.bus.publish('job.started', job.id, job)
        return kind.handler(ctx)
      })
      .then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error }),
      )
      .then((outcome) => {
        finish()
        this.settle(job, controller.signal, outcome)
      })
      .catch((err: unknown) => console.error(`job ${job.id}: could not record its outcome`, err))
      .finally(() => {
        this.running.delete(job.id)
        this.pump()
      })
  }

  /** Records how a run ended. An aborted run counts as stopped, however the handler returned. */
  private settle(
    job: Job,
    signal: AbortSignal,
    outcome: { ok: true; result: unknown } | { ok: false; error: unknown },
  ): void {
    if (signal.aborted) {
      const why = signal.reason instanceof JobStopped ? signal.reason.code : 'ECANCELED'
      if (why === 'ESHUTDOWN' && job.resumable) {
        const requeued = this.store.requeue(job.id, true, this.now())
        if (requeued) this.bus.publish('job.requeued', requeued.id, requeued)
        return
      }
      const error =
        why === 'ESHUTDOWN' ? { code: why, message: 'the gateway stopped while this job ran' } : undefined
      this.finish(job.id, 'running', 'canceled', error ? { error } : {})
      return
    }
    if (!outcome.ok) {
      this.finish(job.id, 'running', 'failed', { error: jobError(outcome.error) })
      return
    }
    let result: unknown
    try {
      result = JSON.parse(JSON.stringify(outcome.result ?? null))
    } catch (err) {
      const message = `the job's result is not JSON: ${err instanceof Error ? err.message : err}`
      this.finish(job.id, 'running', 'failed', { error: { code: 'EINTERNAL', message } })
      return
    }
    this.finish(job.id, 'running', 'succeeded', { result })
  }

  private finish(
    id: string,
    from: 'queued' | 'running',
    to: 'succeeded' | 'failed' | 'canceled',
    outcome: { result?: unknown; error?: JobError },
  ): Job | undefined {
    const job = this.store.finish(id, from, to, outcome, this.now())
    if (job) this.bus.publish(`job.${to}`, job.id, job)
    return job
  }
}
