import { describe, expect, it } from 'vitest'
import { makeContainer, makeJob } from '../test/fake-gateway.ts'
import type { OrbitEvent } from './events.ts'
import { type Action, initialState, MAX_LINES, type PanelState, type Run, reduce } from './state.ts'

let nextId = 1
const ev = (type: string, subject: string, data: unknown): OrbitEvent => ({
  id: nextId++,
  time: '2026-11-22T11:00:00.000Z',
  type,
  subject,
  data,
})
const run = (containerId: string, startedAt: string, extra: Partial<Run> = {}): Run => ({
  id: crypto.randomUUID(),
  containerId,
  program: 'acme',
  target: 'C:\\acme.exe',
  args: [],
  state: 'running',
  pid: 1,
  exitCode: null,
  signal: null,
  limits: null,
  error: null,
  startedAt,
  finishedAt: null,
  ...extra,
})
const apply = (actions: Action[], from: PanelState = initialState()) => actions.reduce(reduce, from)

describe('the panel reducer', () => {
  it('containers appear, change state and go away with their events', () => {
    const c = makeContainer('acme')
    let s = apply([ev('container.created', c.id, c)])
    expect(s.containers[c.id]?.name).toBe('acme')
    s = reduce(
      s,
      ev('container.state', c.id, {
        id: c.id,
        name: 'acme',
        state: 'failed',
        previous: 'created',
        reason: 'boom',
      }),
    )
    expect(s.containers[c.id]?.state).toBe('failed')
    expect(s.containers[c.id]?.stateReason).toBe('boom')
    s = reduce(s, ev('container.updated', c.id, { ...c, name: 'acme2', state: 'ready' }))
    expect(s.containers[c.id]?.name).toBe('acme2')
    s = reduce(s, ev('container.deleted', c.id, { id: c.id, name: 'acme2' }))
    expect(s.containers[c.id]).toBeUndefined()
  })

  it('is pure and skips events it has already applied (a resume overlaps)', () => {
    const c = makeContainer('acme')
    const created = ev('container.created', c.id, c)
    const before = initialState()
    const once = reduce(before, created)
    expect(before.containers).toEqual({})
    expect(reduce(once, created)).toBe(once)
    expect(once.lastEventId).toBe(created.id)
  })

  it('a state change for an unknown container leaves the state as it was, but records the id', () => {
    const s = reduce(
      initialState(),
      ev('container.state', 'x', { id: 'x', name: 'x', state: 'ready', previous: 'created', reason: null }),
    )
    expect(s.containers).toEqual({})
  })

  it('jobs follow job.* events; progress updates phase and counters until the job ends', () => {
    const job = makeJob({ containerId: 'c1' })
    let s = apply([ev('job.created', job.id, job), ev('job.started', job.id, { ...job, state: 'running' })])
    s = reduce(
      s,
      ev('job.progress', job.id, {
        id: job.id,
        kind: job.kind,
        containerId: 'c1',
        phase: 'scan',
        progress: { done: 12, total: null, unit: 'files', message: '12 files scanned' },
      }),
    )
    expect(s.jobs[job.id]?.phase).toBe('scan')
    expect(s.jobs[job.id]?.progress?.done).toBe(12)
    const finished = {
      ...job,
      state: 'succeeded' as const,
      phase: 'done',
      finishedAt: '2026-11-22T11:01:00.000Z',
    }
    s = reduce(s, ev('job.succeeded', job.id, finished))
    // A coalesced progress event replayed after the end must not bring the job back to life.
    s = reduce(
      s,
      ev('job.progress', job.id, {
        id: job.id,
        kind: job.kind,
        containerId: 'c1',
        phase: 'scan',
        progress: null,
      }),
    )
    expect(s.jobs[job.id]?.state).toBe('succeeded')
    expect(s.jobs[job.id]?.phase).toBe('done')
  })

  it('a succeeded install marks its container installed (the state event does not say so)', () => {
    const c = makeContainer('acme')
    const job = makeJob({ kind: 'container.install', containerId: c.id })
    let s = apply([ev('container.created', c.id, c), ev('job.created', job.id, job)])
    expect(s.containers[c.id]?.installed).toBe(false)
    s = reduce(s, ev('job.failed', job.id, { ...job, state: 'failed', finishedAt: 't' }))
    expect(s.containers[c.id]?.installed).toBe(false)
    s = reduce(s, ev('job.succeeded', job.id, { ...job, state: 'succeeded', finishedAt: 't' }))
    expect(s.containers[c.id]?.installed).toBe(true)
  })

  it("keeps the newest run of each container as the container's last run", () => {
    const c = makeContainer('acme', { id: 'c1' })
    const older = run('c1', '2026-11-22T09:00:00.000Z')
    const newer = run('c1', '2026-11-22T10:00:00.000Z')
    let s = apply([
      ev('container.created', c.id, c),
      ev('run.started', newer.id, newer),
      ev('run.ended', older.id, { ...older, state: 'exited' }),
    ])
    expect(s.containers.c1?.lastRun?.id).toBe(newer.id)
    expect(s.runs[older.id]?.state).toBe('exited')
    s = reduce(
      s,
      ev('run.ended', newer.id, {
        ...newer,
        state: 'exited',
        exitCode: 0,
        finishedAt: '2026-11-22T10:05:00.000Z',
      }),
    )
    expect(s.containers.c1?.lastRun).toEqual({
      id: newer.id,
      state: 'exited',
      exitCode: 0,
      signal: null,
      startedAt: newer.startedAt,
      finishedAt: '2026-11-22T10:05:00.000Z',
    })
  })

  it('container.disk sets the size on disk of a known container only', () => {
    const c = makeContainer('acme', { id: 'c1' })
    const disk = { bytes: 4096, measuredAt: '2026-11-22T10:00:00.000Z' }
    const s = apply([
      ev('container.created', c.id, c),
      ev('container.disk', 'c1', { id: 'c1', disk }),
      ev('container.disk', 'gone', { id: 'gone', disk }),
    ])
    expect(s.containers.c1?.disk).toEqual(disk)
    expect(s.containers.gone).toBeUndefined()
  })

  it('run output appends in order and drops a chunk it already holds', () => {
    const chunk = (text: string, offset: number) =>
      ev('run.output', 'r1', { runId: 'r1', containerId: 'c1', stream: 'stdout', text, offset })
    let s = apply([chunk('hello ', 0), chunk('wörld\n', 6)])
    expect(s.output.r1?.text).toBe('hello wörld\n')
    expect(s.output.r1?.end).toBe(13) // ö is two bytes
    s = reduce(s, chunk('hello ', 0))
    expect(s.output.r1?.text).toBe('hello wörld\n')
  })

  it('install progress keeps the phase, the latest message and the last lines', () => {
    const base = { jobId: 'j1', containerId: 'c1' }
    const actions: Action[] = [
      ev('install.progress', 'c1', { ...base, phase: 'prepare', message: 'preparing setup.exe' }),
    ]
    for (let i = 0; i < MAX_LINES + 5; i++)
      actions.push(
        ev('install.progress', 'c1', { ...base, phase: 'install', stream: 'stdout', line: `line ${i}` }),
      )
    const s = apply(actions)
    const feed = s.installs.j1
    expect(feed?.phase).toBe('install')
    expect(feed?.message).toBe('preparing setup.exe')
    expect(feed?.lines.length).toBe(MAX_LINES)
    expect(feed?.lines.at(-1)).toBe(`line ${MAX_LINES + 4}`)
  })

  it('a pending card is replaced by the real container, by name or by the id a 202 promised', () => {
    let s = reduce(initialState(), {
      type: 'local.pending',
      pending: { key: 'k1', name: 'acme', runtime: 'wine', network: 'none' },
    })
    s = reduce(s, {
      type: 'local.pending',
      pending: {
        key: 'k2',
        name: 'later',
        runtime: 'wine',
        network: 'none',
        containerId: 'later-1',
        jobId: 'j',
      },
    })
    expect(Object.keys(s.pending)).toEqual(['k1', 'k2'])
    const acme = makeContainer('acme')
    s = reduce(s, ev('container.created', acme.id, acme))
    expect(Object.keys(s.pending)).toEqual(['k2'])
    s = reduce(s, ev('container.created', 'later-1', { ...makeContainer('renamed'), id: 'later-1' }))
    expect(s.pending).toEqual({})
    s = reduce(s, {
      type: 'local.pending',
      pending: { key: 'k3', name: 'gone', runtime: 'wine', network: 'none' },
    })
    s = reduce(s, { type: 'local.pending.done', key: 'k3' })
    expect(s.pending).toEqual({})
  })

  it('a fetched list replaces the containers and clears the stale flag a reset set', () => {
    const a = makeContainer('a')
    let s = apply([ev('container.created', 'old', makeContainer('old')), { type: 'local.reset' }])
    expect(s.stale).toBe(true)
    s = reduce(s, { type: 'local.containers', items: [a] })
    expect(Object.keys(s.containers)).toEqual([a.id])
    expect(s.containersLoaded).toBe(true)
    expect(s.stale).toBe(false)
  })

  it('audit and unknown events change nothing but the position', () => {
    const s0 = initialState()
    const e = ev('audit', 'system', { action: 'x' })
    const s = reduce(s0, e)
    expect({ ...s, lastEventId: 0 }).toEqual(s0)
  })
})

describe('fetched jobs against the stream', () => {
  it('a fetched job never undoes a newer state the stream delivered', () => {
    const job = makeJob({ updatedAt: '2026-11-22T11:00:00.000Z' })
    const failed = { ...job, state: 'failed' as const, finishedAt: '2026-11-22T11:00:00.000Z' }
    let s = reduce(initialState(), { id: 1, time: 't', type: 'job.failed', subject: job.id, data: failed })
    s = reduce(s, { type: 'local.job', job })
    expect(s.jobs[job.id]?.state).toBe('failed')
    s = reduce(s, { type: 'local.jobs', items: [{ ...job, updatedAt: '2026-11-22T10:00:00.000Z' }] })
    expect(s.jobs[job.id]?.state).toBe('failed')
    const later = { ...job, state: 'queued' as const, attempts: 2, updatedAt: '2026-11-22T12:00:00.000Z' }
    s = reduce(s, { type: 'local.job', job: later })
    expect(s.jobs[job.id]?.attempts).toBe(2)
  })
})
