import type { ContainerDeps } from './deps.ts'
import { endLeftovers } from './leftovers.ts'
import { mirrorOf, restingState } from './model.ts'
import { settle, transition } from './state.ts'
import { findContainer, updateRow } from './store.ts'

export interface BusyOptions {
  /**
   * The work may change what is installed (a restore, an import over it): the container then
   * rests in the state its folder says (ready or created), even when it was failed before.
   */
  changesContent?: boolean
}

/**
 * Holds a container `busy` (reason `what`: "snapshot", "export", ...) while `work` runs, so no
 * run, install or delete starts meanwhile; ECONFLICT when it is running, installing or busy.
 * Afterwards it returns to the state it had, or (see `changesContent`) to what its folder says.
 */
export async function whileBusy<T>(
  deps: ContainerDeps,
  idOrName: string,
  what: string,
  work: (containerId: string) => Promise<T>,
  options: BusyOptions = {},
): Promise<T> {
  const before = findContainer(deps.db, idOrName)
  transition(deps, before.id, 'busy', 'busy', what)
  try {
    await endLeftovers(deps, before.id)
    return await work(before.id)
  } finally {
    let next = before.state
    let reason = before.stateReason
    if (options.changesContent) {
      try {
        const info = await deps.core.getContainer(deps.config.dataDir, before.id)
        const row = updateRow(deps.db, before.id, { ...mirrorOf(info), updatedAt: Date.now() })
        if (row) {
          next = restingState(row)
          reason = null
        }
      } catch {
        // The folder is gone or unreadable: keep the old state; reconcile sorts it out at start.
      }
    }
    settle(deps, before.id, ['busy'], next, reason)
  }
}
