import type { Context } from 'hono'
import { roleScopes } from '../../../openapi/roles.ts'
import { OrbitError } from '../errors.ts'
import type { Authenticator, Principal, TokenVerifier } from '../middleware/scope-guard.ts'
import { remoteAddress } from '../net.ts'
import { sessionCookie } from './cookie.ts'
import type { Auth } from './index.ts'
import { isRemotePeer } from './loopback.ts'

/** The key failures are counted under: the peer address ('local' for in-process calls). */
export const peerKey = (c: Context): string => remoteAddress(c) ?? 'local'

/** Refuses a peer that has used up its failures, with Retry-After. */
export function checkNotLimited(c: Context, auth: Auth): void {
  const wait = auth.limiter.retryAfter(peerKey(c))
  if (wait > 0) {
    c.header('Retry-After', String(wait))
    throw new OrbitError('ERATE_LIMITED', `too many failed attempts from this address; retry in ${wait} s`)
  }
}

/**
 * A request's principal: a bearer token when the Authorization header is there (and then only it:
 * a bad token is not rescued by a cookie), else the session cookie. Failed tokens count against the
 * peer's failure budget; once it is spent the peer gets 429 until it refills.
 */
export function requestAuthenticator(deps: { verifyToken: TokenVerifier; auth: Auth }): Authenticator {
  const { auth } = deps
  return async function authenticate(c) {
    const remote = isRemotePeer(remoteAddress(c))
    const header = c.req.header('authorization')
    if (header !== undefined) {
      checkNotLimited(c, auth)
      const match = /^Bearer\s+(\S{1,8192})$/i.exec(header)
      const principal = match?.[1] ? await deps.verifyToken(match[1]) : undefined
      if (!principal) auth.limiter.fail(peerKey(c))
      return principal && { ...principal, remote }
    }
    const id = sessionCookie(c)
    const live = id ? auth.sessions.lookup(id) : undefined
    if (!live) return undefined
    const { row, user } = live
    const principal: Principal = {
      subject: `user:${user.name}`,
      scopes: new Set(roleScopes[user.role]),
      user: { id: user.id, name: user.name, role: user.role },
      via: 'session',
      session: {
        idHash: row.idHash,
        csrfToken: row.csrfToken,
        stepUpAt: row.stepUpAt,
        expiresAt: live.expiresAt,
      },
      remote,
    }
    return principal
  }
}
