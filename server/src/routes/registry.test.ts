// Registry routes over the real core: a native container whose layer holds hand-written Wine
// hives (the core parses and rewrites them as it would Wine's), so no Wine is needed here.
import assert from 'node:assert/strict'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { after, before, test } from 'node:test'
import type { Container } from '../../../openapi/containers.ts'
import type { Problem } from '../../../openapi/errors.ts'
import type { RegistryImportResult, RegistryKey, RegistryValue } from '../../../openapi/registry.ts'
import type { Run } from '../../../openapi/runs.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'

let t: TestApp
let c: Container
const upper = () => join(t.dataDir, 'containers', c.id, 'layer', 'upper')

const hive = (body: string) => `WINE REGISTRY Version 2\n;; hand-written for a test\n\n#arch=win64\n\n${body}`

before(async () => {
  t = await makeTestApp()
  const res = await call('/api/containers', { method: 'POST', json: { name: 'reggy', runtime: 'native' } })
  assert.equal(res.status, 201, await res.clone().text())
  c = (await res.json()) as Container
  writeFileSync(
    join(upper(), 'system.reg'),
    hive(
      '[Software\\\\Acme] 1700000000\n"Version"="1.0"\n"Count"=dword:00000007\n\n' +
        '[Software\\\\Acme\\\\Plugins] 1700000000\n"List"=str(7):"a\\0b\\0"\n\n',
    ),
  )
  writeFileSync(join(upper(), 'user.reg'), hive('[Software\\\\Acme] 1700000000\n"Theme"="dark"\n\n'))
  writeFileSync(join(upper(), 'userdef.reg'), hive(''))
})
after(() => t.cleanup())

