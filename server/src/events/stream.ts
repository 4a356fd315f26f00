import type { EventBus } from './bus.ts'
import type { EventFilter, OrbitEvent } from './types.ts'

export interface StreamOptions {
  lastEventId: number | undefined
  filter: EventFilter
  heartbeatMs: number
  /** A client this many events behind is dropped; it reconnects and replays from the log. Default 10000. */
  maxBuffered?: number
}

/** Where one client's stream goes: the node response itself, or a web stream (see sse-sink.ts). */
export interface SseSink {
  /** Queues bytes for the client; false when its buffer is full and `onDrain` will follow. */
  write(chunk: Uint8Array): boolean
  onDrain(cb: () => void): void
  /** Called once when the client goes away. */
  onClose(cb: () => void): void
  /**
   * Runs `writes` as one batch: a node socket sends what they queue in one syscall (several
   * events published by one request reach each client as one packet, not one each).
   */
  batch?(writes: () => void): void
  /** Ends the stream; `reason` (a comment line) is its last words when the client still reads. */
  end(reason?: string): void
}

const encoder = new TextEncoder()
const heartbeatFrame = encoder.encode(': heartbeat\n\n')

/**
 * Each event's SSE bytes, built once and shared by every subscriber that gets it (the same buffer
 * goes to each socket: no per-subscriber JSON or copy).
 */
const frames = new WeakMap<OrbitEvent, Uint8Array>()
function frameOf(e: OrbitEvent): Uint8Array {
  let f = frames.get(e)
  if (!f) {
    f = encoder.encode(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`)
    frames.set(e, f)
  }
  return f
}

/** A frame not from the bus (reset, ready): `id` only when it moves the client's position. */
interface Control {
  control: true
  id?: number
  bytes: Uint8Array
}
type Item = OrbitEvent | Control

function control(event: string, data: unknown, id?: number): Control {
  const idLine = id === undefined ? '' : `id: ${id}\n`
  return {
    control: true,
    id,
    bytes: encoder.encode(`${idLine}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
  }
}

/**
 * Streams flush together, after the current task: a publish (inside a PATCH, say) only appends the
 * event to each matching subscriber's queue, and the writes happen once the request that published
 * has been answered.
 */
const dirty = new Set<() => void>()
let flushScheduled = false
function scheduleFlush(flush: () => void): void {
  dirty.add(flush)
  if (flushScheduled) return
  flushScheduled = true
  setImmediate(() => {
    flushScheduled = false
    const due = [...dirty]
    dirty.clear()
    for (const f of due) f()
  })
}

/**
 * Writes the event stream to one client until it goes away or the bus closes; resolves then.
 *
 * No gap, no repeat: subscribe first (live events queue up), then compute the replay in the same
 * tick and put it ahead of them (reset, replayed events, ready), then write in order, skipping ids
 * already written. Writes stop while the client's buffer is full and resume on drain, so heartbeats
 * never interleave with an event and one slow client holds nobody else up; a client more than
 * `maxBuffered` events behind is closed with a reason and replays from the log when it reconnects.
 * Resolves with the reason the gateway ended the stream, undefined when the client left.
 */
export function pipeEvents(
  sink: SseSink,
  bus: EventBus,
  options: StreamOptions,
): Promise<string | undefined> {
  const maxBuffered = options.maxBuffered ?? 10_000
  let queue: Item[] = []
  let head = 0
  let last = options.lastEventId ?? 0
  let blocked = false
  let done = false
  let resolveDone: (reason: string | undefined) => void = () => {}
  const finished = new Promise<string | undefined>((r) => {
    resolveDone = r
  })

  const stop = (reason?: string) => {
    if (done) return
    done = true
    clearInterval(heartbeat)
    unsubscribe()
    dirty.delete(flush)
    queue = []
    sink.end(reason)
    resolveDone(reason)
  }
  const flush = () => (sink.batch ? sink.batch(writeQueued) : writeQueued())
  const writeQueued = () => {
    while (!done && !blocked && head < queue.length) {
      const item = queue[head++] as Item
      let bytes: Uint8Array
      if ('control' in item) {
        bytes = item.bytes
        if (item.id !== undefined) last = Math.max(last, item.id)
      } else {
        if (item.id <= last) continue
        bytes = frameOf(item)
        last = item.id
      }
      if (!sink.write(bytes)) blocked = true
    }
    if (head === queue.length) {
      queue = []
      head = 0
    }
  }
  const unsubscribe = bus.subscribe(
    (e) => {
      if (done) return
      queue.push(e)
      if (queue.length - head > maxBuffered) {
        stop(`dropped: more than ${maxBuffered} events behind; reconnect with Last-Event-ID to resume`)
        return
      }
      if (!blocked) scheduleFlush(flush)
    },
    options.filter,
    () => stop('the gateway is shutting down'),
  )
  const heartbeat = setInterval(() => {
    // A client still catching up gets events, which prove the connection as well.
    if (!done && !blocked && head === queue.length && !sink.write(heartbeatFrame)) blocked = true
  }, options.heartbeatMs)
  sink.onDrain(() => {
    blocked = false
    flush()
  })
  sink.onClose(() => stop())

  const start = bus.resume(options.lastEventId, options.filter)
  const ahead: Item[] = []
  if (start.reset) {
    ahead.push(control('reset', { reason: start.reset, latestId: start.latestId }))
    // The position the client gave means nothing here: it continues from the latest id.
    last = 0
  }
  ahead.push(...start.events)
  const readyAt = Math.max(start.events.at(-1)?.id ?? last, start.latestId, last)
  ahead.push(control('ready', { latestId: readyAt }, readyAt))
  queue = [...ahead, ...queue]
  flush()
  return finished
}
