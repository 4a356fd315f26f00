import type { OpenAPIHono } from '@hono/zod-openapi'
import { inviteUser, listUsers, updateUser } from '../../../openapi/index.ts'
import { actorOf } from '../audit/actor.ts'
import type { Deps } from '../deps.ts'
import { type AuthEnv, principalOf } from '../middleware/scope-guard.ts'
import * as users from '../services/auth/users.ts'
import { guarded } from './guarded.ts'

export function userRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(listUsers, deps), (c) => c.json(users.listUsers(deps), 200))
  app.openapi(guarded(inviteUser, deps), (c) =>
    c.json(users.inviteUser(deps, principalOf(c), actorOf(c), c.req.valid('json')), 201),
  )
  app.openapi(guarded(updateUser, deps), (c) =>
    c.json(users.updateUser(deps, actorOf(c), c.req.valid('param').id, c.req.valid('json')), 200),
  )
}
