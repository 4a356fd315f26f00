import assert from 'node:assert/strict'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import { type Db, openDb } from '../db/open.ts'
import { EventBus } from './bus.ts'
import type { OrbitEvent } from './types.ts'

let dir: string
let file: string
let db: Db
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'orbit-bus-'))
  file = join(dir, 'orbit.db')
  db = openDb(file)
})
afterEach(() => {
  if (db.$client.open) db.$client.close()
  rmSync(dir, { recursive: true, force: true })
})

const storedCount = (d: Db = db) =>
  (d.$client.prepare('select count(*) as n from events').get() as { n: number }).n

test('publish gives increasing ids, stores the event and hands it to matching subscribers', () => {
  const bus = new EventBus(db)
  const all: OrbitEvent[] = []
  const jobsOnly: OrbitEvent[] = []
  const aboutB: OrbitEvent[] = []
  bus.subscribe((e) => all.push(e))
  bus.subscribe((e) => jobsOnly.push(e), { types: ['job.*'] })
  bus.subscribe((e) => aboutB.push(e), { subject: 'b', types: ['job.created'] })
  const first = bus.publish('job.created', 'a', { n: 1 })
  bus.publish('container.state', 'b', { n: 2 })
  bus.publish('job.created', 'b', { n: 3 })
  assert.deepEqual(
    all.map((e) => e.id),
    [first.id, first.id + 1, first.id + 2],
  )
  assert.deepEqual(
    jobsOnly.map((e) => e.data),
    [{ n: 1 }, { n: 3 }],
  )
  assert.deepEqual(
    aboutB.map((e) => e.data),
    [{ n: 3 }],
  )
  assert.ok(!Number.isNaN(Date.parse(first.time)))
  assert.deepEqual(bus.since(0), all)
  assert.deepEqual(bus.since(first.id, { subject: 'b' }), all.slice(1))
  assert.equal(bus.latestId(), first.id + 2)
  bus.close()
})

test('a throwing subscriber does not stop the others; unsubscribe stops delivery', () => {
  const bus = new EventBus(db)
  const got: number[] = []
  const original = console.error
  console.error = () => {}
  try {
    bus.subscribe(() => {
      throw new Error('boom')
    })
    const off = bus.subscribe((e) => got.push(e.id))
    bus.publish('x', 's', null)
    off()
    bus.publish('x', 's', null)
  } finally {
    console.error = original
  }
  assert.equal(got.length, 1)
  assert.equal(bus.subscriberCount, 1)
  bus.close()
  assert.equal(bus.subscriberCount, 0)
})

test('an event a subscriber publishes reaches every subscriber after the one being handed out', () => {
  const bus = new EventBus(db)
  const first: number[] = []
  const last: number[] = []
  // As the audit does: it records a job's end from its job.* listener, subscribed first.
  bus.subscribe((e) => {
    first.push(e.id)
    if (e.type === 'job.succeeded') bus.publish('audit', e.subject, { ended: e.id })
  })
  bus.subscribe((e) => last.push(e.id))
  const created = bus.publish('job.created', 'j', {})
  const ended = bus.publish('job.succeeded', 'j', {})
  const audit = bus.since(ended.id).find((e) => e.type === 'audit')
  assert.ok(audit, 'the audit event was stored')
  assert.deepEqual(first, [created.id, ended.id, audit.id])
  assert.deepEqual(last, [created.id, ended.id, audit.id], 'in id order for the later subscriber too')
})

