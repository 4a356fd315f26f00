import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Scope } from '../../../openapi/index.ts'
import { adminTokenVerifier } from '../middleware/scope-guard.ts'
import { bearer, makeTestApp, type TestApp, testToken } from '../testing.ts'

let t: TestApp
before(async () => {
  const admin = adminTokenVerifier(testToken)
  t = await makeTestApp({
    verifyToken: (tok) =>
      tok === 'viewer-token'
        ? { subject: 'viewer', scopes: new Set<Scope>(['containers:read']) }
        : admin(tok),
  })
})
after(async () => {
  await t.cleanup()
})

type Page = {
  items: Array<{ action: string; actor: string; result: string; details: Record<string, unknown> }>
}

test('/api/audit is for admins, and mutations appear in it with who, what and the result', async () => {
  assert.equal((await t.app.request('/api/audit')).status, 401)
  assert.equal((await t.app.request('/api/audit', { headers: bearer('viewer-token') })).status, 403)
  await t.app.request('/api/system/reload', { method: 'POST', headers: bearer() })
  const missing = '0b6c7f0e-0000-4000-8000-000000000000'
  assert.equal(
    (await t.app.request(`/api/jobs/${missing}/cancel`, { method: 'POST', headers: bearer() })).status,
    404,
  )
  const res = await t.app.request('/api/audit', { headers: bearer() })
  assert.equal(res.status, 200)
  const page = (await res.json()) as Page
  assert.deepEqual(
    page.items.map((e) => [e.action, e.actor, e.result]),
    [
      ['job.cancel', 'admin-token', 'ENOTFOUND'],
      ['system.reload', 'admin-token', 'ok'],
    ],
  )
  const filtered = (await (
    await t.app.request('/api/audit?action=system.reload', { headers: bearer() })
  ).json()) as Page
  assert.equal(filtered.items.length, 1)
  const bad = await t.app.request('/api/audit?since=yesterday', { headers: bearer() })
  assert.equal(bad.status, 400)
  const verify = await t.app.request('/api/audit/verify', { headers: bearer() })
  assert.deepEqual(await verify.json(), { ok: true, entries: 2 })
})
