import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Container } from '../../../openapi/containers.ts'
import type { OrbitEvent } from '../events/types.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'

let t: TestApp
const seen: OrbitEvent[] = []
before(async () => {
  t = await makeTestApp()
  t.deps.events.subscribe((e) => seen.push(e), { types: ['container.*'] })
})
after(() => t.cleanup())

const call = (path: string, init: RequestInit & { json?: unknown } = {}) =>
  t.app.request(path, {
    ...init,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    headers: {
      ...bearer(),
      ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.headers as Record<string, string>),
    },
  })

const create = async (body: Record<string, unknown>) => {
  const res = await call('/api/containers', { method: 'POST', json: { runtime: 'native', ...body } })
  assert.equal(res.status, 201, await res.clone().text())
  return { res, container: (await res.json()) as Container }
}

interface Problem {
  code: string
  detail: string
  errors?: Array<{ path: string; message: string }>
}

test('POST creates a folder and a row in state created; GET finds it by id or name', async () => {
  const { res, container: c } = await create({
    name: 'Notes',
    version: '1.2',
    env: { NOTES_MODE: 'test' },
    network: 'host',
    limits: { memoryMb: 256, pids: 64 },
    labels: { team: 'qa' },
  })
  assert.equal(res.headers.get('location'), `/api/containers/${c.id}`)
  assert.match(c.id, /^notes-[0-9a-f]{6}$/)
  assert.deepEqual(
    { ...c, id: '', createdAt: '', updatedAt: '', stateChangedAt: '' },
    {
      id: '',
      name: 'Notes',
      version: '1.2',
      state: 'created',
      stateReason: null,
      runtime: { kind: 'native', id: null, wineVersion: null, hash: null },
      env: { NOTES_MODE: 'test' },
      network: 'host',
      display: 'none',
      limits: { memoryMb: 256, pids: 64 },
      labels: { team: 'qa' },
      installed: false,
      disk: null,
      lastRun: null,
      createdAt: '',
      updatedAt: '',
      stateChangedAt: '',
    },
  )
  const yml = readFileSync(join(t.dataDir, 'containers', c.id, 'container.yml'), 'utf8')
  assert.match(yml, /NOTES_MODE: test/)
  for (const path of [`/api/containers/${c.id}`, '/api/containers/Notes']) {
    const got = await call(path)
    assert.equal(got.status, 200)
    // Its size on disk is measured in the background a moment after creation; the rest is fixed.
    assert.deepEqual({ ...((await got.json()) as Container), disk: null }, c)
  }
  assert.ok(seen.some((e) => e.type === 'container.created' && e.subject === c.id))
})

test('names are unique: a second create or a rename onto a taken name is a 409 problem', async () => {
  await create({ name: 'Taken' })
  const dup = await call('/api/containers', { method: 'POST', json: { name: 'Taken', runtime: 'native' } })
  assert.equal(dup.status, 409)
  assert.equal(((await dup.json()) as Problem).code, 'ECONFLICT')
  const { container: other } = await create({ name: 'Other' })
  const rename = await call(`/api/containers/${other.id}`, { method: 'PATCH', json: { name: 'Taken' } })
  assert.equal(rename.status, 409)
  assert.equal(((await (await call('/api/containers/Other')).json()) as Container).name, 'Other')
})

test('PATCH writes container.yml and the row; null clears the version, maps are replaced', async () => {
  const { container: c } = await create({ name: 'Patchy', version: '1', env: { A: '1', B: '2' } })
  const res = await call('/api/containers/Patchy', {
    method: 'PATCH',
    json: {
      name: 'Patched',
      version: null,
      env: { C: '3' },
      limits: { pids: 10 },
      network: 'host',
      display: 'host',
    },
  })
  assert.equal(res.status, 200)
  const after = (await res.json()) as Container
  assert.equal(after.id, c.id)
  assert.equal(after.name, 'Patched')
  assert.equal(after.version, null)
  assert.deepEqual(after.env, { C: '3' })
  assert.deepEqual(after.limits, { memoryMb: null, pids: 10 })
  assert.equal(after.network, 'host')
  assert.equal(after.display, 'host')
  const yml = readFileSync(join(t.dataDir, 'containers', c.id, 'container.yml'), 'utf8')
  assert.match(yml, /name: Patched/)
  assert.match(yml, /display: host/)
  assert.doesNotMatch(yml, /version:/)
  assert.deepEqual(
    { ...((await (await call(`/api/containers/${c.id}`)).json()) as Container), disk: after.disk },
    after,
  )
  const ev = seen.findLast((e) => e.type === 'container.updated' && e.subject === c.id)
  assert.deepEqual(ev?.data, after)
  const empty = await call('/api/containers/Patched', { method: 'PATCH', json: {} })
  assert.equal(empty.status, 400)
})

