import type { ContainerDeps } from './deps.ts'

/**
 * Ends what is left of a container's sandbox once its runs are over (Wine's wineserver lingers a
 * few seconds for the next run; on SIGTERM it writes the registry out and exits). Called by work
 * that needs the container at rest (install, snapshot, restore, clone, export, delete) after the
 * state machine made it busy, so no run can be alive or start meanwhile.
 */
export async function endLeftovers(deps: Pick<ContainerDeps, 'core'>, containerId: string): Promise<void> {
  if (deps.core.instanceAlive(containerId)) await deps.core.stopInstance(containerId, 5000)
}
