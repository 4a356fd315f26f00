// Crash-only recovery, for real: a child process runs jobs and is killed with SIGKILL mid-run.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { openDb } from '../db/open.ts'
import { EventBus } from '../events/bus.ts'
import { JobQueue } from './queue.ts'

const child = fileURLToPath(new URL('./fixtures/crash-child.ts', import.meta.url))
let dir: string
let file: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orbit-recovery-'))
  file = join(dir, 'orbit.db')
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

/** Runs the child until `count` jobs are running in it, then kills it; returns their "running" lines. */
async function runAndKill(mode: 'fresh' | 'resume', count: number): Promise<string[]> {
  const proc = spawn(process.execPath, ['--import', 'tsx', child, file, mode], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  proc.stderr.on('data', (d: Buffer) => {
    err += d.toString()
  })
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    proc.once('exit', (_code, sig) => resolve(sig)),
  )
  const lines = await new Promise<string[]>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`child did not run ${count} jobs:\n${out}\n${err}`)),
      30_000,
    )
    proc.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      const running = out.split('\n').filter((l) => l.startsWith('running '))
      if (running.length >= count) {
        clearTimeout(timer)
        resolve(running)
      }
    })
    proc.once('exit', (code) => reject(new Error(`child exited (${code}) early:\n${out}\n${err}`)))
  })
  proc.kill('SIGKILL')
  assert.equal(await exited, 'SIGKILL')
  return lines
}

const idOf = (lines: string[], kind: string) =>
  lines.find((l) => l.includes(` ${kind} `))?.split(' ')[2] ?? ''

test('after a kill -9, a resumable job runs again and succeeds; a non-resumable one fails EINTERRUPTED', async () => {
  const lines = await runAndKill('fresh', 2)
  const resumableId = idOf(lines, 'test.resumable')
  const fragileId = idOf(lines, 'test.fragile')
  const db = openDb(file)
  try {
    assert.equal(db.$client.pragma('integrity_check', { simple: true }), 'ok')
    const left = db.$client.prepare("select id from jobs where state = 'running' order by id").all()
    assert.equal(left.length, 2, 'the killed process left both rows running')
    const bus = new EventBus(db)
    const queue = new JobQueue(db, bus)
    const params: unknown[] = []
    queue.register(
      'test.resumable',
      (ctx) => {
        params.push(ctx.params)
        return { ran: 'again', attempt: ctx.job.attempts }
      },
      { resumable: true },
    )
    queue.register(
      'test.fragile',
      () => {
        throw new Error('a non-resumable job must not run again')
      },
      { resumable: false },
    )
    queue.start()
    const fragile = queue.get(fragileId)
    assert.equal(fragile.state, 'failed')
    assert.deepEqual(fragile.error, {
      code: 'EINTERRUPTED',
      message: 'the gateway stopped while this job ran; it was not safe to resume',
    })
    assert.deepEqual(fragile.progress, { done: 1, total: 2, unit: null, message: null }, 'progress survived')
    const resumed = await queue.waitFor(resumableId)
    assert.equal(resumed.state, 'succeeded')
    assert.deepEqual(resumed.result, { ran: 'again', attempt: 2 })
    assert.deepEqual(params, [{ step: 1 }])
    const types = bus.since(0, { subject: resumableId }).map((e) => e.type)
    assert.deepEqual(types, [
      'job.created',
      'job.started',
      'job.progress',
      'job.requeued',
      'job.started',
      'job.succeeded',
    ])
    await queue.shutdown()
    bus.close()
  } finally {
    db.$client.close()
  }
})

test('a resumable job that keeps dying gives up after maxAttempts runs', async () => {
  const first = await runAndKill('fresh', 2)
  const id = idOf(first, 'test.resumable')
  assert.match(first.join('\n'), new RegExp(`${id} attempt 1`))
  assert.match((await runAndKill('resume', 1)).join('\n'), new RegExp(`${id} attempt 2`))
  assert.match((await runAndKill('resume', 1)).join('\n'), new RegExp(`${id} attempt 3`))
  const db = openDb(file)
  try {
    const bus = new EventBus(db)
    const queue = new JobQueue(db, bus)
    queue.register('test.resumable', () => 'should not run', { resumable: true })
    queue.register('test.fragile', () => 'x', { resumable: false })
    queue.start()
    const job = queue.get(id)
    assert.equal(job.state, 'failed')
    assert.equal(job.attempts, 3)
    assert.deepEqual(job.error, {
      code: 'EINTERRUPTED',
      message: 'the gateway stopped while this job ran, 3 times; giving up',
    })
    await queue.shutdown()
    bus.close()
  } finally {
    db.$client.close()
  }
})
