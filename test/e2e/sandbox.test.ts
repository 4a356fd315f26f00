import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { test } from 'node:test'
import { isCoreError } from '../../native/index.ts'
import { instances, type OutputStream, type RunSpec, startRun, stopInstance } from '../../native/sandbox.ts'

const sh = (script: string, extra: Partial<RunSpec> = {}): RunSpec => ({
  kind: 'native',
  program: '/bin/sh',
  args: ['-c', script],
  ...extra,
})

/** Host pids whose command line contains `needle`. */
function pidsWith(needle: string): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').includes(needle)
      } catch {
        return false
      }
    })
    .map(Number)
}

function expectCode(code: string): (e: unknown) => boolean {
  return (e) => {
    assert.ok(isCoreError(e), `expected a coded Error, got ${String(e)}`)
    assert.equal(e.code, code, e.message)
    return true
  }
}

test('a run streams stdout and stderr apart and reports its exit and limits', async () => {
  const chunks: [OutputStream, string][] = []
  const run = await startRun(sh('echo hi; echo oops >&2; exit 3', { limits: { pids: 20 } }), (s, c) =>
    chunks.push([s, c.toString()]),
  )
  assert.ok(run.info.pid > 0 && run.info.initPid > 0 && !run.info.joined)
  const status = await run.exited
  assert.equal(status.code, 3)
  assert.equal(status.signal, null)
  assert.notEqual(status.limits.pids, 'none')
  assert.equal(
    chunks
      .filter(([s]) => s === 'stdout')
      .map(([, c]) => c)
      .join(''),
    'hi\n',
  )
  assert.equal(
    chunks
      .filter(([s]) => s === 'stderr')
      .map(([, c]) => c)
      .join(''),
    'oops\n',
  )
})

test('arguments that look like options arrive as data', async () => {
  let out = ''
  const run = await startRun(
    { kind: 'native', program: '/usr/bin/printf', args: ['%s\n', '--bind', '/', '/', '--'] },
    (_s, c) => {
      out += c.toString()
    },
  )
  assert.equal((await run.exited).code, 0)
  assert.equal(out, '--bind\n/\n/\n--\n')
})

test('stop ends the program and everything it started', async () => {
  const marker = `1000.${process.pid}77`
  const run = await startRun(sh(`sleep ${marker} & sleep ${marker}; wait`))
  for (let i = 0; i < 100 && pidsWith(marker).length < 3; i++) await new Promise((r) => setTimeout(r, 20))
  assert.equal(pidsWith(marker).length, 3, 'the shell and its two sleeps')
  const status = await run.stop(500)
  assert.equal(status.signal, 15)
  assert.deepEqual(pidsWith(marker), [])
  assert.deepEqual(await run.stop(), status, 'a second stop returns the same exit')
})

test('errors carry stable codes', async () => {
  await assert.rejects(
    startRun({ kind: 'native', program: '/nonexistent/x' }),
    expectCode('ENOTFOUND_PROGRAM'),
  )
  await assert.rejects(startRun({ kind: 'wine', program: '-rf /' } as RunSpec), expectCode('EINVAL'))
  await assert.rejects(
    startRun({ kind: 'native', program: '/bin/true', bogus: 1 } as unknown as RunSpec),
    expectCode('EINVAL'),
  )
})

test('runs of one container share its sandbox until it is stopped', async () => {
  const container = `e2e-${process.pid}`
  const a = await startRun(sh('echo shared > /tmp/s; sleep 30', { instance: container }))
  await new Promise((r) => setTimeout(r, 200))
  let out = ''
  const b = await startRun(sh('cat /tmp/s', { instance: container }), (_s, c) => {
    out += c.toString()
  })
  assert.equal(b.info.joined, true)
  assert.equal(b.info.initPid, a.info.initPid)
  assert.equal((await b.exited).code, 0)
  assert.equal(out, 'shared\n')
  assert.ok(instances().some((i) => i.key === container && i.initPid === a.info.initPid))
  assert.equal(await stopInstance(container, 500), true)
  assert.equal((await a.exited).signal, 15)
  assert.equal(await stopInstance(container, 500), false)
})
