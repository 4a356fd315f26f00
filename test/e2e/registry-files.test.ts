// The registry and files of a container through a real gateway, real Wine and the real `orbit`
// CLI: Acme v1 installed, a registry value set with `orbit reg set` and printed by acme.exe when
// it runs, a .reg export/import round trip, `orbit files ls/get` of C:\Program Files\Acme, and
// traversal refused.
import assert from 'node:assert/strict'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { buildFixtures, fixturePath } from '../../scripts/build-fixtures.mjs'
import { createOrbitClient, type OrbitClient, unwrap } from '../../sdk-gen/client.ts'
import { runCli } from '../support/cli.ts'
import { type RunningGateway, spawnGateway } from '../support/gateway.ts'

const ACME = 'C:\\Program Files\\Acme\\acme.exe'
const KEY = 'HKLM\\Software\\Acme'
const dataDir = mkdtempSync(join(tmpdir(), 'orbit-e2e-regfiles-'))
const work = mkdtempSync(join(tmpdir(), 'orbit-e2e-regfiles-out-'))
let gw: RunningGateway
let client: OrbitClient
let cliEnv: NodeJS.ProcessEnv

const orbit = async (...args: string[]) => {
  const r = await runCli(args, cliEnv)
  return { ...r, lines: r.stdout.split('\n') }
}
const ok = async (...args: string[]) => {
  const r = await orbit(...args)
  assert.equal(r.code, 0, `orbit ${args.join(' ')}: ${r.stderr}${r.stdout}`)
  return r
}
/** A failed command: non-zero exit, one line on stderr naming `code`. */
const refused = async (code: string, ...args: string[]) => {
  const r = await orbit(...args)
  assert.notEqual(r.code, 0, r.stdout)
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr)
  assert.match(r.stderr, new RegExp(`\\[${code}\\]`), r.stderr)
  return r
}
const runAcme = async () => (await ok('run', 'acme', '--', ACME)).lines

before(async () => {
  buildFixtures({ log: () => {} })
  gw = await spawnGateway({
    dataDir,
    env: { ORBIT_ADMIN_TOKEN: `e2e-regfiles-${process.pid}-0123456789abcdef` },
  })
  client = createOrbitClient({ baseUrl: gw.url, token: gw.token })
  cliEnv = { ORBIT_URL: gw.url, ORBIT_TOKEN: gw.token }
  await ok('container', 'create', 'acme')
  await ok('install', 'acme', fixturePath('acme-setup-v1'), '--', '/S')
})

after(async () => {
  await gw?.stop()
  rmSync(dataDir, { recursive: true, force: true })
  rmSync(work, { recursive: true, force: true })
})

test('orbit reg get/set: a value set from outside is what acme.exe reads when it runs', async () => {
  const before = await ok('reg', 'get', 'acme', KEY, 'Version')
  assert.match(before.stdout, /^Version {2}sz {2}"1\.[^"]*"\n$/)
  assert.ok((await runAcme()).some((l) => /^acme version \(registry\): 1\./.test(l)))

  const set = await ok('reg', 'set', 'acme', KEY, 'Version', '9.9.9-orbit')
  assert.match(set.stdout, /^set HKLM\\Software\\Acme\\Version {2}sz {2}"9\.9\.9-orbit"/)
  await ok('reg', 'set', 'acme', 'HKCU\\Software\\Acme\\Settings', 'Greeting', 'hello from orbit reg')
  const json = JSON.parse((await ok('reg', 'get', 'acme', KEY, '--json')).stdout)
  assert.deepEqual(
    json.values.find((v: { name: string }) => v.name === 'Version'),
    { name: 'Version', type: 'sz', data: '9.9.9-orbit', raw_type: 1 },
  )
  const lines = await runAcme()
  assert.ok(lines.includes('acme version (registry): 9.9.9-orbit'), lines.join('\n'))
  assert.ok(lines.includes('acme greeting: hello from orbit reg'), lines.join('\n'))

  await refused('ENOTFOUND', 'reg', 'get', 'acme', KEY, 'NoSuchValue')
  await refused('EVALIDATION', 'reg', 'set', 'acme', 'HKXX\\Nowhere', 'A', 'b')
})

test('orbit reg set is refused while the container runs, and works again after', async () => {
  const run = unwrap(
    await client.POST('/api/containers/{id}/runs', {
      params: { path: { id: 'acme' } },
      body: { program: ACME, args: ['--sleep', '600'] },
    }),
  )
  try {
    for (let i = 0; i < 600; i++) {
      const c = unwrap(await client.GET('/api/containers/{id}', { params: { path: { id: 'acme' } } }))
      if (c.state === 'running') break
      await sleep(50)
    }
    const r = await refused('ECONFLICT', 'reg', 'set', 'acme', KEY, 'Version', 'while-running')
    assert.match(r.stderr, /running/)
  } finally {
    unwrap(await client.POST('/api/runs/{id}/stop', { params: { path: { id: run.id } } }))
  }
  await ok('reg', 'set', 'acme', KEY, 'Version', '9.9.9-orbit')
})

