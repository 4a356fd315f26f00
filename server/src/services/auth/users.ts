import type { Role } from '../../../../openapi/roles.ts'
import type { Actor } from '../../audit/log.ts'
import { parseDuration } from '../../auth/duration.ts'
import type { UserRow } from '../../auth/users.ts'
import { OrbitError } from '../../errors.ts'
import type { Principal } from '../../middleware/scope-guard.ts'
import type { AuthDeps } from './deps.ts'

const maxInviteMs = 7 * 86_400_000

export const toUser = (u: UserRow & { passkeys: number }) => ({
  id: u.id,
  name: u.name,
  role: u.role,
  createdAt: new Date(u.createdAt).toISOString(),
  disabled: u.disabled,
  passkeys: u.passkeys,
})

export function listUsers(deps: AuthDeps) {
  return { items: deps.auth.users.list().map(toUser) }
}

/** A one-time enrollment link for a new user with a name and a role. */
export function inviteUser(
  deps: AuthDeps,
  principal: Principal,
  actor: Actor,
  input: { name: string; role: Role; expiresIn: string },
) {
  const ttlMs = parseDuration(input.expiresIn)
  if (ttlMs === undefined || ttlMs > maxInviteMs) {
    throw new OrbitError('EVALIDATION', 'expiresIn must be a duration up to 7d', [
      { path: 'expiresIn', message: 'a duration up to 7d' },
    ])
  }
  const { auth } = deps
  if (auth.users.byName(input.name)) throw new OrbitError('ECONFLICT', `a user named "${input.name}" exists`)
  const { token, row } = auth.enrollments.create({
    kind: 'invite',
    role: input.role,
    name: input.name,
    createdBy: principal.subject,
    ttlMs,
  })
  const expiresAt = new Date(row.expiresAt).toISOString()
  deps.audit.record(actor, {
    action: 'user.invite',
    target: `user:${input.name}`,
    result: 'ok',
    details: { role: input.role, enrollment: row.id, expiresAt },
  })
  const origin = auth.relyingParty().origins[0]
  return {
    id: row.id,
    name: input.name,
    role: input.role,
    url: `${origin}/enroll#${token}`,
    token,
    expiresAt,
  }
}

/**
 * Changes a user's role or disables them. Their sessions end (a new role takes effect at the next
 * sign-in); their tokens are checked against the user on every use, so they follow at once.
 */
export function updateUser(
  deps: AuthDeps,
  actor: Actor,
  id: string,
  patch: { role?: Role | undefined; disabled?: boolean | undefined },
) {
  const { auth } = deps
  const updated = auth.transaction(() => {
    const user = auth.users.get(id)
    if (!user) throw new OrbitError('ENOTFOUND', 'no such user')
    const next = auth.users.update(id, patch) as UserRow
    const wasAdmin = user.role === 'admin' && !user.disabled
    const isAdmin = next.role === 'admin' && !next.disabled
    if (wasAdmin && !isAdmin && auth.users.enabledAdmins() === 0) {
      throw new OrbitError('ECONFLICT', 'Orbit must keep an enabled admin')
    }
    if (next.role !== user.role || next.disabled !== user.disabled) auth.sessions.endAllOf(id)
    return { before: user, after: next }
  })
  const { before, after } = updated
  deps.audit.record(actor, {
    action: after.disabled && !before.disabled ? 'user.disable' : 'user.update',
    target: `user:${after.name}`,
    result: 'ok',
    details: {
      ...(patch.role !== undefined ? { role: [before.role, after.role] } : {}),
      ...(patch.disabled !== undefined ? { disabled: [before.disabled, after.disabled] } : {}),
    },
  })
  const listed = auth.users.list().find((u) => u.id === id)
  return toUser(listed ?? { ...after, passkeys: 0 })
}
