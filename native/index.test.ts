import assert from 'node:assert/strict'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { release, tmpdir } from 'node:os'
import { join } from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import {
  type HashProgress,
  hashFile,
  hashFileSync,
  isCoreError,
  native,
  systemInfo,
  version,
} from './index.ts'

// Published BLAKE3 values, so the hash is checked against an outside reference.
const BLAKE3_EMPTY = 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262'
const BLAKE3_ABC = '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85'

let dir = ''
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'orbit-native-test-'))
})
after(() => rmSync(dir, { recursive: true, force: true }))

function expectCode(code: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isCoreError(e), `expected a coded Error, got ${String(e)}`)
    assert.equal(e.code, code, e.message)
    return true
  }
}

/** The cgroup mode as /proc/self/mountinfo (and each cgroup2 root) shows it. */
function cgroupModeFromMountinfo(): string {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((line) => line.split(' - '))
    .filter((parts) => parts.length === 2)
    .map(([left = '', right = '']) => ({
      point: left.split(' ')[4] ?? '',
      type: right.split(' ')[0] ?? '',
      opts: right.split(' ')[2] ?? '',
    }))
  const v1 = mounts.filter((m) => m.type === 'cgroup')
  const v2 = mounts.filter((m) => m.type === 'cgroup2')
  const v1HasControllers = v1.some((m) =>
    m.opts.split(',').some((o) => o !== 'rw' && o !== 'ro' && !o.includes('=')),
  )
  const v2HasControllers = v2.some(
    (m) => readFileSync(join(m.point, 'cgroup.controllers'), 'utf8').trim() !== '',
  )
  if (v1HasControllers && v2HasControllers) return 'hybrid'
  if (v1HasControllers) return 'v1'
  if (v2.length > 0) return 'v2'
  return v1.length > 0 ? 'v1' : 'none'
}

