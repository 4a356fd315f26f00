import { eq } from 'drizzle-orm'
import type { Container } from '../../../../openapi/containers.ts'
import { containers } from '../../db/schema.ts'
import type { Deps } from '../../deps.ts'

export interface DiskChange {
  id: string
  disk: NonNullable<Container['disk']>
}

/**
 * Keeps a container's measured size on its row (so a list page carries it) and announces a new
 * figure as container.disk. An unchanged figure only moves measuredAt, silently: a sweep over a
 * thousand idle containers must not flood every panel with events.
 */
export function recordDisk(deps: Pick<Deps, 'db' | 'events'>, id: string, bytes: number, at: number): void {
  const before = deps.db
    .select({ bytes: containers.diskBytes })
    .from(containers)
    .where(eq(containers.id, id))
    .get()
  if (!before) return // deleted while it was measured
  deps.db.update(containers).set({ diskBytes: bytes, diskMeasuredAt: at }).where(eq(containers.id, id)).run()
  if (before.bytes === bytes) return
  deps.events.publish<DiskChange>('container.disk', id, {
    id,
    disk: { bytes, measuredAt: new Date(at).toISOString() },
  })
}
