// The event stream over real HTTP (@hono/node-server on a free port), as browsers and the CLI see it.
import assert from 'node:assert/strict'
import { type AddressInfo, connect as tcp } from 'node:net'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { type ServerType, serve } from '@hono/node-server'
import type { Scope } from '../../../openapi/index.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'
import { readSse, type SseMessage } from './sse-reader.ts'

let t: TestApp
let server: ServerType
let base: string
/** The gateway's own subscribers (metrics, install outcomes): there before any client connects. */
let internalSubscribers: number

before(async () => {
  t = await makeTestApp({
    events: { heartbeatMs: 100, retention: { maxEvents: 2000 }, streamMaxBuffered: 200 },
    verifyToken: (tok) => {
      if (tok === 'jobs-only') return { subject: 'j', scopes: new Set<Scope>(['jobs:read']) }
      return tok === 'test-admin-token-0123456789abcdef' ? { subject: 'admin', scopes: 'all' } : undefined
    },
  })
  server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise<void>((resolve) => server.once('listening', () => resolve()))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  internalSubscribers = t.deps.events.subscriberCount
})
after(async () => {
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    if ('closeAllConnections' in server) server.closeAllConnections()
  })
  await t.cleanup()
})

interface Client {
  status: number
  next(timeoutMs?: number): Promise<SseMessage>
  /** Reads until a message of `type`, returning it and everything before it. */
  until(type: string): Promise<SseMessage[]>
  close(): void
}

async function connect(query = '', headers: Record<string, string> = bearer()): Promise<Client> {
  const abort = new AbortController()
  const res = await fetch(`${base}/api/events${query}`, { headers, signal: abort.signal })
  assert.ok(res.body)
  const messages = readSse(res.body)
  const next = async (timeoutMs = 5000): Promise<SseMessage> => {
    const timer = sleep(timeoutMs, 'timeout' as const, { ref: false })
    const r = await Promise.race([messages.next(), timer])
    if (r === 'timeout') throw new Error(`no message within ${timeoutMs} ms`)
    if (r.done) throw new Error('the stream ended')
    return r.value
  }
  return {
    status: res.status,
    next,
    async until(type) {
      const seen: SseMessage[] = []
      for (;;) {
        const m = await next()
        seen.push(m)
        if (m.event === type) return seen
      }
    },
    close: () => abort.abort(),
  }
}

async function waitFor(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
    await sleep(10)
  }
}

const bus = () => t.deps.events

test('without a token the stream is a 401 problem; without events:read a 403', async () => {
  const res = await fetch(`${base}/api/events`)
  assert.equal(res.status, 401)
  assert.equal(res.headers.get('content-type'), 'application/problem+json')
  assert.equal(((await res.json()) as { code: string }).code, 'EUNAUTHENTICATED')
  const res2 = await fetch(`${base}/api/events`, { headers: bearer('jobs-only') })
  assert.equal(res2.status, 403)
  assert.equal(((await res2.json()) as { code: string }).code, 'EFORBIDDEN')
  const res3 = await fetch(`${base}/api/events?lastEventId=abc`, { headers: bearer() })
  assert.equal(res3.status, 400)
  assert.equal(((await res3.json()) as { code: string }).code, 'EVALIDATION')
})

test('events arrive in order, with their id, type and envelope, after a ready event', async () => {
  const c = await connect()
  assert.equal(c.status, 200)
  const ready = await c.next()
  assert.equal(ready.event, 'ready')
  assert.equal(ready.id, String(bus().latestId()))
  const published = [1, 2, 3].map((n) => bus().publish('test.order', 'order', { n }))
  for (const e of published) {
    const m = await c.next()
    assert.equal(m.event, 'test.order')
    assert.equal(m.id, String(e.id))
    assert.deepEqual(JSON.parse(m.data), e)
  }
  c.close()
})

