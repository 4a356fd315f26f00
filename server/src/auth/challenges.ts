import { randomUUID } from 'node:crypto'
import { count, eq, lt } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { webauthnChallenges } from '../db/schema.ts'
import { OrbitError } from '../errors.ts'

export type ChallengePurpose = (typeof webauthnChallenges.$inferSelect)['purpose']

/** How long a passkey ceremony may take between its options and its answer. */
export const challengeTtlMs = 5 * 60_000

/** Open ceremonies cost a row each; beyond this many, new ones wait (a flood must not fill the disk). */
export const maxOpenChallenges = 10_000

/** WebAuthn challenges kept server-side: each is used once (or never) and expires. */
export class Challenges {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /** Stores a ceremony's challenge; the returned id is what the client sends back with its answer. */
  create(purpose: ChallengePurpose, challenge: string, context: Record<string, string>): string {
    const id = randomUUID()
    const now = this.now()
    this.db.delete(webauthnChallenges).where(lt(webauthnChallenges.expiresAt, now)).run()
    const open = this.db.select({ n: count() }).from(webauthnChallenges).get()?.n ?? 0
    if (open >= maxOpenChallenges) {
      throw new OrbitError(
        'ERATE_LIMITED',
        'too many passkey ceremonies are open; try again in a few minutes',
      )
    }
    this.db
      .insert(webauthnChallenges)
      .values({ id, purpose, challenge, context, expiresAt: now + challengeTtlMs })
      .run()
    return id
  }

  /**
   * Takes a ceremony's challenge out of the store: deleted first, whatever the answer turns out to be,
   * so a replayed answer finds nothing. Undefined when unknown, already used, expired or of another kind.
   */
  consume(
    id: string,
    purpose: ChallengePurpose,
  ): { challenge: string; context: Record<string, string> } | undefined {
    const row = this.db.delete(webauthnChallenges).where(eq(webauthnChallenges.id, id)).returning().get()
    if (!row || row.purpose !== purpose || row.expiresAt <= this.now()) return undefined
    return { challenge: row.challenge, context: row.context }
  }
}
