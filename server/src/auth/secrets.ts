import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

/** A fresh random secret, base64url (256 bits unless told). */
export const randomSecret = (bytes = 32): string => randomBytes(bytes).toString('base64url')

/** SHA-256 of a secret, base64url: what the database keeps instead of the secret. */
export const sha256 = (secret: string): string => createHash('sha256').update(secret).digest('base64url')

/** Compares two strings in constant time (for their length). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
