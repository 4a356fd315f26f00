import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Container } from '../../../openapi/containers.ts'
import type { Job } from '../../../openapi/jobs.ts'
import type { Run } from '../../../openapi/runs.ts'
import type { Snapshot, SnapshotDiff } from '../../../openapi/snapshots.ts'
import { transition } from '../services/containers/state.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'

let t: TestApp
before(async () => {
  t = await makeTestApp()
})
after(() => t.cleanup())

const call = (path: string, init: RequestInit & { json?: unknown } = {}) =>
  t.app.request(path, {
    ...init,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    headers: { ...bearer(), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
  })
const json = async <T>(res: Response | Promise<Response>, status = 200): Promise<T> => {
  const r = await res
  assert.equal(r.status, status, await r.clone().text())
  return (await r.json()) as T
}

/** Runs a shell script in the container to its end (its layer is at /orbit/prefix). */
async function sh(container: string, script: string): Promise<void> {
  const run = await json<Run>(
    call(`/api/containers/${container}/runs`, {
      method: 'POST',
      json: { program: '/bin/sh', args: ['-c', script] },
    }),
    201,
  )
  for (let i = 0; i < 200; i++) {
    const now = await json<Run>(call(`/api/runs/${run.id}`))
    const c = await json<Container>(call(`/api/containers/${container}`))
    if (now.state !== 'running' && c.state !== 'running') {
      assert.equal(now.exitCode, 0)
      return
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  assert.fail('the run did not end')
}

async function jobDone(job: Job): Promise<Job> {
  const done = await t.deps.jobs.waitFor(job.id)
  assert.equal(done.state, 'succeeded', JSON.stringify(done.error))
  return done
}

test('snapshot, change, diff, restore, delete: through jobs, the container busy meanwhile', async () => {
  const c = await json<Container>(
    call('/api/containers', { method: 'POST', json: { name: 'snappy', runtime: 'native' } }),
    201,
  )
  await sh(c.id, 'echo one > /orbit/prefix/note')
  const states: string[] = []
  t.deps.events.subscribe((e) => states.push((e.data as { state: string }).state), {
    types: ['container.state'],
    subject: c.id,
  })
  const res = await call(`/api/containers/${c.id}/snapshots`, { method: 'POST', json: { label: 'first' } })
  assert.equal(res.status, 202)
  const { job } = (await res.json()) as { job: Job }
  assert.equal(res.headers.get('location'), `/api/jobs/${job.id}`)
  const first = (await jobDone(job)).result as Snapshot
  assert.equal(first.id, '000-first')
  assert.deepEqual(states, ['busy', 'stopped'])

  await sh(c.id, 'echo two > /orbit/prefix/note; echo new > /orbit/prefix/added')
  const second = (
    await jobDone(
      (
        await json<{ job: Job }>(call(`/api/containers/snappy/snapshots`, { method: 'POST', json: {} }), 202)
      ).job,
    )
  ).result as Snapshot
  assert.equal(second.id, '001-manual')
  assert.equal(second.parent, first.id)

  const list = await json<{ items: Snapshot[] }>(call('/api/containers/snappy/snapshots'))
  assert.deepEqual(
    list.items.map((s) => s.id),
    ['000-first', '001-manual'],
  )
  const diff = await json<SnapshotDiff>(call(`/api/containers/snappy/snapshots/${second.id}/diff`))
  assert.equal(diff.from, first.id)
  assert.ok(
    diff.files.added.some((f) => f.path.endsWith('added')),
    JSON.stringify(diff.files),
  )
  assert.ok(diff.files.changed.some((f) => f.path.endsWith('note')))
  const noParent = await call(`/api/containers/snappy/snapshots/${first.id}/diff`)
  assert.equal(noParent.status, 400)

  const restore = await json<{ job: Job }>(
    call(`/api/containers/snappy/snapshots/${first.id}/restore`, { method: 'POST' }),
    202,
  )
  await jobDone(restore.job)
  assert.equal(readFileSync(join(t.dataDir, 'containers', c.id, 'layer', 'upper', 'note'), 'utf8'), 'one\n')
  assert.equal((await json<Container>(call('/api/containers/snappy'))).state, 'created')

  assert.equal(
    (await call(`/api/containers/snappy/snapshots/${second.id}`, { method: 'DELETE' })).status,
    204,
  )
  assert.equal(
    (await call(`/api/containers/snappy/snapshots/${second.id}/restore`, { method: 'POST' })).status,
    404,
  )
  assert.equal((await call('/api/containers/snappy/snapshots/999-nope/diff?from=000-first')).status, 404)
})

test('snapshots and restores are refused while the container runs or installs', async () => {
  const c = await json<Container>(
    call('/api/containers', { method: 'POST', json: { name: 'busybody', runtime: 'native' } }),
    201,
  )
  transition(t.deps, c.id, ['created'], 'installing')
  const res = await call(`/api/containers/${c.id}/snapshots`, { method: 'POST', json: { label: 'x' } })
  assert.equal(res.status, 409)
  assert.match(((await res.json()) as { detail: string }).detail, /installing/)
  transition(t.deps, c.id, ['installing'], 'created')
  const bad = await call(`/api/containers/${c.id}/snapshots`, {
    method: 'POST',
    json: { label: '-bad label' },
  })
  assert.equal(bad.status, 400)
  assert.equal(((await bad.json()) as { errors: Array<{ path: string }> }).errors[0]?.path, 'label')
})

test('clone: a new container with the content, at once; names stay unique', async () => {
  const src = await json<Container>(
    call('/api/containers', {
      method: 'POST',
      json: { name: 'original', runtime: 'native', env: { K: 'v' } },
    }),
    201,
  )
  await sh(src.id, 'echo shared > /orbit/prefix/file')
  const res = await call('/api/containers/original/clone', { method: 'POST', json: { name: 'copy' } })
  const copy = await json<Container>(res, 201)
  assert.equal(res.headers.get('location'), `/api/containers/${copy.id}`)
  assert.equal(copy.name, 'copy')
  assert.notEqual(copy.id, src.id)
  assert.deepEqual(copy.env, { K: 'v' })
  await sh(copy.id, 'grep -qx shared /orbit/prefix/file && echo mine > /orbit/prefix/file')
  await sh(src.id, 'grep -qx shared /orbit/prefix/file')
  assert.equal((await json<Container>(call('/api/containers/original'))).state, 'stopped')
  const dup = await call('/api/containers/original/clone', { method: 'POST', json: { name: 'copy' } })
  assert.equal(dup.status, 409)
})
