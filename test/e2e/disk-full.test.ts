// A disk that fills up mid-import (threats.md, faults): the gateway's data dir sits on a small
// tmpfs, and an archive that unpacks to more than the disk holds is imported into it. The job
// must fail with a clear reason, no container may appear (in the API or on disk), the work files
// must go and give the space back, SQLite must stay sound, and the next import must work.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import Database from 'better-sqlite3'
import type { Job } from '../../openapi/jobs.ts'
import type { Run } from '../../openapi/runs.ts'
import { bearer, makeTestApp, type TestApp } from '../../server/src/testing.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

const DISK_MB = 24
let source: TestApp
let gw: RunningGateway
let disk = ''

/** Entries of `dir` (recursively with `deep`); none when it does not exist. */
function entries(dir: string, deep = false): string[] {
  try {
    return readdirSync(dir, { recursive: deep }).map(String)
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw e
  }
}

/** Free bytes on the small disk. */
const free = () => {
  const s = statfsSync(disk)
  return s.bavail * s.bsize
}

async function json<T>(res: Response | Promise<Response>, status: number): Promise<T> {
  const r = await res
  assert.equal(r.status, status, await r.clone().text())
  return (await r.json()) as T
}

const onSource = (path: string, init: RequestInit & { json?: unknown } = {}) =>
  source.app.request(path, {
    ...init,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    headers: { ...bearer(), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
  })

const onGateway = (path: string, init: RequestInit = {}) =>
  fetch(`${gw.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${gw.token}`, ...(init.headers as Record<string, string>) },
  })

/** A native container of the source installation holding what `script` writes, exported. */
async function archiveOf(name: string, script: string): Promise<Buffer> {
  await json(onSource('/api/containers', { method: 'POST', json: { name, runtime: 'native' } }), 201)
  const run = await json<Run>(
    onSource(`/api/containers/${name}/runs`, {
      method: 'POST',
      json: { program: '/bin/sh', args: ['-c', script] },
    }),
    201,
  )
  for (let now = run; now.state === 'running'; await sleep(25)) {
    now = await json<Run>(onSource(`/api/runs/${run.id}`), 200)
    if (now.state !== 'running') assert.equal(now.exitCode, 0, JSON.stringify(now))
  }
  const { job } = await json<{ job: Job }>(
    onSource(`/api/containers/${name}/exports`, { method: 'POST', json: {} }),
    202,
  )
  const done = await source.deps.jobs.waitFor(job.id)
  assert.equal(done.state, 'succeeded', JSON.stringify(done.error))
  const res = await onSource((done.result as { download: string }).download)
  assert.equal(res.status, 200)
  return Buffer.from(await res.arrayBuffer())
}

async function importOnGateway(file: Buffer): Promise<Job> {
  const { job } = await json<{ job: Job }>(
    onGateway('/api/imports?trust=true', {
      method: 'POST',
      body: new Uint8Array(file),
      headers: { 'content-type': 'application/octet-stream' },
    }),
    202,
  )
  for (;;) {
    const j = await json<Job>(onGateway(`/api/jobs/${job.id}`), 200)
    if (['succeeded', 'failed', 'canceled'].includes(j.state)) return j
    await sleep(100)
  }
}

before(async () => {
  disk = mkdtempSync(join(tmpdir(), 'orbit-e2e-full-'))
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${DISK_MB}m,mode=0755`, 'tmpfs', disk])
  source = await makeTestApp()
  gw = await spawnGateway({ dataDir: join(disk, 'data') })
})

after(async () => {
  await gw?.stop()
  await source?.cleanup()
  if (disk) {
    execFileSync('umount', [disk])
    rmSync(disk, { recursive: true, force: true })
  }
})

test('an import that fills the disk fails cleanly, leaves nothing behind, and the next one works', async () => {
  // 40 MB of zeros pack into a few KB, so the upload fits and the unpacking does not.
  const big = await archiveOf('big', 'head -c 40000000 /dev/zero > /orbit/prefix/zeros.bin')
  assert.ok(big.length < 1024 * 1024, `${big.length} bytes`)
  const before = free()
  const failed = await importOnGateway(big)
  assert.equal(failed.state, 'failed')
  assert.ok(failed.error, 'the job says why')
  assert.equal(failed.error.code, 'ENOSPC', JSON.stringify(failed.error))
  assert.match(failed.error.message, /No space left on device/)

  // Nothing half-made: not in the API, not on disk; the work files are gone and the space is back.
  const list = await json<{ items: unknown[] }>(onGateway('/api/containers'), 200)
  assert.deepEqual(list.items, [])
  const data = join(disk, 'data')
  assert.deepEqual(
    entries(join(data, 'containers')).filter((n) => !n.startsWith('.')),
    [],
    'no container folder',
  )
  // (Lock files stay: a few bytes each, reused by the next operation on that id.)
  const work = entries(join(data, 'tmp'), true).filter((n) => !n.endsWith('.lock') && n !== 'locks')
  assert.deepEqual(work, [], 'no work files left')
  assert.ok(free() >= before - 512 * 1024, `free ${free()} after, ${before} before`)

  // SQLite is sound and agrees with the disk.
  const db = new Database(join(data, 'orbit.db'), { readonly: true })
  try {
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok')
  } finally {
    db.close()
  }

  // And the gateway goes on: a container that fits is imported and listed.
  const small = await archiveOf('small', 'echo fits > /orbit/prefix/note.txt')
  const ok = await importOnGateway(small)
  assert.equal(ok.state, 'succeeded', JSON.stringify(ok.error))
  const after = await json<{ items: { name: string }[] }>(onGateway('/api/containers'), 200)
  assert.deepEqual(
    after.items.map((c) => c.name),
    ['small'],
  )
})
