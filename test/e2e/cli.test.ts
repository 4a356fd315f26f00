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

test('usage mistakes in the container commands are caught before any request, with exit 2', async () => {
  // An unreachable gateway: none of these may get as far as asking it.
  const env = { ORBIT_URL: 'http://127.0.0.1:9', ORBIT_TOKEN: 'x'.repeat(20) }
  const cases: [string[], RegExp][] = [
    [['container'], /^orbit: usage: orbit container create NAME/],
    [['container', 'frob'], /^orbit: unknown subcommand "container frob"/],
    [['container', 'create'], /^orbit: expected NAME/],
    [['container', 'create', 'x', '--runtime', 'dos'], /^orbit: --runtime is wine or native\n$/],
    [['container', 'clone', 'x'], /^orbit: expected NAME NEW/],
    [['run', 'x'], /^orbit: usage: orbit run /],
    [['run', '--bogus', 'x', 'y'], /^orbit: unknown option --bogus/],
    [['install', 'x'], /^orbit: usage: orbit install NAME INSTALLER/],
    [['snapshot', 'restore', 'x'], /^orbit: usage: orbit snapshot/],
    [['export', 'x'], /^orbit: usage: orbit export NAME -o FILE\.ctnr/],
    [['export', 'x', '-o', '/tmp/x.ctnr', '--encrypt'], /^orbit: set ORBIT_PASSPHRASE \(no terminal/],
    [['import'], /^orbit: usage: orbit import FILE\.ctnr/],
    [['logs'], /^orbit: usage: orbit logs NAME \[RUN\] \[-f\]/],
    [['jobs', '--frob'], /^orbit: Unknown option '--frob'/],
  ]
  for (const [args, stderr] of cases) {
    const res = await runCli(args, { ...env, ORBIT_PASSPHRASE: '' })
    assert.equal(res.code, 2, `${args.join(' ')}: ${res.stderr}`)
    assert.match(res.stderr, stderr, args.join(' '))
    assert.equal(res.stderr.split('\n').length, 2, `one line: ${res.stderr}`)
  }
})

test('a missing installer or archive is a one-line error before any upload', async () => {
  const env = { ORBIT_URL: 'http://127.0.0.1:9', ORBIT_TOKEN: 'x'.repeat(20) }
  const install = await runCli(['install', 'x', '/nonexistent/setup.exe'], env)
  assert.deepEqual(
    [install.code, install.stderr],
    [1, 'orbit: cannot read the installer /nonexistent/setup.exe\n'],
  )
  const imp = await runCli(['import', '/nonexistent/a.ctnr'], env)
  assert.deepEqual([imp.code, imp.stderr], [1, 'orbit: cannot read /nonexistent/a.ctnr\n'])
})