test('a reconnect with Last-Event-ID misses nothing and repeats nothing while events keep coming', async () => {
  let n = 0
  const timer = setInterval(() => bus().publish('test.tick', 'ticker', { n: n++ }), 2)
  const seen: number[] = []
  const ids: number[] = []
  let last: string | undefined
  try {
    for (let round = 0; round < 6; round++) {
      // Alternate the header (what EventSource sends) and the query fallback.
      const c =
        last === undefined
          ? await connect('?types=test.tick')
          : round % 2 === 0
            ? await connect('?types=test.tick', { ...bearer(), 'last-event-id': last })
            : await connect(`?types=test.tick&lastEventId=${last}`)
      let got = 0
      while (got < 25) {
        const m = await c.next()
        if (m.id !== undefined) last = m.id
        if (m.event !== 'test.tick') continue
        seen.push((JSON.parse(m.data) as { data: { n: number } }).data.n)
        ids.push(Number(m.id))
        got++
      }
      c.close()
      await sleep(20) // ticks keep being published while no client is connected
    }
  } finally {
    clearInterval(timer)
  }
  const first = seen[0] ?? 0
  assert.deepEqual(
    seen,
    seen.map((_, i) => first + i),
    'every tick exactly once, in order',
  )
  assert.ok(
    ids.every((id, i) => i === 0 || id > (ids[i - 1] ?? 0)),
    'ids strictly increase',
  )
  assert.ok(n > seen.length, 'ticks were published during the disconnects')
})

test('an idle stream gets heartbeat comments', async () => {
  const c = await connect('?subject=nothing-happens-here')
  assert.equal((await c.next()).event, 'ready')
  const m = await c.next(2000)
  assert.equal(m.event, 'comment')
  assert.equal(m.comment, 'heartbeat')
  c.close()
})

test('filters by subject and by type prefix', async () => {
  const c = await connect('?subject=s1&types=alpha.*,beta.exact')
  await c.until('ready')
  bus().publish('alpha.one', 's2', {})
  bus().publish('gamma.one', 's1', {})
  bus().publish('beta.exactly', 's1', {})
  const a = bus().publish('alpha.two', 's1', {})
  const b = bus().publish('beta.exact', 's1', {})
  assert.equal((await c.next()).id, String(a.id))
  assert.equal((await c.next()).id, String(b.id))
  c.close()
})

test('a resume from a pruned position starts with a reset, then continues live', async () => {
  const before = bus().latestId()
  for (let i = 0; i < 2300; i++) bus().publish('test.flood', 'flood', { i })
  const c = await connect('', { ...bearer(), 'last-event-id': String(before) })
  const reset = await c.next()
  assert.equal(reset.event, 'reset')
  assert.equal(reset.id, undefined, 'a reset does not move the position')
  assert.deepEqual(JSON.parse(reset.data), { reason: 'expired', latestId: bus().latestId() })
  const ready = await c.next()
  assert.equal(ready.event, 'ready')
  const live = bus().publish('test.after', 'x', {})
  assert.equal((await c.next()).id, String(live.id))
  c.close()
  const unknown = await connect('?lastEventId=999999999')
  assert.equal(JSON.parse((await unknown.next()).data).reason, 'unknown')
  unknown.close()
})

test('a client that goes away is unsubscribed', async () => {
  await waitFor(() => bus().subscriberCount === internalSubscribers, 'earlier clients to be gone')
  const clients = await Promise.all([connect(), connect(), connect()])
  for (const c of clients) assert.equal((await c.next()).event, 'ready')
  assert.equal(bus().subscriberCount, internalSubscribers + 3)
  for (const c of clients) c.close()
  await waitFor(() => bus().subscriberCount === internalSubscribers, 'the subscriptions to end')
})

