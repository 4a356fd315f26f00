// Base runtime, captured installs and container registries end to end, with real Wine: one
// runtime per file (wineboot takes a while), the Acme v1 and v2 installers captured into two
// containers, each app run in its own container, and the host and the runtime left untouched.
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import {
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
} from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path'
import { after, before, test } from 'node:test'
import {
  type ContainerInfo,
  containerPrefix,
  containerRegistryDelete,
  containerRegistryDiff,
  containerRegistryExport,
  containerRegistryGetValue,
  containerRegistryImport,
  containerRegistryQuery,
  containerRegistrySetValue,
  createContainer,
  deleteContainer,
  ensureRuntime,
  getContainer,
  type InstallEvent,
  install,
  listRuntimes,
  type Manifest,
  type RuntimeEvent,
  type RuntimeInfo,
  verifyRuntime,
} from '../../native/core-api.ts'
import { hashFileSync, isCoreError } from '../../native/index.ts'
import { type OutputStream, startRun } from '../../native/sandbox.ts'
import { acmeMsiPath, buildFixtures, fixturePath } from '../../scripts/build-fixtures.mjs'

const ACME_EXE = 'C:\\Program Files\\Acme\\acme.exe'

let data = ''
let rt: RuntimeInfo
let runtimeMs = 0
const runtimeEvents: RuntimeEvent[] = []
let homeBefore: string[] = []
let tmpBefore: string[] = []
const containers: Record<string, ContainerInfo> = {}
const manifests: Record<string, Manifest> = {}
const installEvents: Record<string, InstallEvent[]> = {}

/** `x`, asserted present (tests fill these maps in order). */
function must<T>(x: T | undefined, what: string): T {
  assert.ok(x !== undefined, `${what} is missing (an earlier test failed?)`)
  return x
}

const kib = (path: string) => Number(execFileSync('du', ['-sk', path], { encoding: 'utf8' }).split('\t')[0])

function expectCode(code: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isCoreError(e), `expected a coded Error, got ${String(e)}`)
    assert.equal(e.code, code, e.message)
    return true
  }
}

/** Run a program of a container to its end; stdout and stderr as text. */
async function runIn(c: ContainerInfo, program: string, args: string[] = []) {
  const out: Record<OutputStream, string> = { stdout: '', stderr: '' }
  const run = await startRun(
    { kind: 'wine', program, args, prefix: containerPrefix(data, c), instance: c.id, lingerMs: 2000 },
    (stream, chunk) => {
      out[stream] += chunk.toString()
    },
  )
  const status = await run.exited
  // Leave the sandbox (and its wineserver) time to end, so the next step finds the container stopped.
  for (let i = 0; i < 100 && (await getContainer(data, c.id)).running; i++)
    await new Promise((r) => setTimeout(r, 100))
  return { status, ...out }
}

before(async () => {
  buildFixtures({ log: () => {} })
  homeBefore = readdirSync(homedir())
  tmpBefore = readdirSync(tmpdir())
  data = mkdtempSync(join(tmpdir(), 'orbit-core-install-'))
  const started = Date.now()
  // Two at once: the second must wait for the first and reuse its runtime.
  const onEvent = (e: RuntimeEvent) => runtimeEvents.push(e)
  const [a, b] = await Promise.all([ensureRuntime(data, onEvent), ensureRuntime(data, onEvent)])
  runtimeMs = Date.now() - started
  assert.equal(a.id, b.id, 'both callers got the same runtime')
  rt = a
})

after(() => {
  if (!data) return
  // Runtime folders are read-only on purpose.
  execFileSync('chmod', ['-R', 'u+w', data])
  rmSync(data, { recursive: true, force: true })
})

test('two concurrent ensureRuntime calls make one runtime, named by Wine version and content', async (t) => {
  assert.match(rt.id, /^wine-[0-9.]+(-[a-z0-9.]+)*-[0-9a-f]{12}$/)
  assert.equal(rt.id.slice(-12), rt.hash.slice(0, 12))
  assert.match(rt.hash, /^[0-9a-f]{64}$/)
  assert.ok(rt.files > 100 && rt.bytes > 10_000_000, `${rt.files} files, ${rt.bytes} bytes`)
  assert.deepEqual(
    (await listRuntimes(data)).map((r) => r.id),
    [rt.id],
  )
  assert.deepEqual(readdirSync(join(data, 'runtimes')).sort(), ['.lock', rt.id].sort())
  const phases = new Set(runtimeEvents.map((e) => e.phase))
  assert.deepEqual([...phases].sort(), ['finalize', 'scan', 'wineboot'])
  const again = Date.now()
  assert.equal((await ensureRuntime(data)).id, rt.id)
  assert.ok(Date.now() - again < 5000, 'an existing runtime is found, not made again')
  t.diagnostic(
    `runtime ${rt.id}: made in ${runtimeMs} ms, ${rt.files} files, ${rt.bytes} bytes, ${kib(join(data, 'runtimes', rt.id))} KiB on disk`,
  )
})

