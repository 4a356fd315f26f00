// Snapshots, rollback, clones and the content store end to end, with real Wine: one runtime
// for the file, Acme v1 installed between snapshot 000-base and 001-post-install, its config
// and registry changed from inside and through the core, rolled back; a second container with
// the same app measured against the store; a clone run side by side with its source.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import {
  type ContainerInfo,
  containerRegistryGetValue,
  containerRegistrySetValue,
  createContainer,
  ensureRuntime,
  getContainer,
  install,
} from '../../native/core-api.ts'
import { isCoreError } from '../../native/index.ts'
import { type OutputStream, startRun } from '../../native/sandbox.ts'
import {
  cloneContainer,
  createSnapshot,
  deleteSnapshot,
  diffSnapshots,
  gcStore,
  layerPrefix,
  listSnapshots,
  type Progress,
  restoreSnapshot,
  storeUsage,
  verifyStore,
} from '../../native/store-api.ts'
import { buildFixtures, fixturePath } from '../../scripts/build-fixtures.mjs'

const ACME_EXE = 'C:\\Program Files\\Acme\\acme.exe'
const ACME_KEY = 'HKLM\\Software\\Acme'

let data = ''
let acme: ContainerInfo

function expectCode(code: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isCoreError(e), `expected a coded Error, got ${String(e)}`)
    assert.equal(e.code, code, e.message)
    return true
  }
}

async function stopped(id: string) {
  for (let i = 0; i < 100 && (await getContainer(data, id)).running; i++)
    await new Promise((r) => setTimeout(r, 100))
}

/** Run a program of a container (its frozen layers included) to its end. */
async function runIn(c: ContainerInfo, args: string[] = []) {
  const out: Record<OutputStream, string> = { stdout: '', stderr: '' }
  const run = await startRun(
    {
      kind: 'wine',
      program: ACME_EXE,
      args,
      prefix: await layerPrefix(data, c),
      instance: c.id,
      lingerMs: 2000,
    },
    (stream, chunk) => {
      out[stream] += chunk.toString()
    },
  )
  const status = await run.exited
  await stopped(c.id)
  assert.equal(status.code, 0, out.stdout + out.stderr)
  return out.stdout.split('\n').map((l) => l.trim())
}

function versions(lines: string[]) {
  const pick = (prefix: string) => lines.find((l) => l.startsWith(prefix))?.slice(prefix.length)
  return { registry: pick('acme version (registry): '), config: pick('acme version (config): ') }
}

before(async () => {
  buildFixtures({ log: () => {} })
  data = mkdtempSync(join(tmpdir(), 'orbit-core-snapshot-'))
  await ensureRuntime(data)
})

after(() => {
  if (!data) return
  execFileSync('chmod', ['-R', 'u+w', data])
  rmSync(data, { recursive: true, force: true })
})

test('000-base, install, 001-post-install: the diff lists acme.exe and the Acme keys', async (t) => {
  acme = await createContainer(data, { id: 'acme', name: 'Acme', version: '1.0.0' })
  const base = await createSnapshot(data, 'acme', 'base')
  assert.equal(base.snapshot.id, '000-base')
  assert.equal(base.snapshot.files, 0, 'a new container holds nothing of its own')
  const m = await install(data, 'acme', fixturePath('acme-setup-v1'), ['/S'])
  assert.equal(m.installer.exitCode, 0)
  const events: Progress[] = []
  const post = await createSnapshot(data, 'acme', 'post-install', { onProgress: (p) => events.push(p) })
  assert.equal(post.snapshot.id, '001-post-install')
  assert.equal(post.snapshot.parent, '000-base')
  assert.ok(post.filesRead >= 4, JSON.stringify(post))
  assert.deepEqual(events.at(-1)?.phase, 'done')
  assert.ok(events.some((e) => e.phase === 'scan') && events.some((e) => e.phase === 'store'))

  const d = await diffSnapshots(data, 'acme', '000-base', '001-post-install')
  const added = d.files.added.map((f) => f.path)
  assert.ok(added.includes('drive_c/Program Files/Acme/acme.exe'), added.join('\n'))
  assert.ok(added.includes('drive_c/users/orbit/AppData/Roaming/Acme/config.ini'))
  const exe = d.files.added.find((f) => f.path.endsWith('acme.exe'))
  assert.equal(exe?.hash, m.files.find((f) => f.path === ACME_EXE)?.blake3)
  const keys = d.registry.keysAdded.map((k) => k.toLowerCase())
  assert.ok(keys.includes('hkey_local_machine\\software\\acme'), keys.join('\n'))
  assert.ok(
    d.registry.valuesAdded.some(
      (v) =>
        v.key === 'HKEY_LOCAL_MACHINE\\Software\\Acme' &&
        v.value.name === 'Version' &&
        v.value.data === '1.0.0',
    ),
  )
  t.diagnostic(`post-install snapshot: ${post.filesRead} files read, ${post.durationMs} ms`)
})

test('a snapshot of the unchanged layer reads no file and stores nothing', async () => {
  const again = await createSnapshot(data, 'acme', 'unchanged')
  assert.equal(again.filesRead, 0, JSON.stringify(again))
  assert.equal(again.objectsWritten, 0)
  assert.equal(again.snapshot.tree, (await listSnapshots(data, 'acme'))[1]?.tree)
  await deleteSnapshot(data, 'acme', again.snapshot.id)
  await assert.rejects(deleteSnapshot(data, 'acme', again.snapshot.id), expectCode('ENOTFOUND_SNAPSHOT'))
})

