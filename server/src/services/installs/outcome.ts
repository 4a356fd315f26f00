import type { Job } from '../../../../openapi/jobs.ts'
import type { Deps } from '../../deps.ts'
import { installJobKind } from '../containers/kinds.ts'
import { settle } from '../containers/state.ts'
import type { InstallParams } from './start.ts'

/**
 * Settles a container when its install job ends, however it ends (the handler returned or threw,
 * it was canceled while queued, or the queue failed it at start because the last gateway died
 * during it): ready on success; failed when it ran and did not succeed; back to where it was
 * when it never started. Subscribe before the queue starts, so interrupted jobs are seen too.
 */
export function followInstallOutcomes(deps: Pick<Deps, 'db' | 'events'>): () => void {
  return deps.events.subscribe(
    (event) => {
      const job = event.data as Job
      if (job.kind !== installJobKind || !job.containerId) return
      const p = job.params as InstallParams
      const id = job.containerId
      if (job.state === 'succeeded') {
        settle(deps, id, ['installing'], 'ready')
      } else if (job.state === 'canceled' && job.startedAt === null) {
        settle(deps, id, ['installing'], p.previousState, p.previousReason)
      } else if (job.state === 'failed' || job.state === 'canceled') {
        const why =
          job.error?.code === 'EINTERRUPTED'
            ? 'the gateway stopped during its install'
            : job.error?.code === 'ESHUTDOWN'
              ? 'the gateway was stopped during its install'
              : job.state === 'canceled'
                ? 'its install was canceled'
                : `its install failed: ${job.error?.message ?? 'unknown error'}`
        settle(deps, id, ['installing'], 'failed', why)
      }
    },
    { types: ['job.succeeded', 'job.failed', 'job.canceled'] },
  )
}
