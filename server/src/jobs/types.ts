import type { Job, JobProgress } from '../../../openapi/jobs.ts'

export type { Job, JobProgress }

/** What a handler reports; missing fields stay as they were. */
export interface ProgressUpdate {
  done: number
  total?: number | null
  unit?: string | null
  message?: string | null
}

/** What a handler gets for one run of one job. */
export interface JobContext<P = Record<string, unknown>> {
  /** The job as it was when this run started (state `running`). */
  job: Job
  params: P
  /** Aborted when the job is canceled or the gateway stops; `signal.reason.code` says which. */
  signal: AbortSignal
  /**
   * Reports progress (and optionally enters a new phase). Cheap to call often: events and the
   * job row are throttled, and the last report is always written before the job finishes.
   */
  progress(update: ProgressUpdate, phase?: string): void
}

/** The work of one job kind; what it returns (JSON) becomes the job's result. */
export type JobHandler<P = Record<string, unknown>, R = unknown> = (ctx: JobContext<P>) => Promise<R> | R

export interface JobKindOptions {
  /**
   * Whether a run cut short by a crash or stop may simply run again from the start. Only true
   * for handlers that are idempotent (crash-only): they must tolerate their own half-done work.
   */
  resumable: boolean
  /** How many runs a resumable job gets before recovery gives up. Default: the queue's (3). */
  maxAttempts?: number
}

/** Why a run's signal was aborted. */
export class JobStopped extends Error {
  constructor(readonly code: 'ECANCELED' | 'ESHUTDOWN') {
    super(code === 'ECANCELED' ? 'the job was canceled' : 'the gateway is stopping')
    this.name = 'JobStopped'
  }
}
