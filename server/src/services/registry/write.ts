import type { RegValue } from '../../../../native/core-api.ts'
import type { RegistryImportResult, RegistryValue, RegistryValueSet } from '../../../../openapi/registry.ts'
import { whileBusy } from '../containers/busy.ts'
import type { ContainerDeps } from '../containers/deps.ts'
import { findContainer } from '../containers/store.ts'
import { registryCall, toRegistryValue } from './model.ts'

export interface RegistryChanged {
  containerId: string
  action: 'set' | 'delete-value' | 'delete-key' | 'import'
  key?: string
  name?: string
}

/**
 * Holds the container busy while its hives are rewritten (ECONFLICT while it runs, installs or is
 * busy): a lingering wineserver is ended first, since it writes the registry out when it exits
 * and would undo the edit. Publishes registry.changed afterwards.
 */
async function edit<T>(
  deps: ContainerDeps,
  idOrName: string,
  change: Omit<RegistryChanged, 'containerId'>,
  work: (containerId: string) => Promise<T>,
): Promise<T> {
  const row = findContainer(deps.db, idOrName)
  const out = await whileBusy(deps, row.id, 'editing its registry', (id) => registryCall(() => work(id)))
  deps.events.publish<RegistryChanged>('registry.changed', row.id, { containerId: row.id, ...change })
  return out
}

/** Sets a value (creating its key); answers with the value as stored. */
export function setValue(
  deps: ContainerDeps,
  idOrName: string,
  body: RegistryValueSet,
): Promise<RegistryValue> {
  const { key, ...value } = body
  const { dataDir } = deps.config
  return edit(deps, idOrName, { action: 'set', key, name: value.name }, async (id) => {
    await deps.core.registrySetValue(dataDir, id, key, value as RegValue)
    return toRegistryValue(await deps.core.registryGetValue(dataDir, id, key, value.name))
  })
}

export function deleteValue(deps: ContainerDeps, idOrName: string, key: string, name: string): Promise<void> {
  return edit(deps, idOrName, { action: 'delete-value', key, name }, (id) =>
    deps.core.registryDelete(deps.config.dataDir, id, key, name),
  )
}

export function deleteKey(deps: ContainerDeps, idOrName: string, key: string): Promise<void> {
  return edit(deps, idOrName, { action: 'delete-key', key }, (id) =>
    deps.core.registryDelete(deps.config.dataDir, id, key),
  )
}

/** Applies a .reg file (UTF-16 with BOM or UTF-8); a file that does not parse changes nothing. */
export function importReg(
  deps: ContainerDeps,
  idOrName: string,
  reg: Uint8Array,
): Promise<RegistryImportResult> {
  return edit(deps, idOrName, { action: 'import' }, (id) =>
    deps.core.registryImport(deps.config.dataDir, id, reg),
  )
}
