import type { OpenAPIHono } from '@hono/zod-openapi'
import { createToken, listTokens, revokeToken } from '../../../openapi/index.ts'
import { actorOf } from '../audit/actor.ts'
import type { Deps } from '../deps.ts'
import { type AuthEnv, principalOf } from '../middleware/scope-guard.ts'
import * as tokens from '../services/auth/tokens.ts'
import { guarded } from './guarded.ts'

export function tokenRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(createToken, deps), async (c) =>
    c.json(await tokens.createToken(deps, principalOf(c), actorOf(c), c.req.valid('json')), 201),
  )
  app.openapi(guarded(listTokens, deps), (c) =>
    c.json(tokens.listTokens(deps, principalOf(c), c.req.valid('query').all === 'true'), 200),
  )
  app.openapi(guarded(revokeToken, deps), (c) => {
    tokens.revokeToken(deps, principalOf(c), actorOf(c), c.req.valid('param').id)
    return c.body(null, 204)
  })
}