test('the runtime holds no way out to the host and never starts winemenubuilder', () => {
  const prefix = join(data, 'runtimes', rt.id, 'prefix')
  assert.deepEqual(readdirSync(join(prefix, 'dosdevices')), ['c:'])
  const visit = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name)
      const st = lstatSync(p)
      if (st.isSymbolicLink()) {
        const target = readlinkSync(p)
        assert.ok(!isAbsolute(target), `${relative(prefix, p)} -> ${target} is absolute`)
        assert.ok(
          !relative(prefix, resolve(dirname(p), target)).startsWith('..'),
          `${relative(prefix, p)} leads out`,
        )
      } else if (st.isDirectory()) visit(p)
    }
  }
  visit(prefix)
  for (const folder of ['Desktop', 'Documents', 'Downloads', 'Music', 'Pictures', 'Videos']) {
    assert.ok(lstatSync(join(prefix, 'drive_c', 'users', 'orbit', folder)).isDirectory(), folder)
  }
  const userReg = readFileSync(join(prefix, 'user.reg'), 'utf8')
  const overrides = userReg.slice(userReg.indexOf('[Software\\\\Wine\\\\DllOverrides]'))
  assert.match(overrides.slice(0, overrides.indexOf('\n\n')), /"winemenubuilder\.exe"=""/)
  assert.ok(!readFileSync(join(prefix, 'system.reg'), 'utf8').includes('winemenubuilder.exe -a -r'))
  assert.equal(statSync(join(data, 'runtimes', rt.id)).mode & 0o222, 0, 'the runtime folder is read-only')
})

test('an empty Wine container costs kilobytes', async (t) => {
  for (const v of ['1', '2'] as const) {
    const c = await createContainer(data, { id: `acme-v${v}`, name: 'Acme', version: `${v}.0.0` })
    assert.deepEqual(c.runtime, { kind: 'wine', id: rt.id, wineVersion: rt.wineVersion, hash: rt.hash })
    containers[v] = c
  }
  const size = kib(must(containers['1'], 'container').path)
  assert.ok(size < 100, `${size} KiB`)
  t.diagnostic(`empty container: ${size} KiB on disk`)
})