test('a client that stops reading is dropped with a reason; the others keep getting events at once', async () => {
  await waitFor(() => bus().subscriberCount === internalSubscribers, 'earlier clients to be gone')
  const port = (server.address() as AddressInfo).port
  // A raw socket that reads the head and then nothing, so the kernel and node buffers fill up.
  const slow = tcp({ host: '127.0.0.1', port })
  let slowText = ''
  let resumed = false
  const onSlowData = (d: Buffer) => {
    slowText += d.toString('latin1')
    if (slowText.includes('event: ready') && !resumed) {
      resumed = true
      slow.pause()
    }
  }
  slow.on('data', onSlowData)
  slow.write(
    `GET /api/events?types=test.big HTTP/1.1\r\nhost: 127.0.0.1:${port}\r\nauthorization: ${bearer().authorization}\r\n\r\n`,
  )
  const fast = await connect('?types=test.big')
  await fast.until('ready')
  await waitFor(() => slowText.includes('event: ready'), 'the slow client to be subscribed')
  const slowClosed = new Promise<void>((r) => slow.once('close', () => r()))
  const payload = 'x'.repeat(64 * 1024)
  const received: number[] = []
  // 1000 events of 64 KiB (~64 MiB), 20 at a time, each batch waited for by the reading client:
  // far beyond the slow one's socket buffers and its 200 events.
  for (let n = 0; n < 1000; n += 20) {
    for (let k = n; k < n + 20; k++) bus().publish('test.big', 'big', { n: k, payload })
    // Once dropped, the slow client reads again: what it was sent ends with the reason.
    if (slow.isPaused() && bus().subscriberCount === internalSubscribers + 1) slow.resume()
    while (received.length < n + 20) {
      const m = await fast.next()
      if (m.event === 'test.big') received.push((JSON.parse(m.data) as { data: { n: number } }).data.n)
    }
  }
  assert.deepEqual(
    received,
    received.map((_, i) => i),
    'the reading client got every event in order',
  )
  assert.ok(!slow.isPaused(), 'the slow client was dropped')
  await slowClosed
  assert.match(
    slowText,
    /: dropped: more than 200 events behind; reconnect with Last-Event-ID to resume\n\n\r\n0\r\n\r\n$/,
  )
  const slowGot = [...slowText.matchAll(/"n":(\d+)/g)].map((m) => Number(m[1]))
  assert.ok(
    slowGot.length > 0 && slowGot.length < 1000,
    `the slow client got part of the stream (${slowGot.length})`,
  )
  assert.deepEqual(
    slowGot,
    slowGot.map((_, i) => i),
    'what it got has no gap',
  )
  fast.close()
  slow.off('data', onSlowData)
})

test('each event is serialized once however many clients get it', async () => {
  await waitFor(() => bus().subscriberCount === internalSubscribers, 'earlier clients to be gone')
  const clients = await Promise.all([connect(), connect(), connect()])
  for (const c of clients) await c.until('ready')
  let serialized = 0
  const data = {
    toJSON() {
      serialized++
      return { counted: true }
    },
  }
  const e = bus().publish('test.once', 'once', data)
  for (const c of clients) {
    const m = await c.next()
    assert.equal(m.id, String(e.id))
    assert.deepEqual(JSON.parse(m.data).data, { counted: true })
  }
  // Once for the log, once for all three streams.
  assert.equal(serialized, 2)
  for (const c of clients) c.close()
})

test('without a node socket (app.request) the stream is a web stream with the same frames', async () => {
  const res = await t.app.request('/api/events?types=test.web', { headers: bearer() })
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-type'), 'text/event-stream')
  assert.ok(res.body)
  const reader = res.body.getReader()
  let text = ''
  const readUntil = async (part: string) => {
    while (!text.includes(part)) {
      const { done, value } = await reader.read()
      if (done) assert.fail(`the stream ended before ${part}`)
      text += new TextDecoder().decode(value)
    }
  }
  await readUntil('event: ready')
  const e = bus().publish('test.web', 'web', { ok: true })
  await readUntil(`id: ${e.id}\nevent: test.web\ndata: ${JSON.stringify(e)}\n\n`)
  await reader.cancel()
  await waitFor(() => bus().subscriberCount === internalSubscribers, 'the web stream to be unsubscribed')
})
