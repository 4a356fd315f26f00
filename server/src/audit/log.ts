import { and, desc, eq, gte, lt, lte } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { auditLog } from '../db/schema.ts'
import type { EventBus } from '../events/bus.ts'
import { entryHash, genesisHash } from './chain.ts'
import type { AuditScope } from './scope.ts'

/** Who acts: the principal's subject and, over the network, the peer address. */
export interface Actor {
  subject: string
  ip?: string | undefined
  /** The request's audit trail (actorOf sets it); derived actors keep it with `{ ...actor }`. */
  trail?: AuditScope | undefined
}

export interface AuditInput {
  action: string
  target?: string | undefined
  /** 'ok' or the stable code of the failure. */
  result: string
  details?: Record<string, unknown>
}

export interface AuditEntry {
  id: number
  at: string
  actor: string
  ip: string | null
  action: string
  target: string | null
  result: string
  details: Record<string, unknown>
  hash: string
}

export interface AuditFilter {
  actor?: string | undefined
  action?: string | undefined
  target?: string | undefined
  result?: string | undefined
  since?: number | undefined
  until?: number | undefined
}

export type Verification =
  | { ok: true; entries: number }
  | { ok: false; entries: number; brokenAt: number; reason: string }

type Row = typeof auditLog.$inferSelect

const toEntry = (r: Row): AuditEntry => ({
  id: r.id,
  at: new Date(r.at).toISOString(),
  actor: r.actor,
  ip: r.ip,
  action: r.action,
  target: r.target,
  result: r.result,
  details: JSON.parse(r.details) as Record<string, unknown>,
  hash: r.hash,
})

/** The append-only, hash-chained audit log. */
export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly events?: EventBus,
    private readonly now: () => number = Date.now,
  ) {}

  /** Appends one entry, chained to the last; published as an 'audit' event. */
  record(actor: Actor, input: AuditInput): AuditEntry {
    // One transaction reads the chain's head and appends, so two writers cannot fork the chain.
    const row = this.db.transaction(
      (tx) => {
        const last = tx
          .select({ hash: auditLog.hash })
          .from(auditLog)
          .orderBy(desc(auditLog.id))
          .limit(1)
          .get()
        const fields = {
          at: this.now(),
          actor: actor.subject,
          ip: actor.ip ?? null,
          action: input.action,
          target: input.target ?? null,
          result: input.result,
          details: JSON.stringify(input.details ?? {}),
          prevHash: last?.hash ?? genesisHash,
        }
        return tx
          .insert(auditLog)
          .values({ ...fields, hash: entryHash(fields) })
          .returning()
          .get()
      },
      { behavior: 'immediate' },
    )
    const entry = toEntry(row)
    if (actor.trail) actor.trail.recorded++
    this.events?.publish('audit', entry.target ?? 'system', entry)
    return entry
  }

  /** One entry by id. */
  entry(id: number): AuditEntry | undefined {
    const row = this.db.select().from(auditLog).where(eq(auditLog.id, id)).get()
    return row && toEntry(row)
  }

  /** Newest first, filtered; `before` pages by id. */
  list(
    filter: AuditFilter,
    limit: number,
    before?: number,
  ): { items: AuditEntry[]; nextCursor: string | null } {
    const where = and(
      filter.actor ? eq(auditLog.actor, filter.actor) : undefined,
      filter.action ? eq(auditLog.action, filter.action) : undefined,
      filter.target ? eq(auditLog.target, filter.target) : undefined,
      filter.result ? eq(auditLog.result, filter.result) : undefined,
      filter.since !== undefined ? gte(auditLog.at, filter.since) : undefined,
      filter.until !== undefined ? lte(auditLog.at, filter.until) : undefined,
      before !== undefined ? lt(auditLog.id, before) : undefined,
    )
    const rows = this.db
      .select()
      .from(auditLog)
      .where(where)
      .orderBy(desc(auditLog.id))
      .limit(limit + 1)
      .all()
    const page = rows.slice(0, limit)
    const last = page.at(-1)
    return { items: page.map(toEntry), nextCursor: rows.length > limit && last ? String(last.id) : null }
  }

  /** Walks the whole chain; the first entry whose hash or link does not match is reported. */
  verify(): Verification {
    let prev = genesisHash
    let entries = 0
    // Streamed row by row: the log may be long.
    const rows = this.db.$client
      .prepare(
        'SELECT id, at, actor, ip, action, target, result, details, prev_hash AS prevHash, hash FROM audit_log ORDER BY id',
      )
      .iterate() as IterableIterator<Row>
    for (const r of rows) {
      entries++
      if (r.prevHash !== prev)
        return { ok: false, entries, brokenAt: r.id, reason: 'the link to the previous entry is broken' }
      if (entryHash(r) !== r.hash)
        return { ok: false, entries, brokenAt: r.id, reason: 'the entry was modified' }
      prev = r.hash
    }
    return { ok: true, entries }
  }
}
