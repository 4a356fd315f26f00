import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'

const logModule = fileURLToPath(new URL('./log.ts', import.meta.url))

test('the default (non-blocking) stdout logger loses no line when the process exits right away', () => {
  const script = `
    const { createLogger } = await import(${JSON.stringify(logModule)})
    const log = createLogger('info')
    for (let i = 0; i < 5000; i++) log.info({ i, token: 'secret-value' }, 'line')
    process.exit(0)
  `
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  })
  const lines = out.split('\n').filter(Boolean)
  assert.equal(lines.length, 5000)
  const last = JSON.parse(lines.at(-1) ?? '') as { i: number; token: string; service: string }
  assert.equal(last.i, 4999)
  assert.equal(last.service, 'orbit')
  assert.equal(last.token, '[redacted]')
})
