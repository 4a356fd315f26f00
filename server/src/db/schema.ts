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

export const containerStates = [
  'created',
  'installing',
  'ready',
  'running',
  'stopped',
  'failed',
  'busy',
] as const

/**
 * The index of the container folders: container.yml mirrored (the folder is the truth; see
 * services/containers/reconcile.ts) plus what only the gateway knows, the lifecycle state.
 */
export const runStates = ['starting', 'running', 'exited', 'stopped', 'failed', 'lost'] as const

export const containers = sqliteTable(
  'containers',
  {
    id: text('id').primaryKey(),
    /** Listing order and paging cursor (created order). */
    seq: integer('seq').notNull(),
    name: text('name').notNull(),
    version: text('version'),
    runtimeKind: text('runtime_kind', { enum: ['wine', 'native'] }).notNull(),
    runtimeId: text('runtime_id'),
    runtimeHash: text('runtime_hash'),
    wineVersion: text('wine_version'),
    env: text('env', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    network: text('network', { enum: ['none', 'host'] }).notNull(),
    /** Where GUI programs show their windows (container.yml's display). */
    display: text('display', { enum: ['none', 'host'] })
      .notNull()
      .default('none'),
    limits: text('limits', { mode: 'json' }).$type<{ memoryMb?: number; pids?: number }>().notNull(),
    labels: text('labels', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    /** The container's folder on this machine. */
    path: text('path').notNull(),
    /** manifest.json exists (an install was captured). */
    installed: integer('installed', { mode: 'boolean' }).notNull(),
    state: text('state', { enum: containerStates }).notNull(),
    /** Why the container is in its state, for failed (and busy) above all. */
    stateReason: text('state_reason'),
    /** Bytes the folder takes on disk, as last measured (containers/disk-watch.ts); null before. */
    diskBytes: integer('disk_bytes'),
    diskMeasuredAt: integer('disk_measured_at'),
    /**
     * The newest run, kept in step by runs/store.ts on every write of a run, so a container row
     * (and a cached list page, which follows this table alone) shows it without a join.
     */
    lastRun: text('last_run', { mode: 'json' }).$type<{
      id: string
      seq: number
      state: (typeof runStates)[number]
      exitCode: number | null
      signal: number | null
      startedAt: number
      finishedAt: number | null
    }>(),
    /** container.yml's createdAt, in ms. */
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    stateChangedAt: integer('state_changed_at').notNull(),
  },
  (t) => [uniqueIndex('containers_seq').on(t.seq), index('containers_name').on(t.name)],
)

/** One program started in a container: its lifecycle, exit and where its output is kept. */
export const runs = sqliteTable(
  'runs',
  {
    id: text('id').primaryKey(),
    seq: integer('seq').notNull(),
    containerId: text('container_id')
      .notNull()
      .references(() => containers.id, { onDelete: 'cascade' }),
    /** As asked for: an app name or a path. */
    program: text('program').notNull(),
    /** The path that was started. */
    target: text('target').notNull(),
    args: text('args', { mode: 'json' }).$type<string[]>().notNull(),
    state: text('state', { enum: runStates }).notNull(),
    pid: integer('pid'),
    exitCode: integer('exit_code'),
    signal: integer('signal'),
    /** How the memory and process limits were enforced (JSON), once started. */
    limits: text('limits', { mode: 'json' }).$type<{ memory: string; pids: string }>(),
    /** Why a run failed to start or was lost. */
    error: text('error'),
    logPath: text('log_path').notNull(),
    startedAt: integer('started_at').notNull(),
    finishedAt: integer('finished_at'),
  },
  (t) => [uniqueIndex('runs_seq').on(t.seq), index('runs_container_seq').on(t.containerId, t.seq)],
)

/**
 * Who did what, when, from where, to what, with which result — append-only (triggers refuse UPDATE
 * and DELETE) and hash-chained: each row's hash covers its content and the previous row's hash, so an
 * edit made behind the triggers' back still shows when the chain is verified.
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Milliseconds since the epoch. */
    at: integer('at').notNull(),
    /** The principal: a user, a token id, 'admin-token', or 'system'. */
    actor: text('actor').notNull(),
    /** The peer address, when the request came over the network. */
    ip: text('ip'),
    action: text('action').notNull(),
    /** The container (or other resource) acted on. */
    target: text('target'),
    /** 'ok', or the stable error code of the failure. */
    result: text('result').notNull(),
    /** JSON text: what else matters (an installer's hash, the changed fields...). */
    details: text('details').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [index('audit_log_target').on(t.target, t.id), index('audit_log_action').on(t.action, t.id)],
)

// Users, passkeys, API tokens, sessions, challenges and enrollment links.
export * from './auth-schema.ts'
