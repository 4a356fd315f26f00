import type { Snapshot, SnapshotDiff } from '../../../../openapi/snapshots.ts'
import { fromCoreError, OrbitError } from '../../errors.ts'
import type { ContainerDeps } from '../containers/deps.ts'
import { findContainer } from '../containers/store.ts'
import { toSnapshot } from './model.ts'

const core = async <T>(work: () => Promise<T>): Promise<T> => {
  try {
    return await work()
  } catch (err) {
    throw fromCoreError(err) ?? err
  }
}

export async function listSnapshots(deps: ContainerDeps, idOrName: string): Promise<Snapshot[]> {
  const row = findContainer(deps.db, idOrName)
  return (await core(() => deps.core.listSnapshots(deps.config.dataDir, row.id))).map(toSnapshot)
}

/** What changed from `from` (default: the snapshot's parent) to `snapshot`. */
export async function diffSnapshot(
  deps: ContainerDeps,
  idOrName: string,
  snapshot: string,
  from?: string,
): Promise<SnapshotDiff> {
  const row = findContainer(deps.db, idOrName)
  const { dataDir } = deps.config
  const to = await core(() => deps.core.getSnapshot(dataDir, row.id, snapshot))
  const base = from ?? to.parent
  if (!base) {
    throw new OrbitError('EVALIDATION', `snapshot ${to.id} has no parent; name the other side with ?from=`, [
      { path: 'from', message: 'required for a snapshot without a parent' },
    ])
  }
  return (await core(() => deps.core.diffSnapshots(dataDir, row.id, base, to.id))) as SnapshotDiff
}
