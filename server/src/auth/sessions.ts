import { eq, lt, or } from 'drizzle-orm'
import type { Db } from '../db/open.ts'
import { sessions, users } from '../db/schema.ts'
import { randomSecret, sha256 } from './secrets.ts'
import type { UserRow } from './users.ts'

export type SessionRow = typeof sessions.$inferSelect

export interface SessionLimits {
  idleMs: number
  maxMs: number
}

export interface LiveSession {
  row: SessionRow
  user: UserRow
  /** When it ends unless used again (never past its absolute end). */
  expiresAt: number
}

/** Renewing on every request would write on every request; a minute's precision is plenty. */
const renewEveryMs = 60_000

/**
 * Browser sessions. The cookie carries a random id; the table keys rows by its SHA-256, so a copy of
 * the database does not hold live session ids. Idle ones end after `idleMs`, every one after `maxMs`.
 */
export class Sessions {
  constructor(
    private readonly db: Db,
    private readonly limits: () => SessionLimits,
    private readonly now: () => number,
  ) {}

  /** Starts a session; `id` goes into the cookie and is not kept. A sign-in is a fresh passkey use. */
  create(
    userId: string,
    ip: string | undefined,
  ): { id: string; idHash: string; csrfToken: string; stepUpAt: number; expiresAt: number } {
    const id = randomSecret()
    const idHash = sha256(id)
    const csrfToken = randomSecret()
    const now = this.now()
    const { idleMs, maxMs } = this.limits()
    this.prune(now)
    this.db
      .insert(sessions)
      .values({
        idHash,
        userId,
        csrfToken,
        createdAt: now,
        lastSeenAt: now,
        maxExpiresAt: now + maxMs,
        stepUpAt: now,
        ip: ip ?? null,
      })
      .run()
    return { id, idHash, csrfToken, stepUpAt: now, expiresAt: Math.min(now + idleMs, now + maxMs) }
  }

  /** The live session of a cookie's id, renewed (sliding); undefined when unknown, ended or its user disabled. */
  lookup(id: string): LiveSession | undefined {
    const idHash = sha256(id)
    const found = this.db
      .select({ row: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.idHash, idHash))
      .get()
    if (!found) return undefined
    const now = this.now()
    const { idleMs } = this.limits()
    const { row, user } = found
    if (user.disabled || now >= row.maxExpiresAt || now >= row.lastSeenAt + idleMs) {
      this.db.delete(sessions).where(eq(sessions.idHash, idHash)).run()
      return undefined
    }
    if (now - row.lastSeenAt >= renewEveryMs) {
      this.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, idHash)).run()
      row.lastSeenAt = now
    }
    return { row, user, expiresAt: Math.min(row.lastSeenAt + idleMs, row.maxExpiresAt) }
  }

  /** Records a passkey confirmation (step-up) on a session. */
  stampStepUp(idHash: string): number {
    const now = this.now()
    this.db.update(sessions).set({ stepUpAt: now }).where(eq(sessions.idHash, idHash)).run()
    return now
  }

  end(idHash: string): void {
    this.db.delete(sessions).where(eq(sessions.idHash, idHash)).run()
  }

  /** Ends every session of a user (disabled, role changed). */
  endAllOf(userId: string): void {
    this.db.delete(sessions).where(eq(sessions.userId, userId)).run()
  }

  private prune(now: number): void {
    const { idleMs } = this.limits()
    this.db
      .delete(sessions)
      .where(or(lt(sessions.maxExpiresAt, now), lt(sessions.lastSeenAt, now - idleMs)))
      .run()
  }
}
