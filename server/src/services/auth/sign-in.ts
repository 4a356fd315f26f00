import { roleScopes } from '../../../../openapi/roles.ts'
import type { Actor } from '../../audit/log.ts'
import type { UserRow } from '../../auth/users.ts'
import { OrbitError } from '../../errors.ts'
import type { Principal } from '../../middleware/scope-guard.ts'
import type { AuthDeps } from './deps.ts'
import { sessionInfo } from './principal.ts'

/** A new session for a user who just proved a passkey: the cookie's id and what the client is told. */
export function startSession(deps: AuthDeps, user: UserRow, ip: string | undefined) {
  const { id, ...session } = deps.auth.sessions.create(user.id, ip)
  const principal: Principal = {
    subject: `user:${user.name}`,
    scopes: new Set(roleScopes[user.role]),
    user: { id: user.id, name: user.name, role: user.role },
    via: 'session',
    session,
  }
  return { cookie: id, info: sessionInfo(principal) }
}

/**
 * Runs one step of a credential check; on failure counts it against the peer (rate limit), records
 * it in the audit log, and answers with the error (anything unexpected stays a 500).
 */
export async function counted<T>(
  deps: AuthDeps,
  actor: Actor,
  peer: string,
  action: string,
  step: () => Promise<T> | T,
): Promise<T> {
  try {
    return await step()
  } catch (err) {
    if (err instanceof OrbitError) {
      deps.auth.limiter.fail(peer)
      deps.audit.record(actor, { action, result: err.code, details: { reason: err.message } })
    }
    throw err
  }
}