describe('systemInfo', () => {
  const info = systemInfo()

  test('reports this build and kernel', () => {
    const cargoToml = readFileSync(fileURLToPath(new URL('./Cargo.toml', import.meta.url)), 'utf8')
    assert.equal(info.coreVersion, /^version = "(.+)"$/m.exec(cargoToml)?.[1])
    assert.equal(version(), info.coreVersion)
    assert.equal(info.kernel, release())
    assert.equal(info.arch, process.arch === 'x64' ? 'x86_64' : process.arch)
    assert.equal(info.isRoot, process.getuid?.() === 0)
  })

  test('finds the installed Wine and its real version, without making a prefix', () => {
    const home = mkdtempSync(join(dir, 'home-'))
    const expected = execFileSync('wine', ['--version'], {
      env: { ...process.env, HOME: home, WINEPREFIX: join(home, 'prefix') },
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .toString()
      .trim()
    assert.equal(info.wine.available, true)
    assert.match(info.wine.version ?? '', /^wine-\d+\.\d+/)
    assert.equal(info.wine.version, expected)
    assert.match(info.wine.path ?? '', /\/wine(64)?$/)
  })

  test('namespaces and overlay are probed for real', () => {
    for (const [kind, ok] of Object.entries(info.namespaces)) assert.equal(typeof ok, 'boolean', kind)
    const overlayListed = readFileSync('/proc/filesystems', 'utf8')
      .split('\n')
      .some((l) => l.endsWith('\toverlay'))
    if (info.isRoot) {
      assert.equal(info.namespaces.mount, true)
      assert.equal(info.namespaces.pid, true)
      assert.equal(info.overlay, overlayListed)
    }
    if (!overlayListed) assert.equal(info.overlay, false)
  })

  test('cgroup mode matches /proc/self/mountinfo', () => {
    assert.equal(info.cgroup.mode, cgroupModeFromMountinfo())
    assert.deepEqual(info.cgroup.controllers, [...info.cgroup.controllers].sort())
    if (info.cgroup.mode === 'v1') assert.ok(info.cgroup.controllers.includes('memory'))
  })
})

describe('hashFileSync', () => {
  test('matches published BLAKE3 values', () => {
    writeFileSync(join(dir, 'empty'), '')
    writeFileSync(join(dir, 'abc'), 'abc')
    assert.deepEqual(hashFileSync(join(dir, 'empty')), { hash: BLAKE3_EMPTY, size: 0 })
    assert.deepEqual(hashFileSync(join(dir, 'abc')), { hash: BLAKE3_ABC, size: 3 })
  })

  test('throws coded errors: ENOENT with the path, EINVAL for a bad argument', () => {
    const missing = join(dir, 'missing')
    assert.throws(() => hashFileSync(missing), expectCode('ENOENT'))
    assert.throws(() => hashFileSync(missing), new RegExp(missing))
    assert.throws(() => hashFileSync(42 as unknown as string), expectCode('EINVAL'))
    assert.throws(() => hashFileSync(dir), expectCode('EISDIR'))
  })
})

describe('hashFile (worker thread + progress callback)', () => {
  test('resolves with the hash and streams progress without blocking the event loop', async () => {
    const big = join(dir, 'big')
    writeFileSync(big, '')
    truncateSync(big, 64 * 1024 * 1024 + 7) // sparse: cheap to make, real bytes to hash
    const events: HashProgress[] = []
    let ticks = 0
    let spinning = true
    const spin = (): void => {
      ticks++
      if (spinning) setImmediate(spin)
    }
    setImmediate(spin)
    const result = await hashFile(big, (p) => events.push(p))
    spinning = false
    assert.equal(result.size, 64 * 1024 * 1024 + 7)
    assert.equal(result.hash, hashFileSync(big).hash)
    assert.ok(events.length >= 64, `only ${events.length} progress events`)
    assert.deepEqual(events.at(-1), { done: result.size, total: result.size })
    for (let i = 1; i < events.length; i++) assert.ok((events[i]?.done ?? 0) > (events[i - 1]?.done ?? 0))
    assert.ok(ticks > 1, 'the event loop never ran while hashing')
  })

  test('works without a callback and rejects with coded errors', async () => {
    writeFileSync(join(dir, 'abc2'), 'abc')
    assert.equal((await hashFile(join(dir, 'abc2'))).hash, BLAKE3_ABC)
    await assert.rejects(hashFile(join(dir, 'nope')), expectCode('ENOENT'))
    await assert.rejects(
      async () => hashFile(join(dir, 'abc2'), 'not a function' as unknown as () => void),
      expectCode('EINVAL'),
    )
  })

  test('a process that used callbacks exits by itself (threadsafe functions are released)', () => {
    const script = `
      const m = require(${JSON.stringify(fileURLToPath(new URL('./orbit_core.node', import.meta.url)))});
      let n = 0;
      m.hashFile(process.execPath, () => n++).then((r) => console.log(n > 0 && r.size > 0 ? 'ok' : 'bad'));`
    const child = spawnSync(process.execPath, ['-e', script], { timeout: 20_000, encoding: 'utf8' })
    assert.equal(child.signal, null, 'child hung: a threadsafe function kept the event loop alive')
    assert.equal(child.status, 0, child.stderr)
    assert.equal(child.stdout.trim(), 'ok')
  })
})

describe('errors at the boundary', () => {
  test('a Rust panic becomes a thrown EPANIC error and Node keeps running', () => {
    assert.throws(() => native()._panicForTest(), expectCode('EPANIC'))
    assert.throws(() => native()._panicForTest(), /deliberate panic/)
    assert.equal(typeof version(), 'string')
  })

  test('isCoreError only accepts errors with a string code', () => {
    assert.equal(isCoreError(new Error('x')), false)
    assert.equal(isCoreError({ code: 'EIO', message: 'x' }), false)
    assert.equal(isCoreError(Object.assign(new Error('x'), { code: 'EIO' })), true)
  })
})
