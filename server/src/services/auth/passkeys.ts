import type { RegistrationResponseJSON } from '@simplewebauthn/server'
import type { Actor } from '../../audit/log.ts'
import type { PasskeyRow } from '../../auth/passkeys.ts'
import { registrationOptions, verifyRegistration } from '../../auth/webauthn.ts'
import { OrbitError } from '../../errors.ts'
import { type Principal, requireRecentPasskey } from '../../middleware/scope-guard.ts'
import type { AuthDeps } from './deps.ts'
import { userOf } from './principal.ts'

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString())

/** A passkey as the API shows it (never its public key or counter). */
export const toPasskey = (p: PasskeyRow) => ({
  id: p.id,
  name: p.name,
  createdAt: new Date(p.createdAt).toISOString(),
  lastUsedAt: iso(p.lastUsedAt),
  deviceType: p.deviceType,
  backedUp: p.backedUp,
  transports: p.transports,
})

export function listPasskeys(deps: AuthDeps, principal: Principal) {
  return { items: deps.auth.passkeys.ofUser(userOf(principal).id).map(toPasskey) }
}

/**
 * Step 1 of adding a passkey. From a remote session this needs a fresh passkey confirmation: else a
 * stolen cookie could plant the thief's own passkey and outlive the session.
 */
export async function addPasskeyOptions(deps: AuthDeps, principal: Principal) {
  const user = userOf(principal)
  requireRecentPasskey(principal, deps.auth.now())
  const { auth } = deps
  const options = await registrationOptions(auth.relyingParty(), user, auth.passkeys.ofUser(user.id))
  const ceremonyId = auth.challenges.create('register', options.challenge, { addTo: user.id })
  return { ceremonyId, options: options as unknown as Record<string, unknown> }
}

/** Step 2: the attestation checked against this user's ceremony; the passkey stored. */
export async function addPasskey(
  deps: AuthDeps,
  principal: Principal,
  actor: Actor,
  input: { ceremonyId: string; credential: unknown; name: string },
) {
  const user = userOf(principal)
  const { auth } = deps
  const ceremony = auth.challenges.consume(input.ceremonyId, 'register')
  if (!ceremony || ceremony.context.addTo !== user.id) {
    throw new OrbitError('ECEREMONY', 'this ceremony is unknown, already answered, expired or not yours')
  }
  try {
    const credential = await verifyRegistration(
      auth.relyingParty(),
      input.credential as RegistrationResponseJSON,
      ceremony.challenge,
    )
    if (auth.passkeys.get(credential.id))
      throw new OrbitError('ECONFLICT', 'this passkey is registered already')
    const row = auth.passkeys.add({ ...credential, userId: user.id, name: input.name })
    deps.audit.record(actor, {
      action: 'passkey.add',
      target: `user:${user.name}`,
      result: 'ok',
      details: { passkey: row.id, name: row.name },
    })
    return toPasskey(row)
  } catch (err) {
    if (err instanceof OrbitError) {
      deps.audit.record(actor, {
        action: 'passkey.add',
        target: `user:${user.name}`,
        result: err.code,
        details: {},
      })
    }
    throw err
  }
}

export function renamePasskey(deps: AuthDeps, principal: Principal, actor: Actor, id: string, name: string) {
  const user = userOf(principal)
  const row = deps.auth.passkeys.rename(user.id, id, name)
  if (!row) throw new OrbitError('ENOTFOUND', 'you have no such passkey')
  deps.audit.record(actor, {
    action: 'passkey.rename',
    target: `user:${user.name}`,
    result: 'ok',
    details: { passkey: id, name },
  })
  return toPasskey(row)
}

/** Removes one of the user's passkeys, never the last (that would lock them out). */
export function removePasskey(deps: AuthDeps, principal: Principal, actor: Actor, id: string) {
  const user = userOf(principal)
  requireRecentPasskey(principal, deps.auth.now())
  const { auth } = deps
  const removed = auth.transaction(() => {
    const mine = auth.passkeys.ofUser(user.id)
    if (!mine.some((p) => p.id === id)) throw new OrbitError('ENOTFOUND', 'you have no such passkey')
    if (mine.length === 1) throw new OrbitError('ECONFLICT', 'this is your last passkey; add another first')
    auth.passkeys.remove(user.id, id)
    return mine.find((p) => p.id === id) as PasskeyRow
  })
  deps.audit.record(actor, {
    action: 'passkey.remove',
    target: `user:${user.name}`,
    result: 'ok',
    details: { passkey: id, name: removed.name },
  })
}
