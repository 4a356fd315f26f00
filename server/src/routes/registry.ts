import type { OpenAPIHono } from '@hono/zod-openapi'
import {
  deleteRegistryKey,
  deleteRegistryValue,
  exportRegistry,
  getRegistryKey,
  getRegistryValue,
  importRegistry,
  setRegistryValue,
} from '../../../openapi/registry.ts'
import { actorOf } from '../audit/actor.ts'
import type { Deps } from '../deps.ts'
import { OrbitError } from '../errors.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { audited } from '../services/containers/audited.ts'
import { attachment } from '../services/files/read.ts'
import { exportKey, getKey, getValue } from '../services/registry/read.ts'
import { deleteKey, deleteValue, importReg, setValue } from '../services/registry/write.ts'
import { guarded } from './guarded.ts'

const regTypes = ['application/octet-stream', 'text/plain']

export function registryRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(getRegistryKey, deps), async (c) => {
    const { id } = c.req.valid('param')
    return c.json(await getKey(deps, id, c.req.valid('query').key), 200)
  })

  app.openapi(guarded(getRegistryValue, deps), async (c) => {
    const { key, name } = c.req.valid('query')
    return c.json(await getValue(deps, c.req.valid('param').id, key, name), 200)
  })

  app.openapi(guarded(setRegistryValue, deps), async (c) => {
    const { id } = c.req.valid('param')
    const body = c.req.valid('json')
    const value = await audited(
      deps,
      actorOf(c),
      'registry.set',
      id,
      () => setValue(deps, id, body),
      () => ({ key: body.key, name: body.name, type: body.type }),
    )
    return c.json(value, 200)
  })

  app.openapi(guarded(deleteRegistryValue, deps), async (c) => {
    const { id } = c.req.valid('param')
    const { key, name } = c.req.valid('query')
    await audited(
      deps,
      actorOf(c),
      'registry.delete-value',
      id,
      () => deleteValue(deps, id, key, name),
      () => ({
        key,
        name,
      }),
    )
    return c.body(null, 204)
  })

  app.openapi(guarded(deleteRegistryKey, deps), async (c) => {
    const { id } = c.req.valid('param')
    const { key } = c.req.valid('query')
    await audited(
      deps,
      actorOf(c),
      'registry.delete-key',
      id,
      () => deleteKey(deps, id, key),
      () => ({ key }),
    )
    return c.body(null, 204)
  })

  app.openapi(guarded(exportRegistry, deps), async (c) => {
    const { text, fileName } = await exportKey(deps, c.req.valid('param').id, c.req.valid('query').key)
    return c.text(text, 200, { 'content-disposition': attachment(fileName) })
  })

  app.openapi(guarded(importRegistry, deps), async (c) => {
    const { id } = c.req.valid('param')
    const type = (c.req.header('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
    if (!regTypes.includes(type)) {
      throw new OrbitError('EUNSUPPORTED_MEDIA_TYPE', `send the .reg file as ${regTypes.join(' or ')}`)
    }
    // The app's body limit (limits.max_body_bytes) already bounds what arrives here.
    const reg = Buffer.from(await c.req.arrayBuffer())
    const result = await audited(
      deps,
      actorOf(c),
      'registry.import',
      id,
      () => importReg(deps, id, reg),
      (r) => ({ bytes: reg.length, ...r }),
    )
    return c.json(result, 200)
  })
}
