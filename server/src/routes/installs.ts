import type { OpenAPIHono } from '@hono/zod-openapi'
import { startInstall } from '../../../openapi/index.ts'
import { actorOf } from '../audit/actor.ts'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { audited } from '../services/containers/audited.ts'
import { startInstall as start } from '../services/installs/start.ts'
import { guarded } from './guarded.ts'

/** Requests whose body is streamed to disk under their own limit, not the global JSON one. */
export const isStreamedUpload = (method: string, path: string): boolean =>
  method === 'POST' && (/^\/api\/containers\/[^/]+\/installs$/.test(path) || path === '/api/imports')

export function installRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(startInstall, deps), async (c) => {
    const { id } = c.req.valid('param')
    const { filename, args, timeout } = c.req.valid('query')
    const accepted = await audited(
      deps,
      actorOf(c),
      'container.install',
      id,
      () =>
        start(deps, id, {
          filename,
          args,
          timeoutSeconds: timeout,
          contentType: c.req.header('content-type'),
          contentLength: c.req.header('content-length'),
          body: c.req.raw.body,
        }),
      (r) => ({ job: r.job.id, installer: r.installer }),
    )
    return c.json(accepted, 202, { Location: `/api/jobs/${accepted.job.id}` })
  })
}
