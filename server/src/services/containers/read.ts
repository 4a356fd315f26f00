import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Manifest } from '../../../../native/core-api.ts'
import type { App, Container } from '../../../../openapi/containers.ts'
import type { Deps } from '../../deps.ts'
import { OrbitError } from '../../errors.ts'
import { listPageCache } from './list-cache.ts'
import { toContainer } from './model.ts'
import { type ContainerFilter, findContainer, listRows } from './store.ts'

export function getContainer(deps: Pick<Deps, 'db'>, idOrName: string): Container {
  return toContainer(findContainer(deps.db, idOrName))
}

export function listContainers(
  deps: Pick<Deps, 'db'>,
  filter: ContainerFilter,
  limit: number,
  cursor?: string,
): { items: Container[]; nextCursor: string | null } {
  const page = listRows(deps.db, filter, limit, cursor)
  return { items: page.rows.map(toContainer), nextCursor: page.nextCursor }
}

/**
 * The same page as JSON (UTF-8 bytes), from the page cache while the containers table is unchanged (reading
 * and serializing the rows is most of a list request's cost, and lists are read far more than written).
 */
export function listContainersJson(
  deps: Pick<Deps, 'db'>,
  filter: ContainerFilter,
  limit: number,
  cursor?: string,
): Uint8Array<ArrayBuffer> {
  const query = JSON.stringify([filter.name, filter.state, filter.label, limit, cursor])
  return listPageCache(deps.db).get(query, () => JSON.stringify(listContainers(deps, filter, limit, cursor)))
}

/** manifest.json of the container's last captured install, or undefined when there is none. */
export async function readManifest(path: string): Promise<Manifest | undefined> {
  try {
    return JSON.parse(await readFile(join(path, 'manifest.json'), 'utf8')) as Manifest
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

export async function getManifest(deps: Pick<Deps, 'db'>, idOrName: string): Promise<Manifest> {
  const row = findContainer(deps.db, idOrName)
  const manifest = await readManifest(row.path)
  if (!manifest) throw new OrbitError('ENOTFOUND', `container ${row.name} has no captured install yet`)
  return manifest
}

export async function listApps(deps: Pick<Deps, 'db'>, idOrName: string): Promise<App[]> {
  const row = findContainer(deps.db, idOrName)
  return (await readManifest(row.path))?.entryPoints ?? []
}
