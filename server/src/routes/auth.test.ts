// Passkey ceremonies through the real app: first-run setup, sign-in, and every way an answer must be
// refused (replay, expiry, wrong origin or RP ID, no user verification, a counter going back).
import assert from 'node:assert/strict'
import { after, before, beforeEach, test } from 'node:test'
import { BrowserLike } from '../../../test/support/auth-driver.ts'
import { SoftAuthenticator } from '../../../test/support/soft-authenticator.ts'
import { offerSetupLink } from '../services/auth/first-run.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'

const clock = { t: Date.parse('2030-01-01T00:00:00Z') }
let t: TestApp
let authn: SoftAuthenticator
before(async () => {
  t = await makeTestApp({ now: () => clock.t })
  // app.request() speaks for http://localhost, so that is the origin ceremonies come from.
  t.deps.auth.listening(80, false)
  authn = new SoftAuthenticator('http://localhost', 'localhost')
})
after(async () => {
  await t.cleanup()
})
beforeEach(() => {
  clock.t += 60_000
})

const secretOf = (url: string) => url.split('#')[1] as string
const code = async (res: Response) => ((await res.json()) as { code: string }).code
const actions = () => t.deps.audit.list({}, 100).items.map((e) => `${e.action}:${e.result}`)

test('first run: the setup link registers the first admin with a passkey and signs them in', async () => {
  const link = offerSetupLink(t.deps)
  assert.ok(link)
  assert.match(link.url, /^http:\/\/localhost\/setup#[\w-]{43}$/)
  assert.equal(link.expiresAt, clock.t + 15 * 60_000)
  const b = new BrowserLike(t.app)
  const res = await b.enroll(secretOf(link.url), authn, {}, 'ada')
  assert.equal(res.status, 201)
  const info = (await res.json()) as { user: { name: string; role: string }; via: string; scopes: string[] }
  assert.deepEqual(info.user && { name: info.user.name, role: info.user.role }, {
    name: 'ada',
    role: 'admin',
  })
  assert.equal(info.via, 'session')
  assert.ok(info.scopes.includes('admin'))
  // The cookie: HttpOnly and SameSite=Strict; not Secure over plain http (browsers would drop it).
  assert.match(b.lastSetCookie ?? '', /^orbit_session=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict$/)
  const me = await b.request('/api/auth/session')
  assert.equal(me.status, 200)
  assert.equal(((await me.json()) as { subject: string }).subject, 'user:ada')
  // The secret is not in the database, only its hash.
  const rows = t.deps.db.$client.prepare('SELECT token_hash FROM enrollments').all() as {
    token_hash: string
  }[]
  assert.ok(rows.every((r) => r.token_hash !== secretOf(link.url)))
  assert.ok(actions().includes('auth.setup:ok'))
  // With an admin there, no more setup links are offered.
  assert.equal(offerSetupLink(t.deps), undefined)
})

test('a setup link works once', async () => {
  t.deps.db.$client.prepare("UPDATE users SET disabled = 1 WHERE name = 'ada'").run()
  const link = offerSetupLink(t.deps)
  assert.ok(link)
  const first = await new BrowserLike(t.app).enroll(
    secretOf(link.url),
    new SoftAuthenticator('http://localhost', 'localhost'),
    {},
    'bob',
  )
  assert.equal(first.status, 201)
  const again = await new BrowserLike(t.app).enroll(
    secretOf(link.url),
    new SoftAuthenticator('http://localhost', 'localhost'),
    {},
    'eve',
  )
  assert.equal(again.status, 401)
  assert.equal(await code(again), 'EUNAUTHENTICATED')
  t.deps.db.$client.prepare("UPDATE users SET disabled = 0 WHERE name = 'ada'").run()
})

test('a setup link expires after 15 minutes, and a new one voids the old', async () => {
  t.deps.db.$client.prepare("UPDATE users SET disabled = 1 WHERE role = 'admin'").run()
  const old = offerSetupLink(t.deps)
  const link = offerSetupLink(t.deps)
  assert.ok(old && link)
  const voided = await new BrowserLike(t.app).post('/api/auth/enroll/options', { token: secretOf(old.url) })
  assert.equal(voided.status, 401)
  clock.t += 15 * 60_000 + 1
  const late = await new BrowserLike(t.app).post('/api/auth/enroll/options', { token: secretOf(link.url) })
  assert.equal(late.status, 401)
  t.deps.db.$client.prepare("UPDATE users SET disabled = 0 WHERE role = 'admin'").run()
})

test('sign-in with the passkey gives a new session', async () => {
  const b = new BrowserLike(t.app)
  const res = await b.login(authn)
  assert.equal(res.status, 200)
  assert.equal(((await res.json()) as { subject: string }).subject, 'user:ada')
  assert.equal((await b.request('/api/system/info')).status, 200)
  assert.ok(actions().includes('auth.login:ok'))
})

test('a replayed assertion is refused, with the same ceremony or a new one', async () => {
  const b = new BrowserLike(t.app)
  const answer = await b.loginAnswer(authn)
  assert.equal((await b.finishLogin(answer)).status, 200)
  const replay = await new BrowserLike(t.app).finishLogin(answer)
  assert.equal(replay.status, 400)
  assert.equal(await code(replay), 'ECEREMONY')
  // The same signed answer under a fresh ceremony: the challenge inside it is not the new one.
  const fresh = (await (await b.post('/api/auth/login/options')).json()) as { ceremonyId: string }
  const replay2 = await new BrowserLike(t.app).finishLogin({
    ceremonyId: fresh.ceremonyId,
    credential: answer.credential,
  })
  assert.equal(replay2.status, 400)
  assert.equal(await code(replay2), 'ECEREMONY')
  assert.ok(actions().includes('auth.login:ECEREMONY'))
})

test('an expired challenge is refused', async () => {
  const b = new BrowserLike(t.app)
  const answer = await b.loginAnswer(authn)
  clock.t += 5 * 60_000 + 1
  const res = await b.finishLogin(answer)
  assert.equal(res.status, 400)
  assert.equal(await code(res), 'ECEREMONY')
})

test('an assertion for another origin or RP ID, or without user verification, is refused', async () => {
  for (const bend of [
    { origin: 'http://localhost:8080' },
    { origin: 'http://evil.example' },
    { rpId: 'evil.example' },
    { noUserVerification: true },
  ]) {
    const res = await new BrowserLike(t.app).login(authn, bend)
    assert.equal(res.status, 400, JSON.stringify(bend))
    const body = (await res.json()) as { code: string; detail: string }
    assert.equal(body.code, 'ECEREMONY')
  }
  // A signature counter that does not move forward means a cloned authenticator.
  const stored = t.deps.auth.passkeys.get(Buffer.from(authn.credentials[0]?.id ?? '').toString('base64url'))
  assert.ok(stored && stored.counter > 0)
  const counter = stored.counter
  const cloned = await new BrowserLike(t.app).login(authn, { counter })
  assert.equal(cloned.status, 400)
  assert.match(((await cloned.json()) as { detail: string }).detail, /counter/i)
})

test('a registration from another origin or RP ID, or without user verification, is refused', async () => {
  const { url } = (await (
    await t.app.request('/api/users/invites', {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'carol', role: 'viewer' }),
    })
  ).json()) as { url: string }
  const other = new SoftAuthenticator('http://localhost', 'localhost')
  for (const bend of [
    { origin: 'http://localhost:3000' },
    { rpId: 'example.com' },
    { noUserVerification: true },
  ]) {
    const res = await new BrowserLike(t.app).enroll(secretOf(url), other, bend)
    assert.equal(res.status, 400, JSON.stringify(bend))
    assert.equal(await code(res), 'ECEREMONY')
  }
  // Refused answers leave the invitation usable.
  const ok = await new BrowserLike(t.app).enroll(secretOf(url), other)
  assert.equal(ok.status, 201)
})

