import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Db, openDb } from '../db/open.ts'
import { OrbitError } from '../errors.ts'
import { EventBus } from '../events/bus.ts'
import type { OrbitEvent } from '../events/types.ts'
import { JobQueue, type JobQueueOptions } from './queue.ts'
import type { JobContext } from './types.ts'

let dir: string
let db: Db
let bus: EventBus
let queue: JobQueue | undefined
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orbit-jobs-'))
  db = openDb(join(dir, 'orbit.db'))
  bus = new EventBus(db)
})
afterEach(async () => {
  await queue?.shutdown(1000)
  queue = undefined
  bus.close()
  db.$client.close()
  rmSync(dir, { recursive: true, force: true })
})

const newQueue = (options: JobQueueOptions = {}) => {
  queue = new JobQueue(db, bus, options)
  return queue
}

/** Resolves when the signal aborts; handlers that honour cancellation look like this. */
const aborted = (signal: AbortSignal) =>
  new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason)
    signal.addEventListener('abort', () => reject(signal.reason), { once: true })
  })

test('runs at most `concurrency` jobs at once, and all of them', async () => {
  const q = newQueue({ concurrency: 2 })
  let active = 0
  let peak = 0
  q.register(
    'test.work',
    async (ctx: JobContext<{ n: number }>) => {
      active++
      peak = Math.max(peak, active)
      await sleep(30)
      active--
      return { doubled: ctx.params.n * 2 }
    },
    { resumable: false },
  )
  q.start()
  const jobs = Array.from({ length: 6 }, (_, n) => q.enqueue('test.work', { n }))
  const done = await Promise.all(jobs.map((j) => q.waitFor(j.id)))
  assert.equal(peak, 2)
  assert.deepEqual(
    done.map((j) => [j.state, j.result, j.attempts]),
    jobs.map((_, n) => ['succeeded', { doubled: n * 2 }, 1]),
  )
  for (const j of done) assert.ok(j.startedAt && j.finishedAt && j.startedAt <= j.finishedAt)
})

test('never runs two jobs of one container at once; they run in enqueue order', async () => {
  const q = newQueue({ concurrency: 3 })
  const spans: Array<{ id: string; container: string | null; start: number; end: number }> = []
  q.register(
    'test.span',
    async (ctx) => {
      const start = performance.now()
      await sleep(25)
      spans.push({ id: ctx.job.id, container: ctx.job.containerId, start, end: performance.now() })
    },
    { resumable: false },
  )
  q.start()
  const onA = [q.enqueue('test.span', {}, { containerId: 'a' })]
  const onB = q.enqueue('test.span', {}, { containerId: 'b' })
  onA.push(q.enqueue('test.span', {}, { containerId: 'a' }), q.enqueue('test.span', {}, { containerId: 'a' }))
  const free = q.enqueue('test.span')
  await Promise.all([...onA, onB, free].map((j) => q.waitFor(j.id)))
  const a = spans.filter((s) => s.container === 'a')
  assert.deepEqual(
    a.map((s) => s.id),
    onA.map((j) => j.id),
    'in enqueue order',
  )
  for (let i = 1; i < a.length; i++) {
    assert.ok((a[i]?.start ?? 0) >= (a[i - 1]?.end ?? Infinity), 'no overlap on container a')
  }
  // Other containers and container-less jobs did not wait for container a.
  const b = spans.find((s) => s.container === 'b')
  assert.ok(b && b.start < (a[0]?.end ?? 0), 'container b ran beside a')
})

test('cancel: a queued job at once, a running one through its signal; finished ones conflict', async () => {
  const q = newQueue({ concurrency: 1 })
  let ran = 0
  q.register(
    'test.hang',
    async (ctx) => {
      ran++
      ctx.progress({ done: 1, total: 10 })
      await aborted(ctx.signal)
    },
    { resumable: true },
  )
  q.start()
  const running = q.enqueue('test.hang', {}, { containerId: 'c' })
  const queued = q.enqueue('test.hang', {}, { containerId: 'c' })
  const events: OrbitEvent[] = []
  bus.subscribe((e) => events.push(e), { types: ['job.canceled'] })

  const q1 = await q.cancel(queued.id)
  assert.equal(q1.state, 'canceled')
  assert.equal(q1.startedAt, null)
  await sleep(10)
  assert.equal(q.get(running.id).state, 'running')
  const r1 = await q.cancel(running.id)
  assert.equal(r1.state, 'canceled')
  assert.equal(r1.error, null)
  assert.deepEqual(r1.progress, { done: 1, total: 10, unit: null, message: null })
  assert.equal(ran, 1, 'the canceled queued job never ran')
  assert.deepEqual(
    events.map((e) => e.subject),
    [queued.id, running.id],
  )
  await assert.rejects(q.cancel(running.id), (e) => e instanceof OrbitError && e.code === 'ECONFLICT')
  await assert.rejects(q.cancel('no-such-job'), (e) => e instanceof OrbitError && e.code === 'ENOTFOUND')
  assert.equal(q.runningCount, 0)
})

test('a handler that returns after the abort still ends canceled, not succeeded', async () => {
  const q = newQueue()
  q.register(
    'test.poll',
    async (ctx) => {
      while (!ctx.signal.aborted) await sleep(5)
      return { partial: true }
    },
    { resumable: false },
  )
  q.start()
  const job = q.enqueue('test.poll')
  await sleep(20)
  const after = await q.cancel(job.id)
  assert.equal(after.state, 'canceled')
  assert.equal(after.result, null)
})

