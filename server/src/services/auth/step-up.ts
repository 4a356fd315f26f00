import type { AuthenticationResponseJSON } from '@simplewebauthn/server'
import type { Actor } from '../../audit/log.ts'
import { authenticationOptions } from '../../auth/webauthn.ts'
import { OrbitError } from '../../errors.ts'
import type { Principal } from '../../middleware/scope-guard.ts'
import type { AuthDeps } from './deps.ts'
import { checkAssertion } from './login.ts'
import { sessionInfo, sessionOf, userOf } from './principal.ts'
import { counted } from './sign-in.ts'

/** Step 1 of confirming a session with a passkey: a challenge only this user's passkeys can answer. */
export async function stepUpOptions(deps: AuthDeps, principal: Principal) {
  const session = sessionOf(principal)
  const user = userOf(principal)
  const { auth } = deps
  const options = await authenticationOptions(auth.relyingParty(), auth.passkeys.ofUser(user.id))
  const ceremonyId = auth.challenges.create('step-up', options.challenge, { session: session.idHash })
  return { ceremonyId, options: options as unknown as Record<string, unknown> }
}

/** Step 2: the assertion checked against this session's ceremony; stamps the session. */
export function stepUpVerify(
  deps: AuthDeps,
  principal: Principal,
  actor: Actor,
  peer: string,
  input: { ceremonyId: string; credential: unknown },
) {
  const session = sessionOf(principal)
  const user = userOf(principal)
  return counted(deps, actor, peer, 'auth.step-up', async () => {
    const ceremony = deps.auth.challenges.consume(input.ceremonyId, 'step-up')
    if (!ceremony || ceremony.context.session !== session.idHash) {
      throw new OrbitError(
        'ECEREMONY',
        'this ceremony is unknown, already answered, expired or not this session’s',
      )
    }
    const { passkey } = await checkAssertion(
      deps,
      ceremony.challenge,
      input.credential as AuthenticationResponseJSON,
      (p) => p.userId === user.id,
    )
    const stepUpAt = deps.auth.sessions.stampStepUp(session.idHash)
    deps.audit.record(actor, {
      action: 'auth.step-up',
      target: `user:${user.name}`,
      result: 'ok',
      details: { passkey: passkey.name },
    })
    return sessionInfo({ ...principal, session: { ...session, stepUpAt } })
  })
}