test('config changed from inside and registry changed through the core roll back to post-install', async () => {
  const set = await runIn(acme, ['--set-config', 'version=9.9.9'])
  assert.ok(
    set.some((l) => l.startsWith('acme set-config: version=9.9.9')),
    set.join('\n'),
  )
  await containerRegistrySetValue(data, 'acme', ACME_KEY, { name: 'Version', type: 'sz', data: '9.9.9' })
  assert.deepEqual(versions(await runIn(acme)), { registry: '9.9.9', config: '9.9.9' })

  const r = await restoreSnapshot(data, 'acme', '001-post-install')
  assert.equal(r.snapshot.id, '001-post-install')
  assert.deepEqual(versions(await runIn(acme)), { registry: '1.0.0', config: '1.0.0' })
  assert.equal((await containerRegistryGetValue(data, 'acme', ACME_KEY, 'Version')).data, '1.0.0')
  // The restore did not touch the runtime, and the next snapshot parents on the restored one.
  const next = await createSnapshot(data, 'acme', 'after-rollback')
  assert.equal(next.snapshot.parent, '001-post-install')
})

test('restore and snapshot refuse while the container runs (ERUNNING)', async () => {
  const run = await startRun({
    kind: 'wine',
    program: ACME_EXE,
    args: ['--sleep', '30'],
    prefix: await layerPrefix(data, acme),
    instance: acme.id,
  })
  try {
    assert.ok((await getContainer(data, acme.id)).running)
    await assert.rejects(restoreSnapshot(data, 'acme', '000-base'), expectCode('ERUNNING'))
    await assert.rejects(createSnapshot(data, 'acme', 'while-running'), expectCode('ERUNNING'))
    await assert.rejects(cloneContainer(data, 'acme', { id: 'nope' }), expectCode('ERUNNING'))
  } finally {
    await run.stop(1000)
  }
  await stopped(acme.id)
  await assert.rejects(restoreSnapshot(data, 'acme', '042-nope'), expectCode('ENOTFOUND_SNAPSHOT'))
  const aborted = new AbortController()
  aborted.abort()
  await assert.rejects(
    restoreSnapshot(data, 'acme', '000-base', { signal: aborted.signal }),
    expectCode('ECANCELED'),
  )
})

test('a second container with the same app grows the store by under 5%', async (t) => {
  const first = await storeUsage(data)
  await createContainer(data, { id: 'acme-2', name: 'Acme' })
  await createSnapshot(data, 'acme-2', 'base')
  await install(data, 'acme-2', fixturePath('acme-setup-v1'), ['/S'])
  await createSnapshot(data, 'acme-2', 'post-install')
  const second = await storeUsage(data)
  const growth = (second.bytes - first.bytes) / first.bytes
  t.diagnostic(
    `store ${first.bytes} -> ${second.bytes} bytes (+${(growth * 100).toFixed(2)}%), ${second.recipes} chunked hives`,
  )
  assert.ok(growth < 0.05, `grew by ${(growth * 100).toFixed(1)}%`)
})

test('a clone shares the content, runs the app, and writes stay in their own container', async (t) => {
  const c = await cloneContainer(data, 'acme', { id: 'acme-clone', name: 'Acme clone' })
  t.diagnostic(`clone: ${c.durationMs} ms, frozen layer ${c.frozenLayer}, ${c.stacked} stacked`)
  assert.equal(c.container.id, 'acme-clone')
  assert.equal(c.stacked, 1)
  assert.deepEqual(
    (await listSnapshots(data, 'acme-clone')).map((s) => s.id),
    (await listSnapshots(data, 'acme')).map((s) => s.id),
  )
  const clone = c.container
  assert.deepEqual(versions(await runIn(clone)), { registry: '1.0.0', config: '1.0.0' })
  await runIn(clone, ['--set-config', 'version=7.7.7'])
  await containerRegistrySetValue(data, clone.id, ACME_KEY, { name: 'Version', type: 'sz', data: '7.7.7' })
  assert.deepEqual(versions(await runIn(clone)), { registry: '7.7.7', config: '7.7.7' })
  assert.deepEqual(
    versions(await runIn(acme)),
    { registry: '1.0.0', config: '1.0.0' },
    'the source is untouched',
  )
  await runIn(acme, ['--set-config', 'version=5.5.5'])
  assert.deepEqual(versions(await runIn(clone)), { registry: '7.7.7', config: '7.7.7' }, 'and the reverse')
  // A clone rolls back like any container (and comes out flat).
  await restoreSnapshot(data, clone.id, '001-post-install')
  assert.deepEqual(versions(await runIn(clone)), { registry: '1.0.0', config: '1.0.0' })
  const flat = await layerPrefix(data, clone)
  assert.ok(flat.mode === 'overlay' && flat.lower.split(':').length === 1, JSON.stringify(flat))
})

test('gc keeps what snapshots need, drops the rest, and the store verifies', async (t) => {
  await deleteSnapshot(data, 'acme-2', '000-base')
  const r = await gcStore(data)
  t.diagnostic(`gc: ${JSON.stringify(r)}`)
  assert.deepEqual(r.brokenSnapshots, [])
  assert.ok(r.objectsKept > 0)
  const v = await verifyStore(data)
  assert.deepEqual(v.corrupt, [])
  await restoreSnapshot(data, 'acme-2', '001-post-install')
  assert.deepEqual(versions(await runIn(await getContainer(data, 'acme-2'))), {
    registry: '1.0.0',
    config: '1.0.0',
  })
})