test('a failure is stored with the thrown code, or EFAILED', async () => {
  const q = newQueue()
  q.register(
    'test.fail',
    (ctx) => {
      if (ctx.params.coded) throw Object.assign(new Error('disk is full'), { code: 'ENOSPC' })
      throw new Error('plain failure')
    },
    { resumable: false },
  )
  q.start()
  const coded = await q.waitFor(q.enqueue('test.fail', { coded: true }).id)
  assert.equal(coded.state, 'failed')
  assert.deepEqual(coded.error, { code: 'ENOSPC', message: 'disk is full' })
  const plain = await q.waitFor(q.enqueue('test.fail', {}).id)
  assert.deepEqual(plain.error, { code: 'EFAILED', message: 'plain failure' })
  const types = bus.since(0, { subject: plain.id }).map((e) => e.type)
  assert.deepEqual(types, ['job.created', 'job.started', 'job.failed'])
})

test('progress is throttled in events and writes, and the final state is exact', async () => {
  const q = newQueue({ progressEventMs: 50, progressWriteMs: 100 })
  let writes = 0
  const update = db.$client.prepare('select progress from jobs where id = ?')
  q.register(
    'test.progress',
    async (ctx) => {
      ctx.progress({ done: 0, total: 5000, unit: 'files' }, 'copying')
      let seen = ''
      for (let i = 1; i <= 5000; i++) {
        ctx.progress({ done: i, message: `file ${i}` })
        if (i % 100 === 0) {
          await sleep(1)
          const now = (update.get(ctx.job.id) as { progress: string | null }).progress ?? ''
          if (now !== seen) writes++
          seen = now
        }
      }
      ctx.progress({ done: 5000, message: 'done' }, 'verifying')
      return 'ok'
    },
    { resumable: false },
  )
  q.start()
  const live: OrbitEvent[] = []
  bus.subscribe((e) => live.push(e), { types: ['job.progress'] })
  const started = performance.now()
  const job = await q.waitFor(q.enqueue('test.progress').id)
  const elapsed = performance.now() - started
  assert.equal(job.state, 'succeeded')
  assert.equal(job.phase, 'verifying')
  assert.deepEqual(job.progress, { done: 5000, total: 5000, unit: 'files', message: 'done' })
  // Leading edge plus at most one per interval, plus the final flush.
  assert.ok(live.length >= 2 && live.length <= elapsed / 50 + 3, `${live.length} events in ${elapsed} ms`)
  assert.ok(writes <= elapsed / 100 + 3, `${writes} row writes in ${elapsed} ms`)
  assert.deepEqual(live.at(-1)?.data, {
    id: job.id,
    kind: 'test.progress',
    containerId: null,
    phase: 'verifying',
    progress: { done: 5000, total: 5000, unit: 'files', message: 'done' },
  })
  // The stored log ends with the final progress before the final state.
  const stored = bus.since(0, { subject: job.id })
  assert.deepEqual(
    stored.slice(-2).map((e) => e.type),
    ['job.progress', 'job.succeeded'],
  )
  assert.deepEqual(stored.at(-2)?.data, live.at(-1)?.data)
})

test('graceful shutdown requeues resumable runs (uncounted) and cancels the others', async () => {
  const q = newQueue()
  q.register('test.resumable', (ctx) => aborted(ctx.signal), { resumable: true })
  q.register('test.fragile', (ctx) => aborted(ctx.signal), { resumable: false })
  q.start()
  const r = q.enqueue('test.resumable')
  const f = q.enqueue('test.fragile')
  await sleep(20)
  assert.equal(q.runningCount, 2)
  await q.shutdown()
  assert.equal(q.runningCount, 0)
  const rAfter = q.get(r.id)
  assert.equal(rAfter.state, 'queued')
  assert.equal(rAfter.attempts, 0)
  const fAfter = q.get(f.id)
  assert.equal(fAfter.state, 'canceled')
  assert.equal(fAfter.error?.code, 'ESHUTDOWN')
  assert.throws(() => q.enqueue('test.fragile'), /shut down/)

  // The next process runs the requeued job.
  const next = new JobQueue(db, bus)
  queue = next
  next.register('test.resumable', () => 'finished', { resumable: true })
  next.register('test.fragile', () => 'x', { resumable: false })
  next.start()
  const done = await next.waitFor(r.id)
  assert.equal(done.state, 'succeeded')
  assert.equal(done.attempts, 1)
})

test('registration rules: kinds before start, unknown kinds refused or failed at start', async () => {
  const first = newQueue()
  first.register('test.old', () => null, { resumable: false })
  const orphan = first.enqueue('test.old') // queued, never started
  assert.throws(() => first.enqueue('test.nope'), /no handler/)
  assert.throws(() => first.register('test.old', () => null, { resumable: false }), /already/)

  const later = new JobQueue(db, bus)
  queue = later
  later.start() // this version has no test.old
  assert.throws(
    () => later.register('test.late', () => null, { resumable: false }),
    /before the queue starts/,
  )
  const failed = later.get(orphan.id)
  assert.equal(failed.state, 'failed')
  assert.equal(failed.error?.code, 'EUNKNOWN_KIND')
  assert.throws(() => new JobQueue(db, bus, { concurrency: 0 }), /concurrency/)
})
