import { randomUUID } from 'node:crypto'
import { eq } from 'drizzle-orm'
import type { Db } from './open.ts'
import { settings } from './schema.ts'

/** The installation's stable id, created on first use. */
export function installationId(db: Db): string {
  const row = db.select().from(settings).where(eq(settings.key, 'installation_id')).get()
  if (row) return row.value
  const id = randomUUID()
  db.insert(settings).values({ key: 'installation_id', value: id }).onConflictDoNothing().run()
  return db.select().from(settings).where(eq(settings.key, 'installation_id')).get()?.value ?? id
}
