import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Deps } from '../../deps.ts'
import { installJobKind } from '../containers/kinds.ts'
import { importJobKind } from '../transfer/kinds.ts'
import { uploadsDir } from './upload.ts'

/**
 * Removes uploads a previous gateway left behind (it died mid-upload or mid-install), keeping
 * those a queued install job will still use. Run at start, before the queue starts.
 */
export async function removeStaleUploads(deps: Pick<Deps, 'config' | 'jobs'>): Promise<string[]> {
  const dir = uploadsDir(deps.config.dataDir)
  const keep = new Set(
    [installJobKind, importJobKind].flatMap((kind) =>
      deps.jobs
        .list({ kind, state: 'queued' }, 200)
        .items.map((j) => (j.params as { uploadDir: string }).uploadDir),
    ),
  )
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return []
  }
  const removed: string[] = []
  for (const name of names) {
    const path = join(dir, name)
    if (keep.has(path)) continue
    await rm(path, { recursive: true, force: true })
    removed.push(path)
  }
  return removed
}
