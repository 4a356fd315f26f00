import type { Db } from '../db/open.ts'
import { matches } from './filter.ts'
import { IdAllocator } from './id-allocator.ts'
import { EventLog, type Retention } from './log.ts'
import { Throttle } from './throttle.ts'
import type { EventFilter, Listener, OrbitEvent } from './types.ts'

export interface EventBusOptions {
  now?: () => number
  /** Defaults: the newest 10000 events, none older than 24 h. */
  retention?: Partial<Retention>
  /** Coalesced events are stored at most once per this many ms per (type, subject). Default 250. */
  coalesceMs?: number
  /** Prune after this many stored events (and once at start). Default 200. */
  pruneEvery?: number
  /** How often an idle event stream sends a heartbeat comment. Default 15 s. */
  heartbeatMs?: number
  /** An event stream client this many events behind is dropped (it resumes from the log). Default 10000. */
  streamMaxBuffered?: number
}

export interface PublishOptions {
  /**
   * For latest-state events that can come fast (job progress): every one still reaches live
   * subscribers, but the log stores at most one per `coalesceMs` for the same type and subject,
   * and always the last one (at the end of its interval, or at once when another event about
   * the same subject is published, or on close). A replay therefore shows the latest state,
   * not every step. Never use it for events whose every instance matters.
   */
  coalesce?: boolean
}

/** Where a resuming client stands: events to replay, or a reset when its position is lost. */
export interface Resume {
  reset?: 'expired' | 'unknown'
  events: OrbitEvent[]
  /** The highest id handed out when the resume was computed: the stream's position after it. */
  latestId: number
}

interface Subscriber {
  listener: Listener
  filter: EventFilter
  onClose: (() => void) | undefined
}

/** Every state change of the gateway: stored in SQLite with bounded retention, fanned out live. */
export class EventBus {
  readonly heartbeatMs: number
  readonly streamMaxBuffered: number
  private readonly now: () => number
  private readonly ids: IdAllocator
  private readonly log: EventLog
  private readonly coalesceMs: number
  private readonly pruneEvery: number
  private readonly subscribers = new Set<Subscriber>()
  private readonly coalescing = new Map<string, Throttle<OrbitEvent>>()
  private storedSincePrune = 0
  private closed = false
  private readonly outbox: OrbitEvent[] = []
  private delivering = false

  constructor(db: Db, options: EventBusOptions = {}) {
    this.now = options.now ?? Date.now
    this.coalesceMs = options.coalesceMs ?? 250
    this.pruneEvery = options.pruneEvery ?? 200
    this.heartbeatMs = options.heartbeatMs ?? 15_000
    this.streamMaxBuffered = options.streamMaxBuffered ?? 10_000
    this.ids = new IdAllocator(db.$client)
    this.log = new EventLog(db, {
      maxEvents: options.retention?.maxEvents ?? 10_000,
      maxAgeMs: options.retention?.maxAgeMs ?? 24 * 60 * 60 * 1000,
    })
    this.log.prune(this.now())
  }

  /** Records an event and hands it to every matching subscriber; returns it with its id. */
  publish<D>(type: string, subject: string, data: D, options: PublishOptions = {}): OrbitEvent<D> {
    if (this.closed) throw new Error(`the event bus is closed (publishing ${type})`)
    const event: OrbitEvent<D> = {
      id: this.ids.take(),
      time: new Date(this.now()).toISOString(),
      type,
      subject,
      data,
    }
    if (options.coalesce) {
      this.coalescer(type, subject).push(event)
    } else {
      // The subject's pending latest state goes to the log before the event that follows it.
      for (const t of this.coalescing.values()) if (t.pending?.subject === subject) t.flush()
      this.store(event)
    }
    this.outbox.push(event)
    if (!this.delivering) this.deliver()
    return event
  }

  /**
   * Hands out queued events, oldest first. A listener may publish (the audit records a job's
   * end from its job.* listener): that event waits until every subscriber has the current one,
   * so each subscriber sees ids in order (an SSE stream skips an id lower than one it wrote).
   */
  private deliver(): void {
    this.delivering = true
    try {
      for (let event = this.outbox.shift(); event; event = this.outbox.shift()) {
        for (const s of this.subscribers) {
          if (!matches(s.filter, event)) continue
          try {
            s.listener(event)
          } catch (err) {
            console.error('event subscriber failed', err)
          }
        }
      }
    } finally {
      this.delivering = false
    }
  }

  /** Calls `listener` for every later matching event; returns the unsubscribe function. */
  subscribe(listener: Listener, filter: EventFilter = {}, onClose?: () => void): () => void {
    const s: Subscriber = { listener, filter, onClose }
    this.subscribers.add(s)
    return () => {
      this.subscribers.delete(s)
    }
  }

  get subscriberCount(): number {
    return this.subscribers.size
  }

  /** The highest event id handed out so far. */
  latestId(): number {
    return this.ids.latest()
  }

  /** Recorded events after `after`, oldest first, including coalesced ones not yet stored. */
  since(after: number, filter: EventFilter = {}): OrbitEvent[] {
    const stored = this.log.since(after, filter.subject).filter((e) => matches(filter, e))
    const pending = [...this.coalescing.values()]
      .map((t) => t.pending)
      .filter((e): e is OrbitEvent => e !== undefined && e.id > after && matches(filter, e))
    if (pending.length === 0) return stored
    return [...stored, ...pending].sort((a, b) => a.id - b.id)
  }

  /**
   * What a client that last saw `lastEventId` needs: the events after it, or a reset when the
   * log no longer holds them (pruned) or the id was never handed out here (another database).
   * Call it in the same tick as `subscribe` so nothing falls between the two.
   */
  resume(lastEventId: number | undefined, filter: EventFilter = {}): Resume {
    const latestId = this.ids.latest()
    if (lastEventId === undefined) return { events: [], latestId }
    if (lastEventId > latestId) return { reset: 'unknown', events: [], latestId }
    if (lastEventId < this.log.prunedThrough) return { reset: 'expired', events: [], latestId }
    return { events: this.since(lastEventId, filter), latestId }
  }

  /** Stores every pending coalesced event and tells subscribers the bus is gone. */
  close(): void {
    if (this.closed) return
    for (const t of this.coalescing.values()) {
      t.flush()
      t.stop()
    }
    this.coalescing.clear()
    this.closed = true
    for (const s of this.subscribers) s.onClose?.()
    this.subscribers.clear()
  }

  private coalescer(type: string, subject: string): Throttle<OrbitEvent> {
    const key = `${type}\u0000${subject}`
    let t = this.coalescing.get(key)
    if (!t) {
      t = new Throttle<OrbitEvent>(
        this.coalesceMs,
        (e) => this.storeFromTimer(e),
        () => this.coalescing.delete(key),
      )
      this.coalescing.set(key, t)
    }
    return t
  }

  private store(event: OrbitEvent): void {
    this.log.insert(event)
    if (++this.storedSincePrune < this.pruneEvery) return
    this.storedSincePrune = 0
    try {
      this.log.prune(this.now())
    } catch (err) {
      // The event is stored; a failed prune only lets the log grow until the next one.
      console.error('could not prune the event log', err)
    }
  }

  private storeFromTimer(event: OrbitEvent): void {
    try {
      this.store(event)
    } catch (err) {
      // Live subscribers already had it; a lost coalesced row only makes a replay less recent.
      console.error(`could not store event ${event.id} (${event.type})`, err)
    }
  }
}
