// The store's JS surface without Wine, on a native container: progress events, AbortSignal
// cancellation in the middle of a snapshot and a restore (nothing changes), gc and a snapshot at
// once, a clone run through the sandbox over its frozen layer, recovery at startup.
import assert from 'node:assert/strict'
import { randomFillSync } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { createContainer, getContainer } from '../../native/core-api.ts'
import { isCoreError } from '../../native/index.ts'
import { startRun } from '../../native/sandbox.ts'
import {
  cloneContainer,
  createSnapshot,
  gcStore,
  layerPrefix,
  listSnapshots,
  type Progress,
  recoverAll,
  restoreSnapshot,
  verifyStore,
} from '../../native/store-api.ts'

let data = ''
let upper = ''

function expectCode(code: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isCoreError(e), `expected a coded Error, got ${String(e)}`)
    assert.equal(e.code, code, e.message)
    return true
  }
}

/** The layer as names and sizes (enough to see whether anything changed). */
function listing(dir: string, prefix = ''): string[] {
  return readdirSync(join(dir, prefix), { withFileTypes: true }).flatMap((e) => {
    const rel = join(prefix, e.name)
    return e.isDirectory()
      ? [`${rel}/`, ...listing(dir, rel)]
      : [`${rel} ${readFileSync(join(dir, rel)).length}`]
  })
}

before(async () => {
  data = mkdtempSync(join(tmpdir(), 'orbit-core-snapshot-native-'))
  const c = await createContainer(data, { id: 'nat', name: 'Native', runtime: { kind: 'native' } })
  upper = join(c.path, 'layer', 'upper')
  // ~160 MB in 400 files: long enough to cancel in the middle.
  const chunk = Buffer.alloc(400 * 1024)
  for (let i = 0; i < 400; i++) {
    mkdirSync(join(upper, 'data', `d${i % 8}`), { recursive: true })
    randomFillSync(chunk)
    writeFileSync(join(upper, 'data', `d${i % 8}`, `f${i}`), chunk)
  }
  writeFileSync(join(upper, 'hello.txt'), 'hello from the base\n')
})

after(() => {
  if (data) rmSync(data, { recursive: true, force: true })
})

test('an aborted snapshot rejects with ECANCELED and records nothing', async () => {
  const ctl = new AbortController()
  const seen: Progress[] = []
  await assert.rejects(
    createSnapshot(data, 'nat', 'aborted', {
      signal: ctl.signal,
      onProgress: (p) => {
        seen.push(p)
        if (p.phase === 'store') ctl.abort()
      },
    }),
    expectCode('ECANCELED'),
  )
  assert.ok(seen.some((p) => p.phase === 'store'))
  assert.deepEqual(await listSnapshots(data, 'nat'), [])
})

test('snapshot progress reaches done with the totals', async () => {
  const seen: Progress[] = []
  const s = await createSnapshot(data, 'nat', 'base', { onProgress: (p) => seen.push(p) })
  assert.equal(s.snapshot.id, '000-base')
  assert.equal(s.snapshot.files, 401)
  const done = seen.at(-1)
  assert.equal(done?.phase, 'done')
  assert.equal(done?.filesDone, 401)
  assert.ok((done?.bytesDone ?? 0) >= 400 * 400 * 1024)
})

test('an aborted restore leaves the layer as it was', async () => {
  writeFileSync(join(upper, 'hello.txt'), 'changed after the snapshot\n')
  rmSync(join(upper, 'data', 'd3'), { recursive: true })
  const before = listing(upper)
  const ctl = new AbortController()
  await assert.rejects(
    restoreSnapshot(data, 'nat', '000-base', {
      signal: ctl.signal,
      onProgress: (p) => {
        if (p.phase === 'build' && p.filesDone > 0) ctl.abort()
      },
    }),
    expectCode('ECANCELED'),
  )
  assert.deepEqual(listing(upper), before)
  assert.deepEqual(
    readdirSync(join(data, 'containers', 'nat')).filter((n) => n.startsWith('.layer')),
    [],
    'no staged layer left behind',
  )
  const r = await restoreSnapshot(data, 'nat', '000-base')
  assert.equal(r.files, 401)
  assert.equal(readFileSync(join(upper, 'hello.txt'), 'utf8'), 'hello from the base\n')
  assert.ok(existsSync(join(upper, 'data', 'd3', 'f3')))
})

test('gc and a snapshot at once: the lock orders them, nothing is lost', async () => {
  writeFileSync(join(upper, 'data', 'd0', 'f0'), Buffer.alloc(50 * 1024 * 1024, 7))
  const snap = createSnapshot(data, 'nat', 'big')
  const gc = gcStore(data)
  const [s, r] = await Promise.all([snap, gc])
  assert.equal(s.snapshot.id, '001-big')
  assert.deepEqual(r.brokenSnapshots, [])
  assert.deepEqual((await verifyStore(data)).corrupt, [])
  await restoreSnapshot(data, 'nat', '001-big')
  assert.equal(readFileSync(join(upper, 'data', 'd0', 'f0')).length, 50 * 1024 * 1024)
})

test('a clone of a native container runs over its frozen layer and writes stay apart', async () => {
  const c = await cloneContainer(data, 'nat', { id: 'nat-clone' })
  assert.equal(c.stacked, 1)
  const run = async (id: string, script: string) => {
    const prefix = await layerPrefix(data, await getContainer(data, id))
    assert.equal(prefix.mode, 'overlay', 'both now stack the frozen layer')
    let out = ''
    const r = await startRun(
      { kind: 'native', program: '/bin/sh', args: ['-c', script], prefix },
      (_s, chunk) => {
        out += chunk.toString()
      },
    )
    const status = await r.exited
    assert.equal(status.code, 0, out)
    return out
  }
  assert.equal(await run('nat-clone', 'cat /orbit/prefix/hello.txt'), 'hello from the base\n')
  await run('nat-clone', 'echo mine > /orbit/prefix/mine.txt')
  assert.equal(await run('nat-clone', 'cat /orbit/prefix/mine.txt'), 'mine\n')
  assert.equal(await run('nat', 'ls /orbit/prefix'), 'data\nhello.txt\n')
  assert.equal(await run('nat', 'cat /orbit/prefix/hello.txt'), 'hello from the base\n')
})

test('recoverAll finds nothing to do after clean runs', async () => {
  assert.deepEqual(await recoverAll(data), [])
})