function call(path: string, init: RequestInit & { json?: unknown } = {}) {
  const { json, headers, ...rest } = init
  return t.app.request(path, {
    ...rest,
    ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
    headers: {
      ...bearer(),
      ...(json !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
  })
}
async function ok<T>(res: Response | Promise<Response>, status = 200): Promise<T> {
  const r = await res
  assert.equal(r.status, status, await r.clone().text())
  return (await r.json()) as T
}
async function problem(res: Response | Promise<Response>, status: number, code: string): Promise<Problem> {
  const r = await res
  assert.equal(r.status, status, await r.clone().text())
  assert.match(r.headers.get('content-type') ?? '', /problem\+json/)
  const p = (await r.json()) as Problem
  assert.equal(p.code, code)
  return p
}
const q = (key: string, name?: string) =>
  `key=${encodeURIComponent(key)}${name === undefined ? '' : `&name=${encodeURIComponent(name)}`}`
const reg = `/api/containers/reggy/registry`

test('a key: subkeys and typed values, ISO time; a value; 404 for a missing key or value', async () => {
  const k = await ok<RegistryKey>(call(`${reg}?${q('HKLM\\Software\\Acme')}`))
  assert.deepEqual(k.subkeys, ['Plugins'])
  assert.deepEqual(k.values.map((v) => [v.name, v.type, v.data]).sort(), [
    ['Count', 'dword', 7],
    ['Version', 'sz', '1.0'],
  ])
  assert.equal(k.modified, new Date(1_700_000_000_000).toISOString())
  const user = await ok<RegistryKey>(call(`${reg}?${q('HKEY_CURRENT_USER\\Software\\Acme')}`))
  assert.deepEqual(user.values[0]?.data, 'dark')
  const v = await ok<RegistryValue>(call(`${reg}/value?${q('HKLM\\Software\\Acme', 'Version')}`))
  assert.deepEqual([v.name, v.type, v.data], ['Version', 'sz', '1.0'])
  await problem(call(`${reg}?${q('HKLM\\Software\\Nobody')}`), 404, 'ENOTFOUND')
  await problem(call(`${reg}/value?${q('HKLM\\Software\\Acme', 'Nope')}`), 404, 'ENOTFOUND')
  await problem(call(`${reg}?${q('HKXX\\Software')}`), 400, 'EVALIDATION')
  await problem(call(reg), 400, 'EVALIDATION')
  await problem(call(`/api/containers/nobody/registry?${q('HKLM\\Software')}`), 404, 'ENOTFOUND')
})

test('set, delete a value, delete a key: written into the layer, audited, registry.changed published', async () => {
  const seen: unknown[] = []
  const stop = t.deps.events.subscribe((e) => seen.push(e.data), {
    types: ['registry.changed'],
    subject: c.id,
  })
  const set = await ok<RegistryValue>(
    call(`${reg}/value`, {
      method: 'PUT',
      json: { key: 'HKLM\\Software\\Acme\\New', name: 'Limit', type: 'dword', data: 42 },
    }),
  )
  assert.deepEqual([set.type, set.data, set.raw_type], ['dword', 42, 4])
  assert.match(readFileSync(join(upper(), 'system.reg'), 'utf8'), /"Limit"=dword:0000002a/)
  const multi = await ok<RegistryValue>(
    call(`${reg}/value`, {
      method: 'PUT',
      json: { key: 'HKCU\\Software\\Acme', name: '', type: 'multi_sz', data: ['x', 'y'] },
    }),
  )
  assert.deepEqual(multi.data, ['x', 'y'])
  await problem(
    call(`${reg}/value`, {
      method: 'PUT',
      json: { key: 'HKLM\\Software\\Acme', name: 'X', type: 'dword', data: 'ab' },
    }),
    400,
    'EVALIDATION',
  )
  await problem(
    call(`${reg}/value`, {
      method: 'PUT',
      json: { key: 'HKLM\\Software\\Acme', name: 'X', type: 'bogus', data: 1 },
    }),
    400,
    'EVALIDATION',
  )

  const del = await call(`${reg}/value?${q('HKLM\\Software\\Acme\\New', 'Limit')}`, { method: 'DELETE' })
  assert.equal(del.status, 204)
  await problem(call(`${reg}/value?${q('HKLM\\Software\\Acme\\New', 'Limit')}`), 404, 'ENOTFOUND')
  const delKey = await call(`${reg}/key?${q('HKLM\\Software\\Acme\\New')}`, { method: 'DELETE' })
  assert.equal(delKey.status, 204)
  await problem(call(`${reg}?${q('HKLM\\Software\\Acme\\New')}`), 404, 'ENOTFOUND')
  await problem(call(`${reg}/key?${q('HKLM\\Software\\Acme\\New')}`, { method: 'DELETE' }), 404, 'ENOTFOUND')
  stop()

  assert.deepEqual(
    seen.map((d) => (d as { action: string }).action),
    ['set', 'set', 'delete-value', 'delete-key'],
  )
  const audit = t.deps.db.$client
    .prepare("select action, result from audit_log where action like 'registry.%' order by id")
    .all() as { action: string; result: string }[]
  assert.deepEqual(
    audit.map((a) => `${a.action}:${a.result}`),
    [
      'registry.set:ok',
      'registry.set:ok',
      'registry.set:EVALIDATION',
      // Refused by the contract before the handler: the audit trail's entry.
      'registry.set:EVALIDATION',
      'registry.delete-value:ok',
      'registry.delete-key:ok',
      'registry.delete-key:ENOTFOUND',
    ],
  )
  // The container rests where it was.
  assert.equal((await ok<Container>(call('/api/containers/reggy'))).state, c.state)
})

test('export as a .reg download, edit, import it back (UTF-8 and UTF-16); a bad file changes nothing', async () => {
  const res = await call(`${reg}/export?${q('HKLM\\Software\\Acme')}`)
  assert.equal(res.status, 200)
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain/)
  assert.match(
    res.headers.get('content-disposition') ?? '',
    /^attachment; filename="HKLM-Software-Acme\.reg"/,
  )
  const text = await res.text()
  assert.match(text, /^Windows Registry Editor Version 5\.00/)
  assert.match(text, /\[HKEY_LOCAL_MACHINE\\Software\\Acme\\Plugins\]/)
  assert.match(text, /"Version"="1\.0"/)

  const edited = text.replace('"Version"="1.0"', '"Version"="2.0"')
  const imported = await ok<RegistryImportResult>(
    call(`${reg}/import`, {
      method: 'POST',
      body: edited,
      headers: { 'content-type': 'application/octet-stream' },
    }),
  )
  assert.ok(imported.valuesSet >= 1, JSON.stringify(imported))
  const v = await ok<RegistryValue>(call(`${reg}/value?${q('HKLM\\Software\\Acme', 'Version')}`))
  assert.equal(v.data, '2.0')

  // As regedit saves it: UTF-16LE with a BOM.
  const utf16 = Buffer.concat([
    Buffer.from([0xff, 0xfe]),
    Buffer.from(text.replace('"Version"="1.0"', '"Version"="3.0"'), 'utf16le'),
  ])
  await ok(
    call(`${reg}/import`, {
      method: 'POST',
      body: utf16,
      headers: { 'content-type': 'application/octet-stream' },
    }),
  )
  assert.equal(
    (await ok<RegistryValue>(call(`${reg}/value?${q('HKLM\\Software\\Acme', 'Version')}`))).data,
    '3.0',
  )

  const before = readFileSync(join(upper(), 'system.reg'))
  const bad = `${text}\n[HKEY_LOCAL_MACHINE\\Software\\Acme]\n"Version"=dword:zz\n`
  await problem(
    call(`${reg}/import`, { method: 'POST', body: bad, headers: { 'content-type': 'text/plain' } }),
    400,
    'EVALIDATION',
  )
  assert.deepEqual(readFileSync(join(upper(), 'system.reg')), before)
  await problem(
    call(`${reg}/import`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }),
    415,
    'EUNSUPPORTED_MEDIA_TYPE',
  )
  const huge = 'x'.repeat(t.deps.config.maxBodyBytes + 1)
  await problem(
    call(`${reg}/import`, { method: 'POST', body: huge, headers: { 'content-type': 'text/plain' } }),
    413,
    'EPAYLOAD_TOO_LARGE',
  )
  await problem(call(`${reg}/export?${q('HKLM\\Software\\Nobody')}`), 404, 'ENOTFOUND')
})

test('writes are refused with 409 while the container runs; reads still answer', async () => {
  const run = await ok<Run>(
    call('/api/containers/reggy/runs', { method: 'POST', json: { program: '/bin/sleep', args: ['30'] } }),
    201,
  )
  try {
    const put = { key: 'HKLM\\Software\\Acme', name: 'Version', type: 'sz', data: 'running' }
    const p = await problem(call(`${reg}/value`, { method: 'PUT', json: put }), 409, 'ECONFLICT')
    assert.match(p.detail ?? '', /running/)
    await problem(call(`${reg}/key?${q('HKLM\\Software\\Acme')}`, { method: 'DELETE' }), 409, 'ECONFLICT')
    await problem(
      call(`${reg}/import`, {
        method: 'POST',
        body: 'Windows Registry Editor Version 5.00\n',
        headers: { 'content-type': 'text/plain' },
      }),
      409,
      'ECONFLICT',
    )
    assert.equal(
      (await ok<RegistryValue>(call(`${reg}/value?${q('HKLM\\Software\\Acme', 'Version')}`))).data,
      '3.0',
    )
  } finally {
    await call(`/api/runs/${run.id}/stop`, { method: 'POST', json: {} })
  }
})