test('coalesced events reach subscribers every time but are stored at most once per interval, the last always', async () => {
  const bus = new EventBus(db, { coalesceMs: 200 })
  const live: OrbitEvent[] = []
  bus.subscribe((e) => live.push(e))
  for (let i = 1; i <= 50; i++) bus.publish('job.progress', 'j1', { done: i }, { coalesce: true })
  assert.equal(live.length, 50)
  assert.equal(storedCount(), 1, 'only the first is stored at once')
  // A replay already shows the latest state, although it is not stored yet.
  const replay = bus.since(0)
  assert.deepEqual(
    replay.map((e) => e.data),
    [{ done: 1 }, { done: 50 }],
  )
  assert.equal(replay[1]?.id, live[49]?.id)
  const end = Date.now() + 3000
  while (storedCount() < 2 && Date.now() < end) await sleep(20)
  assert.equal(storedCount(), 2, 'the last one is stored when its interval ends')
  assert.deepEqual(bus.since(0), replay)

  // Another event about a subject stores that subject's pending latest state at once, first.
  for (let i = 1; i <= 10; i++) bus.publish('job.progress', 'j2', { done: i }, { coalesce: true })
  bus.publish('job.progress', 'other', { done: 0 }, { coalesce: true })
  bus.publish('job.progress', 'other', { done: 1 }, { coalesce: true })
  const done = bus.publish('job.succeeded', 'j2', { ok: true })
  const stored = bus.since(0, { subject: 'j2' })
  assert.deepEqual(
    stored.map((e) => [e.type, e.data]),
    [
      ['job.progress', { done: 1 }],
      ['job.progress', { done: 10 }],
      ['job.succeeded', { ok: true }],
    ],
  )
  assert.equal(stored.at(-1)?.id, done.id)
  assert.equal(storedCount(), 6, "the other subject's pending event still waits")
  bus.close()
})

test('close stores what is still pending', () => {
  const bus = new EventBus(db, { coalesceMs: 10_000 })
  bus.publish('run.progress', 'r', { done: 1 }, { coalesce: true })
  bus.publish('run.progress', 'r', { done: 2 }, { coalesce: true })
  assert.equal(storedCount(), 1)
  bus.close()
  assert.equal(storedCount(), 2)
  assert.throws(() => bus.publish('x', 's', null), /closed/)
})

test('retention keeps the newest maxEvents; a resume from before them is told to reset', () => {
  const bus = new EventBus(db, { retention: { maxEvents: 10 }, pruneEvery: 1 })
  const ids = Array.from({ length: 25 }, (_, i) => bus.publish('t', 's', { i }).id)
  assert.equal(storedCount(), 10)
  assert.deepEqual(
    bus.since(0).map((e) => e.id),
    ids.slice(15),
  )
  assert.deepEqual(bus.resume(ids[3]), { reset: 'expired', events: [], latestId: ids[24] })
  const fromEdge = bus.resume(ids[14])
  assert.equal(fromEdge.reset, undefined)
  assert.deepEqual(
    fromEdge.events.map((e) => e.id),
    ids.slice(15),
  )
  assert.deepEqual(bus.resume((ids[24] ?? 0) + 1), { reset: 'unknown', events: [], latestId: ids[24] })
  assert.deepEqual(bus.resume(undefined), { events: [], latestId: ids[24] })
  bus.close()
  // What was pruned is remembered across a restart.
  const again = new EventBus(db, { retention: { maxEvents: 10 } })
  assert.equal(again.resume(ids[3]).reset, 'expired')
  again.close()
})

test('retention drops events older than maxAgeMs', () => {
  let clock = Date.parse('2030-01-01T00:00:00Z')
  const bus = new EventBus(db, { now: () => clock, retention: { maxAgeMs: 60_000 }, pruneEvery: 1 })
  for (let i = 0; i < 5; i++) bus.publish('t', 's', { i })
  clock += 61_000
  const fresh = bus.publish('t', 's', { i: 5 })
  assert.deepEqual(
    bus.since(0).map((e) => e.id),
    [fresh.id],
  )
  assert.equal(fresh.time, new Date(clock).toISOString())
  bus.close()
})

test('ids are never handed out twice, even for unstored events and after a crash', () => {
  const a = new EventBus(db, { coalesceMs: 60_000 })
  const stored = a.publish('t', 's', null)
  let lastLive = 0
  a.subscribe((e) => {
    lastLive = e.id
  })
  for (let i = 0; i < 5; i++) a.publish('p', 's', { i }, { coalesce: true })
  assert.ok(lastLive > stored.id)
  // No close(): the process died. The coalesced events after the first were never stored.
  const other = openDb(file)
  try {
    const b = new EventBus(other)
    const next = b.publish('t', 's', null)
    assert.ok(next.id > lastLive, `${next.id} > ${lastLive}`)
    // A client that saw the unstored id resumes without a reset and gets the new event.
    const resume = b.resume(lastLive)
    assert.equal(resume.reset, undefined)
    assert.deepEqual(
      resume.events.map((e) => e.id),
      [next.id],
    )
    b.close()
  } finally {
    other.$client.close()
  }
})
