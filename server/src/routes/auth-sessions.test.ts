// Sessions: CSRF on unsafe methods, cross-origin refusal, idle expiry with sliding renewal and an
// absolute cap, sign-out, and the passkey step-up that admin work from a remote address needs.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BrowserLike } from '../../../test/support/auth-driver.ts'
import { SoftAuthenticator } from '../../../test/support/soft-authenticator.ts'
import { offerSetupLink } from '../services/auth/first-run.ts'
import { makeTestApp, type TestApp } from '../testing.ts'

const clock = { t: Date.parse('2030-01-01T00:00:00Z') }
const minutes = (n: number) => n * 60_000
let t: TestApp
const authn = new SoftAuthenticator('http://localhost', 'localhost')
before(async () => {
  t = await makeTestApp({ now: () => clock.t })
  t.deps.auth.listening(80, false)
  const link = offerSetupLink(t.deps)
  assert.ok(link)
  const res = await new BrowserLike(t.app).enroll(link.url.split('#')[1] as string, authn, {}, 'ada')
  assert.equal(res.status, 201)
})
after(async () => {
  await t.cleanup()
})

const code = async (res: Response) => ((await res.json()) as { code: string }).code

async function signedIn(peer?: string): Promise<BrowserLike> {
  const b = new BrowserLike(t.app, peer)
  assert.equal((await b.login(authn)).status, 200)
  return b
}

test('a session needs its CSRF token on unsafe methods; safe ones go without', async () => {
  const b = await signedIn()
  const csrf = b.csrf
  assert.ok(csrf)
  assert.equal((await b.request('/api/system/info')).status, 200)
  b.csrf = undefined
  const missing = await b.post('/api/system/reload')
  assert.equal(missing.status, 403)
  assert.equal(await code(missing), 'ECSRF')
  const wrong = await b.post('/api/system/reload', {}, { headers: { 'x-csrf-token': `${csrf.slice(1)}x` } })
  assert.equal(wrong.status, 403)
  assert.equal(await code(wrong), 'ECSRF')
  b.csrf = csrf
  assert.equal((await b.post('/api/system/reload')).status, 200)
})

test('a cross-origin unsafe request carrying the session cookie is refused', async () => {
  const b = await signedIn()
  for (const origin of ['http://evil.example', 'http://localhost:8081']) {
    const res = await b.post('/api/system/reload', {}, { headers: { origin } })
    assert.equal(res.status, 403, origin)
    assert.equal(await code(res), 'EBAD_ORIGIN')
  }
  const site = await b.post('/api/system/reload', {}, { headers: { 'sec-fetch-site': 'cross-site' } })
  assert.equal(site.status, 403)
})

test('an idle session ends after 30 minutes; use renews it', async () => {
  const b = await signedIn()
  clock.t += minutes(20)
  assert.equal((await b.request('/api/auth/session')).status, 200)
  clock.t += minutes(20)
  // 40 minutes after sign-in, but only 20 idle.
  assert.equal((await b.request('/api/auth/session')).status, 200)
  clock.t += minutes(30) + 1
  const res = await b.request('/api/auth/session')
  assert.equal(res.status, 401)
  assert.equal(await code(res), 'EUNAUTHENTICATED')
  // Gone for good: the row was removed.
  clock.t -= minutes(31)
  assert.equal((await b.request('/api/auth/session')).status, 401)
  clock.t += minutes(31)
})

test('a session ends after 12 hours however busy it is', async () => {
  const b = await signedIn()
  for (let i = 0; i < 12 * 3; i++) {
    clock.t += minutes(20)
    const res = await b.request('/api/auth/session')
    if (i < 12 * 3 - 1) assert.equal(res.status, 200, `after ${(i + 1) * 20} minutes`)
    else assert.equal(res.status, 401, 'at 12 hours')
  }
})

test('signing out ends the session and clears the cookie', async () => {
  const b = await signedIn()
  const cookie = b.cookie
  const res = await b.request('/api/auth/session', { method: 'DELETE' })
  assert.equal(res.status, 204)
  assert.match(b.lastSetCookie ?? '', /Max-Age=0/)
  const again = new BrowserLike(t.app)
  again.cookie = cookie
  assert.equal((await again.request('/api/auth/session')).status, 401)
})

test('admin work from a remote session needs a passkey confirmation within 5 minutes', async () => {
  const remote = await signedIn('203.0.113.7')
  // The sign-in itself is a fresh passkey use.
  assert.equal((await remote.request('/api/users')).status, 200)
  clock.t += minutes(5) + 1
  const stale = await remote.request('/api/users')
  assert.equal(stale.status, 403)
  assert.equal(await code(stale), 'ESTEP_UP')
  // Non-admin routes are not affected.
  assert.equal((await remote.request('/api/system/info')).status, 200)
  const confirmed = await remote.stepUp(authn)
  assert.equal(confirmed.status, 200)
  assert.equal((await remote.request('/api/users')).status, 200)
  // Minting an admin token from afar is admin work too.
  clock.t += minutes(6)
  const mint = await remote.post('/api/tokens', { name: 'x', scopes: ['admin'], expiresIn: '1d' })
  assert.equal(mint.status, 403)
  assert.equal(await code(mint), 'ESTEP_UP')
  // The same session from loopback is not asked.
  const local = await signedIn('127.0.0.1')
  clock.t += minutes(6)
  assert.equal((await local.request('/api/users')).status, 200)
  const actions = t.deps.audit.list({ action: 'auth.step-up' }, 10).items
  assert.equal(actions[0]?.result, 'ok')
})

test("a step-up answer is bound to its session and its user's passkeys", async () => {
  const a = await signedIn('203.0.113.7')
  const b = await signedIn('203.0.113.8')
  const start = (await (await a.post('/api/auth/step-up/options')).json()) as {
    ceremonyId: string
    options: Record<string, unknown>
  }
  // b answers a's ceremony: refused.
  const res = await b.post('/api/auth/step-up/verify', {
    ceremonyId: start.ceremonyId,
    credential: authn.assert(start.options),
  })
  assert.equal(res.status, 400)
  assert.equal(await code(res), 'ECEREMONY')
})
