import { and, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm'
import type { Run } from '../../../../openapi/runs.ts'
import type { Db } from '../../db/open.ts'
import { containers, runs } from '../../db/schema.ts'
import { OrbitError } from '../../errors.ts'

export type RunRow = typeof runs.$inferSelect

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

export function toRun(row: RunRow): Run {
  return {
    id: row.id,
    containerId: row.containerId,
    program: row.program,
    target: row.target,
    args: row.args,
    state: row.state,
    pid: row.pid,
    exitCode: row.exitCode,
    signal: row.signal,
    limits: (row.limits as Run['limits']) ?? null,
    error: row.error,
    startedAt: iso(row.startedAt) as string,
    finishedAt: iso(row.finishedAt),
  }
}

/**
 * Writes the run's summary into its container's row when it is the container's newest run, in the
 * same transaction as the run itself (one connection, synchronous): the container's `lastRun`
 * can never lag behind the runs.
 */
function syncLastRun(db: Db, row: RunRow): void {
  const summary = {
    id: row.id,
    seq: row.seq,
    state: row.state,
    exitCode: row.exitCode,
    signal: row.signal,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
  }
  db.update(containers)
    .set({ lastRun: summary })
    .where(
      and(
        eq(containers.id, row.containerId),
        or(isNull(containers.lastRun), sql`json_extract(${containers.lastRun}, '$.seq') <= ${row.seq}`),
      ),
    )
    .run()
}

export function insertRun(db: Db, row: Omit<RunRow, 'seq'>): RunRow {
  return db.transaction(() => {
    const max = db
      .select({ max: sql<number | null>`max(${runs.seq})` })
      .from(runs)
      .get()
    const inserted = db
      .insert(runs)
      .values({ ...row, seq: (max?.max ?? 0) + 1 })
      .returning()
      .get()
    syncLastRun(db, inserted)
    return inserted
  })
}

export function updateRun(db: Db, id: string, set: Partial<RunRow>): RunRow | undefined {
  return db.transaction(() => {
    const updated = db.update(runs).set(set).where(eq(runs.id, id)).returning().get()
    if (updated) syncLastRun(db, updated)
    return updated
  })
}

export function runRow(db: Db, id: string): RunRow {
  const row = db.select().from(runs).where(eq(runs.id, id)).get()
  if (!row) throw new OrbitError('ENOTFOUND', `no run ${id}`)
  return row
}

/** A container's runs, newest first, before `cursor` (a seq). */
export function listRunRows(
  db: Db,
  containerId: string,
  limit: number,
  cursor?: string,
): { rows: RunRow[]; nextCursor: string | null } {
  const rows = db
    .select()
    .from(runs)
    .where(
      and(eq(runs.containerId, containerId), cursor === undefined ? undefined : lt(runs.seq, Number(cursor))),
    )
    .orderBy(desc(runs.seq))
    .limit(limit + 1)
    .all()
  const more = rows.length > limit
  const page = more ? rows.slice(0, limit) : rows
  return { rows: page, nextCursor: more ? String(page.at(-1)?.seq) : null }
}

/** Runs a previous process left starting or running. */
export function liveRows(db: Db): RunRow[] {
  return db
    .select()
    .from(runs)
    .where(inArray(runs.state, ['starting', 'running']))
    .all()
}
