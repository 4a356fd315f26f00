import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Scope } from '../../../openapi/index.ts'
import { adminTokenVerifier } from '../middleware/scope-guard.ts'
import { bearer, makeTestApp, type TestApp, testToken } from '../testing.ts'

type Described = { settings: Array<{ key: string; value: unknown; source: string; pending: boolean }> }
let t: TestApp
before(async () => {
  const admin = adminTokenVerifier(testToken)
  t = await makeTestApp({
    verifyToken: (tok) =>
      tok === 'operator-token'
        ? { subject: 'operator', scopes: new Set<Scope>(['containers:read']) }
        : admin(tok),
  })
})
after(async () => {
  await t.cleanup()
})

const setting = (d: Described, key: string) => d.settings.find((s) => s.key === key)

test('GET /api/system/config shows every setting with its source, for admins only', async () => {
  assert.equal((await t.app.request('/api/system/config')).status, 401)
  assert.equal((await t.app.request('/api/system/config', { headers: bearer('operator-token') })).status, 403)
  const res = await t.app.request('/api/system/config', { headers: bearer() })
  assert.equal(res.status, 200)
  const body = (await res.json()) as Described
  assert.deepEqual(setting(body, 'server.port'), {
    ...setting(body, 'server.port'),
    value: 0,
    source: 'flag',
  })
  assert.equal(setting(body, 'limits.max_body_bytes')?.source, 'default')
})

test('POST /api/system/reload applies a changed allowed_hosts at once; restart-only settings stay pending', async () => {
  const asHost = (host: string) => t.app.request('http://x/healthz', { headers: { host } })
  assert.equal((await asHost('orbit.lan')).status, 421)
  writeFileSync(
    join(t.dataDir, 'config.local.toml'),
    '[server]\nallowed_hosts = ["orbit.lan"]\n[limits]\nmax_body_bytes = 5\n',
  )
  const before = (await (
    await t.app.request('/api/system/config', { headers: bearer() })
  ).json()) as Described
  assert.equal(setting(before, 'server.allowed_hosts')?.pending, true)
  const res = await t.app.request('/api/system/reload', { method: 'POST', headers: bearer() })
  assert.equal(res.status, 200)
  const after = (await res.json()) as Described
  assert.deepEqual(setting(after, 'server.allowed_hosts')?.value, ['orbit.lan'])
  assert.equal(setting(after, 'server.allowed_hosts')?.source, 'local')
  assert.equal(setting(after, 'limits.max_body_bytes')?.pending, true, 'needs a restart')
  assert.equal((await asHost('orbit.lan')).status, 200)
})

test('a broken config file is refused on reload and nothing changes', async () => {
  writeFileSync(join(t.dataDir, 'config.local.toml'), '[server\n')
  const res = await t.app.request('/api/system/reload', { method: 'POST', headers: bearer() })
  assert.equal(res.status, 409)
  assert.match(((await res.json()) as { detail: string }).detail, /not reloaded: .*config\.local\.toml/)
  assert.deepEqual(t.deps.config.allowedHosts, ['orbit.lan'])
})
