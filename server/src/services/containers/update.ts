import type { ContainerPatch as CorePatch } from '../../../../native/core-api.ts'
import type { Container, ContainerPatch } from '../../../../openapi/containers.ts'
import type { Deps } from '../../deps.ts'
import { OrbitError } from '../../errors.ts'
import { definedLimits } from './create.ts'
import type { ContainerDeps } from './deps.ts'
import { endLeftovers } from './leftovers.ts'
import { type ContainerRow, mirrorOf, toContainer } from './model.ts'
import { settle, transition } from './state.ts'
import { findContainer, rowsByName, updateRow } from './store.ts'

function assertNameFree(deps: Pick<Deps, 'db'>, id: string, name: string): void {
  if (rowsByName(deps.db, name).some((r) => r.id !== id)) {
    throw new OrbitError('ECONFLICT', `a container named ${JSON.stringify(name)} exists already`)
  }
}

/** Changes container.yml through the core, then mirrors it; publishes container.updated. */
export async function updateContainer(
  deps: ContainerDeps,
  idOrName: string,
  patch: ContainerPatch,
): Promise<Container> {
  const row = findContainer(deps.db, idOrName)
  if (row.state === 'busy') {
    throw new OrbitError(
      'ECONFLICT',
      `container ${row.name} (${row.id}) is busy (${row.stateReason}); try again later`,
    )
  }
  if (patch.name !== undefined) assertNameFree(deps, row.id, patch.name)
  const corePatch: CorePatch = {
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.version !== undefined ? { version: patch.version } : {}),
    ...(patch.env !== undefined ? { env: patch.env } : {}),
    ...(patch.network !== undefined ? { network: patch.network } : {}),
    ...(patch.display !== undefined ? { display: patch.display } : {}),
    ...(patch.limits !== undefined ? { limits: definedLimits(patch.limits) } : {}),
    ...(patch.labels !== undefined ? { labels: patch.labels } : {}),
  }
  let info = await deps.core.updateContainer(deps.config.dataDir, row.id, corePatch)
  if (patch.name !== undefined && rowsByName(deps.db, patch.name).some((r) => r.id !== row.id)) {
    // Another rename took the name while the core wrote: put ours back.
    info = await deps.core.updateContainer(deps.config.dataDir, row.id, { name: row.name })
    updateRow(deps.db, row.id, { ...mirrorOf(info), updatedAt: Date.now() })
    assertNameFree(deps, row.id, patch.name)
  }
  const after = updateRow(deps.db, row.id, { ...mirrorOf(info), updatedAt: Date.now() })
  if (!after) throw new OrbitError('ENOTFOUND', `container ${row.id} was deleted meanwhile`)
  if (after.display !== row.display || after.network !== row.network) await endStaleSandbox(deps, after)
  const container = toContainer(after)
  deps.events.publish<Container>('container.updated', after.id, container)
  return container
}

/**
 * The sandbox a container's last run left lingering (Wine kept warm for the next run) was made
 * with the old display and network: the next run could not join it (ERUNNING). It is ended now,
 * the container busy meanwhile so no run starts; with runs alive it is left to them, and the
 * change applies from the next fresh sandbox.
 */
async function endStaleSandbox(deps: ContainerDeps, row: ContainerRow): Promise<void> {
  if (!deps.core.instanceAlive(row.id)) return
  try {
    transition(deps, row.id, 'busy', 'busy', 'applying new settings')
  } catch {
    return // running (or already busy): not ours to stop
  }
  try {
    await endLeftovers(deps, row.id)
  } finally {
    settle(deps, row.id, ['busy'], row.state, row.stateReason)
  }
}
