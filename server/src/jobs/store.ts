import { and, asc, desc, eq, type SQL, sql } from 'drizzle-orm'
import type { JobError, JobState } from '../../../openapi/jobs.ts'
import type { Db } from '../db/open.ts'
import { jobs } from '../db/schema.ts'
import type { Job, JobProgress } from './types.ts'

type Row = typeof jobs.$inferSelect

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** A row as the API shows it. */
export function toJob(r: Row): Job {
  return {
    id: r.id,
    kind: r.kind,
    containerId: r.containerId,
    state: r.state,
    phase: r.phase,
    progress: (r.progress as JobProgress | null) ?? null,
    params: r.params as Record<string, unknown>,
    result: r.result ?? null,
    error: (r.error as JobError | null) ?? null,
    attempts: r.attempts,
    resumable: r.resumable,
    createdAt: new Date(r.createdAt).toISOString(),
    startedAt: iso(r.startedAt),
    finishedAt: iso(r.finishedAt),
    updatedAt: new Date(r.updatedAt).toISOString(),
  }
}

export interface JobFilter {
  state?: JobState | undefined
  kind?: string | undefined
  containerId?: string | undefined
}

export interface JobPageRows {
  items: Job[]
  nextCursor: string | null
}

/** The jobs table. Every state change is conditional on the state it leaves, so none is lost. */
export class JobStore {
  constructor(private readonly db: Db) {}

  insert(job: {
    id: string
    kind: string
    containerId: string | null
    params: Record<string, unknown>
    resumable: boolean
    now: number
  }): Job {
    const row = this.db
      .insert(jobs)
      .values({
        id: job.id,
        seq: sql`(select coalesce(max(seq), 0) + 1 from jobs)`,
        kind: job.kind,
        containerId: job.containerId,
        state: 'queued',
        params: job.params,
        resumable: job.resumable,
        createdAt: job.now,
        updatedAt: job.now,
      })
      .returning()
      .get()
    return toJob(row)
  }

  get(id: string): Job | undefined {
    const row = this.db.select().from(jobs).where(eq(jobs.id, id)).get()
    return row ? toJob(row) : undefined
  }

  /** Newest first; the cursor is the `seq` of the last job of the previous page. */
  list(filter: JobFilter, limit: number, cursor?: string): JobPageRows {
    const where: SQL[] = []
    if (filter.state) where.push(eq(jobs.state, filter.state))
    if (filter.kind) where.push(eq(jobs.kind, filter.kind))
    if (filter.containerId) where.push(eq(jobs.containerId, filter.containerId))
    if (cursor !== undefined) where.push(sql`${jobs.seq} < ${Number(cursor)}`)
    const rows = this.db
      .select()
      .from(jobs)
      .where(and(...where))
      .orderBy(desc(jobs.seq))
      .limit(limit + 1)
      .all()
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return { items: page.map(toJob), nextCursor: rows.length > limit && last ? String(last.seq) : null }
  }

  /** Queued jobs in the order they were enqueued. */
  queued(): Array<{ id: string; kind: string; containerId: string | null }> {
    return this.db
      .select({ id: jobs.id, kind: jobs.kind, containerId: jobs.containerId })
      .from(jobs)
      .where(eq(jobs.state, 'queued'))
      .orderBy(asc(jobs.seq))
      .all()
  }

  inState(state: JobState): Job[] {
    return this.db.select().from(jobs).where(eq(jobs.state, state)).orderBy(asc(jobs.seq)).all().map(toJob)
  }

  /** queued -> running, counting the attempt; undefined when it was no longer queued. */
  start(id: string, now: number): Job | undefined {
    const row = this.db
      .update(jobs)
      .set({ state: 'running', attempts: sql`${jobs.attempts} + 1`, startedAt: now, updatedAt: now })
      .where(and(eq(jobs.id, id), eq(jobs.state, 'queued')))
      .returning()
      .get()
    return row ? toJob(row) : undefined
  }

  /** Records the latest progress of a running job. */
  progress(id: string, phase: string | null, progress: JobProgress | null, now: number): void {
    this.db
      .update(jobs)
      .set({ phase, progress, updatedAt: now })
      .where(and(eq(jobs.id, id), eq(jobs.state, 'running')))
      .run()
  }

  /** Moves a job from `from` to a final state; undefined when it was not in `from`. */
  finish(
    id: string,
    from: 'queued' | 'running',
    to: 'succeeded' | 'failed' | 'canceled',
    outcome: { result?: unknown; error?: JobError },
    now: number,
  ): Job | undefined {
    const row = this.db
      .update(jobs)
      .set({
        state: to,
        result: outcome.result ?? null,
        error: outcome.error ?? null,
        finishedAt: now,
        updatedAt: now,
      })
      .where(and(eq(jobs.id, id), eq(jobs.state, from)))
      .returning()
      .get()
    return row ? toJob(row) : undefined
  }

  /** running -> queued, to run again; `uncount` gives back the attempt of a run stopped on purpose. */
  requeue(id: string, uncount: boolean, now: number): Job | undefined {
    const row = this.db
      .update(jobs)
      .set({
        state: 'queued',
        ...(uncount ? { attempts: sql`max(${jobs.attempts} - 1, 0)` } : {}),
        startedAt: null,
        updatedAt: now,
      })
      .where(and(eq(jobs.id, id), eq(jobs.state, 'running')))
      .returning()
      .get()
    return row ? toJob(row) : undefined
  }
}
