import type BetterSqlite3 from 'better-sqlite3'
import type { Db } from '../../db/open.ts'

/**
 * The containers table's version as this connection sees it: temp triggers bump a counter on every
 * insert, update and delete of a row, whoever runs it (a service, a job, a raw statement), inside
 * the same transaction (a rollback rolls it back too); SQLite's data_version moves when another
 * connection commits. Together they change whenever the table may have.
 */
class TableVersion {
  private readonly counter: BetterSqlite3.Statement<[], number>
  private readonly dataVersion: BetterSqlite3.Statement<[], number>

  constructor(sqlite: BetterSqlite3.Database) {
    sqlite.exec(`
      CREATE TEMP TABLE IF NOT EXISTS orbit_containers_version (v INTEGER NOT NULL);
      INSERT INTO orbit_containers_version SELECT 0 WHERE NOT EXISTS (SELECT 1 FROM orbit_containers_version);
      CREATE TEMP TRIGGER IF NOT EXISTS orbit_containers_ins AFTER INSERT ON main.containers
        BEGIN UPDATE orbit_containers_version SET v = v + 1; END;
      CREATE TEMP TRIGGER IF NOT EXISTS orbit_containers_upd AFTER UPDATE ON main.containers
        BEGIN UPDATE orbit_containers_version SET v = v + 1; END;
      CREATE TEMP TRIGGER IF NOT EXISTS orbit_containers_del AFTER DELETE ON main.containers
        BEGIN UPDATE orbit_containers_version SET v = v + 1; END;
    `)
    this.counter = sqlite.prepare<[], number>('SELECT v FROM temp.orbit_containers_version').pluck()
    this.dataVersion = sqlite.prepare<[], number>('PRAGMA data_version').pluck()
  }

  now(): string {
    return `${this.counter.get()}.${this.dataVersion.get()}`
  }
}

/** How many distinct pages (filter, limit, cursor) are kept. */
const maxPages = 32

/**
 * Serialized list pages, reused while the table has not changed. A page is a pure function of the
 * table and the query, so one built at version V is exact for as long as the version is V. Kept as
 * UTF-8 bytes, so a hit is written to the socket without encoding it again.
 */
export class ListPageCache {
  private readonly version: TableVersion
  private readonly pages = new Map<string, { version: string; json: Uint8Array<ArrayBuffer> }>()

  constructor(db: Db) {
    this.version = new TableVersion(db.$client)
  }

  get(query: string, build: () => string): Uint8Array<ArrayBuffer> {
    const version = this.version.now()
    const hit = this.pages.get(query)
    if (hit?.version === version) return hit.json
    const json = Buffer.from(build())
    // The version is read again: a page built while the table moved is not kept.
    if (this.version.now() !== version) return json
    this.pages.delete(query)
    if (this.pages.size >= maxPages) {
      const oldest = this.pages.keys().next().value
      if (oldest !== undefined) this.pages.delete(oldest)
    }
    this.pages.set(query, { version, json })
    return json
  }
}

const caches = new WeakMap<Db, ListPageCache>()

/** The one page cache of a database connection. */
export function listPageCache(db: Db): ListPageCache {
  let cache = caches.get(db)
  if (!cache) {
    cache = new ListPageCache(db)
    caches.set(db, cache)
  }
  return cache
}