test('orbit reg export/import: a .reg round trip restores what was changed', async () => {
  const file = join(work, 'acme.reg')
  await ok('reg', 'export', 'acme', KEY, '-o', file)
  const text = readFileSync(file, 'utf8')
  assert.match(text, /^Windows Registry Editor Version 5\.00\r?\n/)
  assert.match(text, /\[HKEY_LOCAL_MACHINE\\Software\\Acme\]/)
  assert.match(text, /"Version"="9\.9\.9-orbit"/)

  await ok('reg', 'set', 'acme', KEY, 'Version', 'changed')
  await ok('reg', 'set', 'acme', KEY, 'Extra', '7', '--type', 'dword')
  const imported = await ok('reg', 'import', 'acme', file)
  assert.match(imported.stdout, /^imported .*acme\.reg: \d+ value\(s\) set/)
  assert.match((await ok('reg', 'get', 'acme', KEY, 'Version')).stdout, /"9\.9\.9-orbit"/)
  // A .reg file sets what it names; it does not delete what it does not mention.
  assert.match((await ok('reg', 'get', 'acme', KEY, 'Extra')).stdout, /^Extra {2}dword {2}7 \(0x7\)/)
  assert.ok((await runAcme()).includes('acme version (registry): 9.9.9-orbit'))

  const bad = join(work, 'bad.reg')
  await import('node:fs').then((fs) => fs.writeFileSync(bad, 'this is not a .reg file\n'))
  await refused('EVALIDATION', 'reg', 'import', 'acme', bad)
})

test('orbit files ls/get: the installed program, downloaded byte for byte', async () => {
  const ls = await ok('files', 'ls', 'acme', 'C:\\Program Files\\Acme')
  assert.equal(ls.lines[0], 'C:\\Program Files\\Acme  (* = written by the container)')
  assert.ok(
    ls.lines.some((l) => /^- +[\d.]+ KiB {2}\d{4}-\d\d-\d\d \d\d:\d\d {2}acme\.exe {2}\*$/.test(l)),
    ls.stdout,
  )
  const listing = JSON.parse((await ok('files', 'ls', 'acme', 'c:/program files/acme', '--json')).stdout)
  const exe = listing.entries.find((e: { name: string }) => e.name === 'acme.exe')
  assert.equal(exe.kind, 'file')
  assert.equal(exe.origin, 'container')
  // The base runtime shows through under the container's own files.
  const windows = JSON.parse((await ok('files', 'ls', 'acme', 'C:\\windows\\system32', '--json')).stdout)
  assert.ok(
    windows.entries.some(
      (e: { name: string; origin: string }) => e.name === 'kernel32.dll' && e.origin === 'runtime',
    ),
  )

  const out = join(work, 'acme.exe')
  const got = await ok('files', 'get', 'acme', ACME, '-o', out)
  assert.match(got.stdout, /^saved .* \([\d.]+ KiB\)/)
  const c = unwrap(await client.GET('/api/containers/{id}', { params: { path: { id: 'acme' } } }))
  const onDisk = readFileSync(
    join(dataDir, 'containers', c.id, 'layer', 'upper', 'drive_c', 'Program Files', 'Acme', 'acme.exe'),
  )
  const downloaded = readFileSync(out)
  assert.equal(downloaded.length, exe.size)
  assert.ok(downloaded.equals(onDisk))
  assert.equal(downloaded.subarray(0, 2).toString(), 'MZ')
})

test('traversal and paths off the C: drive are refused', async () => {
  await refused('EVALIDATION', 'files', 'ls', 'acme', 'C:\\..\\..\\..\\etc')
  await refused('EVALIDATION', 'files', 'get', 'acme', 'C:\\Program Files\\..\\..\\system.reg')
  await refused('EVALIDATION', 'files', 'get', 'acme', 'Z:\\etc\\passwd')
  await refused('EVALIDATION', 'files', 'get', 'acme', '/etc/passwd')
  const res = await fetch(
    `${gw.url}/api/containers/acme/files/download?path=${encodeURIComponent('C:\\..\\system.reg')}`,
    {
      headers: { authorization: `Bearer ${gw.token}` },
    },
  )
  assert.equal(res.status, 400)
  assert.equal(((await res.json()) as { code: string }).code, 'EVALIDATION')
})
