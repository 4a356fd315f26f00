import { rm } from 'node:fs/promises'
import type { ImportAccepted, ImportResult } from '../../../../openapi/transfer.ts'
import { OrbitError } from '../../errors.ts'
import type { JobContext } from '../../jobs/types.ts'
import { adopt } from '../containers/adopt.ts'
import { assertNameFree } from '../containers/create.ts'
import type { ContainerDeps } from '../containers/deps.ts'
import { idFromName } from '../containers/ids.ts'
import { toContainer } from '../containers/model.ts'
import { receiveUpload } from '../installs/upload.ts'
import { packProgress } from './export.ts'
import { importJobKind } from './kinds.ts'
import { keepSecret, takeSecret } from './secrets.ts'

export type ImportParams = {
  uploadDir: string
  file: string
  name: string | null
  trust: boolean
  /** The passphrase's reference (see secrets.ts), never the passphrase. */
  secretRef: string | null
}

export interface ImportRequest {
  name: string | undefined
  trust: boolean
  passphrase: string | undefined
  contentType: string | undefined
  contentLength: string | undefined
  body: ReadableStream<Uint8Array> | null
}

/** Receives a .ctnr (streamed, own size limit) and enqueues its container.import job. */
export async function startImport(deps: ContainerDeps, req: ImportRequest): Promise<ImportAccepted> {
  if (!/^application\/octet-stream\s*(;|$)/i.test(req.contentType ?? '')) {
    throw new OrbitError(
      'EUNSUPPORTED_MEDIA_TYPE',
      'send the archive as the body with Content-Type: application/octet-stream',
    )
  }
  const max = deps.config.maxUploadBytes
  if (req.contentLength !== undefined && Number(req.contentLength) > max) {
    throw new OrbitError(
      'EPAYLOAD_TOO_LARGE',
      `the archive is ${req.contentLength} bytes; the limit is ${max}`,
    )
  }
  if (req.name !== undefined) assertNameFree(deps, req.name, true)
  const upload = await receiveUpload(req.body, deps.config.dataDir, 'archive.ctnr', max)
  try {
    const hash = await deps.core.hashFile(upload.path)
    const params: ImportParams = {
      uploadDir: upload.dir,
      file: upload.path,
      name: req.name ?? null,
      trust: req.trust,
      secretRef: keepSecret(deps.jobs, req.passphrase),
    }
    const job = deps.jobs.enqueue(importJobKind, params)
    return { job, archive: { size: upload.size, blake3: hash.hash } }
  } catch (err) {
    await rm(upload.dir, { recursive: true, force: true })
    throw err
  }
}

/**
 * The container.import job: the core verifies the signature (and the trust in its signer)
 * before it decrypts or unpacks anything, unpacks into its own staging folder and renames the
 * container into place; the new folder is then indexed like any other.
 */
export async function runImportJob(
  deps: ContainerDeps,
  ctx: JobContext<ImportParams>,
): Promise<ImportResult> {
  const p = ctx.params
  const passphrase = takeSecret(deps.jobs, p.secretRef)
  const { dataDir } = deps.config
  try {
    ctx.progress({ done: 0, total: null, unit: 'bytes', message: 'checking the signature' }, 'inspect')
    const seen = await deps.core.inspectArchive(dataDir, p.file, passphrase)
    const name = p.name ?? seen.name ?? 'imported'
    assertNameFree(deps, name, false)
    const r = await deps.core.importContainer(
      dataDir,
      p.file,
      { id: idFromName(name), name, trust: p.trust, ...(passphrase ? { passphrase } : {}) },
      { signal: ctx.signal, onProgress: packProgress(ctx) },
    )
    const row = adopt(deps, r.container)
    return {
      container: toContainer(row),
      signer: r.signer,
      trustedNow: r.trustedNow,
      runtime: r.runtime,
      totals: r.totals,
      stripped: r.stripped,
    }
  } finally {
    await rm(p.uploadDir, { recursive: true, force: true })
  }
}
