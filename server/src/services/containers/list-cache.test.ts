// The list page cache against every way the containers table changes: a cached page is never stale.
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import Database from 'better-sqlite3'
import { bearer, makeTestApp, type TestApp } from '../../testing.ts'
import { listPageCache } from './list-cache.ts'

let t: TestApp
before(async () => {
  t = await makeTestApp()
})
after(async () => {
  await t.cleanup()
})

const headers = { ...bearer(), 'content-type': 'application/json' }
const api = async (method: string, path: string, body?: unknown) => {
  const res = await t.app.request(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${await res.clone().text()}`)
  return res.status === 204 ? undefined : ((await res.json()) as Record<string, unknown>)
}
type Page = {
  items: { id: string; name: string; labels: Record<string, string> }[]
  nextCursor: string | null
}
const list = async (query = '') => (await api('GET', `/api/containers${query}`)) as unknown as Page

test('a page is built once while the table is unchanged, and again after any write', () => {
  const cache = listPageCache(t.deps.db)
  let builds = 0
  const build = () => String(++builds)
  const get = (q: string) => Buffer.from(cache.get(q, build)).toString()
  assert.equal(get('q'), '1')
  assert.equal(get('q'), '1')
  assert.equal(get('other'), '2', 'each query has its own page')
  t.deps.db.$client.prepare("UPDATE containers SET labels = labels WHERE id = 'none'").run()
  assert.equal(get('q'), '1', 'a statement that changes no row changes nothing')
  t.deps.db.$client.exec('BEGIN; DELETE FROM containers; ROLLBACK')
  assert.equal(get('q'), '1', 'a rolled back write changes nothing')
  t.deps.db.$client.prepare('UPDATE containers SET name = name WHERE 0').run()
  t.deps.db.$client.exec('INSERT INTO containers SELECT * FROM containers WHERE 0')
  assert.equal(get('q'), '1')
})

test('the list follows creates, updates, raw writes, writes from another connection and deletes', async () => {
  const a = (await api('POST', '/api/containers', { name: 'cache-a', runtime: 'native' })) as { id: string }
  const first = await list()
  assert.deepEqual(
    first.items.map((i) => i.name),
    ['cache-a'],
  )
  assert.deepEqual(await list(), first, 'unchanged while nothing changed')
  await api('POST', '/api/containers', { name: 'cache-b', runtime: 'native' })
  assert.deepEqual(
    (await list()).items.map((i) => i.name),
    ['cache-a', 'cache-b'],
  )
  await api('PATCH', `/api/containers/${a.id}`, { labels: { tier: 'gold' } })
  assert.deepEqual((await list()).items[0]?.labels, { tier: 'gold' })
  // A write no service made (as a migration or a repair would).
  t.deps.db.$client.prepare('UPDATE containers SET labels = \'{"tier":"raw"}\' WHERE id = ?').run(a.id)
  assert.deepEqual((await list()).items[0]?.labels, { tier: 'raw' })
  // Another connection (another process on the same file): seen through data_version.
  const other = new Database(join(t.dataDir, 'orbit.db'))
  try {
    other.prepare('UPDATE containers SET labels = \'{"tier":"other"}\' WHERE id = ?').run(a.id)
  } finally {
    other.close()
  }
  assert.deepEqual((await list()).items[0]?.labels, { tier: 'other' })
  // Pages with a limit and a cursor are their own entries and follow too.
  const p1 = await list('?limit=1')
  assert.equal(p1.items.length, 1)
  assert.ok(p1.nextCursor)
  assert.deepEqual(
    (await list(`?limit=1&cursor=${p1.nextCursor}`)).items.map((i) => i.name),
    ['cache-b'],
  )
  await api('DELETE', `/api/containers/${a.id}`)
  assert.deepEqual(
    (await list()).items.map((i) => i.name),
    ['cache-b'],
  )
  assert.equal((await list('?limit=1')).nextCursor, null)
})
