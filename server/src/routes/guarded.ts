import type { RouteConfig } from '@hono/zod-openapi'
import { requestAuthenticator } from '../auth/authenticate.ts'
import type { Deps } from '../deps.ts'
import { scopeGuard } from '../middleware/scope-guard.ts'

/** The route with its contract-declared scope check attached ahead of validation and the handler. */
export function guarded<R extends RouteConfig>(route: R, deps: Pick<Deps, 'verifyToken' | 'auth'>): R {
  return { ...route, middleware: [scopeGuard(route, requestAuthenticator(deps), deps.auth.now)] }
}
