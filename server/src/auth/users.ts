import { randomUUID } from 'node:crypto'
import { and, asc, count, eq } from 'drizzle-orm'
import type { Role } from '../../../openapi/roles.ts'
import type { Db } from '../db/open.ts'
import { passkeys, users } from '../db/schema.ts'

export type UserRow = typeof users.$inferSelect

/** The users table: people who sign in with passkeys, each with one role. */
export class Users {
  constructor(
    private readonly db: Db,
    private readonly now: () => number,
  ) {}

  list(): Array<UserRow & { passkeys: number }> {
    return this.db
      .select({
        id: users.id,
        name: users.name,
        role: users.role,
        createdAt: users.createdAt,
        disabled: users.disabled,
        passkeys: count(passkeys.id),
      })
      .from(users)
      .leftJoin(passkeys, eq(passkeys.userId, users.id))
      .groupBy(users.id)
      .orderBy(asc(users.createdAt), asc(users.name))
      .all()
  }

  get(id: string): UserRow | undefined {
    return this.db.select().from(users).where(eq(users.id, id)).get()
  }

  byName(name: string): UserRow | undefined {
    return this.db.select().from(users).where(eq(users.name, name)).get()
  }

  create(name: string, role: Role, id: string = randomUUID()): UserRow {
    return this.db
      .insert(users)
      .values({ id, name, role, createdAt: this.now(), disabled: false })
      .returning()
      .get()
  }

  update(
    id: string,
    patch: { role?: Role | undefined; disabled?: boolean | undefined },
  ): UserRow | undefined {
    const set = {
      ...(patch.role !== undefined ? { role: patch.role } : {}),
      ...(patch.disabled !== undefined ? { disabled: patch.disabled } : {}),
    }
    if (Object.keys(set).length === 0) return this.get(id)
    return this.db.update(users).set(set).where(eq(users.id, id)).returning().get()
  }

  /** How many enabled admins there are; the first-run link is offered while there are none. */
  enabledAdmins(): number {
    const row = this.db
      .select({ n: count() })
      .from(users)
      .where(and(eq(users.role, 'admin'), eq(users.disabled, false)))
      .get()
    return row?.n ?? 0
  }
}
