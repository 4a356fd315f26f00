import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { serve } from '@hono/node-server'
import { hashFileSync } from '../../../native/index.ts'
import type { Container } from '../../../openapi/containers.ts'
import type { Job } from '../../../openapi/jobs.ts'
import type { Run } from '../../../openapi/runs.ts'
import type { ExportResult } from '../../../openapi/transfer.ts'
import { containers } from '../db/schema.ts'
import { makeTestApp, type TestApp, testToken } from '../testing.ts'
import { challengeRoutes, mutatingRoutes, routeActions } from './actions.ts'
import type { AuditEntry } from './log.ts'

// Served by node-server on loopback, so entries carry the peer address like in production.
let t: TestApp
let base: string
let server: ReturnType<typeof serve>
before(async () => {
  t = await makeTestApp()
  server = serve({ fetch: t.app.fetch, hostname: '127.0.0.1', port: 0 })
  await new Promise((r) => server.once('listening', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
after(async () => {
  await new Promise((r) => server.close(r))
  await t.cleanup()
})

type Init = RequestInit & { json?: unknown; token?: string | null }
const call = (path: string, init: Init = {}) => {
  const { json, token = testToken, ...rest } = init
  return fetch(`${base}${path}`, {
    ...rest,
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    headers: {
      ...(token !== null ? { authorization: `Bearer ${token}` } : {}),
      ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(rest.headers as Record<string, string>),
    },
  })
}
const ok = async <T>(res: Response | Promise<Response>, status: number): Promise<T> => {
  const r = await res
  assert.equal(r.status, status, await r.clone().text())
  return (await r.json()) as T
}

const lastId = () => t.deps.audit.list({}, 1).items[0]?.id ?? 0
/** Entries written since `after`, oldest first. */
const since = (after: number): AuditEntry[] =>
  t.deps.audit
    .list({}, 100)
    .items.filter((e) => e.id > after)
    .reverse()

/** Calls, then answers with the response's problem code ('ok' when it succeeded) and the new entries. */
async function attempt(path: string, init: Init) {
  const from = lastId()
  const res = await call(path, init)
  const body = await res.text()
  let code = 'ok'
  if (res.status >= 400) code = (JSON.parse(body) as { code: string }).code
  return { status: res.status, code, body, entries: since(from) }
}

const fill = (pattern: string) => pattern.replace(/:[a-z]+/g, 'nope')

test('every mutating route of the contract leaves an entry when the caller lacks its scope', async (ctx) => {
  const { token, id: tokenId } = await ok<{ token: string; id: string }>(
    call('/api/tokens', { method: 'POST', json: { name: 'reader', scopes: ['containers:read'] } }),
    201,
  )
  assert.ok(mutatingRoutes.size >= 30, 'the walk sees the whole contract')
  const silent: string[] = []
  for (const route of mutatingRoutes.values()) {
    const r = await attempt(fill(route.pattern), { method: route.method, json: {}, token })
    const what = `${route.method} ${route.pattern}`
    if (r.entries.length === 0) {
      // Only a challenge handed out successfully is not worth an entry.
      assert.ok(
        challengeRoutes.has(route.operationId) && r.status < 400,
        `${what} left no entry (${r.status})`,
      )
      silent.push(route.operationId)
      continue
    }
    assert.equal(r.entries.length, 1, `${what}: one entry per request`)
    const e = r.entries[0] as AuditEntry
    assert.equal(e.action, routeActions[route.operationId] ?? route.operationId, what)
    assert.equal(e.result, r.code, `${what}: the entry says what the client was told`)
    assert.equal(e.ip, '127.0.0.1', what)
    assert.ok(Date.now() - Date.parse(e.at) < 60_000, what)
    if (r.status === 403) {
      assert.equal(e.actor, `token:${tokenId}`, what)
      assert.equal(e.details.outcome, 'denied', what)
      if (route.pattern.includes(':id')) assert.equal(e.target, 'nope', `${what}: the target is recorded`)
    }
  }
  // A route added to the contract without a name in routeActions is recorded under its
  // operationId; name it there so refusals and successes share one action.
  const unnamed = [...mutatingRoutes.values()].filter((r) => !routeActions[r.operationId])
  if (unnamed.length > 0)
    ctx.diagnostic(`no action name yet: ${unnamed.map((r) => r.operationId).join(', ')}`)
  assert.deepEqual(
    silent.filter((s) => !['loginOptions', 'enrollOptions'].includes(s)),
    [],
    'a reader gets no challenge from a guarded route',
  )
})

test('a bad token is recorded as denied; a request without credentials is not (anyone could fill the log)', async () => {
  const bad = await attempt('/api/containers', {
    method: 'POST',
    json: { name: 'x' },
    token: 'not-a-valid-token-0000000000',
  })
  assert.equal(bad.status, 401)
  assert.equal(bad.entries.length, 1)
  assert.equal(bad.entries[0]?.actor, 'anonymous')
  assert.equal(bad.entries[0]?.result, 'EUNAUTHENTICATED')
  assert.equal(bad.entries[0]?.details.outcome, 'denied')
  // A valid token from another site's page: refused by the Origin check, recorded as denied.
  const foreign = await attempt('/api/containers', {
    method: 'POST',
    json: { name: 'x' },
    headers: { origin: 'http://evil.example' },
  })
  assert.equal(foreign.status, 403)
  assert.equal(foreign.entries.length, 1)
  assert.equal(foreign.entries[0]?.result, 'EBAD_ORIGIN')
  assert.equal(foreign.entries[0]?.details.outcome, 'denied')
  const none = await attempt('/api/containers', { method: 'POST', json: { name: 'x' }, token: null })
  assert.equal(none.status, 401)
  assert.deepEqual(none.entries, [])
  // Reads are not audited.
  assert.deepEqual((await attempt('/api/containers', {})).entries, [])
})

test('with the scope, each container verb records who, from where, what, on which container and the result', async () => {
  const who = { actor: 'admin-token', ip: '127.0.0.1' }
  const one = async (path: string, init: Init, status: number, action: string) => {
    const r = await attempt(path, init)
    assert.equal(r.status, status, r.body)
    const mine = r.entries.filter((e) => e.action === action)
    assert.equal(mine.length, 1, `${action}: ${JSON.stringify(r.entries)}`)
    const e = mine[0] as AuditEntry
    assert.equal(e.actor, who.actor)
    assert.equal(e.ip, who.ip)
    assert.equal(e.result, r.code)
    return { entry: e, body: r.body }
  }
  const created = await one(
    '/api/containers',
    { method: 'POST', json: { name: 'audited', runtime: 'native' } },
    201,
    'container.create',
  )
  const c = JSON.parse(created.body) as Container
  // Named by the caller's name before it has an id; the id is in the details.
  assert.equal(created.entry.target, 'audited')
  assert.equal(created.entry.details.id, c.id)
  // A failure the service refuses: the same name again.
  const dup = await one(
    '/api/containers',
    { method: 'POST', json: { name: 'audited', runtime: 'native' } },
    409,
    'container.create',
  )
  assert.equal(dup.entry.result, 'ECONFLICT')
  // A request validation refuses before any handler runs.
  const invalid = await one(
    `/api/containers/${c.id}`,
    { method: 'PATCH', json: { network: 'everything' } },
    400,
    'container.update',
  )
  assert.equal(invalid.entry.details.outcome, 'failed')
  assert.equal(invalid.entry.target, c.id)
  const patched = await one(
    `/api/containers/${c.id}`,
    { method: 'PATCH', json: { labels: { a: 'b' } } },
    200,
    'container.update',
  )
  assert.equal(patched.entry.target, c.id)

  const started = await one(
    `/api/containers/${c.id}/runs`,
    { method: 'POST', json: { program: '/bin/sh', args: ['-c', 'sleep 30'] } },
    201,
    'container.run',
  )
  const run = JSON.parse(started.body) as Run
  await one(`/api/runs/${run.id}/stop?graceMs=100`, { method: 'POST' }, 200, 'run.stop')
  await one(`/api/runs/${run.id}/stop`, { method: 'POST' }, 409, 'run.stop')

  const jobOf = async (body: string) => {
    const { job } = JSON.parse(body) as { job: Job }
    const done = await t.deps.jobs.waitFor(job.id)
    assert.equal(done.state, 'succeeded', JSON.stringify(done.error))
    return done
  }
  const snap = await one(
    `/api/containers/${c.id}/snapshots`,
    { method: 'POST', json: { label: 'a' } },
    202,
    'snapshot.create',
  )
  assert.equal(snap.entry.target, c.id)
  const snapJob = await jobOf(snap.body)
  const taken = snapJob.result as { id: string }
  // What the job finally did is a second entry, for the same actor, action and target.
  const finished = t.deps.audit
    .list({ action: 'snapshot.create' }, 5)
    .items.find((e) => e.details.job === snapJob.id && e.details.stage === 'finished')
  assert.ok(finished, 'the outcome of the snapshot job is recorded')
  assert.equal(finished.result, 'ok')
  assert.equal(finished.details.state, 'succeeded')
  assert.equal(finished.actor, who.actor)
  assert.equal(finished.ip, who.ip)
  assert.equal(finished.target, c.id)
  assert.equal(finished.details.label, 'a')
  await jobOf(
    (
      await one(
        `/api/containers/${c.id}/snapshots/${taken.id}/restore`,
        { method: 'POST' },
        202,
        'snapshot.restore',
      )
    ).body,
  )
  await one(`/api/containers/${c.id}/snapshots/${taken.id}`, { method: 'DELETE' }, 204, 'snapshot.delete')
  await one(`/api/containers/${c.id}/snapshots/${taken.id}`, { method: 'DELETE' }, 404, 'snapshot.delete')

  const cloned = await one(
    `/api/containers/${c.id}/clone`,
    { method: 'POST', json: { name: 'audited-clone' } },
    201,
    'container.clone',
  )
  assert.equal(cloned.entry.target, c.id)

  const exp = await one(
    `/api/containers/${c.id}/exports`,
    { method: 'POST', json: {} },
    202,
    'container.export',
  )
  const exported = await jobOf(exp.body)
  const file = Buffer.from(await (await call((exported.result as ExportResult).download)).arrayBuffer())
  const imp = await one(
    '/api/imports?name=audited-import',
    { method: 'POST', body: new Uint8Array(file), headers: { 'content-type': 'application/octet-stream' } },
    202,
    'container.import',
  )
  await jobOf(imp.body)
  await one(`/api/exports/${exported.id}`, { method: 'DELETE' }, 204, 'export.delete')

  const cancel = await one(`/api/jobs/${exported.id}/cancel`, { method: 'POST' }, 409, 'job.cancel')
  assert.equal(cancel.entry.result, 'ECONFLICT')

  await one(`/api/containers/${c.id}`, { method: 'DELETE' }, 204, 'container.delete')
  const gone = await one(`/api/containers/${c.id}`, { method: 'DELETE' }, 404, 'container.delete')
  assert.equal(gone.entry.target, c.id)
  assert.deepEqual(t.deps.audit.verify().ok, true, 'the chain holds')
})

test("an install's entry carries the installer's hash", async () => {
  // A Wine container needs a base runtime (wineboot, 15-60 s); its row is enough for the
  // route's upload and hashing, which is what the entry records. The job itself fails later.
  const now = Date.now()
  t.deps.db
    .insert(containers)
    .values({
      id: 'wineish',
      seq: 9100,
      name: 'wineish',
      version: null,
      runtimeKind: 'wine',
      runtimeId: 'wine-8.0-none',
      runtimeHash: null,
      wineVersion: 'wine-8.0',
      env: {},
      network: 'none',
      limits: {},
      labels: {},
      path: `${t.dataDir}/containers/wineish`,
      installed: false,
      state: 'created',
      stateReason: null,
      createdAt: now,
      updatedAt: now,
      stateChangedAt: now,
    })
    .run()
  const payload = Buffer.from('MZ pretend installer bytes')
  const r = await attempt('/api/containers/wineish/installs?filename=setup.exe', {
    method: 'POST',
    body: new Uint8Array(payload),
    headers: { 'content-type': 'application/octet-stream' },
  })
  assert.equal(r.status, 202, r.body)
  const e = r.entries.find((x) => x.action === 'container.install')
  assert.ok(e)
  assert.equal(e.target, 'wineish')
  assert.equal(e.result, 'ok')
  const installer = e.details.installer as { name: string; size: number; blake3: string }
  assert.equal(installer.name, 'setup.exe')
  assert.equal(installer.size, payload.length)
  const copy = join(t.dataDir, 'installer-copy')
  writeFileSync(copy, payload)
  assert.equal(installer.blake3, hashFileSync(copy).hash)
  const { job } = JSON.parse(r.body) as { job: Job }
  const ended = await t.deps.jobs.waitFor(job.id)
  assert.equal(ended.state, 'failed')
  // The install's outcome: its failure code, with the installer's hash kept.
  const outcome = t.deps.audit
    .list({ action: 'container.install', target: 'wineish' }, 5)
    .items.find((x) => x.details.stage === 'finished')
  assert.ok(outcome, 'the outcome of the install job is recorded')
  assert.equal(outcome.result, ended.error?.code)
  assert.equal(outcome.actor, 'admin-token')
  assert.equal((outcome.details.installer as { blake3: string }).blake3, installer.blake3)
  // Wait for the container to settle before cleanup.
  for (let i = 0; i < 100 && t.deps.runs.activeRuns('wineish') > 0; i++) await sleep(20)
})
