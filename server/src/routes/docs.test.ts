import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import { emitDocument } from '../../../openapi/index.ts'
import { makeTestApp, type TestApp } from '../testing.ts'

let t: TestApp
before(async () => {
  t = await makeTestApp()
})
after(async () => {
  await t.cleanup()
})

test('GET /api/openapi.json serves the contract itself', async () => {
  const res = await t.app.request('/api/openapi.json')
  assert.equal(res.status, 200)
  assert.deepEqual(await res.json(), emitDocument())
})

test('GET /api/docs is a self-contained page listing every route with its scope', async () => {
  const res = await t.app.request('/api/docs')
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /text\/html/)
  const html = await res.text()
  assert.doesNotMatch(html, /<script/i, 'no scripts, so it works offline and under a strict CSP')
  const doc = emitDocument() as {
    paths: Record<string, Record<string, { security: Array<Record<string, string[]>> }>>
  }
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      assert.ok(html.includes(`<code>${path}</code>`), `${method} ${path} is listed`)
      const scope = op.security.flatMap((r) => Object.values(r).flat())[0]
      if (scope) assert.ok(html.includes(`<code>${scope}</code>`), `${path} shows its scope ${scope}`)
    }
  }
})
