// Users and their passkeys: invitations (one-time, expiring, for a name and a role), passkeys added,
// renamed and removed (never the last), users disabled or re-roled — each audited.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { BrowserLike } from '../../../test/support/auth-driver.ts'
import { SoftAuthenticator } from '../../../test/support/soft-authenticator.ts'
import { offerSetupLink } from '../services/auth/first-run.ts'
import { makeTestApp, type TestApp } from '../testing.ts'

const clock = { t: Date.parse('2030-01-01T00:00:00Z') }
let t: TestApp
let admin: BrowserLike
const adminKey = new SoftAuthenticator('http://localhost', 'localhost')
const olgaKey = new SoftAuthenticator('http://localhost', 'localhost')
before(async () => {
  t = await makeTestApp({ now: () => clock.t })
  t.deps.auth.listening(80, false)
  const link = offerSetupLink(t.deps)
  assert.ok(link)
  admin = new BrowserLike(t.app)
  assert.equal((await admin.enroll(link.url.split('#')[1] as string, adminKey, {}, 'ada')).status, 201)
})
after(async () => {
  await t.cleanup()
})

const json = async <T>(res: Response): Promise<T> => (await res.json()) as T
const audited = (action: string) => t.deps.audit.list({ action }, 10).items

async function invite(name: string, role: string, expiresIn?: string) {
  const res = await admin.post('/api/users/invites', { name, role, ...(expiresIn ? { expiresIn } : {}) })
  assert.equal(res.status, 201, await res.clone().text())
  return json<{ id: string; url: string; token: string; role: string; expiresAt: string }>(res)
}

test('an admin invites; the link enrolls that name with that role, once', async () => {
  const inv = await invite('olga', 'operator')
  assert.equal(inv.url, `http://localhost/enroll#${inv.token}`)
  const olga = new BrowserLike(t.app)
  // The invited name is fixed: a userName sent along is ignored.
  const res = await olga.enroll(inv.token, olgaKey, {}, 'someone-else')
  assert.equal(res.status, 201)
  const me = await json<{ user: { name: string; role: string }; scopes: string[] }>(res)
  assert.deepEqual(me.user && [me.user.name, me.user.role], ['olga', 'operator'])
  assert.ok(me.scopes.includes('containers:write') && !me.scopes.includes('admin'))
  assert.equal((await olga.request('/api/users')).status, 403)
  assert.equal((await new BrowserLike(t.app).enroll(inv.token, olgaKey)).status, 401)
  assert.equal(audited('user.invite')[0]?.target, 'user:olga')
  assert.equal(audited('user.enroll')[0]?.actor, 'user:olga')
  assert.equal(audited('user.enroll')[0]?.details.invitedBy, 'user:ada')
})

test('an invitation expires; names are unique; bad roles and lifetimes are refused', async () => {
  const inv = await invite('vera', 'viewer', '1h')
  clock.t += 3_600_001
  assert.equal(
    (await new BrowserLike(t.app).post('/api/auth/enroll/options', { token: inv.token })).status,
    401,
  )
  // An hour idle ended the admin's session too: sign in again.
  assert.equal((await admin.request('/api/users')).status, 401)
  assert.equal((await admin.login(adminKey)).status, 200)
  assert.equal((await admin.post('/api/users/invites', { name: 'olga', role: 'viewer' })).status, 409)
  assert.equal((await admin.post('/api/users/invites', { name: 'x', role: 'root' })).status, 400)
  assert.equal(
    (await admin.post('/api/users/invites', { name: 'x', role: 'viewer', expiresIn: '8d' })).status,
    400,
  )
  assert.equal((await admin.post('/api/users/invites', { name: '../x', role: 'viewer' })).status, 400)
})

