import { and, asc, eq, gt, sql } from 'drizzle-orm'
import type { Db } from '../../db/open.ts'
import { containers } from '../../db/schema.ts'
import { OrbitError } from '../../errors.ts'
import type { ContainerRow, ContainerStateName } from './model.ts'

/** The row of `id`, or undefined. */
export function rowById(db: Db, id: string): ContainerRow | undefined {
  return db.select().from(containers).where(eq(containers.id, id)).get()
}

/** Rows named `name` (names are unique through the API; folders copied in by hand may clash). */
export function rowsByName(db: Db, name: string): ContainerRow[] {
  return db.select().from(containers).where(eq(containers.name, name)).all()
}

/** The container a path names: its id, else its name. ENOTFOUND, or ECONFLICT when ambiguous. */
export function findContainer(db: Db, idOrName: string): ContainerRow {
  const byId = rowById(db, idOrName)
  if (byId) return byId
  const named = rowsByName(db, idOrName)
  if (named.length === 1 && named[0]) return named[0]
  if (named.length > 1) {
    throw new OrbitError(
      'ECONFLICT',
      `${named.length} containers are named ${JSON.stringify(idOrName)} (${named.map((r) => r.id).join(', ')}); use the id`,
    )
  }
  throw new OrbitError('ENOTFOUND', `no container with id or name ${JSON.stringify(idOrName)}`)
}

export interface ContainerFilter {
  name?: string | undefined
  state?: ContainerStateName | undefined
  label?: string | undefined
}

/** Rows in created order, after `cursor` (a seq), at most `limit`. */
export function listRows(
  db: Db,
  filter: ContainerFilter,
  limit: number,
  cursor?: string,
): { rows: ContainerRow[]; nextCursor: string | null } {
  const where = [
    cursor ? gt(containers.seq, Number(cursor)) : undefined,
    filter.name ? eq(containers.name, filter.name) : undefined,
    filter.state ? eq(containers.state, filter.state) : undefined,
  ]
  if (filter.label) {
    const at = filter.label.indexOf('=')
    const key = at < 0 ? filter.label : filter.label.slice(0, at)
    const path = `$.${JSON.stringify(key)}`
    where.push(
      at < 0
        ? sql`json_type(${containers.labels}, ${path}) is not null`
        : sql`json_extract(${containers.labels}, ${path}) = ${filter.label.slice(at + 1)}`,
    )
  }
  const rows = db
    .select()
    .from(containers)
    .where(and(...where))
    .orderBy(asc(containers.seq))
    .limit(limit + 1)
    .all()
  const more = rows.length > limit
  const page = more ? rows.slice(0, limit) : rows
  return { rows: page, nextCursor: more ? String(page.at(-1)?.seq) : null }
}

export function allRows(db: Db): ContainerRow[] {
  return db.select().from(containers).orderBy(asc(containers.seq)).all()
}

export function nextSeq(db: Db): number {
  const row = db
    .select({ max: sql<number | null>`max(${containers.seq})` })
    .from(containers)
    .get()
  return (row?.max ?? 0) + 1
}

/** A new row; its disk figure and last run come later (disk-watch.ts, runs/store.ts). */
export function insertRow(
  db: Db,
  row: Omit<ContainerRow, 'seq' | 'diskBytes' | 'diskMeasuredAt' | 'lastRun'>,
): ContainerRow {
  return db
    .insert(containers)
    .values({ ...row, seq: nextSeq(db) })
    .returning()
    .get()
}

export function updateRow(db: Db, id: string, set: Partial<ContainerRow>): ContainerRow | undefined {
  return db.update(containers).set(set).where(eq(containers.id, id)).returning().get()
}

export function deleteRow(db: Db, id: string): void {
  db.delete(containers).where(eq(containers.id, id)).run()
}
