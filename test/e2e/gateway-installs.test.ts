// Installs through a real gateway with real Wine, beyond the happy .exe path of the story test:
// an .msi through `orbit install` (msiexec inside the sandbox), an installer that never ends
// stopped by its time limit (ETIMEOUT, container failed, the next install starts clean), and a
// running install canceled through the jobs API.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { acmeMsiPath, buildFixtures, fixturePath } from '../../scripts/build-fixtures.mjs'
import { createOrbitClient, type OrbitClient, unwrap } from '../../sdk-gen/client.ts'
import { runCli } from '../support/cli.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

const ACME = 'C:\\Program Files\\Acme\\acme.exe'
const dataDir = mkdtempSync(join(tmpdir(), 'orbit-e2e-installs-'))
let gw: RunningGateway
let client: OrbitClient
let cliEnv: NodeJS.ProcessEnv

async function until<T>(what: string, probe: () => Promise<T | undefined>, ms = 180_000): Promise<T> {
  const end = Date.now() + ms
  for (;;) {
    const v = await probe()
    if (v !== undefined) return v
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`)
    await sleep(100)
  }
}

const job = async (id: string) => unwrap(await client.GET('/api/jobs/{id}', { params: { path: { id } } }))
const finished = (id: string) =>
  until(`job ${id}`, async () => {
    const j = await job(id)
    return ['succeeded', 'failed', 'canceled'].includes(j.state) ? j : undefined
  })
const container = async (id: string) =>
  unwrap(await client.GET('/api/containers/{id}', { params: { path: { id } } }))

/** Uploads `file` as an installer of container `name`; `timeout` in seconds. */
async function upload(name: string, file: string, args: string[], timeout?: number) {
  return unwrap(
    await client.POST('/api/containers/{id}/installs', {
      params: {
        path: { id: name },
        query: { filename: file.split('/').pop() as string, args, ...(timeout ? { timeout } : {}) },
      },
      body: readFileSync(file) as unknown as string,
      bodySerializer: (b: unknown) => b as BodyInit,
      headers: { 'content-type': 'application/octet-stream' },
    }),
  )
}

before(async () => {
  buildFixtures({ log: () => {} })
  gw = await spawnGateway({
    dataDir,
    env: { ORBIT_ADMIN_TOKEN: `e2e-installs-${process.pid}-0123456789abcdef` },
  })
  client = createOrbitClient({ baseUrl: gw.url, token: gw.token })
  cliEnv = { ORBIT_URL: gw.url, ORBIT_TOKEN: gw.token }
  for (const name of ['msi', 'slow']) {
    const r = await runCli(['container', 'create', name], cliEnv)
    assert.equal(r.code, 0, r.stderr)
  }
})

after(async () => {
  await gw?.stop()
  rmSync(dataDir, { recursive: true, force: true })
})

test('orbit install of an .msi: captured through msiexec, its app found and runnable', async () => {
  const r = await runCli(['install', 'msi', acmeMsiPath], cliEnv)
  assert.equal(r.code, 0, r.stderr + r.stdout)
  assert.match(r.stdout, /Acme/, r.stdout)
  const c = await container('msi')
  assert.equal(c.state, 'ready')
  const m = unwrap(await client.GET('/api/containers/{id}/manifest', { params: { path: { id: 'msi' } } }))
  assert.equal(m.installer.kind, 'msi')
  assert.equal(m.installer.name, 'acme-v3.msi')
  const run = await runCli(['run', 'msi', '--', ACME], cliEnv)
  assert.equal(run.code, 0, run.stderr)
  assert.ok(run.stdout.split('\n').includes('acme version (registry): 3.0.0'), run.stdout)
  assert.ok(run.stdout.split('\n').includes('acme config: theme=light'), run.stdout)
})

test('an installer past its time limit is stopped: ETIMEOUT, container failed, the next install starts clean', async () => {
  // acme.exe --sleep 600 stands for a setup waiting on a dialog no one will answer.
  const started = Date.now()
  const cli = await runCli(
    ['install', 'slow', fixturePath('acme-v1'), '--timeout', '3', '--', '--sleep', '600'],
    cliEnv,
  )
  assert.notEqual(cli.code, 0)
  assert.match(cli.stderr, /still running after 3 s/)
  assert.match(cli.stderr, /ETIMEOUT/)
  const { id } = await container('slow')
  const jobs = unwrap(
    await client.GET('/api/jobs', { params: { query: { containerId: id, kind: 'container.install' } } }),
  )
  const j = jobs.items.find((x) => x.kind === 'container.install')
  assert.ok(j, JSON.stringify(jobs))
  assert.equal(j.state, 'failed')
  assert.equal(j.error?.code, 'ETIMEOUT', JSON.stringify(j.error))
  assert.match(j.error?.message ?? '', /still running after 3 s/)
  assert.ok(Date.now() - started < 120_000, 'stopped long before the installer would have ended')
  const c = await container('slow')
  assert.equal(c.state, 'failed')
  assert.match(c.stateReason ?? '', /still running after 3 s/)

  // A retry goes back to 000-base first: nothing of the stopped install stays.
  const again = await upload('slow', acmeMsiPath, [])
  const k = await finished(again.job.id)
  assert.equal(k.state, 'succeeded', JSON.stringify(k.error))
  assert.equal((await container('slow')).state, 'ready')
})

test('a running install canceled through the jobs API ends canceled and leaves the container failed', async () => {
  const accepted = await upload('slow', fixturePath('acme-v1'), ['--sleep', '600'], 600)
  await until('the installer running', async () => {
    const j = await job(accepted.job.id)
    return j.state === 'running' && j.phase === 'install' ? j : undefined
  })
  const canceled = await client.POST('/api/jobs/{id}/cancel', { params: { path: { id: accepted.job.id } } })
  assert.ok(canceled.response.ok, String(canceled.response.status))
  const j = await finished(accepted.job.id)
  assert.equal(j.state, 'canceled')
  const c = await container('slow')
  assert.equal(c.state, 'failed')
  assert.match(c.stateReason ?? '', /canceled/)
})
