import type { OpenAPIHono } from '@hono/zod-openapi'
import {
  addPasskey,
  addPasskeyOptions,
  listPasskeys,
  removePasskey,
  renamePasskey,
} from '../../../openapi/index.ts'
import { actorOf } from '../audit/actor.ts'
import type { Deps } from '../deps.ts'
import { type AuthEnv, principalOf } from '../middleware/scope-guard.ts'
import * as passkeys from '../services/auth/passkeys.ts'
import { guarded } from './guarded.ts'

export function passkeyRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(listPasskeys, deps), (c) => c.json(passkeys.listPasskeys(deps, principalOf(c)), 200))
  app.openapi(guarded(addPasskeyOptions, deps), async (c) =>
    c.json(await passkeys.addPasskeyOptions(deps, principalOf(c)), 200),
  )
  app.openapi(guarded(addPasskey, deps), async (c) =>
    c.json(await passkeys.addPasskey(deps, principalOf(c), actorOf(c), c.req.valid('json')), 201),
  )
  app.openapi(guarded(renamePasskey, deps), (c) =>
    c.json(
      passkeys.renamePasskey(
        deps,
        principalOf(c),
        actorOf(c),
        c.req.valid('param').id,
        c.req.valid('json').name,
      ),
      200,
    ),
  )
  app.openapi(guarded(removePasskey, deps), (c) => {
    passkeys.removePasskey(deps, principalOf(c), actorOf(c), c.req.valid('param').id)
    return c.body(null, 204)
  })
}
