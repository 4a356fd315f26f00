import type { OpenAPIHono } from '@hono/zod-openapi'
import type { TypedResponse } from 'hono'
import {
  cloneContainer,
  createContainer,
  deleteContainer,
  getContainer,
  getManifest,
  listApps,
  listContainers,
  updateContainer,
} from '../../../openapi/index.ts'
import { actorOf } from '../audit/actor.ts'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { audited } from '../services/containers/audited.ts'
import { cloneContainer as clone } from '../services/containers/clone.ts'
import { createContainer as create } from '../services/containers/create.ts'
import * as read from '../services/containers/read.ts'
import { deleteContainer as remove } from '../services/containers/remove.ts'
import { updateContainer as update } from '../services/containers/update.ts'
import { guarded } from './guarded.ts'

export function containerRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(listContainers, deps), (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query')
    // Already JSON bytes (see listContainersJson); the type is the contract's, as c.json would give it.
    const json = read.listContainersJson(deps, filter, limit, cursor)
    return c.body(json, 200, { 'content-type': 'application/json' }) as unknown as TypedResponse<
      ReturnType<typeof read.listContainers>,
      200,
      'json'
    >
  })

  app.openapi(guarded(createContainer, deps), async (c) => {
    const body = c.req.valid('json')
    const created = await audited(
      deps,
      actorOf(c),
      'container.create',
      body.name,
      () => create(deps, body),
      (r) =>
        'container' in r ? { id: r.container.id } : { id: r.pending.containerId, job: r.pending.job.id },
    )
    if ('container' in created) {
      return c.json(created.container, 201, { Location: `/api/containers/${created.container.id}` })
    }
    return c.json(created.pending, 202, { Location: `/api/jobs/${created.pending.job.id}` })
  })

  app.openapi(guarded(getContainer, deps), (c) =>
    c.json(read.getContainer(deps, c.req.valid('param').id), 200),
  )

  app.openapi(guarded(updateContainer, deps), async (c) => {
    const { id } = c.req.valid('param')
    const patch = c.req.valid('json')
    const container = await audited(
      deps,
      actorOf(c),
      'container.update',
      id,
      () => update(deps, id, patch),
      () => ({ fields: Object.keys(patch) }),
    )
    return c.json(container, 200)
  })

  app.openapi(guarded(deleteContainer, deps), async (c) => {
    const { id } = c.req.valid('param')
    await audited(deps, actorOf(c), 'container.delete', id, () => remove(deps, id))
    return c.body(null, 204)
  })

  app.openapi(guarded(getManifest, deps), async (c) =>
    c.json(await read.getManifest(deps, c.req.valid('param').id), 200),
  )

  app.openapi(guarded(listApps, deps), async (c) =>
    c.json({ items: await read.listApps(deps, c.req.valid('param').id) }, 200),
  )

  app.openapi(guarded(cloneContainer, deps), async (c) => {
    const { id } = c.req.valid('param')
    const { name } = c.req.valid('json')
    const made = await audited(
      deps,
      actorOf(c),
      'container.clone',
      id,
      () => clone(deps, id, name),
      (r) => ({ clone: r.id, name }),
    )
    return c.json(made, 201, { Location: `/api/containers/${made.id}` })
  })
}