test('the v1 and v2 installers are captured into their containers', async (t) => {
  for (const v of ['1', '2'] as const) {
    const events: InstallEvent[] = []
    const started = Date.now()
    manifests[v] = await install(data, `acme-v${v}`, fixturePath(`acme-setup-v${v}`), ['/S'], (e) =>
      events.push(e),
    )
    installEvents[v] = events
    t.diagnostic(
      `capture v${v}: ${Date.now() - started} ms (installer ${must(manifests[v], 'manifest').installer.durationMs} ms)`,
    )
  }
  for (const v of ['1', '2'] as const) {
    const m = must(manifests[v], 'manifest')
    const events = must(installEvents[v], 'events')
    assert.equal(m.containerId, `acme-v${v}`)
    assert.deepEqual(m.runtime, { id: rt.id, hash: rt.hash })
    assert.equal(m.installer.exitCode, 0, JSON.stringify(events.filter((e) => e.phase === 'install')))
    assert.equal(m.installer.name, `acme-setup-v${v}.exe`)
    assert.equal(m.installer.kind, 'exe')
    assert.deepEqual(m.installer.args, ['/S'])
    const setup = hashFileSync(fixturePath(`acme-setup-v${v}`))
    assert.deepEqual([m.installer.size, m.installer.blake3], [setup.size, setup.hash])

    // Events: every phase, in order, with the installer's own output lines.
    const phases = events.map((e) => e.phase).filter((p, i, all) => p !== all[i - 1])
    assert.deepEqual(phases, ['prepare', 'install', 'scan', 'registry', 'done'])
    const lines = events.flatMap((e) => (e.phase === 'install' && e.stream === 'stdout' ? [e.line] : []))
    assert.ok(lines.includes(`setup: acme ${v}.0.0`) && lines.includes('setup: done'), lines.join('\n'))

    // Files: the app, byte-identical to the fixture; the config; the shortcut. No noise.
    const app = hashFileSync(fixturePath(`acme-v${v}`))
    const exe = m.files.find((f) => f.path === ACME_EXE)
    assert.ok(exe, JSON.stringify(m.files.map((f) => f.path)))
    assert.deepEqual([exe.change, exe.kind, exe.size, exe.blake3], ['added', 'file', app.size, app.hash])
    assert.equal(exe.prefixPath, 'drive_c/Program Files/Acme/acme.exe')
    const lnk = 'C:\\users\\orbit\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Acme\\Acme.lnk'
    // Exactly what the installer wrote: no hive, temp, installer-copy or other Wine noise.
    assert.deepEqual(
      m.files.map((f) => [f.path, f.change]),
      [
        [ACME_EXE, 'added'],
        ['C:\\users\\orbit\\AppData\\Roaming\\Acme\\config.ini', 'added'],
        [lnk, 'added'],
      ],
    )
    assert.ok(m.directories.added.includes('C:\\Program Files\\Acme'))
    assert.equal(m.summary.filesRemoved, 0)

    // Registry: HKLM version and uninstall entry, HKCU settings; nothing from the machine.
    const value = (key: string, name: string) =>
      m.registry.valuesAdded.find((x) => x.key.toLowerCase() === key.toLowerCase() && x.value.name === name)
        ?.value
    assert.deepEqual(value('HKEY_LOCAL_MACHINE\\Software\\Acme', 'Version'), {
      name: 'Version',
      type: 'sz',
      data: `${v}.0.0`,
      raw_type: 1,
    })
    assert.equal(value('HKEY_LOCAL_MACHINE\\Software\\Acme', 'InstallDir')?.data, 'C:\\Program Files\\Acme')
    assert.equal(value('HKEY_CURRENT_USER\\Software\\Acme\\Settings', 'Greeting')?.data, 'hello')
    assert.deepEqual(value('HKEY_CURRENT_USER\\Software\\Acme\\Settings', 'Count'), {
      name: 'Count',
      type: 'dword',
      data: 1,
      raw_type: 4,
    })
    assert.equal(
      value(
        'HKEY_LOCAL_MACHINE\\Software\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\Acme',
        'DisplayVersion',
      )?.data,
      `${v}.0.0`,
    )
    const keys = m.registry.keysAdded.map((k) => k.toLowerCase())
    assert.ok(keys.includes('hkey_local_machine\\software\\acme'), keys.join('\n'))
    const foreign = [
      ...m.registry.keysAdded,
      ...m.registry.valuesAdded.map((x) => x.key),
      ...m.registry.valuesChanged.map((x) => x.key),
    ].filter((k) => !/\\Acme(\\|$)/i.test(k))
    assert.equal(m.registry.keysRemoved.length + m.registry.valuesRemoved.length, 0)
    assert.deepEqual(foreign, [], "only the installer's own keys, no machine noise")
    t.diagnostic(`v${v}: ${m.summary.filesAdded} files, ${m.summary.valuesAdded} values added`)

    // Entry points: the shortcut to acme.exe, once.
    assert.deepEqual(
      m.entryPoints.map((e) => [e.name, e.target, e.source, e.workingDir]),
      [['Acme', ACME_EXE, 'shortcut', 'C:\\Program Files\\Acme']],
    )
    assert.equal(m.entryPoints[0]?.description, `Acme ${v}.0.0`)
    assert.equal(m.entryPoints[0]?.shortcut, lnk)

    // manifest.json on disk is what install returned; the install log is kept.
    const c = must(containers[v], 'container')
    assert.deepEqual(JSON.parse(readFileSync(join(c.path, 'manifest.json'), 'utf8')), m)
    assert.ok((await getContainer(data, c.id)).installed)
    const logs = readdirSync(join(c.path, 'logs'))
    assert.equal(logs.length, 1)
    assert.ok(
      readFileSync(join(c.path, 'logs', must(logs[0], 'log')), 'utf8').includes('stdout: setup: done'),
    )
  }
})

