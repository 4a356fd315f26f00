import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, test } from 'node:test'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Container } from '../../../openapi/containers.ts'
import type { Run } from '../../../openapi/runs.ts'
import type { OrbitEvent } from '../events/types.ts'
import { reconcileContainers } from '../services/containers/reconcile.ts'
import { transition } from '../services/containers/state.ts'
import { rowById } from '../services/containers/store.ts'
import { markLostRuns } from '../services/runs/recover.ts'
import type { RunOutputEvent } from '../services/runs/supervisor.ts'
import { bearer, makeTestApp, type TestApp } from '../testing.ts'

let t: TestApp
const seen: OrbitEvent[] = []
before(async () => {
  t = await makeTestApp()
  t.deps.events.subscribe((e) => seen.push(e), { types: ['run.*', 'container.state'] })
})
after(() => t.cleanup())

const call = (path: string, init: RequestInit & { json?: unknown } = {}) =>
  t.app.request(path, {
    ...init,
    ...(init.json !== undefined ? { body: JSON.stringify(init.json) } : {}),
    headers: { ...bearer(), ...(init.json !== undefined ? { 'content-type': 'application/json' } : {}) },
  })

async function box(name: string, extra: Record<string, unknown> = {}): Promise<Container> {
  const res = await call('/api/containers', { method: 'POST', json: { name, runtime: 'native', ...extra } })
  assert.equal(res.status, 201)
  return (await res.json()) as Container
}

async function start(container: string, program: string, args: string[] = [], env?: Record<string, string>) {
  const res = await call(`/api/containers/${container}/runs`, {
    method: 'POST',
    json: { program, args, ...(env ? { env } : {}) },
  })
  assert.equal(res.status, 201, await res.clone().text())
  return { res, run: (await res.json()) as Run }
}

/** Resolves with the run.ended event of `id`. */
async function ended(id: string): Promise<Run> {
  for (let i = 0; i < 200; i++) {
    const e = seen.find((x) => x.type === 'run.ended' && x.subject === id)
    if (e) return e.data as Run
    await sleep(25)
  }
  throw new Error(`run ${id} did not end`)
}

async function containerState(id: string, want: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (((await (await call(`/api/containers/${id}`)).json()) as Container).state === want) return
    await sleep(25)
  }
  assert.fail(`container ${id} never became ${want}`)
}

test('a run streams its output as events and a log, and reports its exit code', async () => {
  const c = await box('runner', { env: { GREETING: 'hello', KEEP: 'container' } })
  const script = 'echo "$GREETING $KEEP"; echo oops >&2; printf "%s\\n" "$@"; exit 3'
  const { res, run } = await start(c.name, '/bin/sh', ['-c', script, 'sh', '--bind', '/ /'], {
    GREETING: 'hi',
  })
  assert.equal(res.headers.get('location'), `/api/runs/${run.id}`)
  assert.equal(run.state, 'running')
  assert.ok(run.pid && run.pid > 0)
  const done = await ended(run.id)
  assert.equal(done.state, 'exited')
  assert.equal(done.exitCode, 3)
  assert.equal(done.signal, null)
  assert.ok(done.limits)
  assert.deepEqual(await (await call(`/api/runs/${run.id}`)).json(), done)

  const mine = seen.filter((e) => e.subject === run.id)
  assert.equal(mine[0]?.type, 'run.started', 'run.started comes before any output')
  assert.equal(mine.at(-1)?.type, 'run.ended')
  const out = mine.filter((e) => e.type === 'run.output').map((e) => e.data as RunOutputEvent)
  const text = (s: string) =>
    out
      .filter((o) => o.stream === s)
      .map((o) => o.text)
      .join('')
  assert.equal(text('stdout'), 'hi container\n--bind\n/ /\n')
  assert.equal(text('stderr'), 'oops\n')

  const log = await call(`/api/runs/${run.id}/log`)
  assert.equal(log.status, 200)
  assert.match(log.headers.get('content-type') ?? '', /^text\/plain/)
  const body = await log.text()
  assert.equal(body.length, 'hi container\noops\n--bind\n/ /\n'.length)
  for (const o of out) assert.equal(Buffer.from(body).subarray(o.offset).toString().startsWith(o.text), true)
  await containerState(c.id, 'stopped')
})

