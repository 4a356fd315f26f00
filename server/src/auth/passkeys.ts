import { and, asc, eq } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { passkeys } from '../db/schema.ts'

export type PasskeyRow = typeof passkeys.$inferSelect
export type NewPasskey = Omit<PasskeyRow, 'createdAt' | 'lastUsedAt'>

/** Registered WebAuthn credentials; a user has one or more. */
export class Passkeys {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  ofUser(userId: string): PasskeyRow[] {
    return this.db
      .select()
      .from(passkeys)
      .where(eq(passkeys.userId, userId))
      .orderBy(asc(passkeys.createdAt))
      .all()
  }

  get(id: string): PasskeyRow | undefined {
    return this.db.select().from(passkeys).where(eq(passkeys.id, id)).get()
  }

  add(p: NewPasskey): PasskeyRow {
    return this.db
      .insert(passkeys)
      .values({ ...p, createdAt: this.now(), lastUsedAt: null })
      .returning()
      .get()
  }

  rename(userId: string, id: string, name: string): PasskeyRow | undefined {
    return this.db
      .update(passkeys)
      .set({ name })
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
      .returning()
      .get()
  }

  remove(userId: string, id: string): boolean {
    const gone = this.db
      .delete(passkeys)
      .where(and(eq(passkeys.id, id), eq(passkeys.userId, userId)))
      .returning({ id: passkeys.id })
      .all()
    return gone.length > 0
  }

  /**
   * Stores the counter an assertion reported. The update only succeeds when the stored counter is
   * still the one the assertion was checked against, so two racing assertions cannot both pass.
   */
  recordUse(id: string, checkedCounter: number, newCounter: number): boolean {
    const done = this.db
      .update(passkeys)
      .set({ counter: newCounter, lastUsedAt: this.now() })
      .where(and(eq(passkeys.id, id), eq(passkeys.counter, checkedCounter)))
      .returning({ id: passkeys.id })
      .all()
    return done.length > 0
  }
}
