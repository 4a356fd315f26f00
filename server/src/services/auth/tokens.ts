import type { Scope } from '../../../../openapi/security.ts'
import type { Actor } from '../../audit/log.ts'
import type { ApiTokenRow } from '../../auth/api-tokens.ts'
import { parseDuration } from '../../auth/duration.ts'
import { OrbitError } from '../../errors.ts'
import { hasScope, type Principal, requireRecentPasskey } from '../../middleware/scope-guard.ts'
import type { AuthDeps } from './deps.ts'

const maxTokenMs = 365 * 86_400_000
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** A token as listed: everything but the secret, which is never stored. */
export const toApiToken = (t: ApiTokenRow) => ({
  id: t.id,
  name: t.name,
  scopes: t.scopes as Scope[],
  userId: t.userId,
  createdBy: t.createdBy,
  createdAt: new Date(t.createdAt).toISOString(),
  expiresAt: new Date(t.expiresAt).toISOString(),
  lastUsedAt: iso(t.lastUsedAt),
  revokedAt: iso(t.revokedAt),
})

/** The tokens a principal owns: its user's, or for user-less credentials those made without a user. */
const ownerOf = (p: Principal): string | null => p.user?.id ?? null

/** Makes a token with scopes the principal holds, for the principal's user. */
export async function createToken(
  deps: AuthDeps,
  principal: Principal,
  actor: Actor,
  input: { name: string; scopes: Scope[]; expiresIn: string },
) {
  const ttlMs = parseDuration(input.expiresIn)
  if (ttlMs === undefined || ttlMs > maxTokenMs) {
    throw new OrbitError('EVALIDATION', 'expiresIn must be a duration up to 365d', [
      { path: 'expiresIn', message: 'a duration up to 365d' },
    ])
  }
  const scopes = [...new Set(input.scopes)]
  const lacking = scopes.filter((s) => !hasScope(principal, s))
  if (lacking.length > 0) {
    deps.audit.record(actor, {
      action: 'token.create',
      result: 'EFORBIDDEN',
      details: { name: input.name, lacking },
    })
    throw new OrbitError('EFORBIDDEN', `you cannot grant scopes you do not hold: ${lacking.join(', ')}`)
  }
  // Minting admin power from afar is admin work: it needs the same fresh passkey.
  if (scopes.includes('admin')) requireRecentPasskey(principal, deps.auth.now())
  const owner = ownerOf(principal)
  const { token, row } = await deps.auth.tokens.issue({
    name: input.name,
    scopes,
    ttlMs,
    userId: owner,
    subject: owner ?? principal.subject,
    createdBy: principal.subject,
  })
  deps.audit.record(actor, {
    action: 'token.create',
    target: `token:${row.id}`,
    result: 'ok',
    details: { name: row.name, scopes, expiresAt: new Date(row.expiresAt).toISOString() },
  })
  return { ...toApiToken(row), token }
}

export function listTokens(deps: AuthDeps, principal: Principal, all: boolean) {
  if (all && !hasScope(principal, 'admin')) {
    throw new OrbitError('EFORBIDDEN', "listing everyone's tokens requires the scope admin")
  }
  return { items: deps.auth.tokens.list(all ? 'all' : ownerOf(principal)).map(toApiToken) }
}

/** Revokes one of the principal's tokens, or anyone's for an admin; effective on the next request. */
export function revokeToken(deps: AuthDeps, principal: Principal, actor: Actor, id: string) {
  const row = deps.auth.tokens.get(id)
  const own = row !== undefined && row.userId === ownerOf(principal)
  // Someone else's token is "not found" unless you may manage it.
  if (!row || (!own && !hasScope(principal, 'admin'))) throw new OrbitError('ENOTFOUND', 'no such token')
  if (!own) requireRecentPasskey(principal, deps.auth.now())
  deps.auth.tokens.revoke(id)
  deps.audit.record(actor, {
    action: 'token.revoke',
    target: `token:${id}`,
    result: 'ok',
    details: { name: row.name, owner: row.userId },
  })
}