test('passkeys: add a second, rename, remove; the last one stays', async () => {
  const start = await admin.post('/api/passkeys/options')
  assert.equal(start.status, 200)
  const { ceremonyId, options } = await json<{ ceremonyId: string; options: Record<string, unknown> }>(start)
  // The options exclude the passkey the user already has.
  const excluded = (options.excludeCredentials as Array<{ id: string }>).map((c) => c.id)
  assert.equal(excluded.length, 1)
  const added = await admin.post('/api/passkeys', {
    ceremonyId,
    credential: adminKey.register(options),
    name: 'laptop',
  })
  assert.equal(added.status, 201)
  const second = await json<{ id: string; name: string }>(added)
  assert.equal(second.name, 'laptop')
  const list = await json<{ items: Array<{ id: string; name: string }> }>(
    await admin.request('/api/passkeys'),
  )
  assert.deepEqual(
    list.items.map((p) => p.name),
    ['soft', 'laptop'],
  )
  // Both sign in.
  assert.equal((await new BrowserLike(t.app).login(adminKey, {}, 1)).status, 200)
  const renamed = await admin.request(`/api/passkeys/${second.id}`, {
    method: 'PATCH',
    body: JSON.stringify({ name: 'work laptop' }),
  })
  assert.equal(((await json<{ name: string }>(renamed)) as { name: string }).name, 'work laptop')
  const first = list.items[0]?.id as string
  assert.equal((await admin.request(`/api/passkeys/${first}`, { method: 'DELETE' })).status, 204)
  const last = await admin.request(`/api/passkeys/${second.id}`, { method: 'DELETE' })
  assert.equal(last.status, 409)
  // The removed passkey no longer signs in.
  assert.equal((await new BrowserLike(t.app).login(adminKey, {}, 0)).status, 401)
  // Someone else's passkey is not yours to rename.
  const olga = t.deps.auth.users.byName('olga')
  const olgaKey = olga && t.deps.auth.passkeys.ofUser(olga.id)[0]
  assert.ok(olgaKey)
  const other = await admin.request(`/api/passkeys/${encodeURIComponent(olgaKey.id)}`, {
    method: 'PATCH',
    body: JSON.stringify({ name: 'mine now' }),
  })
  assert.equal(other.status, 404)
  // Newest first: refusals are recorded too (the audit trail), after the successes.
  assert.deepEqual(
    ['passkey.add', 'passkey.rename', 'passkey.remove'].map((a) => audited(a).map((e) => e.result)),
    [['ok'], ['ENOTFOUND', 'ok'], ['ECONFLICT', 'ok']],
  )
})

test("disabling a user ends their sessions at once and stops their sign-ins; the last admin can't go", async () => {
  const olga = t.deps.auth.users.byName('olga')
  assert.ok(olga)
  const olgaBrowser = new BrowserLike(t.app)
  assert.equal((await olgaBrowser.login(olgaKey)).status, 200)
  assert.equal((await olgaBrowser.request('/api/auth/session')).status, 200)
  const res = await admin.request(`/api/users/${olga.id}`, {
    method: 'PATCH',
    body: JSON.stringify({ disabled: true }),
  })
  assert.equal(res.status, 200)
  assert.equal((await json<{ disabled: boolean }>(res)).disabled, true)
  assert.equal((await olgaBrowser.request('/api/auth/session')).status, 401)
  assert.equal(audited('user.disable')[0]?.target, 'user:olga')
  assert.equal((await new BrowserLike(t.app).login(olgaKey)).status, 401)
  const ada = t.deps.auth.users.byName('ada')
  assert.ok(ada)
  const demote = await admin.request(`/api/users/${ada.id}`, {
    method: 'PATCH',
    body: JSON.stringify({ role: 'viewer' }),
  })
  assert.equal(demote.status, 409)
  const users = await json<{
    items: Array<{ name: string; role: string; disabled: boolean; passkeys: number }>
  }>(await admin.request('/api/users'))
  assert.deepEqual(
    users.items.map((u) => [u.name, u.role, u.disabled, u.passkeys]),
    [
      ['ada', 'admin', false, 1],
      ['olga', 'operator', true, 1],
    ],
  )
})
