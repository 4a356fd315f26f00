import { createHash } from 'node:crypto'

/** The hash before the first entry. */
export const genesisHash = '0'.repeat(64)

export interface ChainedFields {
  at: number
  actor: string
  ip: string | null
  action: string
  target: string | null
  result: string
  details: string
  prevHash: string
}

/**
 * SHA-256 over a fixed-order JSON array of the entry's fields and the previous hash: any change to
 * any field, or to the order of entries, changes every hash after it.
 */
export function entryHash(e: ChainedFields): string {
  const canonical = JSON.stringify([e.prevHash, e.at, e.actor, e.ip, e.action, e.target, e.result, e.details])
  return createHash('sha256').update(canonical).digest('hex')
}
