// The security table over the container, install and run routes: no token -> 401, a token
// without the route's scope -> 403, and malformed input -> a 4xx problem, never a 5xx.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import * as containers from '../../../openapi/containers.ts'
import * as installs from '../../../openapi/installs.ts'
import * as runs from '../../../openapi/runs.ts'
import { type Scope, scopes } from '../../../openapi/security.ts'
import * as snapshots from '../../../openapi/snapshots.ts'
import * as transfer from '../../../openapi/transfer.ts'
import { requiredScope } from '../middleware/scope-guard.ts'
import { bearer, makeTestApp, type TestApp, testToken } from '../testing.ts'

let t: TestApp
before(async () => {
  t = await makeTestApp({
    verifyToken: (tok) => {
      if (tok === testToken) return { subject: 'admin', scopes: 'all' }
      const m = /^all-but:(.+)$/.exec(tok)
      if (!m) return undefined
      return { subject: tok, scopes: new Set<Scope>(scopes.filter((s) => s !== m[1])) }
    },
  })
})
after(() => t.cleanup())

const uuid = '00000000-0000-0000-0000-000000000000'
const cases = [
  [containers.listContainers, 'GET', '/api/containers'],
  [containers.createContainer, 'POST', '/api/containers'],
  [containers.getContainer, 'GET', '/api/containers/x'],
  [containers.updateContainer, 'PATCH', '/api/containers/x'],
  [containers.deleteContainer, 'DELETE', '/api/containers/x'],
  [containers.getManifest, 'GET', '/api/containers/x/manifest'],
  [containers.listApps, 'GET', '/api/containers/x/apps'],
  [containers.cloneContainer, 'POST', '/api/containers/x/clone'],
  [installs.startInstall, 'POST', '/api/containers/x/installs?filename=a.exe'],
  [runs.startRun, 'POST', '/api/containers/x/runs'],
  [runs.listRuns, 'GET', '/api/containers/x/runs'],
  [runs.getRun, 'GET', `/api/runs/${uuid}`],
  [runs.getRunLog, 'GET', `/api/runs/${uuid}/log`],
  [runs.stopRun, 'POST', `/api/runs/${uuid}/stop`],
  [snapshots.listSnapshots, 'GET', '/api/containers/x/snapshots'],
  [snapshots.createSnapshot, 'POST', '/api/containers/x/snapshots'],
  [snapshots.diffSnapshot, 'GET', '/api/containers/x/snapshots/000-base/diff'],
  [snapshots.restoreSnapshot, 'POST', '/api/containers/x/snapshots/000-base/restore'],
  [snapshots.deleteSnapshot, 'DELETE', '/api/containers/x/snapshots/000-base'],
  [transfer.startExport, 'POST', '/api/containers/x/exports'],
  [transfer.downloadExport, 'GET', `/api/exports/${uuid}`],
  [transfer.deleteExport, 'DELETE', `/api/exports/${uuid}`],
  [transfer.startImport, 'POST', '/api/imports'],
] as const

test('the table covers every route of these contract files', () => {
  const all = [containers, installs, runs, snapshots, transfer].flatMap((m) =>
    Object.values(m).filter((v) => typeof v === 'object' && v !== null && 'operationId' in v),
  )
  assert.equal(all.length, cases.length)
})

test('every route refuses a missing token (401) and a token without its scope (403)', async () => {
  for (const [route, method, path] of cases) {
    const anon = await t.app.request(path, { method })
    assert.equal(anon.status, 401, `${method} ${path} without a token`)
    assert.equal(((await anon.json()) as { code: string }).code, 'EUNAUTHENTICATED')
    const scope = requiredScope(route)
    assert.ok(scope, `${route.operationId} declares a scope`)
    const res = await t.app.request(path, { method, headers: bearer(`all-but:${scope}`) })
    assert.equal(res.status, 403, `${method} ${path} without ${scope}`)
    assert.equal(((await res.json()) as { code: string }).code, 'EFORBIDDEN')
  }
  const expected: Record<string, Scope> = {
    listContainers: 'containers:read',
    createContainer: 'containers:write',
    updateContainer: 'containers:write',
    deleteContainer: 'containers:write',
    startInstall: 'containers:write',
    startRun: 'containers:run',
    stopRun: 'containers:run',
    getRunLog: 'containers:read',
    cloneContainer: 'containers:write',
    createSnapshot: 'containers:write',
    restoreSnapshot: 'containers:write',
    deleteSnapshot: 'containers:write',
    diffSnapshot: 'containers:read',
    startExport: 'containers:write',
    startImport: 'containers:write',
    downloadExport: 'containers:read',
  }
  for (const [route] of cases) {
    const want = expected[route.operationId]
    if (want) assert.equal(requiredScope(route), want, route.operationId)
  }
})

test('malformed input to every route is a 4xx problem, never a 5xx', async () => {
  const created = await t.app.request('/api/containers', {
    method: 'POST',
    headers: { ...bearer(), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'target', runtime: 'native' }),
  })
  assert.equal(created.status, 201)
  const garbage: Array<[string | undefined, BodyInit | undefined]> = [
    [undefined, undefined],
    ['application/json', '{'],
    ['application/json', 'null'],
    ['application/json', '"x"'],
    ['application/json', JSON.stringify({ name: 5, program: ['x'], args: 'no', env: [], limits: 'big' })],
    ['application/json', '\u0000\u0001'],
    ['text/plain', 'hello'],
    ['application/octet-stream', new Uint8Array([0, 1, 2])],
  ]
  const paths = (p: string) => [
    p.replace('/x', '/target'),
    p.replace('/x', `/${'%00'}`),
    p.replace('/x', `/${'y'.repeat(250)}`),
    `${p}${p.includes('?') ? '&' : '?'}limit=-1&cursor=abc&graceMs=nope&args=%00`,
  ]
  for (const [, method, path] of cases) {
    for (const p of paths(path)) {
      for (const [type, body] of garbage) {
        const res = await t.app.request(p, {
          method,
          headers: { ...bearer(), ...(type ? { 'content-type': type } : {}) },
          ...(method === 'GET' ? {} : { body }),
        })
        assert.ok(res.status < 500, `${method} ${p} ${type} ${String(body).slice(0, 20)} -> ${res.status}`)
        if (res.status >= 400) {
          assert.equal(res.headers.get('content-type'), 'application/problem+json', `${method} ${p}`)
        }
      }
    }
  }
})
