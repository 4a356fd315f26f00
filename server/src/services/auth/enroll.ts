import { randomUUID } from 'node:crypto'
import type { RegistrationResponseJSON } from '@simplewebauthn/server'
import type { Actor } from '../../audit/log.ts'
import { registrationOptions, verifyRegistration } from '../../auth/webauthn.ts'
import { OrbitError } from '../../errors.ts'
import type { AuthDeps } from './deps.ts'
import { counted, startSession } from './sign-in.ts'

const gone = () => new OrbitError('EUNAUTHENTICATED', 'this link is unknown, already used or expired')

/** Step 1 of enrolling with a setup or invitation link: registration options for the new user. */
export function enrollOptions(
  deps: AuthDeps,
  actor: Actor,
  peer: string,
  input: { token: string; userName?: string | undefined },
) {
  return counted(deps, actor, peer, 'auth.enroll', async () => {
    const { auth } = deps
    const link = auth.enrollments.find(input.token)
    if (!link) throw gone()
    // An invitation names its user; the setup link lets the first admin choose.
    const name = link.name ?? input.userName ?? 'admin'
    if (auth.users.byName(name)) throw new OrbitError('ECONFLICT', `a user named "${name}" exists`)
    const userId = randomUUID()
    const options = await registrationOptions(auth.relyingParty(), { id: userId, name }, [])
    const ceremonyId = auth.challenges.create('register', options.challenge, {
      enrollmentId: link.id,
      userId,
      name,
    })
    return {
      ceremonyId,
      options: options as unknown as Record<string, unknown>,
      user: { name, role: link.role },
    }
  })
}

/** Step 2: checks the new passkey, uses up the link, creates the user with it, and signs them in. */
export function enrollVerify(
  deps: AuthDeps,
  actor: Actor,
  peer: string,
  input: { ceremonyId: string; credential: unknown; passkeyName?: string | undefined },
) {
  return counted(deps, actor, peer, 'auth.enroll', async () => {
    const { auth } = deps
    const ceremony = auth.challenges.consume(input.ceremonyId, 'register')
    const { enrollmentId, userId, name } = ceremony?.context ?? {}
    if (!ceremony || !enrollmentId || !userId || !name) {
      throw new OrbitError('ECEREMONY', 'this ceremony is unknown, already answered or expired')
    }
    const link = auth.enrollments.get(enrollmentId)
    if (!link) throw gone()
    const credential = await verifyRegistration(
      auth.relyingParty(),
      input.credential as RegistrationResponseJSON,
      ceremony.challenge,
    )
    if (auth.passkeys.get(credential.id))
      throw new OrbitError('ECONFLICT', 'this passkey is registered already')
    const passkeyName = input.passkeyName ?? 'passkey'
    // One transaction: the link is used, and the user and passkey exist, or none of it happened.
    const user = deps.auth.transaction(() => {
      if (!auth.enrollments.use(link.id)) throw gone()
      if (auth.users.byName(name)) throw new OrbitError('ECONFLICT', `a user named "${name}" exists`)
      const created = auth.users.create(name, link.role, userId)
      auth.passkeys.add({ ...credential, userId: created.id, name: passkeyName })
      return created
    })
    deps.audit.record(
      { ...actor, subject: `user:${user.name}` },
      {
        action: link.kind === 'setup' ? 'auth.setup' : 'user.enroll',
        target: `user:${user.name}`,
        result: 'ok',
        details: {
          userId: user.id,
          role: user.role,
          enrollment: link.id,
          invitedBy: link.createdBy,
          passkey: passkeyName,
        },
      },
    )
    return startSession(deps, user, actor.ip)
  })
}
