import { timingSafeEqual } from 'node:crypto'
import type { Context, MiddlewareHandler } from 'hono'
import type { Role } from '../../../openapi/roles.ts'
import { type Scope, securitySchemeName } from '../../../openapi/security.ts'
import { OrbitError } from '../errors.ts'

/** Who made a request and what they may do. */
export interface Principal {
  subject: string
  scopes: ReadonlySet<Scope> | 'all'
  /** The user behind a session or a user's token. */
  user?: { id: string; name: string; role: Role }
  via?: 'session' | 'token' | 'admin-token'
  tokenId?: string
  /** For a session: the row's key, its CSRF token, and when a passkey last confirmed the user. */
  session?: { idHash: string; csrfToken: string; stepUpAt: number; expiresAt: number }
  /** The request came from a non-loopback peer. */
  remote?: boolean
}

/** Turns a bearer token into a principal, or undefined when the token is not valid. */
export type TokenVerifier = (token: string) => Principal | undefined | Promise<Principal | undefined>

/** Finds the principal of a request (bearer token, else session cookie); undefined when there is none. */
export type Authenticator = (c: Context) => Promise<Principal | undefined>

export type AuthEnv = { Variables: { principal: Principal | undefined } }

/** A verifier accepting one shared secret with every scope (ORBIT_ADMIN_TOKEN). */
export function adminTokenVerifier(adminToken: string | undefined): TokenVerifier {
  if (adminToken !== undefined && adminToken.length < 16) {
    throw new Error('the admin token must be at least 16 characters')
  }
  const expected = adminToken ? Buffer.from(adminToken) : undefined
  return (token) => {
    if (!expected) return undefined
    const given = Buffer.from(token)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined
    return { subject: 'admin-token', scopes: 'all', via: 'admin-token' }
  }
}

/** The first verifier that accepts the token decides. */
export function anyVerifier(...verifiers: TokenVerifier[]): TokenVerifier {
  return async (token) => {
    for (const verify of verifiers) {
      const principal = await verify(token)
      if (principal) return principal
    }
    return undefined
  }
}

/** The scope a route's contract requires, or null for a public route. */
export function requiredScope(route: { security?: Array<Record<string, string[]>> }): Scope | null {
  const requirement = route.security?.[0]?.[securitySchemeName]?.[0]
  return (requirement as Scope | undefined) ?? null
}

export const hasScope = (p: Principal, scope: Scope): boolean => p.scopes === 'all' || p.scopes.has(scope)

/** How recent a passkey confirmation must be for an admin action from a remote session. */
export const stepUpWindowMs = 5 * 60_000

/**
 * Admin power from a remote browser needs a fresh passkey: a stolen session cookie alone is not
 * enough. Loopback sessions and tokens are not asked (tokens are chosen, scoped and revocable).
 */
export function requireRecentPasskey(p: Principal, now: number): void {
  if (p.via !== 'session' || !p.remote || !p.session) return
  if (now - p.session.stepUpAt > stepUpWindowMs) {
    throw new OrbitError('ESTEP_UP', 'confirm with your passkey first (POST /api/auth/step-up/options)')
  }
}

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

/** A session-authenticated unsafe request must carry the session's CSRF token in X-CSRF-Token. */
function checkCsrf(c: Context, p: Principal): void {
  if (p.via !== 'session' || !p.session || !unsafeMethods.has(c.req.method)) return
  const given = Buffer.from(c.req.header('x-csrf-token') ?? '')
  const expected = Buffer.from(p.session.csrfToken)
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new OrbitError('ECSRF', 'this request needs the X-CSRF-Token header of your session')
  }
}

/**
 * Route middleware built from the route's own contract entry, so the documented scope and the
 * enforced scope can never disagree: 401 without valid credentials, 403 without the scope (or the
 * CSRF token of a session, or a recent passkey for remote admin work).
 */
export function scopeGuard(
  route: { security?: Array<Record<string, string[]>> },
  authenticate: Authenticator,
  now: () => number = Date.now,
): MiddlewareHandler<AuthEnv> {
  const scope = requiredScope(route)
  return async function scopeGuardMiddleware(c, next) {
    if (scope === null) return next()
    const principal = await authenticate(c)
    if (!principal) throw new OrbitError('EUNAUTHENTICATED', 'a valid bearer token or session is required')
    c.set('principal', principal)
    checkCsrf(c, principal)
    if (!hasScope(principal, scope))
      throw new OrbitError('EFORBIDDEN', `this route requires the scope ${scope}`)
    if (scope === 'admin') requireRecentPasskey(principal, now())
    return next()
  }
}

/** The principal the guard put on a guarded route's context. */
export function principalOf(c: Context<AuthEnv>): Principal {
  const p = c.get('principal')
  if (!p) throw new OrbitError('EUNAUTHENTICATED', 'a valid bearer token or session is required')
  return p
}
