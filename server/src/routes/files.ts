import { Readable } from 'node:stream'
import type { OpenAPIHono } from '@hono/zod-openapi'
import { downloadFile, listFiles } from '../../../openapi/files.ts'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { attachment, listFolder, openDownload } from '../services/files/read.ts'
import { guarded } from './guarded.ts'

export function fileRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(listFiles, deps), async (c) =>
    c.json(await listFolder(deps, c.req.valid('param').id, c.req.valid('query').path), 200),
  )

  app.openapi(guarded(downloadFile, deps), async (c) => {
    const { handle, size, name } = await openDownload(
      deps,
      c.req.valid('param').id,
      c.req.valid('query').path,
    )
    const headers = {
      'content-type': 'application/octet-stream',
      'content-length': String(size),
      'content-disposition': attachment(name),
    }
    if (size === 0) {
      await handle.close()
      return c.body(null, 200, headers) as never
    }
    // Exactly the bytes the size announced, even if a running program grows the file meanwhile.
    const stream = handle.createReadStream({ start: 0, end: size - 1 })
    return c.body(Readable.toWeb(stream) as ReadableStream<Uint8Array>, 200, headers) as never
  })
}
