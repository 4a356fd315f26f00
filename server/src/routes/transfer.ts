import { createReadStream, statSync } from 'node:fs'
import { Readable } from 'node:stream'
import type { OpenAPIHono } from '@hono/zod-openapi'
import { deleteExport, downloadExport, startExport, startImport } from '../../../openapi/transfer.ts'
import { actorOf } from '../audit/actor.ts'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { audited } from '../services/containers/audited.ts'
import { exportDownload, removeExport, startExport as start } from '../services/transfer/export.ts'
import { startImport as receive } from '../services/transfer/import.ts'
import { guarded } from './guarded.ts'

export function transferRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(startExport, deps), async (c) => {
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    const job = await audited(
      deps,
      actorOf(c),
      'container.export',
      id,
      async () => start(deps, id, body),
      (j) => ({
        job: j.id,
        encrypted: body.passphrase !== undefined,
        includeRuntime: body.includeRuntime,
        includeSnapshots: body.includeSnapshots,
      }),
    )
    return c.json({ job }, 202, { Location: `/api/jobs/${job.id}` })
  })

  app.openapi(guarded(downloadExport, deps), (c) => {
    const { path, fileName } = exportDownload(deps, c.req.valid('param').id)
    const body = Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>
    // Streamed from disk; the contract's binary string is what arrives.
    return c.body(body, 200, {
      'content-type': 'application/octet-stream',
      'content-length': String(statSync(path).size),
      'content-disposition': `attachment; filename="${fileName}"`,
    }) as never
  })

  app.openapi(guarded(deleteExport, deps), async (c) => {
    const { id } = c.req.valid('param')
    await audited(deps, actorOf(c), 'export.delete', id, () => removeExport(deps, id))
    return c.body(null, 204)
  })

  app.openapi(guarded(startImport, deps), async (c) => {
    const { name, trust } = c.req.valid('query')
    const accepted = await audited(
      deps,
      actorOf(c),
      'container.import',
      name ?? 'archive',
      () =>
        receive(deps, {
          name,
          trust,
          passphrase: c.req.valid('header')['orbit-passphrase'],
          contentType: c.req.header('content-type'),
          contentLength: c.req.header('content-length'),
          body: c.req.raw.body,
        }),
      (r) => ({ job: r.job.id, archive: r.archive, trust }),
    )
    return c.json(accepted, 202, { Location: `/api/jobs/${accepted.job.id}` })
  })
}
