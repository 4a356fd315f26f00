import assert from 'node:assert/strict'
import { test } from 'node:test'
import { runCli } from '../support/cli.ts'

test('orbit --help lists the commands and exits 0', async () => {
  const res = await runCli(['--help'])
  assert.equal(res.code, 0)
  assert.match(res.stdout, /serve \[--data DIR\]/)
  assert.match(res.stdout, /info \[--json\]/)
})

test('an unknown command or option is one line on stderr and exit 2', async () => {
  const res = await runCli(['frobnicate'])
  assert.equal(res.code, 2)
  assert.equal(res.stderr, `orbit: unknown command "frobnicate"; see 'orbit --help'\n`)
  const bad = await runCli(['serve', '--port', 'seventy'])
  assert.equal(bad.code, 2)
  assert.match(bad.stderr, /^orbit: --port must be a number/)
})

test('an unreachable gateway is a clear one-line error', async () => {
  const res = await runCli(['info'], { ORBIT_URL: 'http://127.0.0.1:9', ORBIT_TOKEN: 'x'.repeat(20) })
  assert.equal(res.code, 1)
  assert.match(res.stderr, /^orbit: cannot reach the gateway at http:\/\/127\.0\.0\.1:9/)
})

test('orbit serve refuses a non-loopback host without TLS, with the settings to set', async () => {
  const res = await runCli(
    ['serve', '--host', '0.0.0.0', '--port', '0', '--data', '/tmp/orbit-refuse-test'],
    {
      ORBIT_TLS_CERT: '',
      ORBIT_TLS_KEY: '',
    },
  )
  assert.equal(res.code, 1)
  assert.match(
    res.stderr,
    /refusing to start: listening on 0\.0\.0\.0 \(beyond loopback\) needs TLS: set server\.tls_cert/,
  )
})
