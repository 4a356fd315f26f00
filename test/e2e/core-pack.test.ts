// Signed .ctnr export and import end to end, with real Wine: Acme v1 installed in one data dir,
// exported, and imported into other data dirs as if on another machine (another data dir, and
// the import run in a child process with another HOME; the sandbox's user is fixed, so the
// profile path inside is the same). Plain (runtime recreated from the installed Wine) and
// encrypted (runtime carried in the archive); wrong passphrase and untrusted signer refused.
import assert from 'node:assert/strict'
import { execFileSync, spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import { pathToFileURL } from 'node:url'
import {
  type ContainerInfo,
  containerPrefix,
  createContainer,
  ensureRuntime,
  getContainer,
  install,
  listContainers,
  listRuntimes,
  type RuntimeInfo,
} from '../../native/core-api.ts'
import { isCoreError } from '../../native/index.ts'
import {
  type ExportResult,
  exportContainer,
  type ImportOptions,
  type ImportResult,
  importContainer,
  inspectArchive,
  type PackProgress,
  signingKey,
  trustedKeys,
} from '../../native/pack-api.ts'
import { type OutputStream, startRun } from '../../native/sandbox.ts'
import { buildFixtures, fixturePath } from '../../scripts/build-fixtures.mjs'

const ACME_EXE = 'C:\\Program Files\\Acme\\acme.exe'
const PACK_API = pathToFileURL(resolve(import.meta.dirname, '../../native/pack-api.ts')).href

const temps: string[] = []
function temp(tag: string): string {
  const d = mkdtempSync(join(tmpdir(), `orbit-pack-${tag}-`))
  temps.push(d)
  return d
}

let source = ''
let rt: RuntimeInfo
let acme: ContainerInfo
const exported: Record<string, ExportResult> = {}

/** Every path under `dir` with its size, for "nothing changed" checks. */
function tree(dir: string): string[] {
  if (!existsSync(dir)) return []
  const out: string[] = []
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      const st = statSync(p, { throwIfNoEntry: false })
      out.push(`${p.slice(dir.length)} ${st?.isDirectory() ? 'dir' : st?.size}`)
      if (st?.isDirectory()) walk(p)
    }
  }
  walk(dir)
  return out.sort()
}

/** The import, run in a child process with its own HOME, as another machine would. */
function importElsewhere(
  data: string,
  archive: string,
  options: ImportOptions,
  home: string,
): Promise<{ ok: true; result: ImportResult } | { ok: false; code: string; message: string }> {
  const code = `
    const { importContainer } = await import(${JSON.stringify(PACK_API)})
    try {
      const result = await importContainer(${JSON.stringify(data)}, ${JSON.stringify(archive)}, ${JSON.stringify(options)})
      process.stdout.write(JSON.stringify({ ok: true, result }))
    } catch (e) {
      process.stdout.write(JSON.stringify({ ok: false, code: e.code, message: e.message }))
    }`
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      env: { ...process.env, HOME: home },
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    let out = ''
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString()
    })
    child.on('error', reject)
    child.on('exit', (status) => {
      try {
        resolvePromise(JSON.parse(out))
      } catch {
        reject(new Error(`import child exited ${status} with ${JSON.stringify(out)}`))
      }
    })
  })
}

/** Run acme.exe in a container of `data`; its stdout lines. */
async function runAcme(data: string, c: ContainerInfo): Promise<string[]> {
  const out: Record<OutputStream, string> = { stdout: '', stderr: '' }
  const run = await startRun(
    { kind: 'wine', program: ACME_EXE, prefix: containerPrefix(data, c), instance: c.id, lingerMs: 2000 },
    (stream, chunk) => {
      out[stream] += chunk.toString()
    },
  )
  const status = await run.exited
  for (let i = 0; i < 100 && (await getContainer(data, c.id)).running; i++)
    await new Promise((r) => setTimeout(r, 100))
  assert.equal(status.code, 0, out.stdout + out.stderr)
  return out.stdout.split('\n').map((l) => l.trimEnd())
}

function assertV1(lines: string[]) {
  for (const line of [
    'acme version (registry): 1.0.0',
    'acme version (config): 1.0.0',
    'acme built: 1.0.0',
    'acme greeting: hello',
  ]) {
    assert.ok(lines.includes(line), `missing ${JSON.stringify(line)}:\n${lines.join('\n')}`)
  }
}

before(async () => {
  buildFixtures({ log: () => {} })
  source = temp('source')
  rt = await ensureRuntime(source)
  acme = await createContainer(source, { id: 'acme-v1', name: 'Acme', version: '1.0.0' })
  const m = await install(source, acme.id, fixturePath('acme-setup-v1'), ['/S'])
  assert.equal(m.installer.exitCode, 0)
  assertV1(await runAcme(source, acme))
})

after(() => {
  for (const d of temps) {
    // Runtime folders are read-only on purpose.
    execFileSync('chmod', ['-R', 'u+w', d])
    rmSync(d, { recursive: true, force: true })
  }
})

test('export writes a signed archive with the layer and only a reference to the runtime', async (t) => {
  const dest = join(temp('out'), 'acme.ctnr')
  const events: PackProgress[] = []
  const r = await exportContainer(source, acme.id, dest, {}, { onProgress: (p) => events.push(p) })
  exported.plain = r
  assert.equal(r.path, dest)
  assert.equal(r.bytes, statSync(dest).size)
  assert.equal(r.encrypted, false)
  assert.equal(r.runtimeIncluded, false)
  assert.deepEqual(r.signer, await signingKey(source))
  assert.ok(r.totals.files >= 3, JSON.stringify(r.totals))
  assert.ok(r.bytes < 5_000_000, `${r.bytes} bytes: the runtime is not in it`)
  const phases = [...new Set(events.map((e) => e.phase))]
  assert.deepEqual(phases, ['scan', 'pack', 'done'])
  const info = await inspectArchive(source, dest)
  assert.deepEqual(
    [info.name, info.trusted, info.encrypted, info.runtime?.id, info.runtime?.included],
    ['Acme', true, false, rt.id, false],
  )
  t.diagnostic(`export: ${r.bytes} bytes, ${JSON.stringify(r.totals)}, ${r.durationMs} ms`)
})

