import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import type { Actor } from '../../audit/log.ts'
import type { PasskeyRow } from '../../auth/passkeys.ts'
import { authenticationOptions, verifyAssertion } from '../../auth/webauthn.ts'
import { OrbitError } from '../../errors.ts'
import type { AuthDeps } from './deps.ts'
import { counted, startSession } from './sign-in.ts'

const notYou = () => new OrbitError('EUNAUTHENTICATED', 'this passkey does not sign in here')

/** Step 1 of a sign-in: a challenge any discoverable passkey of this RP can answer. */
export async function loginOptions(deps: AuthDeps) {
  const { auth } = deps
  const options = await authenticationOptions(auth.relyingParty())
  const ceremonyId = auth.challenges.create('login', options.challenge, {})
  return { ceremonyId, options: options as unknown as Record<string, unknown> }
}

/**
 * Checks an assertion against a consumed challenge and a stored passkey; returns the passkey and its
 * user once the counter moved on. Shared by sign-in and step-up.
 */
export async function checkAssertion(
  deps: AuthDeps,
  challenge: string,
  credential: AuthenticationResponseJSON,
  allowed?: (p: PasskeyRow) => boolean,
) {
  const { auth } = deps
  const passkey = auth.passkeys.get(credential.id)
  if (!passkey || (allowed && !allowed(passkey))) throw notYou()
  const user = auth.users.get(passkey.userId)
  if (!user || user.disabled) throw notYou()
  // A discoverable credential names its user; it must be the passkey's owner.
  const handle = credential.response.userHandle
  if (handle && handle !== Buffer.from(user.id).toString('base64url')) throw notYou()
  const counter = await verifyAssertion(auth.relyingParty(), credential, challenge, passkey)
  // Conditional on the counter we checked against: of two racing uses of one assertion, one wins.
  if (!auth.passkeys.recordUse(passkey.id, passkey.counter, counter)) throw notYou()
  return { passkey, user }
}

/** Step 2 of a sign-in: the assertion checked; a new session for its user. */
export function login(
  deps: AuthDeps,
  actor: Actor,
  peer: string,
  input: { ceremonyId: string; credential: unknown },
) {
  return counted(deps, actor, peer, 'auth.login', async () => {
    const ceremony = deps.auth.challenges.consume(input.ceremonyId, 'login')
    if (!ceremony) throw new OrbitError('ECEREMONY', 'this ceremony is unknown, already answered or expired')
    const { user, passkey } = await checkAssertion(
      deps,
      ceremony.challenge,
      input.credential as AuthenticationResponseJSON,
    )
    deps.audit.record(
      { ...actor, subject: `user:${user.name}` },
      { action: 'auth.login', target: `user:${user.name}`, result: 'ok', details: { passkey: passkey.name } },
    )
    return startSession(deps, user, actor.ip)
  })
}