test('each acme.exe prints its own version in its own container', async () => {
  for (const v of ['1', '2'] as const) {
    const r = await runIn(must(containers[v], 'container'), ACME_EXE)
    assert.equal(r.status.code, 0, r.stdout + r.stderr)
    for (const line of [
      `acme version (registry): ${v}.0.0`,
      `acme version (config): ${v}.0.0`,
      `acme built: ${v}.0.0`,
      'acme greeting: hello',
      'acme count: 1',
    ]) {
      assert.ok(r.stdout.split('\n').includes(line), `v${v} lacks ${JSON.stringify(line)}:\n${r.stdout}`)
    }
  }
})

test('an .msi is captured through msiexec: its files, keys and shortcut, and the app runs', async (t) => {
  const c = await createContainer(data, { id: 'acme-msi', name: 'Acme', version: '3.0.0' })
  const events: InstallEvent[] = []
  const m = await install(data, c.id, acmeMsiPath, [], (e) => events.push(e))
  t.diagnostic(`msi capture: installer ${m.installer.durationMs} ms`)
  assert.deepEqual(
    [m.installer.kind, m.installer.name, m.installer.exitCode, m.installer.args],
    ['msi', 'acme-v3.msi', 0, []],
    JSON.stringify(events.filter((e) => e.phase === 'install')),
  )
  const msi = hashFileSync(acmeMsiPath)
  assert.deepEqual([m.installer.size, m.installer.blake3], [msi.size, msi.hash])

  const app = hashFileSync(fixturePath('acme-v3'))
  const exe = m.files.find((f) => f.path === ACME_EXE)
  assert.ok(exe, JSON.stringify(m.files.map((f) => f.path)))
  assert.deepEqual([exe.change, exe.size, exe.blake3], ['added', app.size, app.hash])
  const paths = m.files.map((f) => f.path)
  assert.ok(paths.includes('C:\\users\\orbit\\AppData\\Roaming\\Acme\\config.ini'), paths.join('\n'))
  // No copy of the installer itself in the capture: msiexec ran it from where the capture put it.
  assert.ok(!paths.some((p) => p?.toLowerCase().endsWith('\\acme-v3.msi')), paths.join('\n'))

  const version = m.registry.valuesAdded.find(
    (x) => x.key.toLowerCase() === 'hkey_local_machine\\software\\acme' && x.value.name === 'Version',
  )
  assert.equal(version?.value.data, '3.0.0')
  assert.deepEqual(
    m.entryPoints.map((e) => [e.name, e.target, e.source]),
    [['Acme', ACME_EXE, 'shortcut']],
  )

  const r = await runIn(c, ACME_EXE)
  assert.equal(r.status.code, 0, r.stdout + r.stderr)
  for (const line of [
    'acme version (registry): 3.0.0',
    'acme version (config): 3.0.0',
    'acme config: theme=light',
    'acme built: 3.0.0',
  ]) {
    assert.ok(r.stdout.split('\n').includes(line), `lacks ${JSON.stringify(line)}:\n${r.stdout}`)
  }
})

test('a container registry reads the merged view and edits land in that container only', async () => {
  const [c1, c2] = [must(containers['1'], 'container'), must(containers['2'], 'container')]
  const q = await containerRegistryQuery(data, c1.id, 'HKLM\\Software\\Acme')
  assert.equal(q.values.find((x) => x.name === 'Version')?.data, '1.0.0')
  // A key only the runtime holds is visible too.
  assert.ok(
    (await containerRegistryQuery(data, c1.id, 'HKLM\\Software\\Microsoft\\Windows NT\\CurrentVersion'))
      .values.length > 0,
  )

  await containerRegistrySetValue(data, c1.id, 'HKCU\\Software\\Acme\\Settings', {
    name: 'Greeting',
    type: 'sz',
    data: 'bonjour',
  })
  assert.equal(
    (await containerRegistryGetValue(data, c1.id, 'HKCU\\Software\\Acme\\Settings', 'Greeting')).data,
    'bonjour',
  )
  assert.equal(
    (await containerRegistryGetValue(data, c2.id, 'HKCU\\Software\\Acme\\Settings', 'Greeting')).data,
    'hello',
  )
  const r = await runIn(c1, ACME_EXE)
  assert.ok(r.stdout.includes('acme greeting: bonjour'), r.stdout)

  const exported = await containerRegistryExport(data, c1.id, 'HKEY_CURRENT_USER\\Software\\Acme')
  assert.ok(exported.startsWith('Windows Registry Editor Version 5.00'))
  assert.ok(exported.includes('"Greeting"="bonjour"'), exported)
  const summary = await containerRegistryImport(data, c2.id, exported)
  assert.equal(summary.valuesSet, 2)
  assert.equal(
    (await containerRegistryGetValue(data, c2.id, 'HKCU\\Software\\Acme\\Settings', 'Greeting')).data,
    'bonjour',
  )
  await assert.rejects(containerRegistryImport(data, c2.id, 'garbage'), expectCode('EBADREG'))

  await containerRegistryDelete(data, c2.id, 'HKCU\\Software\\Acme\\Settings', 'Count')
  await assert.rejects(
    containerRegistryGetValue(data, c2.id, 'HKCU\\Software\\Acme\\Settings', 'Count'),
    expectCode('ENOTFOUND_VALUE'),
  )
  const d = await containerRegistryDiff(data, c2.id)
  assert.ok(
    d.valuesAdded.some((x) => x.key === 'HKEY_LOCAL_MACHINE\\Software\\Acme' && x.value.data === '2.0.0'),
  )
  assert.ok(!d.valuesAdded.some((x) => x.value.name === 'Count'))
  await assert.rejects(
    containerRegistryQuery(data, c2.id, 'HKLM\\Software\\Nope'),
    expectCode('ENOTFOUND_KEY'),
  )
})

