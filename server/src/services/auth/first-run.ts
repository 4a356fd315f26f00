import { setupTtlMs } from '../../auth/enrollments.ts'
import type { AuthDeps } from './deps.ts'

/**
 * While no enabled admin exists, a one-time link to register the first one: valid 15 minutes, shown
 * on the gateway's console only (its secret is stored hashed). Each start makes a new one.
 */
export function offerSetupLink(deps: AuthDeps): { url: string; expiresAt: number } | undefined {
  const { auth } = deps
  if (auth.users.enabledAdmins() > 0) return undefined
  const { token, row } = auth.enrollments.create({
    kind: 'setup',
    role: 'admin',
    name: null,
    createdBy: 'system',
    ttlMs: setupTtlMs,
  })
  deps.audit.record(
    { subject: 'system' },
    {
      action: 'auth.setup-link',
      result: 'ok',
      details: { enrollment: row.id, expiresAt: new Date(row.expiresAt).toISOString() },
    },
  )
  return { url: `${auth.relyingParty().origins[0]}/setup#${token}`, expiresAt: row.expiresAt }
}
