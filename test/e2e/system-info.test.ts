import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createOrbitClient, unwrap } from '../../sdk-gen/client.ts'
import { runCli } from '../support/cli.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

let gw: RunningGateway
before(async () => {
  gw = await spawnGateway()
})
after(async () => {
  await gw.stop()
})

test('the real gateway answers /api/system/info through the generated client with facts from the core', async () => {
  const client = createOrbitClient({ baseUrl: gw.url, token: gw.token })
  const info = unwrap(await client.GET('/api/system/info'))
  // Facts the test can check independently of the core: Wine's own version line, the kernel release.
  const wineVersion = execFileSync('wine', ['--version'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim()
  assert.equal(info.core.wine.available, true)
  assert.equal(info.core.wine.version, wineVersion)
  assert.equal(info.core.kernel, execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim())
  assert.equal(info.core.overlay, true)
  assert.equal(info.core.namespaces.mount, true)
  const mounts = execFileSync('cat', ['/proc/self/mountinfo'], { encoding: 'utf8' })
  const hasV1 = / - cgroup /.test(mounts)
  const hasV2 = / - cgroup2 /.test(mounts)
  if (hasV1) assert.ok(info.core.cgroup.mode === 'v1' || info.core.cgroup.mode === 'hybrid')
  else if (hasV2) assert.equal(info.core.cgroup.mode, 'v2')
})

test('the data dir holds the SQLite file in WAL mode and the token signing key, owner-only', () => {
  assert.ok(existsSync(join(gw.dataDir, 'orbit.db')))
  assert.ok(existsSync(join(gw.dataDir, 'orbit.db-wal')))
  assert.equal(statSync(join(gw.dataDir, 'keys')).mode & 0o777, 0o700)
  assert.equal(statSync(join(gw.dataDir, 'keys', 'jwt-ed25519.jwk')).mode & 0o777, 0o600)
  // The bootstrap admin token is opt-in (ORBIT_ADMIN_TOKEN); nothing is written for it.
  assert.ok(!existsSync(join(gw.dataDir, 'admin-token')))
})

test('without a token the API answers 401 problem+json', async () => {
  const client = createOrbitClient({ baseUrl: gw.url })
  const res = await client.GET('/api/system/info')
  assert.equal(res.response.status, 401)
  assert.equal(res.error?.code, 'EUNAUTHENTICATED')
})

test('orbit info prints the facts; --json gives the same data; a bad token fails with one line', async () => {
  const env = { ORBIT_URL: gw.url, ORBIT_TOKEN: gw.token }
  const human = await runCli(['info'], env)
  assert.equal(human.code, 0, human.stderr)
  assert.match(human.stdout, /wine:\s+wine-/)
  const json = await runCli(['info', '--json'], env)
  assert.equal(json.code, 0, json.stderr)
  assert.equal((JSON.parse(json.stdout) as { core: { overlay: boolean } }).core.overlay, true)
  const denied = await runCli(['info'], { ORBIT_URL: gw.url, ORBIT_TOKEN: 'wrong-token-wrong-token' })
  assert.equal(denied.code, 1)
  assert.match(denied.stderr, /^orbit: .*ORBIT_TOKEN/)
  assert.equal(denied.stderr.trim().split('\n').length, 1)
})
