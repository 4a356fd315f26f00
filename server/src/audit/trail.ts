import type { MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { challengeRoutes, mutatingMethods, mutatingRoutes, routeActions } from './actions.ts'
import { actorOf } from './actor.ts'
import { openScope } from './scope.ts'

/** Refusals of who asks, as opposed to failures of what was asked. */
const denials = new Set(['EUNAUTHENTICATED', 'EFORBIDDEN', 'ECSRF', 'ESTEP_UP', 'EBAD_HOST', 'EBAD_ORIGIN'])

/**
 * Makes sure every mutating request leaves an audit entry. Services write their own entries (with
 * the details only they know); a request that ends without one — refused by the scope guard
 * (401/403, CSRF, step-up), rejected by validation, or failed on a path that records nothing —
 * gets one here: who, from where, the route's action, the target from the path, the error code.
 *
 * Not recorded: requests with no credentials at all (nobody to attribute, and anyone could fill
 * the append-only log with them), requests the failure brake already turned away (429), routes
 * outside the contract, and successful challenge requests (challengeRoutes).
 */
export function auditTrail(deps: Pick<Deps, 'audit'>): MiddlewareHandler<AuthEnv> {
  return async function auditTrailMiddleware(c, next) {
    if (!mutatingMethods.has(c.req.method)) return next()
    const scope = openScope(c)
    await next()
    if (scope.recorded > 0) return
    // Any matched entry, not only the one that answered: a global check (Host, Origin) may have
    // refused the request before its route's handlers ran.
    const route = matchedRoutes(c)
      .map((r) => mutatingRoutes.get(`${c.req.method} ${r.path}`))
      .find((r) => r !== undefined)
    if (!route) return
    const status = c.res.status
    const ok = status < 400
    if (ok && challengeRoutes.has(route.operationId)) return
    if (status === 429) return
    const principal = c.get('principal')
    if (!principal && c.req.header('authorization') === undefined) return
    const code = ok ? 'ok' : await problemCode(c.res)
    const params = c.req.param() as Record<string, string>
    deps.audit.record(
      { ...actorOf(c), trail: undefined },
      {
        action: routeActions[route.operationId] ?? route.operationId,
        // The container (or run, token, user, job) the path names.
        target: params.id,
        result: code,
        details: {
          method: c.req.method,
          route: route.pattern,
          ...(params.snapshot ? { snapshot: params.snapshot } : {}),
          ...(ok ? {} : { outcome: denials.has(code) ? 'denied' : 'failed', status }),
        },
      },
    )
  }
}

/** The stable code of a problem+json answer (what the client was told). */
async function problemCode(res: Response): Promise<string> {
  try {
    const body = (await res.clone().json()) as { code?: unknown }
    if (typeof body.code === 'string') return body.code
  } catch {
    // Not a problem document: the status says enough.
  }
  return `HTTP_${res.status}`
}
