import { type PublicKeyCredentialCreationOptionsJSON, startRegistration } from '@simplewebauthn/browser'
import type { components } from '../../../../sdk-gen/client.ts'
import { call, client } from '../../lib/api.ts'
import { withStepUp } from '../admin/step-up.ts'

type Credential = components['schemas']['WebAuthnCredential']

/** Registers another passkey for the signed-in user (a confirmation first if the gateway asks). */
export async function addPasskey(name: string) {
  const start = await withStepUp(() => call(client.POST('/api/passkeys/options')))
  const credential = (await startRegistration({
    optionsJSON: start.options as unknown as PublicKeyCredentialCreationOptionsJSON,
  })) as unknown as Credential
  return call(client.POST('/api/passkeys', { body: { ceremonyId: start.ceremonyId, credential, name } }))
}
