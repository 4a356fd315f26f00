import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { openapiPath } from './emit.ts'
import { documentText, emitDocument, routes } from './index.ts'

test('the committed openapi.json is what the contract emits (run `npm run gen` after a change)', () => {
  assert.equal(readFileSync(openapiPath, 'utf8'), documentText(emitDocument()))
})

test('every route declares its security and the shared problem responses', () => {
  for (const route of routes) {
    assert.ok(Array.isArray(route.security), `${route.path} declares security`)
    assert.ok(route.responses[500], `${route.path} declares 500 problem+json`)
    if (route.security.length > 0) {
      for (const status of [400, 401, 403] as const) {
        assert.ok(status in route.responses, `${route.method} ${route.path} declares ${status}`)
      }
    }
  }
})
