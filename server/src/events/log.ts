import { and, asc, eq, gt } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { events, settings } from '../db/schema.ts'
import type { OrbitEvent } from './types.ts'

export interface Retention {
  /** Keep at most this many of the newest events. */
  maxEvents: number
  /** Drop events older than this. */
  maxAgeMs: number
}

const prunedKey = 'events.pruned_through'
const pruneBatch = 1000

/**
 * The stored event log. An event is kept while it is among the newest `maxEvents` AND younger
 * than `maxAgeMs`; pruning deletes in small batches so no write transaction grows large, and
 * remembers the highest id it ever deleted, so a resume from before it can be told to refetch.
 */
export class EventLog {
  private prunedThroughId: number

  constructor(
    private readonly db: Db,
    private readonly retention: Retention,
  ) {
    const row = db.select().from(settings).where(eq(settings.key, prunedKey)).get()
    this.prunedThroughId = row ? Number(row.value) : 0
  }

  insert(e: OrbitEvent): void {
    this.db
      .insert(events)
      .values({
        id: e.id,
        time: Date.parse(e.time),
        type: e.type,
        subject: e.subject,
        data: JSON.stringify(e.data ?? null),
      })
      .run()
  }

  /** Stored events with id > `after`, oldest first, optionally about one subject. */
  since(after: number, subject?: string): OrbitEvent[] {
    const where = subject ? and(gt(events.id, after), eq(events.subject, subject)) : gt(events.id, after)
    return this.db
      .select()
      .from(events)
      .where(where)
      .orderBy(asc(events.id))
      .all()
      .map((r) => ({
        id: r.id,
        time: new Date(r.time).toISOString(),
        type: r.type,
        subject: r.subject,
        data: JSON.parse(r.data) as unknown,
      }))
  }

  /** The highest id pruning ever deleted: a resume from an id below it may have missed events. */
  get prunedThrough(): number {
    return this.prunedThroughId
  }

  /** Applies the retention rule; returns how many events it deleted. */
  prune(now: number): number {
    const sqlite = this.db.$client
    const cutoff = sqlite
      .prepare('select id from events order by id desc limit 1 offset ?')
      .get(this.retention.maxEvents) as { id: number } | undefined
    const beyondCount = cutoff?.id ?? 0
    const tooOld = now - this.retention.maxAgeMs
    const batch = sqlite.prepare(
      'delete from events where id in (select id from events where id <= ? or time < ? order by id limit ?) returning id',
    )
    const remember = sqlite.prepare(
      'insert into settings (key, value) values (?, ?) on conflict (key) do update set value = excluded.value',
    )
    let total = 0
    for (;;) {
      const deleted = sqlite.transaction(() => {
        const ids = batch.all(beyondCount, tooOld, pruneBatch) as Array<{ id: number }>
        const highest = ids.reduce((m, r) => Math.max(m, r.id), 0)
        if (highest > this.prunedThroughId) {
          remember.run(prunedKey, String(highest))
          this.prunedThroughId = highest
        }
        return ids.length
      })()
      total += deleted
      if (deleted < pruneBatch) return total
    }
  }
}
