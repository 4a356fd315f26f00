import type { OpenAPIHono } from '@hono/zod-openapi'
import {
  createSnapshot,
  deleteSnapshot,
  diffSnapshot,
  listSnapshots,
  restoreSnapshot,
} from '../../../openapi/snapshots.ts'
import { actorOf } from '../audit/actor.ts'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { audited } from '../services/containers/audited.ts'
import * as read from '../services/snapshots/read.ts'
import { deleteSnapshot as remove } from '../services/snapshots/remove.ts'
import { startRestore } from '../services/snapshots/restore.ts'
import { startSnapshot } from '../services/snapshots/take.ts'
import { guarded } from './guarded.ts'

export function snapshotRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(listSnapshots, deps), async (c) =>
    c.json({ items: await read.listSnapshots(deps, c.req.valid('param').id) }, 200),
  )

  app.openapi(guarded(createSnapshot, deps), async (c) => {
    const { id } = c.req.valid('param')
    const { label } = c.req.valid('json')
    const job = await audited(
      deps,
      actorOf(c),
      'snapshot.create',
      id,
      async () => startSnapshot(deps, id, label),
      (j) => ({ job: j.id, label }),
    )
    return c.json({ job }, 202, { Location: `/api/jobs/${job.id}` })
  })

  app.openapi(guarded(diffSnapshot, deps), async (c) => {
    const { id, snapshot } = c.req.valid('param')
    return c.json(await read.diffSnapshot(deps, id, snapshot, c.req.valid('query').from), 200)
  })

  app.openapi(guarded(restoreSnapshot, deps), async (c) => {
    const { id, snapshot } = c.req.valid('param')
    const job = await audited(
      deps,
      actorOf(c),
      'snapshot.restore',
      id,
      () => startRestore(deps, id, snapshot),
      (j) => ({ job: j.id, snapshot }),
    )
    return c.json({ job }, 202, { Location: `/api/jobs/${job.id}` })
  })

  app.openapi(guarded(deleteSnapshot, deps), async (c) => {
    const { id, snapshot } = c.req.valid('param')
    await audited(
      deps,
      actorOf(c),
      'snapshot.delete',
      id,
      () => remove(deps, id, snapshot),
      () => ({ snapshot }),
    )
    return c.body(null, 204)
  })
}
