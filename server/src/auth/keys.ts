import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type CryptoKey, calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose'

export interface SigningKey {
  privateKey: CryptoKey
  publicKey: CryptoKey
  /** The key's JWK thumbprint, sent as `kid` so a rotated key can be told apart. */
  kid: string
}

export const signingKeyFile = (dataDir: string): string => join(dataDir, 'keys', 'jwt-ed25519.jwk')

/**
 * The Ed25519 key that signs API tokens: generated once into <data>/keys/jwt-ed25519.jwk, readable
 * by its owner only; anyone who can read it can mint tokens.
 */
export async function loadSigningKey(dataDir: string): Promise<SigningKey> {
  const file = signingKeyFile(dataDir)
  if (!existsSync(file)) {
    mkdirSync(join(dataDir, 'keys'), { recursive: true, mode: 0o700 })
    const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true })
    const jwk = await exportJWK(privateKey)
    try {
      // 'wx': two gateways starting at once must not overwrite each other's key.
      writeFileSync(file, `${JSON.stringify(jwk)}\n`, { mode: 0o600, flag: 'wx' })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
    }
  }
  chmodSync(file, 0o600)
  const jwk = JSON.parse(readFileSync(file, 'utf8')) as JWK
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x) {
    throw new Error(`${file}: not an Ed25519 private key`)
  }
  const publicJwk = { kty: jwk.kty, crv: jwk.crv, x: jwk.x }
  return {
    privateKey: (await importJWK(jwk, 'EdDSA')) as CryptoKey,
    publicKey: (await importJWK(publicJwk, 'EdDSA')) as CryptoKey,
    kid: await calculateJwkThumbprint(publicJwk),
  }
}
