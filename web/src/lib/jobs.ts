import { call, client } from './api.ts'
import type { Job } from './state.ts'
import { panel } from './store.ts'

/** A job's final states. */
export const isFinished = (job: Job | undefined): boolean =>
  job !== undefined && (job.state === 'succeeded' || job.state === 'failed' || job.state === 'canceled')

/**
 * Follows a job the page just started: records it, and fetches it once more so a change that
 * happened before the stream delivered it is not missed. Returns an accessor of its live state.
 */
export function followJob(job: Job): () => Job | undefined {
  panel.dispatch({ type: 'local.job', job })
  void call(client.GET('/api/jobs/{id}', { params: { path: { id: job.id } } })).then(
    (fresh) => panel.dispatch({ type: 'local.job', job: fresh }),
    () => {},
  )
  return () => panel.state.jobs[job.id]
}

/** The job's progress as a fraction (0..1), or undefined while the total is unknown. */
export function jobFraction(job: Job | undefined): number | undefined {
  const p = job?.progress
  if (!p || p.total === null || p.total === 0) return undefined
  return Math.min(1, p.done / p.total)
}
