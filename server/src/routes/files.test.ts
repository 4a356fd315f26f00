// Files routes over the real core: a native container whose run writes its C: drive (and plants
// links that lead out of it), and a clone whose run deletes a file of its frozen layer (a real
// overlayfs whiteout), read back through the merged view.
import assert from 'node:assert/strict'
import { after, before, test } from 'node:test'
import type { Container } from '../../../openapi/containers.ts'
import type { Problem } from '../../../openapi/errors.ts'
import type { FileListing } from '../../../openapi/files.ts'
import type { Run } from '../../../openapi/runs.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'

let t: TestApp
// What `seq 1 100000` writes: ~580 KiB, several stream chunks.
const exe = Buffer.from(`${Array.from({ length: 100_000 }, (_, i) => i + 1).join('\n')}\n`)

function call(path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, ...rest } = init
  return t.app.request(path, {
    ...rest,
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    headers: { ...bearer(), ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
  })
}
async function ok<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res
  assert.equal(r.status, status, await r.clone().text())
  return (await r.json()) as T
}
async function problem(res: Response | Promise<Response>, status: number, code: string): Promise<void> {
  const r = await res
  assert.equal(r.status, status, await r.clone().text())
  assert.equal(((await r.json()) as Problem).code, code)
}

/** Runs a shell script in the container (its prefix is /orbit/prefix) to its end. */
async function sh(container: string, script: string, env: Record<string, string> = {}): Promise<void> {
  const run = await ok<Run>(
    call(`/api/containers/${container}/runs`, {
      method: 'POST',
      json: { program: '/bin/sh', args: ['-c', script], env },
    }),
    201,
  )
  for (let i = 0; i < 400; i++) {
    const now = await ok<Run>(call(`/api/runs/${run.id}`))
    const c = await ok<Container>(call(`/api/containers/${container}`))
    if (now.state !== 'running' && c.state !== 'running') {
      assert.equal(now.exitCode, 0)
      return
    }
    await new Promise((r) => setTimeout(r, 25))
  }
  assert.fail('the run did not end')
}

const ls = (c: string, path: string) => call(`/api/containers/${c}/files?path=${encodeURIComponent(path)}`)
const get = (c: string, path: string) =>
  call(`/api/containers/${c}/files/download?path=${encodeURIComponent(path)}`)

before(async () => {
  t = await makeTestApp()
  await ok(call('/api/containers', { method: 'POST', json: { name: 'filer', runtime: 'native' } }), 201)
  await sh(
    'filer',
    [
      'set -e',
      'cd /orbit/prefix && mkdir -p "drive_c/Program Files/Acme" drive_c/users/me',
      'seq 1 100000 > "drive_c/Program Files/Acme/acme.exe"',
      'echo hello > "drive_c/Program Files/Acme/read me.txt"',
      ': > "drive_c/Program Files/Acme/empty.log"',
      'ln -s "Program Files/Acme" drive_c/acme',
      'ln -s /etc drive_c/etc',
      'ln -s ../../../../.. drive_c/users/me/up',
      'ln -s ../system.reg drive_c/hive',
      'mkfifo drive_c/users/me/fifo',
    ].join('\n'),
  )
})
after(() => t.cleanup())

test('a folder: entries with kind, size, time and origin; names match ignoring case; links inside C: followed', async () => {
  const root = await ok<FileListing>(ls('filer', 'C:\\'))
  assert.equal(root.path, 'C:\\')
  assert.deepEqual(
    root.entries.map((e) => `${e.name}:${e.kind}`),
    ['Program Files:dir', 'users:dir', 'acme:link', 'etc:link', 'hive:link'],
  )
  assert.equal(root.entries.find((e) => e.name === 'etc')?.target, '/etc')
  const acme = await ok<FileListing>(ls('filer', 'c:/program files/ACME'))
  assert.equal(acme.path, 'C:\\Program Files\\Acme')
  const byName = Object.fromEntries(acme.entries.map((e) => [e.name, e]))
  assert.deepEqual(Object.keys(byName), ['acme.exe', 'empty.log', 'read me.txt'])
  assert.equal(byName['acme.exe']?.size, exe.length)
  assert.equal(byName['acme.exe']?.origin, 'container')
  assert.ok(Math.abs(Date.parse(byName['acme.exe']?.mtime ?? '') - Date.now()) < 120_000)
  assert.equal((await ok<FileListing>(ls('filer', 'C:\\acme'))).path, 'C:\\Program Files\\Acme')
  // A fifo is left out of a listing.
  assert.deepEqual(
    (await ok<FileListing>(ls('filer', 'C:\\users\\me'))).entries.map((e) => e.name),
    ['up'],
  )
  const dflt = await ok<FileListing>(call('/api/containers/filer/files'))
  assert.equal(dflt.path, 'C:\\')
})

