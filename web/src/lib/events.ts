import type { components } from '../../../sdk-gen/client.ts'
import { client } from './api.ts'
import { SseParser } from './sse.ts'

/** An event of the stream (the contract's Event); `data` depends on `type`. */
export type OrbitEvent = components['schemas']['Event']

export type StreamStatus = 'connecting' | 'live' | 'reconnecting' | 'stopped'

/** What the stream hands to its subscribers, in order. */
export type StreamMessage =
  | { kind: 'event'; event: OrbitEvent }
  /** The resume point was pruned or unknown: events were missed, refetch state. */
  | { kind: 'reset'; reason: string; latestId: number }
  /** The replay is over; what follows is live. */
  | { kind: 'ready'; latestId: number }

export interface EventStreamOptions {
  /** Opens the stream after `lastEventId` (undefined: from now). Resolves to the HTTP response. */
  connect: (lastEventId: number | undefined, signal: AbortSignal) => Promise<Response>
  /** No byte for this long (the server sends a heartbeat every 15 s) means the link is dead. */
  heartbeatTimeoutMs?: number
  /** Reconnect delays: doubling from initialMs up to maxMs, with up to 20% jitter. */
  backoff?: { initialMs: number; maxMs: number }
  random?: () => number
  /** Called when the gateway refuses the credentials; the stream stops instead of retrying. */
  onUnauthorized?: () => void
}

export interface EventStream {
  start(): void
  stop(): void
  /** Every message from now on; returns the unsubscribe. */
  subscribe(listener: (msg: StreamMessage) => void): () => void
  onStatus(listener: (status: StreamStatus) => void): () => void
  readonly status: StreamStatus
  readonly lastEventId: number | undefined
}

/**
 * The panel's one event-stream owner. It reads /api/events with fetch (so a bearer token works as
 * well as the cookie, which EventSource could not do), resumes from the last id it saw with
 * Last-Event-ID, declares the link dead when not even a heartbeat arrives in time, and reconnects
 * with backoff. Pages subscribe; they never open a stream of their own.
 */
export function createEventStream(options: EventStreamOptions): EventStream {
  // `localStorage['orbit.debug'] = '1'` logs every message: for finding where an update got lost.
  const debug = typeof localStorage !== 'undefined' && localStorage.getItem('orbit.debug') === '1'
  const heartbeatTimeoutMs = options.heartbeatTimeoutMs ?? 45_000
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 30_000 }
  const random = options.random ?? Math.random
  const listeners = new Set<(msg: StreamMessage) => void>()
  const statusListeners = new Set<(status: StreamStatus) => void>()
  let status: StreamStatus = 'stopped'
  let lastEventId: number | undefined
  let running = false
  let attempt = 0
  let abort: AbortController | undefined
  let retryTimer: ReturnType<typeof setTimeout> | undefined
  let idleTimer: ReturnType<typeof setTimeout> | undefined

  const setStatus = (s: StreamStatus) => {
    if (s === status) return
    status = s
    for (const l of [...statusListeners]) l(s)
  }
  const emit = (msg: StreamMessage) => {
    for (const l of [...listeners]) {
      // A subscriber's failure (a view that throws) must not cut the stream for everyone else.
      try {
        l(msg)
      } catch (err) {
        console.error('event subscriber failed', err)
      }
    }
  }
  const clearIdle = () => {
    if (idleTimer !== undefined) clearTimeout(idleTimer)
    idleTimer = undefined
  }
  const armIdle = (controller: AbortController) => {
    clearIdle()
    idleTimer = setTimeout(() => controller.abort(new Error('no heartbeat')), heartbeatTimeoutMs)
  }

  const scheduleRetry = () => {
    if (!running) return
    setStatus('reconnecting')
    const base = Math.min(backoff.maxMs, backoff.initialMs * 2 ** attempt)
    attempt++
    retryTimer = setTimeout(connectOnce, base * (1 + 0.2 * random()))
  }

  const handle = (m: { id: string | undefined; event: string; data: string }) => {
    if (debug) console.debug('orbit event', m.id, m.event, m.data.length)
    if (m.id !== undefined && /^\d+$/.test(m.id)) lastEventId = Number(m.id)
    if (m.event === 'reset') {
      const d = JSON.parse(m.data) as { reason: string; latestId: number }
      emit({ kind: 'reset', reason: d.reason, latestId: d.latestId })
    } else if (m.event === 'ready') {
      const d = JSON.parse(m.data) as { latestId: number }
      attempt = 0
      setStatus('live')
      emit({ kind: 'ready', latestId: d.latestId })
    } else {
      let event: OrbitEvent
      try {
        event = JSON.parse(m.data) as OrbitEvent
      } catch {
        return // not ours to guess at; the id is still recorded so a resume skips it
      }
      emit({ kind: 'event', event })
    }
  }

  async function connectOnce() {
    retryTimer = undefined
    if (!running) return
    const controller = new AbortController()
    abort = controller
    if (status !== 'reconnecting') setStatus('connecting')
    try {
      armIdle(controller)
      const response = await options.connect(lastEventId, controller.signal)
      if (response.status === 401 || response.status === 403) {
        // No credentials, or no events:read scope: retrying cannot help; the app decides.
        clearIdle()
        running = false
        setStatus('stopped')
        if (response.status === 401) options.onUnauthorized?.()
        return
      }
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`)
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader()
      // Aborting a fetch ends its body, but be sure: a pending read must end on a dead link.
      controller.signal.addEventListener('abort', () => void reader.cancel().catch(() => {}), { once: true })
      if (controller.signal.aborted) void reader.cancel().catch(() => {})
      const parser = new SseParser()
      for (;;) {
        armIdle(controller)
        const { done, value } = await reader.read()
        if (done) break
        for (const m of parser.push(value)) handle(m)
      }
    } catch {
      // Aborted (stop, dead link) or cut off: the retry below decides whether to go on.
    } finally {
      clearIdle()
      if (abort === controller) abort = undefined
    }
    if (running) scheduleRetry()
  }

  return {
    start() {
      if (running) return
      running = true
      attempt = 0
      void connectOnce()
    },
    stop() {
      running = false
      if (retryTimer !== undefined) clearTimeout(retryTimer)
      retryTimer = undefined
      clearIdle()
      abort?.abort()
      setStatus('stopped')
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    onStatus(listener) {
      statusListeners.add(listener)
      return () => statusListeners.delete(listener)
    },
    get status() {
      return status
    },
    get lastEventId() {
      return lastEventId
    },
  }
}

/** Opens /api/events through the generated client (its auth, cookie and 401 hook apply). */
export async function connectWithClient(lastEventId: number | undefined, signal: AbortSignal) {
  const { response } = await client.GET('/api/events', {
    params: { header: lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) } },
    parseAs: 'stream',
    signal,
  })
  return response
}

/** The panel's stream; the app starts it once signed in and stops it on sign-out. */
export const events: EventStream = createEventStream({ connect: connectWithClient })
