import { timingSafeEqual } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { type Scope, securitySchemeName } from '../../../openapi/index.ts'
import { OrbitError } from '../errors.ts'

/** Who made a request and what they may do. */
export interface Principal {
  subject: string
  scopes: ReadonlySet<Scope> | 'all'
}

/** Turns a bearer token into a principal, or undefined when the token is not valid. */
export type TokenVerifier = (token: string) => Principal | undefined

export type AuthEnv = { Variables: { principal: Principal | undefined } }

/** A verifier accepting one shared secret with every scope (ORBIT_ADMIN_TOKEN / the bootstrap token). */
export function adminTokenVerifier(adminToken: string | undefined): TokenVerifier {
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new Error('the admin token must be at least 16 characters')
  }
  const expected = adminToken ? Buffer.from(adminToken) : undefined
  return (token) => {
    if (!expected) return undefined
    const given = Buffer.from(token)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    return { subject: 'admin-token', scopes: 'all' }
  }
}

/** The scope a route's contract requires, or null for a public route. */
export function requiredScope(route: { security?: Array<Record<string, string[]>> }): Scope | null {
  const requirement = route.security?.[0]?.[securitySchemeName]?.[0]
  return (requirement as Scope | undefined) ?? null
}

/**
 * Route middleware built from the route's own contract entry, so the documented scope and the
 * enforced scope can never disagree: 401 without valid credentials, 403 without the scope.
 */
export function scopeGuard(
  route: { security?: Array<Record<string, string[]>> },
  verify: TokenVerifier,
): MiddlewareHandler<AuthEnv> {
  const scope = requiredScope(route)
  return async function scopeGuardMiddleware(c, next) {
    if (scope === null) return next()
    const header = c.req.header('authorization') ?? ''
    const match = /^Bearer\s+(\S+)$/i.exec(header)
    const principal = match?.[1] ? verify(match[1]) : undefined
    if (!principal) throw new OrbitError('EUNAUTHENTICATED', 'a valid bearer token is required')
    if (principal.scopes !== 'all' && !principal.scopes.has(scope)) {
      throw new OrbitError('EFORBIDDEN', `this route requires the scope ${scope}`)
    }
    c.set('principal', principal)
    return next()
  }
}
