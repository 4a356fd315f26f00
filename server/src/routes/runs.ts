import type { OpenAPIHono } from '@hono/zod-openapi'
import { getRun, getRunLog, listRuns, startRun, stopRun } from '../../../openapi/index.ts'
import { actorOf } from '../audit/actor.ts'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { audited } from '../services/containers/audited.ts'
import * as read from '../services/runs/read.ts'
import { guarded } from './guarded.ts'

export function runRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(startRun, deps), async (c) => {
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    const run = await audited(
      deps,
      actorOf(c),
      'container.run',
      id,
      () => deps.runs.start(id, body),
      (r) => ({ run: r.id, program: r.program }),
    )
    return c.json(run, 201, { Location: `/api/runs/${run.id}` })
  })

  app.openapi(guarded(listRuns, deps), (c) => {
    const { limit, cursor } = c.req.valid('query')
    return c.json(read.listRuns(deps, c.req.valid('param').id, limit, cursor), 200)
  })

  app.openapi(guarded(getRun, deps), (c) => c.json(read.getRun(deps, c.req.valid('param').id), 200))

  app.openapi(guarded(getRunLog, deps), (c) => {
    const log = read.runLog(deps, c.req.valid('param').id)
    // Streamed rather than read whole; the contract's text/plain string is what arrives.
    return c.body(log, 200, { 'content-type': 'text/plain; charset=utf-8' }) as never
  })

  app.openapi(guarded(stopRun, deps), async (c) => {
    const { id } = c.req.valid('param')
    const { graceMs } = c.req.valid('query')
    const run = await audited(deps, actorOf(c), 'run.stop', id, () => deps.runs.stop(id, graceMs))
    return c.json(run, 200)
  })
}