test('the container is running while any of its runs lives, then stopped', async () => {
  const c = await box('pair')
  const states = () =>
    seen
      .filter((e) => e.type === 'container.state' && e.subject === c.id)
      .map((e) => (e.data as { state: string }).state)
  const a = await start(c.id, '/bin/sh', ['-c', 'sleep 0.3'])
  const b = await start(c.id, '/bin/sh', ['-c', 'sleep 1'])
  await ended(a.run.id)
  const during = (await (await call(`/api/containers/${c.id}`)).json()) as Container
  assert.equal(during.state, 'running')
  assert.equal(during.lastRun?.id, b.run.id, 'a run that ends does not replace a newer last run')
  assert.equal(during.lastRun?.state, 'running')
  const del = await call(`/api/containers/${c.id}`, { method: 'DELETE' })
  assert.equal(del.status, 409)
  assert.match(((await del.json()) as { detail: string }).detail, /is running; stop its runs/)
  const bDone = await ended(b.run.id)
  await containerState(c.id, 'stopped')
  assert.deepEqual(states(), ['running', 'stopped'])
  // The list (a cached page) shows the ended run too: a run's row and its container's move together.
  const page = (await (await call('/api/containers?name=pair')).json()) as { items: Container[] }
  assert.deepEqual(page.items[0]?.lastRun, {
    id: b.run.id,
    state: 'exited',
    exitCode: 0,
    signal: null,
    startedAt: bDone.startedAt,
    finishedAt: bDone.finishedAt,
  })
  const list = (await (await call(`/api/containers/${c.id}/runs?limit=1`)).json()) as {
    items: Run[]
    nextCursor: string
  }
  assert.deepEqual(
    list.items.map((r) => r.id),
    [b.run.id],
  )
  const rest = (await (await call(`/api/containers/pair/runs?cursor=${list.nextCursor}`)).json()) as {
    items: Run[]
  }
  assert.deepEqual(
    rest.items.map((r) => r.id),
    [a.run.id],
  )
  assert.equal((await call(`/api/containers/${c.id}`, { method: 'DELETE' })).status, 204)
})

test("a container's size on disk is measured after a run and announced when it changed", async () => {
  const c = await box('grower')
  assert.equal(c.disk, null, 'not measured yet')
  assert.equal(c.lastRun, null)
  const disks: OrbitEvent[] = []
  const off = t.deps.events.subscribe((e) => disks.push(e), { types: ['container.disk'] })
  const measured = async (atLeast: number) => {
    for (let i = 0; i < 400; i++) {
      const got = (await (await call(`/api/containers/${c.id}`)).json()) as Container
      if (got.disk && got.disk.bytes >= atLeast) return got.disk
      await sleep(25)
    }
    assert.fail(`container ${c.id} was never measured at ${atLeast} bytes or more`)
  }
  // Created: measured a moment later without anyone asking.
  const first = await measured(1)
  const { run } = await start(c.id, '/bin/sh', ['-c', 'head -c 3000000 /dev/urandom > /orbit/prefix/blob'])
  assert.equal((await ended(run.id)).exitCode, 0)
  const second = await measured(first.bytes + 3_000_000)
  off()
  const mine = disks
    .filter((e) => e.subject === c.id)
    .map((e) => e.data as { id: string; disk: Container['disk'] })
  assert.deepEqual(mine.at(-1), { id: c.id, disk: second })
  assert.ok(mine.length >= 2, 'each new figure is announced')
})

test('stop ends a run (SIGTERM, then SIGKILL) and answers with it stopped; twice is a conflict', async () => {
  const c = await box('sleeper')
  const { run } = await start(c.id, '/bin/sh', ['-c', 'trap "" TERM; echo up; sleep 30'])
  const started = Date.now()
  const res = await call(`/api/runs/${run.id}/stop?graceMs=300`, { method: 'POST' })
  assert.equal(res.status, 200)
  const stopped = (await res.json()) as Run
  assert.ok(Date.now() - started < 10_000)
  assert.equal(stopped.state, 'stopped')
  assert.ok(stopped.signal === 9 || stopped.signal === 15, `signal ${stopped.signal}`)
  assert.ok(stopped.finishedAt)
  const again = await call(`/api/runs/${run.id}/stop`, { method: 'POST' })
  assert.equal(again.status, 409)
  assert.match(((await again.json()) as { detail: string }).detail, /already stopped/)
  assert.equal(
    (await call('/api/runs/00000000-0000-0000-0000-000000000000/stop', { method: 'POST' })).status,
    404,
  )
  assert.equal((await call('/api/runs/nope/log')).status, 404)
  await containerState(c.id, 'stopped')
})

