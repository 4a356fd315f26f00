import { type PublicKeyCredentialRequestOptionsJSON, startAuthentication } from '@simplewebauthn/browser'
import type { components } from '../../../../sdk-gen/client.ts'
import { call, client } from '../../lib/api.ts'

type Credential = components['schemas']['WebAuthnCredential']

/** Confirms this session with one of the user's passkeys (POST /api/auth/step-up/*). */
export async function confirmWithPasskey(): Promise<void> {
  const start = await call(client.POST('/api/auth/step-up/options'))
  const credential = (await startAuthentication({
    optionsJSON: start.options as unknown as PublicKeyCredentialRequestOptionsJSON,
  })) as unknown as Credential
  await call(client.POST('/api/auth/step-up/verify', { body: { ceremonyId: start.ceremonyId, credential } }))
}
