import type { Job } from '../../../openapi/jobs.ts'
import type { Db } from '../db/open.ts'
import type { EventBus } from '../events/bus.ts'
import type { Actor, AuditEntry, AuditLog } from './log.ts'

/** How far back an accepted job's entry is looked for after a restart (entries, newest first). */
const lookBack = 100_000

/**
 * A mutation that starts a job (install, snapshot, restore, export, import, a Wine create) is
 * recorded when it is accepted; what it finally did is only known when the job ends. This writes
 * a second entry then, for the same actor, action and target: result `ok` or the job's error code
 * (ECANCELED when canceled), the job's final state, and the accepted entry's details (for an
 * install, the installer's name, size and BLAKE3). Jobs no request started (recovery) have no
 * accepted entry and get none.
 */
export function followJobOutcomes(db: Db, audit: AuditLog, bus: EventBus): () => void {
  return bus.subscribe(
    (event) => {
      const job = event.data as Job
      if (typeof job?.id !== 'string') return
      const accepted = acceptedEntry(db, audit, job.id)
      if (!accepted) return
      const actor: Actor = { subject: accepted.actor, ip: accepted.ip ?? undefined }
      const result =
        job.state === 'succeeded'
          ? 'ok'
          : job.state === 'canceled'
            ? 'ECANCELED'
            : (job.error?.code ?? 'EINTERNAL')
      audit.record(actor, {
        action: accepted.action,
        target: accepted.target ?? undefined,
        result,
        details: {
          ...accepted.details,
          job: job.id,
          stage: 'finished',
          state: job.state,
          ...(job.error ? { error: job.error.message } : {}),
        },
      })
    },
    { types: ['job.succeeded', 'job.failed', 'job.canceled'] },
  )
}

/** The entry that accepted job `id` (details.job), among the recent ones. */
function acceptedEntry(db: Db, audit: AuditLog, id: string): AuditEntry | undefined {
  const row = db.$client
    .prepare(
      `SELECT id FROM audit_log
        WHERE id > (SELECT coalesce(max(id), 0) - ? FROM audit_log)
          AND result = 'ok' AND json_extract(details, '$.job') = ?
          AND json_extract(details, '$.stage') IS NULL
        ORDER BY id DESC LIMIT 1`,
    )
    .get(lookBack, id) as { id: number } | undefined
  return row && audit.entry(row.id)
}
