import { existsSync } from 'node:fs'
import { mkdir, readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { PackProgress } from '../../../../native/pack-api.ts'
import type { Job } from '../../../../openapi/jobs.ts'
import type { ExportCreate, ExportResult } from '../../../../openapi/transfer.ts'
import { OrbitError } from '../../errors.ts'
import type { JobContext } from '../../jobs/types.ts'
import { whileBusy } from '../containers/busy.ts'
import type { ContainerDeps } from '../containers/deps.ts'
import { assertCan } from '../containers/state.ts'
import { findContainer } from '../containers/store.ts'
import { exportJobKind } from './kinds.ts'
import { keepSecret, takeSecret } from './secrets.ts'

export type ExportParams = {
  containerId: string
  includeRuntime: boolean
  includeSnapshots: boolean
  /** The passphrase's reference (see secrets.ts), never the passphrase. */
  secretRef: string | null
}

export const exportsDir = (dataDir: string) => join(dataDir, 'exports')
const exportFile = (dataDir: string, jobId: string) => join(exportsDir(dataDir), `${jobId}.ctnr`)

/** Pack progress as job progress. */
export const packProgress =
  (ctx: Pick<JobContext, 'progress'>) =>
  (p: PackProgress): void =>
    ctx.progress(
      {
        done: p.bytesDone,
        total: p.bytesTotal || null,
        unit: 'bytes',
        message: `${p.filesDone}/${p.filesTotal} files`,
      },
      p.phase,
    )

/** Enqueues a container.export job; refused at once when the container cannot be busy now. */
export function startExport(deps: ContainerDeps, idOrName: string, req: ExportCreate): Job {
  const row = findContainer(deps.db, idOrName)
  assertCan(row, 'busy')
  const params: ExportParams = {
    containerId: row.id,
    includeRuntime: req.includeRuntime,
    includeSnapshots: req.includeSnapshots,
    secretRef: keepSecret(deps.jobs, req.passphrase),
  }
  return deps.jobs.enqueue(exportJobKind, params, { containerId: row.id })
}

/** The container.export job: the core writes <data>/exports/<job>.ctnr (beside, then renamed). */
export async function runExportJob(
  deps: ContainerDeps,
  ctx: JobContext<ExportParams>,
): Promise<ExportResult> {
  const p = ctx.params
  const passphrase = takeSecret(deps.jobs, p.secretRef)
  if (p.secretRef && !passphrase) {
    throw new OrbitError('ECONFLICT', 'the passphrase is gone (the gateway restarted); export again')
  }
  const { dataDir } = deps.config
  await mkdir(exportsDir(dataDir), { recursive: true, mode: 0o700 })
  const dest = exportFile(dataDir, ctx.job.id)
  return whileBusy(deps, p.containerId, 'exporting', async (id) => {
    const r = await deps.core.exportContainer(
      dataDir,
      id,
      dest,
      {
        includeRuntime: p.includeRuntime,
        includeSnapshots: p.includeSnapshots,
        ...(passphrase ? { passphrase } : {}),
      },
      { signal: ctx.signal, onProgress: packProgress(ctx) },
    )
    return {
      containerId: id,
      download: `/api/exports/${ctx.job.id}`,
      bytes: r.bytes,
      encrypted: r.encrypted,
      runtimeIncluded: r.runtimeIncluded,
      snapshots: r.snapshots,
      signer: r.signer,
      totals: r.totals,
      skipped: r.skipped.length,
    }
  })
}

/** The file of a succeeded export job, with the name to download it as. */
export function exportDownload(deps: ContainerDeps, jobId: string): { path: string; fileName: string } {
  const job = deps.jobs.get(jobId)
  if (job.kind !== exportJobKind) throw new OrbitError('ENOTFOUND', `job ${jobId} is not an export`)
  if (job.state !== 'succeeded')
    throw new OrbitError('ECONFLICT', `export ${jobId} is ${job.state}, not succeeded`)
  const path = exportFile(deps.config.dataDir, jobId)
  if (!existsSync(path)) throw new OrbitError('ENOTFOUND', `export ${jobId} was removed`)
  let name = (job.params as ExportParams).containerId
  try {
    name = findContainer(deps.db, name).name
  } catch {
    // The container is gone; its id names the file.
  }
  return { path, fileName: `${name.replace(/[^A-Za-z0-9._-]+/g, '_')}.ctnr` }
}

export async function removeExport(deps: ContainerDeps, jobId: string): Promise<void> {
  const job = deps.jobs.get(jobId)
  if (job.kind !== exportJobKind) throw new OrbitError('ENOTFOUND', `job ${jobId} is not an export`)
  await rm(exportFile(deps.config.dataDir, jobId), { force: true })
}

/** Removes exports older than a day and leftovers of exports that did not finish; at start. */
export async function removeStaleExports(deps: ContainerDeps, maxAgeMs = 24 * 60 * 60 * 1000): Promise<void> {
  const dir = exportsDir(deps.config.dataDir)
  let names: string[]
  try {
    names = await readdir(dir)
  } catch {
    return
  }
  for (const name of names) {
    const path = join(dir, name)
    const jobId = name.replace(/\.ctnr$/, '')
    let keep = false
    try {
      keep = name.endsWith('.ctnr') && deps.jobs.get(jobId).state === 'succeeded'
      keep &&= Date.now() - (await stat(path)).mtimeMs < maxAgeMs
    } catch {
      keep = false
    }
    if (!keep) await rm(path, { recursive: true, force: true })
  }
}
