import {
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  startAuthentication,
  startRegistration,
} from '@simplewebauthn/browser'
import { type components, unwrap } from '../../../../sdk-gen/client.ts'
import { client } from '../../lib/api.ts'

// The browser's PublicKeyCredential JSON, as the contract names it (its extension outputs are open).
type Credential = components['schemas']['WebAuthnCredential']

/** The secret of a setup or invitation link: everything after '#', scrubbed from the address bar. */
export function takeLinkSecret(loc: Location = window.location): string | undefined {
  const secret = loc.hash.replace(/^#/, '')
  if (!secret) return undefined
  history.replaceState(null, '', loc.pathname + loc.search)
  return secret
}

/** Registers a first passkey with a link's secret; afterwards the browser holds a session cookie. */
export async function enroll(token: string, userName: string | undefined) {
  const start = unwrap(
    await client.POST('/api/auth/enroll/options', { body: { token, ...(userName ? { userName } : {}) } }),
  )
  const credential = (await startRegistration({
    optionsJSON: start.options as unknown as PublicKeyCredentialCreationOptionsJSON,
  })) as unknown as Credential
  return unwrap(
    await client.POST('/api/auth/enroll/verify', {
      body: { ceremonyId: start.ceremonyId, credential, passkeyName: 'This device' },
    }),
  )
}

/** Signs in with any passkey of this site; afterwards the browser holds a session cookie. */
export async function signIn() {
  const start = unwrap(await client.POST('/api/auth/login/options'))
  const credential = (await startAuthentication({
    optionsJSON: start.options as unknown as PublicKeyCredentialRequestOptionsJSON,
  })) as unknown as Credential
  return unwrap(
    await client.POST('/api/auth/login/verify', { body: { ceremonyId: start.ceremonyId, credential } }),
  )
}
