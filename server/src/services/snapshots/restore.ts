import type { Job } from '../../../../openapi/jobs.ts'
import type { Snapshot } from '../../../../openapi/snapshots.ts'
import { fromCoreError } from '../../errors.ts'
import type { JobContext } from '../../jobs/types.ts'
import { whileBusy } from '../containers/busy.ts'
import type { ContainerDeps } from '../containers/deps.ts'
import { assertCan } from '../containers/state.ts'
import { findContainer } from '../containers/store.ts'
import { snapshotProgress } from '../installs/job.ts'
import { restoreJobKind, toSnapshot } from './model.ts'

export type RestoreParams = { containerId: string; snapshot: string }

/** Enqueues a container.restore job for an existing snapshot (404 when there is none). */
export async function startRestore(deps: ContainerDeps, idOrName: string, snapshot: string): Promise<Job> {
  const row = findContainer(deps.db, idOrName)
  try {
    await deps.core.getSnapshot(deps.config.dataDir, row.id, snapshot)
  } catch (err) {
    throw fromCoreError(err) ?? err
  }
  assertCan(findContainer(deps.db, row.id), 'busy')
  return deps.jobs.enqueue(restoreJobKind, { containerId: row.id, snapshot }, { containerId: row.id })
}

/**
 * The container.restore job: an atomic swap of the layer (the core finishes or undoes a swap a
 * crash cut, at start), so running it again after a restart is harmless. Afterwards the
 * container rests in the state its restored folder implies.
 */
export function runRestoreJob(deps: ContainerDeps, ctx: JobContext<RestoreParams>): Promise<Snapshot> {
  const { containerId, snapshot } = ctx.params
  return whileBusy(
    deps,
    containerId,
    `restoring ${snapshot}`,
    async (id) => {
      const r = await deps.core.restoreSnapshot(deps.config.dataDir, id, snapshot, {
        signal: ctx.signal,
        onProgress: snapshotProgress(ctx),
      })
      const restored = toSnapshot(r.snapshot)
      deps.events.publish('snapshot.restored', id, { containerId: id, snapshot: restored })
      return restored
    },
    { changesContent: true },
  )
}
