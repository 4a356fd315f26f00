import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { test } from 'node:test'
import { documentText, emitDocument } from '../openapi/index.ts'
import { OrbitApiError, unwrap } from './client.ts'
import { generateTypes, schemaPath } from './generate.ts'

test('the committed client types are generated from the current contract (run `npm run gen`)', async () => {
  const expected = await generateTypes(documentText(emitDocument()))
  assert.equal(readFileSync(schemaPath, 'utf8'), expected)
})

test('unwrap throws the problem code and detail', () => {
  const problem = {
    type: '/docs/problems#ENOTFOUND',
    title: 'Not found',
    status: 404,
    code: 'ENOTFOUND' as const,
    detail: 'no such container',
  }
  assert.throws(
    () => unwrap({ error: problem, response: new Response(null, { status: 404 }) }),
    (err: unknown) =>
      err instanceof OrbitApiError && err.code === 'ENOTFOUND' && err.message === 'no such container',
  )
  assert.equal(unwrap({ data: 5, response: new Response(null, { status: 200 }) }), 5)
})
