import { scopes } from '../../../../openapi/security.ts'
import { OrbitError } from '../../errors.ts'
import type { Principal } from '../../middleware/scope-guard.ts'

/** The user behind the credentials; a 409 for credentials without one (the bootstrap admin token). */
export function userOf(p: Principal): NonNullable<Principal['user']> {
  if (!p.user) throw new OrbitError('ECONFLICT', 'these credentials have no user (sign in with a passkey)')
  return p.user
}

/** The session behind the credentials; a 409 for a token. */
export function sessionOf(p: Principal): NonNullable<Principal['session']> {
  if (!p.session) throw new OrbitError('ECONFLICT', 'this needs a passkey session, not a token')
  return p.session
}

const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString())

/** What GET /api/auth/session shows of a principal. */
export function sessionInfo(p: Principal) {
  return {
    subject: p.subject,
    via: p.via ?? ('token' as const),
    user: p.user ?? null,
    scopes: p.scopes === 'all' ? [...scopes] : scopes.filter((s) => (p.scopes as ReadonlySet<string>).has(s)),
    csrfToken: p.session?.csrfToken ?? null,
    expiresAt: iso(p.session?.expiresAt),
    stepUpAt: iso(p.session?.stepUpAt),
  }
}
