import { sqliteTable, text } from 'drizzle-orm/sqlite-core'

/** Facts about this installation that outlive a restart (its id, format versions). */
export const settings = sqliteTable('settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
})
