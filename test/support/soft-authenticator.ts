// A WebAuthn authenticator in software (ES256, "none" attestation) for tests that need to bend the
// rules: answer with another origin or RP ID, skip user verification, replay, roll a counter back.
// It signs for real, so the gateway's checks run exactly as they do for a browser's authenticator.
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto'
import { isoCBOR } from '@simplewebauthn/server/helpers'

type Json = Record<string, unknown>
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url')
const sha256 = (data: Uint8Array | string): Buffer => createHash('sha256').update(data).digest()

interface Credential {
  id: Buffer
  privateKey: KeyObject
  cose: Uint8Array
  userHandle: string
  counter: number
}

export interface Bend {
  origin?: string
  rpId?: string
  /** Leave the user-verified flag out. */
  noUserVerification?: boolean
  /** Use this counter instead of the next one. */
  counter?: number
  /** Answer this challenge instead of the options'. */
  challenge?: string
}

export class SoftAuthenticator {
  readonly credentials: Credential[] = []

  constructor(
    readonly origin: string,
    readonly rpId: string,
  ) {}

  private authData(rpId: string, flags: number, counter: number, attested?: Credential): Buffer {
    const head = Buffer.alloc(37)
    sha256(rpId).copy(head, 0)
    head[32] = flags
    head.writeUInt32BE(counter, 33)
    if (!attested) return head
    const len = Buffer.alloc(2)
    len.writeUInt16BE(attested.id.length)
    return Buffer.concat([head, Buffer.alloc(16), len, attested.id, attested.cose])
  }

  private clientData(type: string, challenge: string, origin: string): Buffer {
    return Buffer.from(JSON.stringify({ type, challenge, origin, crossOrigin: false }))
  }

  /** navigator.credentials.create() with PublicKeyCredentialCreationOptionsJSON. */
  register(options: Json, bend: Bend = {}): Json {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const jwk = publicKey.export({ format: 'jwk' })
    const cose = isoCBOR.encode(
      new Map<number, number | Uint8Array>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x as string, 'base64url')],
        [-3, Buffer.from(jwk.y as string, 'base64url')],
      ]),
    )
    const user = options.user as { id: string }
    const cred: Credential = { id: randomBytes(16), privateKey, cose, userHandle: user.id, counter: 0 }
    const flags = 0x01 | (bend.noUserVerification ? 0 : 0x04) | 0x40
    const authData = this.authData(bend.rpId ?? this.rpId, flags, 0, cred)
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', new Uint8Array(authData)],
      ]) as never,
    )
    this.credentials.push(cred)
    const clientDataJSON = this.clientData(
      'webauthn.create',
      bend.challenge ?? (options.challenge as string),
      bend.origin ?? this.origin,
    )
    return {
      id: b64u(cred.id),
      rawId: b64u(cred.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
    }
  }

  /** navigator.credentials.get() with PublicKeyCredentialRequestOptionsJSON, using a stored credential. */
  assert(options: Json, bend: Bend = {}, which = 0): Json {
    const cred = this.credentials[which]
    if (!cred) throw new Error('no such credential')
    cred.counter = bend.counter ?? cred.counter + 1
    const flags = 0x01 | (bend.noUserVerification ? 0 : 0x04)
    const authData = this.authData(bend.rpId ?? this.rpId, flags, cred.counter)
    const clientDataJSON = this.clientData(
      'webauthn.get',
      bend.challenge ?? (options.challenge as string),
      bend.origin ?? this.origin,
    )
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientDataJSON)]), cred.privateKey)
    return {
      id: b64u(cred.id),
      rawId: b64u(cred.id),
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authData),
        signature: b64u(signature),
        userHandle: cred.userHandle,
      },
      clientExtensionResults: {},
    }
  }
}
