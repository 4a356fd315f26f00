import { HttpResponse, http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { origin } from '../test/fake-gateway.ts'
import { connectWithClient, createEventStream, type StreamMessage, type StreamStatus } from './events.ts'

/** A response whose body the test writes as the server would. */
function sseResponse() {
  let controller!: ReadableStreamDefaultController<Uint8Array>
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c
    },
  })
  const enc = new TextEncoder()
  return {
    response: new Response(body, { headers: { 'content-type': 'text/event-stream' } }),
    write: (text: string) => controller.enqueue(enc.encode(text)),
    end: () => controller.close(),
  }
}
const event = (id: number, type = 'job.created') =>
  `id: ${id}\nevent: ${type}\ndata: ${JSON.stringify({ id, time: 't', type, subject: 's', data: {} })}\n\n`
const ready = (id: number) => `event: ready\nid: ${id}\ndata: {"latestId":${id}}\n\n`

const waitFor = (check: () => boolean, ms = 2000) =>
  vi.waitFor(() => expect(check()).toBe(true), { timeout: ms })

describe('the event stream owner', () => {
  it('delivers events in order, goes live on ready and resumes from the last id it saw', async () => {
    const opened: Array<number | undefined> = []
    const streams: Array<ReturnType<typeof sseResponse>> = []
    const s = createEventStream({
      connect: async (last) => {
        opened.push(last)
        const r = sseResponse()
        streams.push(r)
        return r.response
      },
      backoff: { initialMs: 5, maxMs: 50 },
      random: () => 0,
    })
    const got: StreamMessage[] = []
    const statuses: StreamStatus[] = []
    s.subscribe((m) => got.push(m))
    s.onStatus((st) => statuses.push(st))
    s.start()
    await waitFor(() => streams.length === 1)
    streams[0]?.write(event(3) + event(5) + ready(5))
    await waitFor(() => got.length === 3)
    expect(got.map((m) => (m.kind === 'event' ? m.event.id : m.kind))).toEqual([3, 5, 'ready'])
    expect(s.status).toBe('live')
    streams[0]?.write(event(8))
    streams[0]?.end()
    await waitFor(() => streams.length === 2)
    expect(opened).toEqual([undefined, 8])
    expect(statuses).toEqual(['connecting', 'live', 'reconnecting'])
    s.stop()
    expect(s.status).toBe('stopped')
  })

  it('backs off more after each failed attempt, and starts over after a good connection', async () => {
    const times: number[] = []
    let fail = true
    const s = createEventStream({
      connect: async () => {
        times.push(Date.now())
        if (fail && times.length < 5) throw new TypeError('fetch failed')
        const r = sseResponse()
        r.write(ready(1))
        return r.response
      },
      backoff: { initialMs: 20, maxMs: 1000 },
      random: () => 0,
    })
    s.start()
    await waitFor(() => s.status === 'live', 3000)
    fail = false
    const gaps = times.slice(1).map((t, i) => t - (times[i] as number))
    // 20, 40, 80, 160 ms (timers may run a little late, never early).
    expect(gaps.length).toBe(4)
    gaps.forEach((g, i) => {
      expect(g).toBeGreaterThanOrEqual(20 * 2 ** i - 2)
    })
    expect(gaps[3]).toBeGreaterThan(gaps[0] as number)
    s.stop()
  })

  it('declares a silent link dead after the heartbeat timeout, but heartbeats keep it open', async () => {
    const streams: Array<ReturnType<typeof sseResponse>> = []
    const aborted: boolean[] = []
    const s = createEventStream({
      connect: async (_last, signal) => {
        const r = sseResponse()
        streams.push(r)
        aborted.push(false)
        const i = aborted.length - 1
        signal.addEventListener('abort', () => {
          aborted[i] = true
        })
        return r.response
      },
      heartbeatTimeoutMs: 150,
      backoff: { initialMs: 5, maxMs: 5 },
      random: () => 0,
    })
    s.start()
    await waitFor(() => streams.length === 1)
    streams[0]?.write(ready(1))
    // Heartbeats every 50 ms for 400 ms: more than twice the timeout, still the same connection.
    for (let i = 0; i < 8; i++) {
      await new Promise((r) => setTimeout(r, 50))
      streams[0]?.write(': heartbeat\n\n')
    }
    expect(streams.length).toBe(1)
    expect(aborted[0]).toBe(false)
    // Then silence: the owner gives up on it and opens a new one.
    await waitFor(() => streams.length === 2, 1000)
    expect(aborted[0]).toBe(true)
    s.stop()
    expect(aborted[1]).toBe(true)
  })

  it('passes on a reset (events were missed) and stops without retrying on 401', async () => {
    let calls = 0
    const onUnauthorized = vi.fn()
    const got: StreamMessage[] = []
    const s = createEventStream({
      connect: async () => {
        calls++
        if (calls === 1) {
          const r = sseResponse()
          r.write(`event: reset\ndata: {"reason":"expired","latestId":40}\n\n${ready(40)}`)
          r.end()
          return r.response
        }
        return new Response('{}', { status: 401 })
      },
      backoff: { initialMs: 5, maxMs: 5 },
      onUnauthorized,
    })
    s.subscribe((m) => got.push(m))
    s.start()
    await waitFor(() => s.status === 'stopped' && calls === 2)
    expect(got[0]).toEqual({ kind: 'reset', reason: 'expired', latestId: 40 })
    expect(s.lastEventId).toBe(40)
    expect(onUnauthorized).toHaveBeenCalledTimes(1)
    await new Promise((r) => setTimeout(r, 50))
    expect(calls).toBe(2)
  })
})

describe('a stream the principal may not read', () => {
  it('stops on 403 without retrying and without calling it a lost session', async () => {
    let calls = 0
    const onUnauthorized = vi.fn()
    const s = createEventStream({
      connect: async () => {
        calls++
        return new Response('{}', { status: 403 })
      },
      backoff: { initialMs: 5, maxMs: 5 },
      onUnauthorized,
    })
    s.start()
    await waitFor(() => s.status === 'stopped' && calls === 1)
    await new Promise((r) => setTimeout(r, 50))
    expect(calls).toBe(1)
    expect(onUnauthorized).not.toHaveBeenCalled()
  })
})

describe('connectWithClient', () => {
  const server = setupServer()
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
  afterEach(() => server.resetHandlers())
  afterAll(() => server.close())

  it('opens /api/events through the client with Last-Event-ID', async () => {
    const seen: Array<string | null> = []
    server.use(
      http.get(`${origin}/api/events`, ({ request }) => {
        seen.push(request.headers.get('last-event-id'))
        return new HttpResponse(ready(12), { headers: { 'content-type': 'text/event-stream' } })
      }),
    )
    const first = await connectWithClient(undefined, new AbortController().signal)
    expect(await first.text()).toBe(ready(12))
    await connectWithClient(12, new AbortController().signal)
    expect(seen).toEqual([null, '12'])
  })
})
