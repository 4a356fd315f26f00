import type { Container } from '../../../../openapi/containers.ts'
import { fromCoreError } from '../../errors.ts'
import { whileBusy } from './busy.ts'
import { adoptIfNameFree, assertNameFree } from './create.ts'
import type { ContainerDeps } from './deps.ts'
import { idFromName } from './ids.ts'
import { toContainer } from './model.ts'
import { findContainer } from './store.ts'

/**
 * A new container named `name` sharing the source's content (the core freezes the source's
 * layer and stacks it under both). The source is busy for the moment it takes.
 */
export async function cloneContainer(
  deps: ContainerDeps,
  idOrName: string,
  name: string,
): Promise<Container> {
  const source = findContainer(deps.db, idOrName)
  assertNameFree(deps, name, true)
  const cloned = await whileBusy(deps, source.id, 'cloning', async () => {
    try {
      return await deps.core.cloneContainer(deps.config.dataDir, source.id, { id: idFromName(name), name })
    } catch (err) {
      throw fromCoreError(err) ?? err
    }
  })
  return toContainer(await adoptIfNameFree(deps, cloned.container))
}