test('a running container refuses delete, registry edits and installs (ERUNNING)', async () => {
  const c2 = must(containers['2'], 'container')
  const out: string[] = []
  const run = await startRun(
    {
      kind: 'wine',
      program: ACME_EXE,
      args: ['--sleep', '30'],
      prefix: containerPrefix(data, c2),
      instance: c2.id,
    },
    (_s, chunk) => out.push(chunk.toString()),
  )
  try {
    assert.ok((await getContainer(data, c2.id)).running)
    await assert.rejects(deleteContainer(data, c2.id), expectCode('ERUNNING'))
    await assert.rejects(
      containerRegistrySetValue(data, c2.id, 'HKCU\\Software\\X', { name: 'n', type: 'dword', data: 1 }),
      expectCode('ERUNNING'),
    )
    await assert.rejects(install(data, c2.id, fixturePath('acme-setup-v2')), expectCode('ERUNNING'))
  } finally {
    await run.stop(1000)
  }
  for (let i = 0; i < 100 && (await getContainer(data, c2.id)).running; i++)
    await new Promise((r) => setTimeout(r, 100))
  assert.equal((await getContainer(data, c2.id)).running, false)
  // Stopped, it can go: an installed container's folder is removed whole.
  await deleteContainer(data, c2.id)
  assert.ok(!existsSync(c2.path))
})

test('bad installers and containers are refused with stable codes', async () => {
  const native = await createContainer(data, { id: 'nat', name: 'Native', runtime: { kind: 'native' } })
  await assert.rejects(install(data, 'acme-v1', join(data, 'missing.exe')), expectCode('EINVAL'))
  await assert.rejects(
    install(data, 'acme-v1', join(data, 'runtimes', rt.id, 'runtime.json')),
    expectCode('EINVAL'),
  )
  await assert.rejects(install(data, 'acme-v1', data), expectCode('EINVAL'))
  await assert.rejects(install(data, 'nope', fixturePath('acme-setup-v1')), expectCode('ENOTFOUND_CONTAINER'))
  await assert.rejects(install(data, '../x', fixturePath('acme-setup-v1')), expectCode('EINVAL'))
  await assert.rejects(install(data, native.id, fixturePath('acme-setup-v1')), expectCode('EINVAL'))
  await deleteContainer(data, native.id)
})

test('the base runtime is unchanged by the installs and runs', async () => {
  const report = await verifyRuntime(data, rt.id)
  assert.deepEqual(report, { id: rt.id, ok: true, expected: rt.hash, actual: rt.hash, changed: [] })
})

test('the host is untouched: nothing new in $HOME or /tmp', () => {
  assert.deepEqual(
    readdirSync(homedir()).filter((n) => !homeBefore.includes(n)),
    [],
    'no .wine, .local or .config appeared',
  )
  // Only what appeared counts: other programs may remove their own files meanwhile.
  const own = basename(data)
  assert.deepEqual(
    // Temp dirs of test harnesses (other suites a developer runs at the same time) are not Orbit's.
    readdirSync(tmpdir()).filter((n) => n !== own && !tmpBefore.includes(n) && !/^orbit-(test|e2e)-/.test(n)),
    [],
  )
})
