import type Database from 'better-sqlite3'

/**
 * Hands out event ids from the events table's AUTOINCREMENT sequence (sqlite_sequence).
 *
 * Not every event becomes a row: coalesced ones (progress) reach live subscribers with an id that
 * may never be stored. Those ids must still never be handed out again, even after a crash, or a
 * client resuming from one would skip new events. So ids are reserved in blocks: the sequence in
 * the database is raised to the end of the block before any id of it is used, one small write per
 * `block` events, and a new process starts after the highest reservation.
 */
export class IdAllocator {
  private next: number
  private reservedThrough: number

  constructor(
    private readonly sqlite: Database.Database,
    private readonly block = 1000,
  ) {
    const seq = sqlite.prepare("select seq from sqlite_sequence where name = 'events'").get() as
      | { seq: number }
      | undefined
    const max = sqlite.prepare('select coalesce(max(id), 0) as id from events').get() as { id: number }
    this.reservedThrough = Math.max(seq?.seq ?? 0, max.id)
    this.next = this.reservedThrough + 1
  }

  /** The next id; strictly greater than every id this database ever handed out. */
  take(): number {
    const id = this.next
    if (id > this.reservedThrough) this.reserve(id + this.block - 1)
    this.next = id + 1
    return id
  }

  /** The highest id handed out so far (0 when none ever was). */
  latest(): number {
    return this.next - 1
  }

  private reserve(through: number): void {
    const raise = this.sqlite.prepare("update sqlite_sequence set seq = ? where name = 'events' and seq < ?")
    const exists = this.sqlite.prepare("select 1 from sqlite_sequence where name = 'events'")
    const create = this.sqlite.prepare("insert into sqlite_sequence (name, seq) values ('events', ?)")
    this.sqlite.transaction(() => {
      if (exists.get()) raise.run(through, through)
      else create.run(through)
    })()
    this.reservedThrough = through
  }
}
