import assert from 'node:assert/strict'
import type { AddressInfo } from 'node:net'
import { Writable } from 'node:stream'
import { test } from 'node:test'
import { serve } from '@hono/node-server'
import { createLogger } from '../log.ts'
import { bearer, makeTestApp, testToken } from '../testing.ts'

test('/metrics needs metrics:read and reports request latency by route pattern and job outcomes', async () => {
  const t = await makeTestApp({
    setup: (deps) => {
      deps.jobs.register('test.ok', async () => 'done', { resumable: false })
      deps.jobs.register(
        'test.fail',
        async () => {
          throw Object.assign(new Error('nope'), { code: 'EBROKEN' })
        },
        { resumable: false },
      )
    },
  })
  try {
    assert.equal((await t.app.request('/metrics')).status, 401)
    await t.app.request('/healthz')
    await t.app.request('/api/jobs/0b6c7f0e-0000-4000-8000-000000000000', { headers: bearer() })
    await t.deps.jobs.waitFor(t.deps.jobs.enqueue('test.ok').id)
    await t.deps.jobs.waitFor(t.deps.jobs.enqueue('test.fail').id)
    const res = await t.app.request('/metrics', { headers: bearer() })
    assert.equal(res.status, 200)
    assert.match(res.headers.get('content-type') ?? '', /text\/plain/)
    const text = await res.text()
    assert.match(
      text,
      /orbit_http_request_duration_seconds_count\{route="\/healthz",method="GET",status="200"\} 1/,
    )
    // The pattern, not the id: label cardinality stays bounded.
    assert.match(text, /route="\/api\/jobs\/:id",method="GET",status="404"/)
    assert.match(text, /orbit_job_duration_seconds_count\{kind="test.ok",state="succeeded"\} 1/)
    assert.match(text, /orbit_job_failures_total\{kind="test.fail",code="EBROKEN"\} 1/)
    assert.match(text, /orbit_process_resident_memory_bytes/)
  } finally {
    await t.cleanup()
  }
})

test('metrics.allow_loopback lets a loopback peer scrape without a token, judged by the socket', async () => {
  const t = await makeTestApp()
  t.deps.config.metricsAllowLoopback = true
  const server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 })
  try {
    await new Promise((r) => server.once('listening', r))
    const port = (server.address() as AddressInfo).port
    const res = await fetch(`http://127.0.0.1:${port}/metrics`)
    assert.equal(res.status, 200)
    // Without a socket (a pure fetch call) there is no peer to trust: credentials are needed.
    assert.equal((await t.app.request('/metrics')).status, 401)
  } finally {
    await new Promise((r) => server.close(r))
    await t.cleanup()
  }
})

test('request logs are JSON lines with a request id, and never carry tokens', async () => {
  const lines: string[] = []
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(...chunk.toString().split('\n').filter(Boolean))
      done()
    },
  })
  const t = await makeTestApp()
  t.deps.log = createLogger('info', sink)
  const { createApp } = await import('../app.ts')
  const app = createApp(t.deps)
  try {
    const res = await app.request(`/api/system/info?token=${testToken}`, { headers: bearer() })
    assert.equal(res.status, 200)
    const id = res.headers.get('x-request-id')
    assert.ok(id)
    await new Promise((r) => setImmediate(r))
    const entry = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === id)
    assert.ok(entry, 'a log line for the request')
    assert.equal(entry.route, '/api/system/info')
    assert.equal(entry.status, 200)
    assert.equal(entry.principal, 'admin-token')
    assert.ok(!lines.join('\n').includes(testToken), 'the token appears in no log line')
  } finally {
    await t.cleanup()
  }
})
