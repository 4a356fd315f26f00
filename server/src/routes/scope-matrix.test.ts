// The scope matrix, generated from the contract: for every route that declares a scope, no
// credentials -> 401, a token holding every scope but that one -> 403, a token holding exactly that
// scope -> neither (a 400/404/409 for the dummy request is fine, a 5xx is not). Sessions of each
// role get exactly the scopes openapi/roles.ts gives the role. Public routes are listed by hand.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { roleScopes, roles, routes, type Scope, scopes } from '../../../openapi/index.ts'
import { requiredScope } from '../middleware/scope-guard.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'

/** The routes anyone may call: liveness, the contract, and the passkey ceremonies that sign you in. */
const publicRoutes = [
  'GET /healthz',
  'GET /api/openapi.json',
  'GET /api/docs',
  'POST /api/auth/enroll/options',
  'POST /api/auth/enroll/verify',
  'POST /api/auth/login/options',
  'POST /api/auth/login/verify',
]

let t: TestApp
before(async () => {
  t = await makeTestApp()
})
after(async () => {
  await t.cleanup()
})

const label = (r: { method: string; path: string }) => `${r.method.toUpperCase()} ${r.path}`

/** A syntactically valid request for a route: path parameters filled with a dummy id, an empty JSON body. */
async function call(route: { method: string; path: string }, headers: Record<string, string> = {}) {
  const path = route.path.replace(/\{[^}]+\}/g, 'dummy-0000')
  const method = route.method.toUpperCase()
  const hasBody = ['POST', 'PUT', 'PATCH'].includes(method)
  const res = await t.app.request(path, {
    method,
    headers: { ...headers, ...(hasBody ? { 'content-type': 'application/json' } : {}) },
    ...(hasBody ? { body: '{}' } : {}),
  })
  // Streams (the event stream) stay open; the status is all this test needs.
  await res.body?.cancel()
  return res.status
}

async function tokenWith(granted: readonly Scope[]): Promise<string> {
  const { token } = await t.deps.auth.tokens.issue({
    name: granted.join(' '),
    scopes: [...granted],
    ttlMs: 3_600_000,
    userId: null,
    subject: 'matrix',
    createdBy: 'matrix',
  })
  return token
}

test('the public routes are exactly the listed ones', () => {
  const actual = routes.filter((r) => requiredScope(r) === null).map(label)
  assert.deepEqual(actual.sort(), [...publicRoutes].sort())
})

test('every guarded route: 401 without credentials, 403 without its scope, neither with exactly it', async () => {
  const guarded = routes.filter((r) => requiredScope(r) !== null)
  assert.ok(guarded.length >= 30, 'the contract has its routes')
  for (const route of guarded) {
    const scope = requiredScope(route) as Scope
    const name = `${label(route)} (${scope})`
    assert.equal(await call(route), 401, `${name} without credentials`)
    const others = await tokenWith(scopes.filter((s) => s !== scope))
    assert.equal(await call(route, bearer(others)), 403, `${name} with every other scope`)
    const exact = await call(route, bearer(await tokenWith([scope])))
    assert.ok(exact !== 401 && exact !== 403 && exact < 500, `${name} with exactly its scope: ${exact}`)
  }
})

test('a session of each role passes exactly the routes whose scope the role holds', async () => {
  const guarded = routes.filter((r) => requiredScope(r) !== null)
  for (const role of roles) {
    const user = t.deps.auth.users.create(`matrix-${role}`, role)
    for (const route of guarded) {
      const scope = requiredScope(route) as Scope
      // A fresh session each time: some routes (sign-out) end the one they are called with.
      const session = t.deps.auth.sessions.create(user.id, undefined)
      const status = await call(route, {
        cookie: `orbit_session=${session.id}`,
        'x-csrf-token': session.csrfToken,
      })
      const name = `${role} session on ${label(route)} (${scope})`
      if (roleScopes[role].includes(scope))
        assert.ok(status !== 401 && status !== 403 && status < 500, `${name}: ${status}`)
      else assert.equal(status, 403, name)
    }
  }
})

test('the API reference prints the role table the guard uses', async () => {
  const html = await (await t.app.request('/api/docs')).text()
  for (const role of roles) assert.ok(html.includes(`- ${role}: ${roleScopes[role].join(', ')}`), role)
})
