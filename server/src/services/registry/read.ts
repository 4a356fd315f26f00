import type { RegistryKey, RegistryValue } from '../../../../openapi/registry.ts'
import type { ContainerDeps } from '../containers/deps.ts'
import { findContainer } from '../containers/store.ts'
import { exportFileName, registryCall, toRegistryKey, toRegistryValue } from './model.ts'

/** A key of the container's merged registry (the hives on disk). */
export async function getKey(deps: ContainerDeps, idOrName: string, key: string): Promise<RegistryKey> {
  const row = findContainer(deps.db, idOrName)
  return toRegistryKey(await registryCall(() => deps.core.registryQuery(deps.config.dataDir, row.id, key)))
}

/** One value of a key ("" = the default value). */
export async function getValue(
  deps: ContainerDeps,
  idOrName: string,
  key: string,
  name: string,
): Promise<RegistryValue> {
  const row = findContainer(deps.db, idOrName)
  const { dataDir } = deps.config
  return toRegistryValue(await registryCall(() => deps.core.registryGetValue(dataDir, row.id, key, name)))
}

/** A key and its subkeys as .reg text, with the name to save it under. */
export async function exportKey(
  deps: ContainerDeps,
  idOrName: string,
  key: string,
): Promise<{ text: string; fileName: string }> {
  const row = findContainer(deps.db, idOrName)
  const text = await registryCall(() => deps.core.registryExport(deps.config.dataDir, row.id, key))
  return { text, fileName: exportFileName(key) }
}
