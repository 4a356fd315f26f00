import type { SSEStreamingApi } from 'hono/streaming'
import type { EventBus } from './bus.ts'
import type { EventFilter, OrbitEvent } from './types.ts'

export interface StreamOptions {
  lastEventId: number | undefined
  filter: EventFilter
  heartbeatMs: number
  /** A client this far behind is dropped; it reconnects and replays from the log. Default 10000. */
  maxBuffered?: number
}

/**
 * Writes the event stream to one client until it goes away or the bus closes.
 *
 * No gap, no repeat: subscribe first (live events queue up), then compute the replay in the
 * same tick, write the replay, then drain the queue skipping ids already written. All writes
 * happen in this one loop, so heartbeats never interleave with an event.
 */
export async function pipeEvents(
  stream: SSEStreamingApi,
  bus: EventBus,
  options: StreamOptions,
): Promise<void> {
  const maxBuffered = options.maxBuffered ?? 10_000
  const queue: OrbitEvent[] = []
  let done = false
  let heartbeatDue = false
  let wake: (() => void) | undefined
  const signal = () => {
    const w = wake
    wake = undefined
    w?.()
  }
  const stop = () => {
    done = true
    signal()
  }
  const unsubscribe = bus.subscribe(
    (e) => {
      queue.push(e)
      if (queue.length > maxBuffered) stream.abort() // unblocks a write stuck on a client that reads nothing
      signal()
    },
    options.filter,
    stop,
  )
  stream.onAbort(stop)
  const heartbeat = setInterval(() => {
    heartbeatDue = true
    signal()
  }, options.heartbeatMs)
  const send = (e: OrbitEvent) =>
    stream.writeSSE({ id: String(e.id), event: e.type, data: JSON.stringify(e) })
  try {
    const start = bus.resume(options.lastEventId, options.filter)
    let last = options.lastEventId ?? 0
    if (start.reset) {
      await stream.writeSSE({
        event: 'reset',
        data: JSON.stringify({ reason: start.reset, latestId: start.latestId }),
      })
    }
    for (const e of start.events) {
      if (done) return
      await send(e)
      last = e.id
    }
    last = Math.max(last, start.latestId)
    await stream.writeSSE({ event: 'ready', id: String(last), data: JSON.stringify({ latestId: last }) })
    while (!done) {
      if (queue.length === 0 && !heartbeatDue) {
        await new Promise<void>((resolve) => {
          wake = resolve
        })
      }
      for (const e of queue.splice(0)) {
        if (done) return
        if (e.id <= last) continue
        await send(e)
        last = e.id
      }
      if (heartbeatDue && !done) {
        heartbeatDue = false
        await stream.write(': heartbeat\n\n')
      }
    }
  } finally {
    clearInterval(heartbeat)
    unsubscribe()
  }
}
