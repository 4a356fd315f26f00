import type { OpenAPIHono } from '@hono/zod-openapi'
import { cancelJob as cancelJobRoute, getJob, listJobs } from '../../../openapi/index.ts'
import { actorOf } from '../audit/actor.ts'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { cancelJob } from '../services/jobs/cancel.ts'
import { guarded } from './guarded.ts'

export function jobRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(listJobs, deps), (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query')
    return c.json(deps.jobs.list(filter, limit, cursor), 200)
  })
  app.openapi(guarded(getJob, deps), (c) => c.json(deps.jobs.get(c.req.valid('param').id), 200))
  app.openapi(guarded(cancelJobRoute, deps), async (c) =>
    c.json(await cancelJob(deps, actorOf(c), c.req.valid('param').id), 200),
  )
}
