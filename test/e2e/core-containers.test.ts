// Container folders through the TS wrapper, without Wine: create/get/list/update/delete, the
// on-disk shape and size of an empty container, and the stable error codes.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import {
  createContainer,
  deleteContainer,
  getContainer,
  listContainers,
  listRuntimes,
  updateContainer,
} from '../../native/core-api.ts'
import { isCoreError } from '../../native/index.ts'

let data = ''

before(() => {
  data = mkdtempSync(join(tmpdir(), 'orbit-core-containers-'))
})

after(() => {
  rmSync(data, { recursive: true, force: true })
})

function expectCode(code: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isCoreError(e), `expected a coded Error, got ${String(e)}`)
    assert.equal(e.code, code, e.message)
    return true
  }
}

const native = { kind: 'native' as const }

test('a container is a folder with container.yml and an empty layer, costing kilobytes', async () => {
  const c = await createContainer(data, {
    id: 'notes',
    name: 'Notes',
    version: '1.2',
    runtime: native,
    env: { NOTES_MODE: 'test' },
    limits: { memoryMb: 256, pids: 64 },
    labels: { team: 'qa' },
  })
  assert.equal(c.id, 'notes')
  assert.equal(c.path, join(data, 'containers', 'notes'))
  assert.deepEqual(c.runtime, { kind: 'native', id: null, wineVersion: null, hash: null })
  assert.equal(c.network, 'none')
  assert.equal(c.running, false)
  assert.equal(c.installed, false)
  assert.match(c.createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  for (const sub of ['container.yml', 'layer/upper', 'layer/work', 'snapshots', 'logs']) {
    assert.ok(existsSync(join(c.path, sub)), `${sub} exists`)
  }
  assert.deepEqual(readdirSync(join(c.path, 'layer', 'upper')), [])
  const yml = readFileSync(join(c.path, 'container.yml'), 'utf8')
  for (const line of [
    'id: notes',
    'name: Notes',
    'version: "1.2"',
    'kind: native',
    'network: none',
    'memoryMb: 256',
    'formatVersion: 1',
  ]) {
    assert.ok(yml.includes(line), `container.yml has ${line}:\n${yml}`)
  }
  const kib = Number(execFileSync('du', ['-sk', c.path], { encoding: 'utf8' }).split('\t')[0])
  assert.ok(kib < 100, `an empty container takes ${kib} KiB on disk`)
  assert.deepEqual(await getContainer(data, 'notes'), c)
})

test('containers are listed, updated field by field, and deleted', async () => {
  const a = await createContainer(data, { name: 'Paint Shop', runtime: native })
  assert.match(a.id, /^paint-shop-[0-9a-f]{6}$/)
  const ids = (await listContainers(data)).map((c) => c.id)
  assert.ok(ids.includes(a.id) && ids.includes('notes'), ids.join(','))

  const u = await updateContainer(data, a.id, {
    name: 'Paint',
    version: '2',
    network: 'host',
    labels: { x: 'y' },
  })
  assert.equal(u.name, 'Paint')
  assert.equal(u.version, '2')
  assert.equal(u.network, 'host')
  assert.deepEqual(u.labels, { x: 'y' })
  const cleared = await updateContainer(data, a.id, { version: null })
  assert.equal(cleared.version, undefined)
  assert.equal(cleared.name, 'Paint', 'fields not named stay')

  await deleteContainer(data, a.id)
  assert.ok(!existsSync(a.path))
  assert.ok(!(await listContainers(data)).some((c) => c.id === a.id))
  assert.deepEqual(
    readdirSync(join(data, 'containers')).filter((n) => n.startsWith('.') && !n.endsWith('lock')),
    [],
    'no staging or trash folder is left behind',
  )
})

test('bad ids, paths, specs and patches are EINVAL; missing containers ENOTFOUND_CONTAINER', async () => {
  for (const id of ['../evil', 'a/b', '.hidden', '', 'x'.repeat(65), 'sp ace']) {
    await assert.rejects(getContainer(data, id), expectCode('EINVAL'), `get ${JSON.stringify(id)}`)
    await assert.rejects(createContainer(data, { id, name: 'X', runtime: native }), expectCode('EINVAL'))
    await assert.rejects(deleteContainer(data, id), expectCode('EINVAL'))
  }
  for (const dir of ['relative/data', '/tmp/a,b', '/tmp/a:b', '/tmp/../etc']) {
    await assert.rejects(listContainers(dir), expectCode('EINVAL'), dir)
  }
  await assert.rejects(getContainer(data, 'missing'), expectCode('ENOTFOUND_CONTAINER'))
  await assert.rejects(deleteContainer(data, 'missing'), expectCode('ENOTFOUND_CONTAINER'))
  await assert.rejects(updateContainer(data, 'missing', { name: 'x' }), expectCode('ENOTFOUND_CONTAINER'))
  await assert.rejects(
    createContainer(data, { id: 'notes', name: 'Again', runtime: native }),
    expectCode('EEXIST'),
  )
  await assert.rejects(createContainer(data, { name: '' }), expectCode('EINVAL'))
  await assert.rejects(createContainer(data, { name: 'x', bogus: 1 } as never), expectCode('EINVAL'))
  await assert.rejects(updateContainer(data, 'notes', { limits: { memoryMb: 1 } }), expectCode('EINVAL'))
  await assert.rejects(updateContainer(data, 'notes', { id: 'other' } as never), expectCode('EINVAL'))
  assert.equal((await getContainer(data, 'notes')).limits.memoryMb, 256, 'a refused update wrote nothing')
})

test('a Wine container needs a base runtime', async () => {
  assert.deepEqual(await listRuntimes(data), [])
  await assert.rejects(
    createContainer(data, { id: 'w', name: 'W', runtime: { kind: 'wine', id: 'wine-8.0-000000000000' } }),
    expectCode('ENOTFOUND_RUNTIME'),
  )
  await assert.rejects(createContainer(data, { id: 'w', name: 'W' }), expectCode('ENOTFOUND_RUNTIME'))
  assert.ok(!existsSync(join(data, 'containers', 'w')))
})