test('runs are refused in a failed or installing container, and a missing program is a 404', async () => {
  const c = await box('refuser')
  transition(t.deps, c.id, ['created'], 'failed', 'its install failed: test')
  const res = await call(`/api/containers/${c.id}/runs`, { method: 'POST', json: { program: 'true' } })
  assert.equal(res.status, 409)
  assert.match(((await res.json()) as { detail: string }).detail, /failed \(its install failed: test\)/)
  transition(t.deps, c.id, ['failed'], 'installing')
  assert.equal(
    (await call(`/api/containers/${c.id}/runs`, { method: 'POST', json: { program: 'true' } })).status,
    409,
  )
  transition(t.deps, c.id, ['installing'], 'created')
  const missing = await call(`/api/containers/${c.id}/runs`, {
    method: 'POST',
    json: { program: '/no/such/program' },
  })
  assert.equal(missing.status, 404)
  // The failed start is recorded, and the container is back where it was.
  assert.equal(rowById(t.deps.db, c.id)?.state, 'created')
  const runs = (await (await call(`/api/containers/${c.id}/runs`)).json()) as { items: Run[] }
  assert.equal(runs.items[0]?.state, 'failed')
  assert.match(runs.items[0]?.error ?? '', /does not exist/)
  const bad = await call(`/api/containers/${c.id}/runs`, {
    method: 'POST',
    json: { program: '', args: 'x', env: { 'A=': '1' } },
  })
  assert.equal(bad.status, 400)
  const paths = ((await bad.json()) as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort()
  assert.deepEqual(paths, ['args', 'env.A=', 'program'])
})

test('after a restart: live runs are lost, folders and rows agree, transient states settle', async () => {
  const kept = await box('kept')
  const gone = await box('gone')
  const busy = await box('busy-one')
  const inst = await box('installing-one')
  const { run } = await start(kept.id, '/bin/sh', ['-c', 'sleep 0.2'])
  await ended(run.id)
  await containerState(kept.id, 'stopped')
  // What a killed gateway leaves: a run row still running, states only a live process holds.
  t.deps.db.$client.prepare("update runs set state = 'running', finished_at = null where id = ?").run(run.id)
  transition(t.deps, kept.id, ['stopped'], 'running')
  transition(t.deps, busy.id, ['created'], 'busy', 'snapshot')
  transition(t.deps, inst.id, ['created'], 'installing')
  // A folder removed by hand, one edited by hand, one copied in.
  rmSync(rowById(t.deps.db, gone.id)?.path ?? '', { recursive: true })
  await t.deps.core.updateContainer(t.dataDir, kept.id, { version: '9.9' })
  const stray = await t.deps.core.createContainer(t.dataDir, {
    id: 'stray',
    name: 'Stray',
    runtime: { kind: 'native' },
  })

  assert.deepEqual(markLostRuns(t.deps), [run.id])
  const lost = (await (await call(`/api/runs/${run.id}`)).json()) as Run
  assert.equal(lost.state, 'lost')
  assert.match(lost.error ?? '', /gateway stopped/)
  const r = await reconcileContainers(t.deps)
  assert.deepEqual(r.adopted, [stray.id])
  assert.deepEqual(r.removed, [gone.id])
  assert.deepEqual(r.refreshed, [kept.id])
  assert.deepEqual(r.settled.sort(), [busy.id, inst.id, kept.id].sort())
  const get = async (id: string) => (await (await call(`/api/containers/${id}`)).json()) as Container
  assert.equal((await get(kept.id)).state, 'stopped')
  assert.equal((await get(kept.id)).version, '9.9')
  assert.equal((await get(busy.id)).state, 'created')
  assert.equal((await get(inst.id)).state, 'failed')
  assert.match((await get(inst.id)).stateReason ?? '', /install job is gone/)
  assert.equal((await get('Stray')).state, 'created')
  assert.equal((await call(`/api/containers/${gone.id}`)).status, 404)
})
