import type { EventEnvelope } from '../../../openapi/events.ts'

/** One state change: the envelope the contract declares, with `data` typed by the publisher. */
export interface OrbitEvent<D = unknown> extends Omit<EventEnvelope, 'data'> {
  data: D
}

/** Which events a subscriber wants; an empty filter wants all. */
export interface EventFilter {
  subject?: string
  /** Exact types, or a prefix ending in `.*` (`job.*`). */
  types?: readonly string[]
}

export type Listener = (event: OrbitEvent) => void
