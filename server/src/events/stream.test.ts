// The event stream over real HTTP (@hono/node-server on a free port), as browsers and the CLI see it.
import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
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
    events: { heartbeatMs: 100, retention: { maxEvents: 2000 } },
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
