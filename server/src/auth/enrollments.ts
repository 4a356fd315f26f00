import { randomUUID } from 'node:crypto'
import { and, eq, gt, isNull } from 'drizzle-orm'
import type { Role } from '../../../openapi/roles.ts'
import type { Db } from '../db/open.ts'
import { enrollments } from '../db/schema.ts'
import { randomSecret, sha256 } from './secrets.ts'

export type EnrollmentRow = typeof enrollments.$inferSelect

/** The first-run link lives 15 minutes. */
export const setupTtlMs = 15 * 60_000

/** One-time links that let someone register a first passkey: the setup link and admins' invitations. */
export class Enrollments {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  /** A new link's secret (shown once) and its row. A new setup link voids any earlier unused one. */
  create(input: {
    kind: EnrollmentRow['kind']
    role: Role
    name: string | null
    createdBy: string
    ttlMs: number
  }): { token: string; row: EnrollmentRow } {
    const token = randomSecret()
    const now = this.now()
    const row = this.db.transaction((tx) => {
      if (input.kind === 'setup') {
        tx.update(enrollments)
          .set({ expiresAt: now })
          .where(and(eq(enrollments.kind, 'setup'), isNull(enrollments.usedAt)))
          .run()
      }
      return tx
        .insert(enrollments)
        .values({
          id: randomUUID(),
          tokenHash: sha256(token),
          kind: input.kind,
          role: input.role,
          name: input.name,
          createdBy: input.createdBy,
          createdAt: now,
          expiresAt: now + input.ttlMs,
          usedAt: null,
        })
        .returning()
        .get()
    })
    return { token, row }
  }

  /** The link's row while it is unused and unexpired. */
  find(token: string): EnrollmentRow | undefined {
    const row = this.db
      .select()
      .from(enrollments)
      .where(eq(enrollments.tokenHash, sha256(token)))
      .get()
    return row && row.usedAt === null && row.expiresAt > this.now() ? row : undefined
  }

  get(id: string): EnrollmentRow | undefined {
    return this.db.select().from(enrollments).where(eq(enrollments.id, id)).get()
  }

  /** Marks a link used; false when it already was (or expired), so only one registration wins. */
  use(id: string): boolean {
    const now = this.now()
    const row = this.db
      .update(enrollments)
      .set({ usedAt: now })
      .where(and(eq(enrollments.id, id), isNull(enrollments.usedAt), gt(enrollments.expiresAt, now)))
      .returning({ id: enrollments.id })
      .get()
    return row !== undefined
  }
}
