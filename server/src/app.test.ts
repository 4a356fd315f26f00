import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Scope } from '../../openapi/index.ts'
import { documentConfig, emitDocument, registerComponents } from '../../openapi/index.ts'
import { bearer, makeTestApp, type TestApp } from './testing.ts'

let t: TestApp
let limited: TestApp
before(async () => {
  t = await makeTestApp()
  // A token holding only containers:read, to prove 403 on a route needing another scope.
  limited = await makeTestApp({
    verifyToken: (tok) =>
      tok === 'limited' ? { subject: 'limited', scopes: new Set<Scope>(['containers:read']) } : undefined,
  })
})
after(() => {
  t.cleanup()
  limited.cleanup()
})

test('the server registers exactly the contract', () => {
  registerComponents(t.app)
  assert.deepEqual(t.app.getOpenAPI31Document(documentConfig), emitDocument())
})

test('GET /healthz is public', async () => {
  const res = await t.app.request('/healthz')
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), { status: 'ok' })
})

test('GET /api/system/info without a token is a 401 problem', async () => {
  const res = await t.app.request('/api/system/info')
  assert.equal(res.status, 401)
  assert.equal(res.headers.get('content-type'), 'application/problem+json')
  const body = (await res.json()) as { code: string; status: number }
  assert.equal(body.code, 'EUNAUTHENTICATED')
  assert.equal(body.status, 401)
})

test('a wrong token is 401 and a token without the scope is 403', async () => {
  assert.equal(
    (await t.app.request('/api/system/info', { headers: bearer('nope-nope-nope-nope') })).status,
    401,
  )
  const res = await limited.app.request('/api/system/info', { headers: bearer('limited') })
  assert.equal(res.status, 403)
  assert.equal(((await res.json()) as { code: string }).code, 'EFORBIDDEN')
})

test('GET /api/system/info reports facts from the native core', async () => {
  const res = await t.app.request('/api/system/info', { headers: bearer() })
  assert.equal(res.status, 200)
  const info = (await res.json()) as { version: string; installationId: string; core: { kernel: string } }
  assert.equal(info.version, '0.0.0-test')
  assert.equal(info.installationId, t.deps.installationId)
  assert.ok(info.core.kernel.length > 0)
})

test('unknown API routes are 404 problems; huge bodies are 413 problems, never 5xx', async () => {
  const res = await t.app.request('/api/nope', { headers: bearer() })
  assert.equal(res.status, 404)
  assert.equal(((await res.json()) as { code: string }).code, 'ENOTFOUND')
  const big = 'x'.repeat(t.deps.config.maxBodyBytes + 1)
  const res2 = await t.app.request('/api/system/info', {
    method: 'POST',
    body: big,
    headers: { ...bearer(), 'content-length': String(big.length) },
  })
  assert.equal(res2.status, 413)
  assert.equal(((await res2.json()) as { code: string }).code, 'EPAYLOAD_TOO_LARGE')
  // Refused before its body was read: the connection is not to be reused (it still holds the body).
  assert.equal(res2.headers.get('connection'), 'close')
  assert.equal(res.headers.get('connection'), null, 'a refused GET keeps its connection')
})
