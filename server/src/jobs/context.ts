import type { EventBus } from '../events/bus.ts'
import { Throttle } from '../events/throttle.ts'
import type { JobStore } from './store.ts'
import type { Job, JobContext, JobProgress, ProgressUpdate } from './types.ts'

export interface ContextDeps {
  store: JobStore
  bus: EventBus
  now: () => number
  /** At most one job.progress event per this many ms (the bus coalesces what it stores). */
  eventMs: number
  /** At most one progress write to the job row per this many ms. */
  writeMs: number
}

interface Snapshot {
  phase: string | null
  progress: JobProgress
}

/** The context of one run, plus `finish()`, which writes the last progress and ends reporting. */
export function runContext(
  job: Job,
  signal: AbortSignal,
  deps: ContextDeps,
): { ctx: JobContext; finish(): void } {
  let latest: Snapshot | undefined
  let finished = false
  const quietly = (what: string, fn: () => void) => {
    try {
      fn()
    } catch (err) {
      console.error(`job ${job.id}: could not ${what}`, err)
    }
  }
  const events = new Throttle<Snapshot>(deps.eventMs, (s) =>
    quietly('publish progress', () =>
      deps.bus.publish(
        'job.progress',
        job.id,
        { id: job.id, kind: job.kind, containerId: job.containerId, ...s },
        { coalesce: true },
      ),
    ),
  )
  const writes = new Throttle<Snapshot>(deps.writeMs, (s) =>
    quietly('record progress', () => deps.store.progress(job.id, s.phase, s.progress, deps.now())),
  )
  const ctx: JobContext = {
    job,
    params: job.params,
    signal,
    progress(update: ProgressUpdate, phase?: string) {
      if (finished) return
      if (!Number.isFinite(update.done) || update.done < 0) {
        throw new TypeError(`progress.done must be a finite number >= 0, got ${update.done}`)
      }
      const before = latest?.progress
      latest = {
        phase: phase ?? latest?.phase ?? job.phase,
        progress: {
          done: update.done,
          total: update.total === undefined ? (before?.total ?? null) : update.total,
          unit: update.unit === undefined ? (before?.unit ?? null) : update.unit,
          message: update.message === undefined ? (before?.message ?? null) : update.message,
        },
      }
      events.push(latest)
      writes.push(latest)
    },
  }
  return {
    ctx,
    finish() {
      finished = true
      events.flush()
      writes.flush()
      events.stop()
      writes.stop()
    },
  }
}
