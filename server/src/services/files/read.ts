import type { FileHandle } from 'node:fs/promises'
import type { ResolvedFile } from '../../../../native/files-api.ts'
import type { FileListing } from '../../../../openapi/files.ts'
import { coreCode, fromCoreError, OrbitError } from '../../errors.ts'
import type { ContainerDeps } from '../containers/deps.ts'
import { findContainer } from '../containers/store.ts'

/**
 * Core errors of the files view in the API's vocabulary: a link out of the C: drive is refused
 * (403), a changed file is a conflict to retry (409); the rest as every core error.
 */
async function filesCall<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    const code = coreCode(err)
    const message = err instanceof Error ? err.message : String(err)
    if (code === 'EOUTSIDE') throw new OrbitError('EFORBIDDEN', message)
    if (code === 'ECHANGED') throw new OrbitError('ECONFLICT', message)
    throw fromCoreError(err) ?? err
  }
}

/** A folder of the container's C: drive as its programs see it. */
export async function listFolder(deps: ContainerDeps, idOrName: string, path: string): Promise<FileListing> {
  const row = findContainer(deps.db, idOrName)
  const listing = await filesCall(() => deps.core.listFiles(deps.config.dataDir, row.id, path))
  return {
    path: listing.path,
    entries: listing.entries.map((e) => ({ ...e, mtime: new Date(e.mtime).toISOString() })),
  }
}

export interface OpenedDownload {
  file: ResolvedFile
  handle: FileHandle
  size: number
  /** The file's own name, for Content-Disposition. */
  name: string
}

/** One file of the C: drive, opened for streaming (the caller closes the handle). */
export async function openDownload(
  deps: ContainerDeps,
  idOrName: string,
  path: string,
): Promise<OpenedDownload> {
  const row = findContainer(deps.db, idOrName)
  const opened = await filesCall(() => deps.core.openFile(deps.config.dataDir, row.id, path))
  const name = opened.file.path.split('\\').at(-1) || 'file'
  return { ...opened, name }
}

/** `attachment; filename="..."` with a plain fallback and the exact UTF-8 name (RFC 6266). */
export function attachment(name: string): string {
  const plain = name.replace(/[^\x20-\x7e]|["\\]/g, '_')
  return `attachment; filename="${plain}"; filename*=UTF-8''${encodeURIComponent(name)}`
}
