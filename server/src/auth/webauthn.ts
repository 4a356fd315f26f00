import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server'
import { OrbitError } from '../errors.ts'
import { challengeTtlMs } from './challenges.ts'
import type { NewPasskey, PasskeyRow } from './passkeys.ts'

/** Who the passkeys are for: the RP ID they are bound to and the origins ceremonies may come from. */
export interface RelyingParty {
  rpId: string
  rpName: string
  origins: string[]
}

const refused = (err: unknown): OrbitError =>
  new OrbitError('ECEREMONY', `passkey refused: ${err instanceof Error ? err.message : String(err)}`)

/** Options for navigator.credentials.create(): a discoverable credential with user verification. */
export function registrationOptions(
  rp: RelyingParty,
  user: { id: string; name: string },
  existing: PasskeyRow[],
): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return generateRegistrationOptions({
    rpName: rp.rpName,
    rpID: rp.rpId,
    userName: user.name,
    userDisplayName: user.name,
    userID: new TextEncoder().encode(user.id),
    attestationType: 'none',
    excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
    timeout: challengeTtlMs,
  })
}

/** Checks an attestation against the stored challenge, our origins and RP ID; the new credential. */
export async function verifyRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  expectedChallenge: string,
): Promise<Omit<NewPasskey, 'userId' | 'name'>> {
  let result: Awaited<ReturnType<typeof verifyRegistrationResponse>>
  try {
    result = await verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      requireUserVerification: true,
    })
  } catch (err) {
    throw refused(err)
  }
  if (!result.verified) throw refused('the attestation did not verify')
  const info = result.registrationInfo
  return {
    id: info.credential.id,
    publicKey: Buffer.from(info.credential.publicKey),
    counter: info.credential.counter,
    transports: info.credential.transports ?? [],
    deviceType: info.credentialDeviceType,
    backedUp: info.credentialBackedUp,
  }
}

/** Options for navigator.credentials.get(); no allow list means any discoverable credential. */
export function authenticationOptions(
  rp: RelyingParty,
  allow?: PasskeyRow[],
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return generateAuthenticationOptions({
    rpID: rp.rpId,
    userVerification: 'required',
    timeout: challengeTtlMs,
    ...(allow ? { allowCredentials: allow.map((p) => ({ id: p.id, transports: p.transports })) } : {}),
  })
}

/**
 * Checks an assertion made with a stored passkey: challenge, origin, RP ID, user verification, the
 * signature, and that the signature counter moved forward. Returns the new counter.
 */
export async function verifyAssertion(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  passkey: PasskeyRow,
): Promise<number> {
  let result: Awaited<ReturnType<typeof verifyAuthenticationResponse>>
  try {
    result = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: rp.origins,
      expectedRPID: rp.rpId,
      credential: {
        id: passkey.id,
        publicKey: new Uint8Array(passkey.publicKey),
        counter: passkey.counter,
        transports: passkey.transports,
      },
      requireUserVerification: true,
    })
  } catch (err) {
    throw refused(err)
  }
  if (!result.verified) throw refused('the assertion did not verify')
  return result.authenticationInfo.newCounter
}
