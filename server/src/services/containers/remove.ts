import { coreCode } from '../../errors.ts'
import type { ContainerDeps } from './deps.ts'
import { endLeftovers } from './leftovers.ts'
import { settle, transition } from './state.ts'
import { deleteRow, findContainer } from './store.ts'

/** Deletes a container's folder and row (and its runs); publishes container.deleted. */
export async function deleteContainer(deps: ContainerDeps, idOrName: string): Promise<void> {
  const row = findContainer(deps.db, idOrName)
  // busy while the folder goes, so no run or install can start on a half-deleted container.
  transition(deps, row.id, 'delete', 'busy', 'deleting')
  try {
    await endLeftovers(deps, row.id)
    await deps.core.deleteContainer(deps.config.dataDir, row.id)
  } catch (err) {
    if (coreCode(err) !== 'ENOTFOUND_CONTAINER') {
      settle(deps, row.id, ['busy'], row.state, row.stateReason)
      throw err
    }
  }
  deleteRow(deps.db, row.id)
  deps.events.publish('container.deleted', row.id, { id: row.id, name: row.name })
}
