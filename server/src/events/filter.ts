import type { EventFilter, OrbitEvent } from './types.ts'

/** Whether `event` passes `filter`. */
export function matches(filter: EventFilter, event: OrbitEvent): boolean {
  if (filter.subject !== undefined && event.subject !== filter.subject) return false
  if (!filter.types || filter.types.length === 0) return true
  return filter.types.some((t) =>
    t.endsWith('.*') ? event.type.startsWith(t.slice(0, -1)) : event.type === t,
  )
}

/** The filter of a `?subject=&types=a,b.*` query. */
export function parseFilter(query: {
  subject?: string | undefined
  types?: string | undefined
}): EventFilter {
  return {
    ...(query.subject ? { subject: query.subject } : {}),
    ...(query.types ? { types: query.types.split(',').filter(Boolean) } : {}),
  }
}