test('GET /api/containers pages in created order and filters by name, state and label', async () => {
  const made: string[] = []
  for (const [i, team] of ['red', 'blue', 'red'].entries()) {
    made.push((await create({ name: `list-${i}`, labels: { team, [`only${i}`]: '' } })).container.id)
  }
  const all: string[] = []
  let cursor: string | null = null
  do {
    const res = await call(`/api/containers?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
    const page = (await res.json()) as { items: Container[]; nextCursor: string | null }
    assert.ok(page.items.length <= 2)
    all.push(...page.items.map((c) => c.id))
    cursor = page.nextCursor
  } while (cursor)
  assert.deepEqual(
    all.filter((id) => made.includes(id)),
    made,
  )
  const red = (await (await call('/api/containers?label=team%3Dred')).json()) as { items: Container[] }
  assert.deepEqual(
    red.items.map((c) => c.id),
    [made[0], made[2]],
  )
  const has = (await (await call('/api/containers?label=only1')).json()) as { items: Container[] }
  assert.deepEqual(
    has.items.map((c) => c.id),
    [made[1]],
  )
  const byName = (await (await call('/api/containers?name=list-2&state=created')).json()) as {
    items: Container[]
  }
  assert.deepEqual(
    byName.items.map((c) => c.id),
    [made[2]],
  )
  const none = (await (await call('/api/containers?state=failed&name=list-2')).json()) as {
    items: Container[]
  }
  assert.deepEqual(none.items, [])
})

test('DELETE removes the folder and the row; then it is 404', async () => {
  const { container: c } = await create({ name: 'Doomed' })
  const res = await call('/api/containers/Doomed', { method: 'DELETE' })
  assert.equal(res.status, 204)
  assert.ok(!existsSync(join(t.dataDir, 'containers', c.id)))
  const gone = await call(`/api/containers/${c.id}`)
  assert.equal(gone.status, 404)
  assert.equal(((await gone.json()) as Problem).code, 'ENOTFOUND')
  assert.equal((await call('/api/containers/Doomed', { method: 'DELETE' })).status, 404)
  const states = seen.filter((e) => e.subject === c.id).map((e) => e.type)
  assert.deepEqual(states, ['container.created', 'container.state', 'container.deleted'])
})

test('invalid bodies name their fields; malformed JSON and wrong content types are 4xx problems', async () => {
  const bad = await call('/api/containers', {
    method: 'POST',
    json: {
      name: '',
      runtime: 'dos',
      network: 'all',
      env: { 'A=B': 'x' },
      limits: { memoryMb: 1 },
      extra: 1,
    },
  })
  assert.equal(bad.status, 400)
  const p = (await bad.json()) as Problem
  assert.equal(p.code, 'EVALIDATION')
  const paths = new Set(p.errors?.map((e) => e.path))
  for (const f of ['name', 'runtime', 'network', 'env.A=B', 'limits.memoryMb'])
    assert.ok(paths.has(f), `${f} in ${[...paths]}`)
  assert.ok(
    p.errors?.some((e) => /extra/.test(e.message)),
    'the unknown field is named',
  )

  const cases: Array<[RequestInit, number]> = [
    [{ method: 'POST', body: '{"name":', headers: { 'content-type': 'application/json' } }, 400],
    [
      { method: 'POST', body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } },
      415,
    ],
    [{ method: 'POST', body: '[1,2]', headers: { 'content-type': 'application/json' } }, 400],
    [{ method: 'POST' }, 400],
    [
      { method: 'POST', body: 'x'.repeat(2 * 1024 * 1024), headers: { 'content-type': 'application/json' } },
      413,
    ],
  ]
  for (const [init, status] of cases) {
    const res = await call('/api/containers', init)
    assert.equal(res.status, status, `${JSON.stringify(init).slice(0, 80)} -> ${res.status}`)
    assert.equal(res.headers.get('content-type'), 'application/problem+json')
  }
  const slash = await call('/api/containers', { method: 'POST', json: { name: 'a/b', runtime: 'native' } })
  assert.equal(slash.status, 400)
  const longId = await call(`/api/containers/${'x'.repeat(300)}`)
  assert.equal(longId.status, 400)
})

test('manifest and apps: 404 and an empty list before any install', async () => {
  const { container: c } = await create({ name: 'Bare' })
  const m = await call(`/api/containers/${c.id}/manifest`)
  assert.equal(m.status, 404)
  assert.match(((await m.json()) as Problem).detail, /no captured install/)
  assert.deepEqual(await (await call(`/api/containers/${c.id}/apps`)).json(), { items: [] })
  assert.equal((await call('/api/containers/nope/apps')).status, 404)
})

test('installs refuse a native container, a wrong content type and a declared size over the limit', async () => {
  const { container: c } = await create({ name: 'NoInstall' })
  const url = `/api/containers/${c.id}/installs?filename=setup.exe`
  const post = (headers: Record<string, string>, body: BodyInit = 'MZ') =>
    call(url, { method: 'POST', body, headers })
  const native = await post({ 'content-type': 'application/octet-stream' })
  assert.equal(native.status, 409)
  assert.match(((await native.json()) as Problem).detail, /native container/)
  assert.equal((await post({ 'content-type': 'text/plain' })).status, 415)
  t.deps.config.maxUploadBytes = 100
  try {
    const big = await post(
      { 'content-type': 'application/octet-stream', 'content-length': '101' },
      'x'.repeat(101),
    )
    assert.equal(big.status, 413)
    assert.equal(((await big.json()) as Problem).code, 'EPAYLOAD_TOO_LARGE')
  } finally {
    t.deps.config.maxUploadBytes = 2 * 1024 ** 3
  }
  const noName = await call(`/api/containers/${c.id}/installs?filename=setup.sh`, {
    method: 'POST',
    body: 'x',
    headers: { 'content-type': 'application/octet-stream' },
  })
  assert.equal(noName.status, 400)
  assert.equal(((await noName.json()) as Problem).errors?.[0]?.path, 'filename')
})
