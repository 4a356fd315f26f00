// The failure brake: failed token uses and sign-ins per peer address, 429 with Retry-After once the
// budget is spent, and back to normal as it refills.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BrowserLike } from '../../../test/support/auth-driver.ts'
import { bearer, makeTestApp, type TestApp, testToken } from '../testing.ts'
import { FailureLimiter } from './rate-limit.ts'

test('a bucket empties with failures and refills with time', () => {
  const clock = { t: 0 }
  const limiter = new FailureLimiter(
    () => 6,
    () => clock.t,
  )
  for (let i = 0; i < 6; i++) {
    assert.equal(limiter.retryAfter('a'), 0)
    limiter.fail('a')
  }
  // 6 per minute: one comes back every 10 s.
  assert.equal(limiter.retryAfter('a'), 10)
  assert.equal(limiter.retryAfter('b'), 0, 'another address is not affected')
  clock.t += 5_000
  assert.equal(limiter.retryAfter('a'), 5)
  clock.t += 5_000
  assert.equal(limiter.retryAfter('a'), 0)
  limiter.fail('a')
  assert.equal(limiter.retryAfter('a'), 10)
  clock.t += 60_000
  for (let i = 0; i < 6; i++) limiter.fail('a')
  assert.equal(limiter.retryAfter('a'), 10, 'it never holds more than a minute’s worth')
})

const clock = { t: Date.parse('2030-01-01T00:00:00Z') }
let t: TestApp
before(async () => {
  t = await makeTestApp({ now: () => clock.t })
  t.deps.config.authFailuresPerMinute = 5
})
after(async () => {
  await t.cleanup()
})

const from = (peer: string, headers: Record<string, string> = {}) =>
  t.app.request(
    '/api/system/info',
    { headers: { host: 'localhost', ...headers } },
    { incoming: { socket: { remoteAddress: peer } } },
  )

test('failed token uses from one address lead to 429 with Retry-After, then recover', async () => {
  for (let i = 0; i < 5; i++)
    assert.equal((await from('198.51.100.1', bearer('wrong-token-wrong-token'))).status, 401)
  const limited = await from('198.51.100.1', bearer('wrong-token-wrong-token'))
  assert.equal(limited.status, 429)
  assert.equal(limited.headers.get('retry-after'), '12')
  const body = (await limited.json()) as { code: string; status: number }
  assert.deepEqual([body.code, body.status], ['ERATE_LIMITED', 429])
  // While limited, even a good token from there waits: guessing must not learn anything.
  assert.equal((await from('198.51.100.1', bearer(testToken))).status, 429)
  assert.equal((await from('198.51.100.2', bearer(testToken))).status, 200, 'other addresses are not limited')
  clock.t += 12_000
  assert.equal((await from('198.51.100.1', bearer(testToken))).status, 200, 'recovered')
  // Good tokens cost nothing.
  for (let i = 0; i < 20; i++) assert.equal((await from('198.51.100.3', bearer(testToken))).status, 200)
})

test('failed sign-ins count too', async () => {
  const b = new BrowserLike(t.app, '198.51.100.9')
  for (let i = 0; i < 5; i++) {
    const res = await b.post('/api/auth/login/verify', {
      ceremonyId: 'nope',
      credential: { id: 'x', rawId: 'x', type: 'public-key', response: {} },
    })
    assert.equal(res.status, 400)
  }
  const limited = await b.post('/api/auth/enroll/options', { token: 'a-guessed-enrollment-token' })
  assert.equal(limited.status, 429)
  assert.ok(Number(limited.headers.get('retry-after')) > 0)
  const failures = t.deps.audit.list({ action: 'auth.login', result: 'ECEREMONY' }, 10).items
  assert.equal(failures.length, 5)
  assert.equal(failures[0]?.ip, '198.51.100.9')
})

test('open passkey ceremonies are capped, and expired ones make room', async () => {
  const { Challenges, maxOpenChallenges } = await import('./challenges.ts')
  const challenges = new Challenges(t.deps.db, () => clock.t)
  const stmt = t.deps.db.$client.prepare(
    "INSERT INTO webauthn_challenges (id, purpose, challenge, context, expires_at) VALUES (?, 'login', 'c', '{}', ?)",
  )
  t.deps.db.$client.transaction(() => {
    for (let i = 0; i < maxOpenChallenges; i++) stmt.run(`flood-${i}`, clock.t + 60_000)
  })()
  assert.throws(() => challenges.create('login', 'c', {}), /too many passkey ceremonies/)
  const res = await new BrowserLike(t.app).post('/api/auth/login/options')
  assert.equal(res.status, 429)
  clock.t += 60_001
  assert.ok(challenges.create('login', 'c', {}))
})