test('import on another machine: untrusted signer refused, then trusted; runtime recreated; acme prints v1', async (t) => {
  const plain = exported.plain
  assert.ok(plain, 'the export test ran first')
  const data = temp('machine2')
  const home = temp('home2')
  const refused = await importElsewhere(data, plain.path, {}, home)
  assert.equal(refused.ok, false)
  if (refused.ok) return
  assert.equal(refused.code, 'EUNTRUSTED', refused.message)
  assert.ok(refused.message.includes(plain.signer.fingerprint), refused.message)
  assert.deepEqual(tree(data), [], 'a refused import leaves the data dir as it was')

  const started = Date.now()
  const done = await importElsewhere(data, plain.path, { trust: true, id: 'acme-copy' }, home)
  assert.ok(done.ok, JSON.stringify(done))
  if (!done.ok) return
  const r = done.result
  assert.equal(r.trustedNow, true)
  assert.equal(r.container.id, 'acme-copy')
  assert.equal(r.container.name, 'Acme')
  assert.equal(r.runtime?.source, 'created', 'no runtime here: made from the installed Wine')
  assert.equal(r.container.runtime.wineVersion, rt.wineVersion)
  assert.deepEqual(await trustedKeys(data), [plain.signer])
  assert.deepEqual(
    (await listContainers(data)).map((c) => c.id),
    ['acme-copy'],
  )
  assertV1(await runAcme(data, await getContainer(data, 'acme-copy')))
  assert.deepEqual(readdirSync(home), [], 'the import wrote nothing into HOME')
  t.diagnostic(`import with a new runtime: ${Date.now() - started} ms`)
})

test('encrypted export with the runtime: right passphrase imports, wrong one is EBADPASS and changes nothing', async (t) => {
  const dest = join(temp('out'), 'acme-secret.ctnr')
  const r = await exportContainer(source, acme.id, dest, {
    passphrase: 'correct horse battery staple',
    includeRuntime: true,
  })
  assert.equal(r.encrypted, true)
  assert.equal(r.runtimeIncluded, true)
  // Every runtime file is listed; equal contents travel once.
  assert.ok(r.totals.files > rt.files, `${r.totals.files} files hold the runtime's ${rt.files}`)
  assert.ok(r.totals.bytes > rt.bytes / 2, `${r.totals.bytes} content bytes`)
  t.diagnostic(
    `encrypted export with runtime: ${r.bytes} bytes (${r.totals.bytes} distinct content bytes) in ${r.durationMs} ms`,
  )

  const data = temp('machine3')
  const home = temp('home3')
  for (const passphrase of [undefined, 'wrong horse battery staple']) {
    const bad = await importElsewhere(data, dest, { trust: true, passphrase }, home)
    assert.equal(bad.ok, false)
    if (bad.ok) return
    assert.equal(bad.code, 'EBADPASS', bad.message)
    assert.match(bad.message, /passphrase/)
    assert.deepEqual(tree(data), [], 'nothing left in the data dir')
  }
  const started = Date.now()
  const ok = await importElsewhere(
    data,
    dest,
    { trust: true, passphrase: 'correct horse battery staple' },
    home,
  )
  assert.ok(ok.ok, JSON.stringify(ok))
  if (!ok.ok) return
  assert.deepEqual(ok.result.runtime, { id: rt.id, source: 'archive' })
  assert.deepEqual(
    (await listRuntimes(data)).map((x) => [x.id, x.hash]),
    [[rt.id, rt.hash]],
  )
  assert.equal(statSync(join(data, 'runtimes', rt.id)).mode & 0o222, 0, 'the runtime is sealed read-only')
  assertV1(await runAcme(data, ok.result.container))
  t.diagnostic(`import with the runtime from the archive: ${Date.now() - started} ms`)
})

test('errors are coded, and aborting cancels an import mid-way leaving no container', async () => {
  await assert.rejects(exportContainer(source, 'nope', join(temp('out'), 'x.ctnr')), (e) => {
    assert.ok(isCoreError(e))
    assert.equal(e.code, 'ENOTFOUND_CONTAINER')
    return true
  })
  const early = new AbortController()
  early.abort()
  await assert.rejects(
    exportContainer(source, acme.id, join(temp('out'), 'y.ctnr'), {}, { signal: early.signal }),
    (e) => isCoreError(e) && e.code === 'ECANCELED',
  )
  // A big archive (with the runtime), aborted once it unpacks.
  const dest = join(temp('out'), 'acme-full.ctnr')
  await exportContainer(source, acme.id, dest, { includeRuntime: true })
  const data = temp('machine4')
  const controller = new AbortController()
  await assert.rejects(
    importContainer(
      data,
      dest,
      { trust: true },
      {
        signal: controller.signal,
        onProgress: (p) => {
          if (p.phase === 'unpack') controller.abort()
        },
      },
    ),
    (e) => isCoreError(e) && e.code === 'ECANCELED',
  )
  assert.deepEqual(await listContainers(data), [])
  assert.deepEqual(await listRuntimes(data), [])
  const left = tree(data).filter((p) => !/^\/tmp(\/\.lock|\/locks(\/.*)?)? /.test(p))
  assert.deepEqual(left, [], 'only lock files remain')
})