test('an unknown passkey does not sign in', async () => {
  const stranger = new SoftAuthenticator('http://localhost', 'localhost')
  stranger.register({ challenge: 'x', user: { id: 'nobody' } })
  const res = await new BrowserLike(t.app).login(stranger)
  assert.equal(res.status, 401)
  assert.equal(await code(res), 'EUNAUTHENTICATED')
})

test('a replay is refused by the single-use challenge alone, for passkeys whose counter stays 0', async () => {
  // Synced passkeys report a signature counter of 0 forever, so only the consumed challenge stops a replay.
  const { token } = (await (
    await t.app.request('/api/users/invites', {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'syd', role: 'viewer' }),
    })
  ).json()) as { token: string }
  const synced = new SoftAuthenticator('http://localhost', 'localhost')
  assert.equal((await new BrowserLike(t.app).enroll(token, synced)).status, 201)
  const b = new BrowserLike(t.app)
  const answer = await b.loginAnswer(synced, { counter: 0 })
  assert.equal((await b.finishLogin(answer)).status, 200)
  const again = await b.loginAnswer(synced, { counter: 0 })
  assert.equal((await b.finishLogin(again)).status, 200, 'a counter of 0 is accepted')
  const replay = await new BrowserLike(t.app).finishLogin(answer)
  assert.equal(replay.status, 400)
  assert.equal(await code(replay), 'ECEREMONY')
})
