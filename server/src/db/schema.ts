import { index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core'

/** Facts about this installation that outlive a restart (its id, format versions). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})

/**
 * The durable part of the event stream. AUTOINCREMENT keeps ids from ever being reused after
 * pruning; the bus reserves ids in blocks through sqlite_sequence (see events/id-allocator.ts).
 */
export const events = sqliteTable('events', {
  id: integer('id').primaryKey({ autoIncrement: true }),
  /** Milliseconds since the epoch. */
  time: integer('time').notNull(),
  type: text('type').notNull(),
  subject: text('subject').notNull(),
  /** JSON text. */
  data: text('data').notNull(),
})

export const jobStates = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const

/** Long work (install, snapshot, export, import) as durable rows, so it survives a restart. */
export const jobs = sqliteTable(
  'jobs',
  {
    id: text('id').primaryKey(),
    /** Enqueue order: created_at has millisecond ties, and the queue must be strictly FIFO. */
    seq: integer('seq').notNull(),
    kind: text('kind').notNull(),
    containerId: text('container_id'),
    state: text('state', { enum: jobStates }).notNull(),
    phase: text('phase'),
    progress: text('progress', { mode: 'json' }),
    params: text('params', { mode: 'json' }).notNull(),
    result: text('result', { mode: 'json' }),
    error: text('error', { mode: 'json' }),
    attempts: integer('attempts').notNull().default(0),
    resumable: integer('resumable', { mode: 'boolean' }).notNull(),
    createdAt: integer('created_at').notNull(),
    startedAt: integer('started_at'),
    finishedAt: integer('finished_at'),
    updatedAt: integer('updated_at').notNull(),
  },
  (t) => [
    uniqueIndex('jobs_seq').on(t.seq),
    index('jobs_state_seq').on(t.state, t.seq),
    index('jobs_container_seq').on(t.containerId, t.seq),
  ],
)
