import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Container } from '../../../openapi/containers.ts'
import type { Job } from '../../../openapi/jobs.ts'
import type { Run } from '../../../openapi/runs.ts'
import { containers } from '../db/schema.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'
import { treeUsage } from './walk.ts'

let t: TestApp
before(async () => {
  t = await makeTestApp()
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

async function scrape(): Promise<string> {
  const res = await call('/metrics')
  assert.equal(res.status, 200)
  return res.text()
}

/** The value of one sample line (`name{labels} value`), or undefined when it is absent. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ''} `))
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1))
}

async function box(name: string): Promise<Container> {
  const res = await call('/api/containers', { method: 'POST', json: { name, runtime: 'native' } })
  assert.equal(res.status, 201, await res.clone().text())
  return (await res.json()) as Container
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await probe()
    if (v !== undefined) return v
    await sleep(25)
  }
  throw new Error(`timed out waiting for ${what}`)
}

test('containers by state follow the database at each scrape, every state reported', async () => {
  const before = await scrape()
  for (const s of ['created', 'installing', 'ready', 'running', 'stopped', 'failed', 'busy']) {
    assert.notEqual(sample(before, 'orbit_containers', `state="${s}"`), undefined, s)
  }
  const created0 = sample(before, 'orbit_containers', 'state="created"') ?? 0
  const a = await box('metrics-a')
  await box('metrics-b')
  assert.equal(sample(await scrape(), 'orbit_containers', 'state="created"'), created0 + 2)
  assert.equal((await call(`/api/containers/${a.id}`, { method: 'DELETE' })).status, 204)
  assert.equal(sample(await scrape(), 'orbit_containers', 'state="created"'), created0 + 1)
})

test('runs active rises with a live run and falls when it ends; exits are counted by state and code', async () => {
  const c = await box('metrics-runner')
  const start = async (args: string[]) => {
    const res = await call(`/api/containers/${c.id}/runs`, {
      method: 'POST',
      json: { program: '/bin/sh', args },
    })
    assert.equal(res.status, 201, await res.clone().text())
    return (await res.json()) as Run
  }
  const idle = sample(await scrape(), 'orbit_runs_active') ?? -1
  const long = await start(['-c', 'sleep 30'])
  assert.equal(sample(await scrape(), 'orbit_runs_active'), idle + 1)
  const quick = await start(['-c', 'exit 7'])
  await until('the quick run to end', async () =>
    sample(await scrape(), 'orbit_run_exits_total', 'state="exited",exit="7"') === 1 ? true : undefined,
  )
  assert.equal(sample(await scrape(), 'orbit_runs_active'), idle + 1, `${quick.id} no longer counts`)
  const stopped = await call(`/api/runs/${long.id}/stop?graceMs=100`, { method: 'POST' })
  assert.equal(stopped.status, 200, await stopped.clone().text())
  const text = await scrape()
  assert.equal(sample(text, 'orbit_runs_active'), idle)
  assert.equal(sample(text, 'orbit_run_exits_total', 'state="stopped",exit="signal 15"'), 1)
})

test('disk per container and the store are sampled in the background, never during a scrape', async () => {
  const c = await box('metrics-disk')
  const disk = t.deps.metrics.disk
  assert.ok(disk, 'makeTestApp passes the sources')
  await disk.refresh()
  const label = `container="${c.id}",name="metrics-disk"`
  const first = sample(await scrape(), 'orbit_container_disk_bytes', label)
  assert.ok(first !== undefined && first > 0, 'the new container is measured')
  assert.equal(sample(await scrape(), 'orbit_store_disk_bytes'), 0, 'no store yet')

  // 3 MiB more in the container, written by a run in its sandbox; the store fills with a snapshot.
  const run = await call(`/api/containers/${c.id}/runs`, {
    method: 'POST',
    json: { program: '/bin/sh', args: ['-c', 'head -c 3145728 /dev/urandom > /orbit/prefix/big.bin'] },
  })
  assert.equal(run.status, 201, await run.clone().text())
  const runId = ((await run.json()) as Run).id
  await until('the writer to end', async () => {
    const r = (await (await call(`/api/runs/${runId}`)).json()) as Run
    return r.state === 'exited' && t.deps.runs.activeRuns(c.id) === 0 ? r : undefined
  })
  const snap = await call(`/api/containers/${c.id}/snapshots`, { method: 'POST', json: { label: 'm' } })
  assert.equal(snap.status, 202, await snap.clone().text())
  const job = (await snap.json()) as { job: Job }
  const done = await t.deps.jobs.waitFor(job.job.id)
  assert.equal(done.state, 'succeeded', JSON.stringify(done.error))

  // Within the TTL the scrape shows the old sample, and answers at once.
  const stale = await scrape()
  assert.equal(sample(stale, 'orbit_container_disk_bytes', label), first)
  await disk.refresh()
  const fresh = await scrape()
  const after = sample(fresh, 'orbit_container_disk_bytes', label) ?? 0
  assert.ok(after >= first + (3 << 20), `${after} >= ${first} + 3 MiB`)
  assert.ok((sample(fresh, 'orbit_store_disk_bytes') ?? 0) > 0, 'the snapshot filled the store')
  assert.ok((sample(fresh, 'orbit_store_objects') ?? 0) > 0)
  assert.ok((sample(fresh, 'orbit_disk_sample_age_seconds') ?? -1) >= 0)

  // A deleted container leaves the figures with the next sample.
  assert.equal((await call(`/api/containers/${c.id}`, { method: 'DELETE' })).status, 204)
  await disk.refresh()
  assert.equal(sample(await scrape(), 'orbit_container_disk_bytes', label), undefined)
})

test('a stale sample is refreshed by the scrape that finds it, in the background', async () => {
  const c = await box('metrics-ttl')
  const disk = t.deps.metrics.disk
  assert.ok(disk)
  await disk.refresh()
  assert.ok(disk.current().containers.has(c.id))
  // Not measured until the sample goes stale: a scrape alone does not walk.
  const c2 = await box('metrics-ttl2')
  await scrape()
  await sleep(50)
  assert.equal(disk.current().containers.has(c2.id), false)
  // Force staleness through a sampler with a zero TTL over the same sources.
  const { DiskSampler } = await import('./disk.ts')
  const eager = new DiskSampler(t.deps.db, t.dataDir, { ttlMs: 0 })
  assert.equal(eager.current().at, 0, 'the first read answers at once with nothing')
  await until('the background refresh', () => (eager.current().at > 0 ? true : undefined))
  assert.ok(eager.current().containers.has(c2.id))
})

test('the tree walk counts allocated bytes once per inode and stops at its budget', async () => {
  const dir = join(t.dataDir, 'walk')
  mkdirSync(join(dir, 'a', 'b'), { recursive: true })
  writeFileSync(join(dir, 'a', 'b', 'one'), Buffer.alloc(1 << 20, 1))
  const { linkSync } = await import('node:fs')
  linkSync(join(dir, 'a', 'b', 'one'), join(dir, 'a', 'hard'))
  const all = await treeUsage(dir)
  assert.equal(all.truncated, false)
  assert.equal(all.entries, 5)
  assert.ok(all.bytes >= 1 << 20 && all.bytes < 2 << 20, `hard link counted once: ${all.bytes}`)
  const cut = await treeUsage(dir, 2)
  assert.equal(cut.truncated, true)
  assert.ok(cut.entries <= 2)
})

test('install durations: an install job that fails is timed by outcome', async () => {
  // A Wine container needs a base runtime (wineboot); its row alone lets the real install route,
  // upload, queue and job run — the job then fails in the core (no folder), a real failure.
  const now = Date.now()
  const path = join(t.dataDir, 'containers', 'ghost')
  t.deps.db
    .insert(containers)
    .values({
      id: 'ghost',
      seq: 9000,
      name: 'ghost',
      version: null,
      runtimeKind: 'wine',
      runtimeId: 'wine-8.0-none',
      runtimeHash: null,
      wineVersion: 'wine-8.0',
      env: {},
      network: 'none',
      limits: {},
      labels: {},
      path,
      installed: false,
      state: 'created',
      stateReason: null,
      createdAt: now,
      updatedAt: now,
      stateChangedAt: now,
    })
    .run()
  const before = sample(await scrape(), 'orbit_install_duration_seconds_count', 'state="failed"') ?? 0
  const res = await call('/api/containers/ghost/installs?filename=setup.exe', {
    method: 'POST',
    body: 'MZ not really',
    headers: { 'content-type': 'application/octet-stream' },
  })
  assert.equal(res.status, 202, await res.clone().text())
  const { job } = (await res.json()) as { job: Job }
  const done = await t.deps.jobs.waitFor(job.id)
  assert.equal(done.state, 'failed')
  const text = await scrape()
  assert.equal(sample(text, 'orbit_install_duration_seconds_count', 'state="failed"'), before + 1)
  assert.equal(
    sample(text, 'orbit_job_failures_total', `kind="container.install",code="${done.error?.code}"`),
    1,
  )
})
