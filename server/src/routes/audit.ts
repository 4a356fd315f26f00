import type { OpenAPIHono } from '@hono/zod-openapi'
import { listAudit, verifyAudit } from '../../../openapi/index.ts'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { guarded } from './guarded.ts'

const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso))

export function auditRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(listAudit, deps), (c) => {
    const q = c.req.valid('query')
    const filter = {
      actor: q.actor,
      action: q.action,
      target: q.target,
      result: q.result,
      since: ms(q.since),
      until: ms(q.until),
    }
    return c.json(
      deps.audit.list(filter, q.limit, q.cursor === undefined ? undefined : Number(q.cursor)),
      200,
    )
  })
  app.openapi(guarded(verifyAudit, deps), (c) => c.json(deps.audit.verify(), 200))
}
