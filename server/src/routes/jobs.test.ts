import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { cancelJob, getJob, listJobs, type Scope, scopes, streamEvents } from '../../../openapi/index.ts'
import { requiredScope } from '../middleware/scope-guard.ts'
import { bearer, makeTestApp, type TestApp, testToken } from '../testing.ts'

let t: TestApp
before(async () => {
  t = await makeTestApp({
    // A token per scope set: "all-but:<scope>" holds every scope except that one.
    verifyToken: (tok) => {
      if (tok === testToken) return { subject: 'admin', scopes: 'all' }
      const m = /^all-but:(.+)$/.exec(tok)
      if (!m) return undefined
      return { subject: tok, scopes: new Set<Scope>(scopes.filter((s) => s !== m[1])) }
    },
    setup: (deps) => {
      deps.jobs.register('test.quick', (ctx) => ({ echo: ctx.params }), { resumable: false })
      deps.jobs.register(
        'test.hang',
        (ctx) =>
          new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
        { resumable: false },
      )
    },
  })
})
after(() => t.cleanup())

const call = (path: string, init: RequestInit = {}) =>
  t.app.request(path, { ...init, headers: { ...bearer(), ...(init.headers as Record<string, string>) } })

interface Page {
  items: Array<{ id: string; state: string; kind: string; containerId: string | null }>
  nextCursor: string | null
}

test('every jobs and events route refuses a missing token (401) and a token without its scope (403)', async () => {
  const cases = [
    [listJobs, 'GET', '/api/jobs'],
    [getJob, 'GET', '/api/jobs/00000000-0000-0000-0000-000000000000'],
    [cancelJob, 'POST', '/api/jobs/00000000-0000-0000-0000-000000000000/cancel'],
    [streamEvents, 'GET', '/api/events'],
  ] as const
  for (const [route, method, path] of cases) {
    const anon = await t.app.request(path, { method })
    assert.equal(anon.status, 401, `${method} ${path} without a token`)
    assert.equal(((await anon.json()) as { code: string }).code, 'EUNAUTHENTICATED')
    const scope = requiredScope(route)
    assert.ok(scope)
    const res = await t.app.request(path, { method, headers: bearer(`all-but:${scope}`) })
    assert.equal(res.status, 403, `${method} ${path} without ${scope}`)
    assert.equal(res.headers.get('content-type'), 'application/problem+json')
    assert.equal(((await res.json()) as { code: string }).code, 'EFORBIDDEN')
  }
  assert.equal(requiredScope(cancelJob), 'containers:write')
})

test('GET /api/jobs pages newest first with a cursor, and filters', async () => {
  const made = [
    t.deps.jobs.enqueue('test.quick', { n: 0 }, { containerId: 'box' }),
    t.deps.jobs.enqueue('test.quick', { n: 1 }),
    t.deps.jobs.enqueue('test.quick', { n: 2 }, { containerId: 'box' }),
    t.deps.jobs.enqueue('test.quick', { n: 3 }),
    t.deps.jobs.enqueue('test.quick', { n: 4 }),
  ]
  await Promise.all(made.map((j) => t.deps.jobs.waitFor(j.id)))
  const ids: string[] = []
  let cursor: string | null = null
  let pages = 0
  do {
    const res = await call(`/api/jobs?kind=test.quick&limit=2${cursor ? `&cursor=${cursor}` : ''}`)
    assert.equal(res.status, 200)
    const page = (await res.json()) as Page
    assert.ok(page.items.length <= 2)
    ids.push(...page.items.map((j) => j.id))
    cursor = page.nextCursor
    pages++
  } while (cursor)
  assert.equal(pages, 3)
  assert.deepEqual(ids, made.map((j) => j.id).reverse())

  const box = (await (await call('/api/jobs?containerId=box')).json()) as Page
  assert.deepEqual(
    box.items.map((j) => j.id),
    [made[2]?.id, made[0]?.id],
  )
  const none = (await (await call('/api/jobs?state=queued&kind=test.quick')).json()) as Page
  assert.deepEqual(none, { items: [], nextCursor: null })
  const bad = await call('/api/jobs?limit=0&cursor=abc&state=done')
  assert.equal(bad.status, 400)
  const problem = (await bad.json()) as { code: string; errors: Array<{ path: string }> }
  assert.equal(problem.code, 'EVALIDATION')
  assert.deepEqual(problem.errors.map((e) => e.path).sort(), ['cursor', 'limit', 'state'])
})

test('GET /api/jobs/{id} returns the job, or a 404 problem', async () => {
  const job = await t.deps.jobs.waitFor(t.deps.jobs.enqueue('test.quick', { hello: 'world' }).id)
  const res = await call(`/api/jobs/${job.id}`)
  assert.equal(res.status, 200)
  const body = (await res.json()) as Record<string, unknown>
  assert.deepEqual(body, job)
  assert.equal(body.state, 'succeeded')
  assert.deepEqual(body.result, { echo: { hello: 'world' } })
  const missing = await call('/api/jobs/00000000-0000-0000-0000-000000000000')
  assert.equal(missing.status, 404)
  assert.equal(missing.headers.get('content-type'), 'application/problem+json')
  assert.equal(((await missing.json()) as { code: string }).code, 'ENOTFOUND')
})

test('POST /api/jobs/{id}/cancel cancels a running job; a finished one is a 409 problem', async () => {
  const job = t.deps.jobs.enqueue('test.hang', {}, { containerId: 'box2' })
  const queued = t.deps.jobs.enqueue('test.hang', {}, { containerId: 'box2' })
  await sleep(10)
  assert.equal(t.deps.jobs.get(job.id).state, 'running')
  const res = await call(`/api/jobs/${job.id}/cancel`, { method: 'POST' })
  assert.equal(res.status, 200)
  assert.equal(((await res.json()) as { state: string }).state, 'canceled')
  // The second waited for the container; it is canceled whether it started by now or not.
  const res2 = await call(`/api/jobs/${queued.id}/cancel`, { method: 'POST' })
  assert.equal(((await res2.json()) as { state: string }).state, 'canceled')
  const again = await call(`/api/jobs/${job.id}/cancel`, { method: 'POST' })
  assert.equal(again.status, 409)
  const problem = (await again.json()) as { code: string; detail: string }
  assert.equal(problem.code, 'ECONFLICT')
  assert.match(problem.detail, /already canceled/)
  const missing = await call('/api/jobs/nope/cancel', { method: 'POST' })
  assert.equal(missing.status, 404)
})
