import { fromCoreError, OrbitError } from '../../errors.ts'
import type { ContainerDeps } from '../containers/deps.ts'
import { findContainer } from '../containers/store.ts'

/** Deletes a snapshot's manifest (the store's gc reclaims content nothing else shares). */
export async function deleteSnapshot(deps: ContainerDeps, idOrName: string, snapshot: string): Promise<void> {
  const row = findContainer(deps.db, idOrName)
  if (row.state === 'busy') {
    throw new OrbitError(
      'ECONFLICT',
      `container ${row.name} is busy (${row.stateReason}); try again when it is done`,
    )
  }
  try {
    await deps.core.deleteSnapshot(deps.config.dataDir, row.id, snapshot)
  } catch (err) {
    throw fromCoreError(err) ?? err
  }
  deps.events.publish('snapshot.deleted', row.id, { containerId: row.id, snapshot })
}
