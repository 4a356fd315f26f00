import type { Job } from '../../../../openapi/jobs.ts'
import type { Snapshot } from '../../../../openapi/snapshots.ts'
import type { JobContext } from '../../jobs/types.ts'
import { whileBusy } from '../containers/busy.ts'
import type { ContainerDeps } from '../containers/deps.ts'
import { assertCan } from '../containers/state.ts'
import { findContainer } from '../containers/store.ts'
import { snapshotProgress } from '../installs/job.ts'
import { snapshotJobKind, toSnapshot } from './model.ts'

export type SnapshotParams = { containerId: string; label: string }

/** Enqueues a container.snapshot job; refused at once when the container cannot be busy now. */
export function startSnapshot(deps: ContainerDeps, idOrName: string, label: string): Job {
  const row = findContainer(deps.db, idOrName)
  assertCan(row, 'busy')
  return deps.jobs.enqueue(snapshotJobKind, { containerId: row.id, label }, { containerId: row.id })
}

/** The container.snapshot job: the container is busy while its layer is read into the store. */
export function runSnapshotJob(deps: ContainerDeps, ctx: JobContext<SnapshotParams>): Promise<Snapshot> {
  const { containerId, label } = ctx.params
  return whileBusy(deps, containerId, `snapshot ${label}`, async (id) => {
    const made = await deps.core.createSnapshot(deps.config.dataDir, id, label, {
      signal: ctx.signal,
      onProgress: snapshotProgress(ctx),
    })
    const snapshot = toSnapshot(made.snapshot)
    deps.events.publish('snapshot.created', id, { containerId: id, snapshot, filesRead: made.filesRead })
    return snapshot
  })
}
