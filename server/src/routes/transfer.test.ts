import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Container } from '../../../openapi/containers.ts'
import type { Job } from '../../../openapi/jobs.ts'
import type { Run } from '../../../openapi/runs.ts'
import type { ExportResult, ImportResult } from '../../../openapi/transfer.ts'
import type { OrbitEvent } from '../events/types.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'

// Two installations, each with its own data dir and so its own signing key.
let a: TestApp
let b: TestApp
const events: OrbitEvent[] = []
before(async () => {
  ;[a, b] = await Promise.all([makeTestApp(), makeTestApp()])
  a.deps.events.subscribe((e) => events.push(e))
})
after(() => Promise.all([a.cleanup(), b.cleanup()]))

const call = (t: TestApp, path: string, init: RequestInit & { json?: unknown } = {}) =>
  t.app.request(path, {
    ...init,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    headers: {
      ...bearer(),
      ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(init.headers as Record<string, string>),
    },
  })
const json = async <T>(res: Response | Promise<Response>, status = 200): Promise<T> => {
  const r = await res
  assert.equal(r.status, status, await r.clone().text())
  return (await r.json()) as T
}
const done = async (t: TestApp, job: Job) => t.deps.jobs.waitFor(job.id)

async function sh(t: TestApp, container: string, script: string): Promise<string> {
  const run = await json<Run>(
    call(t, `/api/containers/${container}/runs`, {
      method: 'POST',
      json: { program: '/bin/sh', args: ['-c', script] },
    }),
    201,
  )
  for (let i = 0; i < 200; i++) {
    const now = await json<Run>(call(t, `/api/runs/${run.id}`))
    if (now.state !== 'running') {
      assert.equal(now.exitCode, 0)
      return (await call(t, `/api/runs/${run.id}/log`)).text()
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  throw new Error('the run did not end')
}

async function exportOf(
  t: TestApp,
  name: string,
  body: Record<string, unknown>,
): Promise<{ job: Job; file: Buffer }> {
  const { job } = await json<{ job: Job }>(
    call(t, `/api/containers/${name}/exports`, { method: 'POST', json: body }),
    202,
  )
  const finished = await done(t, job)
  assert.equal(finished.state, 'succeeded', JSON.stringify(finished.error))
  const res = await call(t, (finished.result as ExportResult).download)
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-type'), 'application/octet-stream')
  assert.match(res.headers.get('content-disposition') ?? '', new RegExp(`filename="${name}.ctnr"`))
  return { job: finished, file: Buffer.from(await res.arrayBuffer()) }
}

const importInto = (t: TestApp, file: Buffer, query = '', headers: Record<string, string> = {}) =>
  call(t, `/api/imports${query}`, {
    method: 'POST',
    body: new Uint8Array(file),
    headers: { 'content-type': 'application/octet-stream', ...headers },
  })

test('export a container, download it, import it as a new one that holds the same files', async () => {
  await json<Container>(
    call(a, '/api/containers', { method: 'POST', json: { name: 'src', runtime: 'native', env: { E: '1' } } }),
    201,
  )
  await sh(a, 'src', 'echo payload > /orbit/prefix/data.txt')
  const { job, file } = await exportOf(a, 'src', {})
  const result = job.result as ExportResult
  assert.equal(result.encrypted, false)
  assert.equal(file.length, result.bytes)
  assert.match(result.signer.fingerprint, /^([0-9a-f]{4}:){7}[0-9a-f]{4}$/)

  const accepted = await json<{ job: Job; archive: { size: number } }>(importInto(a, file, '?name=dst'), 202)
  assert.equal(accepted.archive.size, file.length)
  const imported = await done(a, accepted.job)
  assert.equal(imported.state, 'succeeded', JSON.stringify(imported.error))
  const r = imported.result as ImportResult
  assert.equal(r.container.name, 'dst')
  assert.deepEqual(r.container.env, { E: '1' })
  assert.equal(r.trustedNow, false, 'its own key is trusted already')
  assert.equal((await sh(a, 'dst', 'cat /orbit/prefix/data.txt')).trim(), 'payload')
  assert.equal((await json<Container>(call(a, '/api/containers/dst'))).state, 'stopped')

  // The name is taken now: refused before the upload is read.
  assert.equal((await importInto(a, file, '?name=dst')).status, 409)
  // The export is removed on request; the upload folders are all gone.
  assert.equal((await call(a, `/api/exports/${job.id}`, { method: 'DELETE' })).status, 204)
  assert.equal((await call(a, `/api/exports/${job.id}`)).status, 404)
  assert.deepEqual(readdirSync(join(a.dataDir, 'uploads')), [])
})

test('an encrypted export: the passphrase is never in the job or its events; import needs it', async () => {
  const secret = 'correct horse battery staple'
  const { job, file } = await exportOf(a, 'src', { passphrase: secret, includeSnapshots: true })
  assert.equal((job.result as ExportResult).encrypted, true)
  assert.ok(!JSON.stringify(job).includes(secret))
  assert.ok(!events.some((e) => JSON.stringify(e).includes(secret)), 'no event carries the passphrase')
  assert.ok(!readFileSync(join(a.dataDir, 'orbit.db')).includes(Buffer.from(secret)))
  assert.ok(!file.includes(Buffer.from('payload')), 'the content is not readable in the archive')

  const without = await done(a, (await json<{ job: Job }>(importInto(a, file, '?name=enc1'), 202)).job)
  assert.equal(without.state, 'failed')
  const wrong = await done(
    a,
    (
      await json<{ job: Job }>(
        importInto(a, file, '?name=enc2', { 'orbit-passphrase': 'not the passphrase' }),
        202,
      )
    ).job,
  )
  assert.equal(wrong.state, 'failed')
  assert.equal(wrong.error?.code, 'EBADPASS')
  const right = await done(
    a,
    (await json<{ job: Job }>(importInto(a, file, '?name=enc3', { 'orbit-passphrase': secret }), 202)).job,
  )
  assert.equal(right.state, 'succeeded', JSON.stringify(right.error))
  assert.equal((await sh(a, 'enc3', 'cat /orbit/prefix/data.txt')).trim(), 'payload')
})

test('an archive from another installation needs an explicit trust decision', async () => {
  const { file } = await exportOf(a, 'src', {})
  const refused = await done(b, (await json<{ job: Job }>(importInto(b, file), 202)).job)
  assert.equal(refused.state, 'failed')
  assert.equal(refused.error?.code, 'EUNTRUSTED')
  assert.deepEqual(await json<{ items: Container[] }>(call(b, '/api/containers')), {
    items: [],
    nextCursor: null,
  })
  const trusted = await done(b, (await json<{ job: Job }>(importInto(b, file, '?trust=true'), 202)).job)
  assert.equal(trusted.state, 'succeeded', JSON.stringify(trusted.error))
  const r = trusted.result as ImportResult
  assert.equal(r.trustedNow, true)
  assert.equal(r.container.name, 'src')
  // From now on that signer is trusted.
  const again = await done(b, (await json<{ job: Job }>(importInto(b, file, '?name=src2'), 202)).job)
  assert.equal(again.state, 'succeeded', JSON.stringify(again.error))
})

test('garbage is refused cleanly, and exports need a stopped container', async () => {
  const bad = await done(
    a,
    (await json<{ job: Job }>(importInto(a, Buffer.from('not an archive at all'), '?name=junk'), 202)).job,
  )
  assert.equal(bad.state, 'failed')
  assert.match(bad.error?.code ?? '', /^EBAD/)
  assert.equal(
    (await call(a, '/api/imports', { method: 'POST', body: 'x', headers: { 'content-type': 'text/plain' } }))
      .status,
    415,
  )
  assert.equal((await call(a, '/api/exports/00000000-0000-0000-0000-000000000000')).status, 404)
  const res = await call(a, '/api/containers/src/exports', { method: 'POST', json: { passphrase: 'short' } })
  assert.equal(res.status, 400)
  assert.equal(((await res.json()) as { errors: Array<{ path: string }> }).errors[0]?.path, 'passphrase')
})
