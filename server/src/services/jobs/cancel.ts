import type { Actor } from '../../audit/log.ts'
import type { Deps } from '../../deps.ts'
import { OrbitError } from '../../errors.ts'

/** Cancels a job, and records who did it (and whether it worked) in the audit log. */
export async function cancelJob(deps: Pick<Deps, 'jobs' | 'audit'>, actor: Actor, id: string) {
  try {
    const job = await deps.jobs.cancel(id)
    deps.audit.record(actor, {
      action: 'job.cancel',
      target: job.containerId ?? undefined,
      result: 'ok',
      details: { job: id, kind: job.kind },
    })
    return job
  } catch (err) {
    const code = err instanceof OrbitError ? err.code : 'EINTERNAL'
    deps.audit.record(actor, { action: 'job.cancel', result: code, details: { job: id } })
    throw err
  }
}