test('a download streams the same bytes with its length and name', async () => {
  const res = await get('filer', 'C:\\Program Files\\Acme\\acme.exe')
  assert.equal(res.status, 200)
  assert.equal(res.headers.get('content-length'), String(exe.length))
  assert.equal(res.headers.get('content-type'), 'application/octet-stream')
  assert.match(res.headers.get('content-disposition') ?? '', /^attachment; filename="acme\.exe"/)
  assert.deepEqual(Buffer.from(await res.arrayBuffer()), exe)
  const spaced = await get('filer', 'C:\\acme\\READ ME.TXT')
  assert.equal(await spaced.text(), 'hello\n')
  assert.match(spaced.headers.get('content-disposition') ?? '', /filename\*=UTF-8''read%20me\.txt/)
  const empty = await get('filer', 'C:\\Program Files\\Acme\\empty.log')
  assert.equal(empty.status, 200)
  assert.equal(empty.headers.get('content-length'), '0')
  assert.equal((await empty.arrayBuffer()).byteLength, 0)
})

test('traversal, other drives, host paths and links out of C: are refused; missing is 404', async () => {
  for (const bad of [
    'C:\\..\\..\\etc\\passwd',
    'C:\\Program Files\\..\\..',
    '/etc/passwd',
    'Z:\\etc\\passwd',
    '\\\\host\\share',
    'Program Files',
    'C:\\a:b',
  ]) {
    await problem(ls('filer', bad), 400, 'EVALIDATION')
    await problem(get('filer', bad), 400, 'EVALIDATION')
  }
  for (const out of ['C:\\etc', 'C:\\etc\\passwd', 'C:\\users\\me\\up\\etc\\passwd', 'C:\\hive']) {
    await problem(ls('filer', out), 403, 'EFORBIDDEN')
    await problem(get('filer', out), 403, 'EFORBIDDEN')
  }
  await problem(get('filer', 'C:\\Program Files\\Acme'), 400, 'EVALIDATION')
  await problem(ls('filer', 'C:\\Program Files\\Acme\\acme.exe'), 400, 'EVALIDATION')
  await problem(get('filer', 'C:\\users\\me\\fifo'), 400, 'EVALIDATION')
  await problem(get('filer', 'C:\\Program Files\\Acme\\nope.exe'), 404, 'ENOTFOUND')
  await problem(ls('filer', 'C:\\Nope'), 404, 'ENOTFOUND')
  await problem(ls('nobody', 'C:\\'), 404, 'ENOTFOUND')
})

test("a clone sees its source's files through its frozen layer, and its own deletions (whiteouts)", async () => {
  const clone = await ok<Container>(
    call('/api/containers/filer/clone', { method: 'POST', json: { name: 'filer2' } }),
    201,
  )
  const frozen = await ok<FileListing>(ls(clone.id, 'C:\\Program Files\\Acme'))
  assert.deepEqual(
    frozen.entries.map((e) => e.name),
    ['acme.exe', 'empty.log', 'read me.txt'],
  )
  await sh(clone.id, 'cd "/orbit/prefix/drive_c/Program Files/Acme" && rm acme.exe && echo new > new.txt')
  const after = await ok<FileListing>(ls(clone.id, 'C:\\Program Files\\Acme'))
  assert.deepEqual(
    after.entries.map((e) => `${e.name}:${e.origin}`),
    ['empty.log:container', 'new.txt:container', 'read me.txt:container'],
  )
  await problem(get(clone.id, 'C:\\Program Files\\Acme\\acme.exe'), 404, 'ENOTFOUND')
  // The source is untouched.
  assert.deepEqual(
    Buffer.from(await (await get('filer', 'C:\\Program Files\\Acme\\acme.exe')).arrayBuffer()),
    exe,
  )
})
