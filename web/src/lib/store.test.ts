import { createEffect, createRoot } from 'solid-js'
import { describe, expect, it } from 'vitest'
import { makeContainer, makeJob } from '../test/fake-gateway.ts'
import type { EventStream, OrbitEvent, StreamMessage } from './events.ts'
import { createPanelStore } from './store.ts'

describe('the panel store', () => {
  it('follows a job through the order a real install publishes, progress after the end included', async () => {
    const store = createPanelStore(async () => [])
    const job = makeJob({ containerId: 'c1', updatedAt: '2026-11-22T11:00:00.000Z' })
    let id = 1
    const ev = (type: string, data: unknown): OrbitEvent => ({
      id: id++,
      time: 't',
      type,
      subject: job.id,
      data,
    })
    const seen: string[] = []
    createRoot(() => createEffect(() => seen.push(store.state.jobs[job.id]?.state ?? 'none')))
    store.dispatch(ev('job.created', job))
    store.dispatch({ type: 'local.job', job })
    const running = {
      ...job,
      state: 'running' as const,
      startedAt: 't1',
      updatedAt: '2026-11-22T11:00:01.000Z',
    }
    store.dispatch(ev('job.started', running))
    store.dispatch({ type: 'local.job', job })
    for (const phase of ['prepare', 'install', 'scan', 'snapshot: done'])
      store.dispatch(
        ev('job.progress', {
          id: job.id,
          kind: job.kind,
          containerId: 'c1',
          phase,
          progress: { done: 1, total: 2, unit: 'files', message: phase },
        }),
      )
    const done = {
      ...running,
      state: 'succeeded' as const,
      phase: 'snapshot: done',
      progress: { done: 2, total: 2, unit: 'bytes', message: 'x' },
      result: { apps: [{ name: 'Acme' }] },
      finishedAt: 't2',
      updatedAt: '2026-11-22T11:00:09.000Z',
    }
    store.dispatch(ev('job.succeeded', done))
    store.dispatch(
      ev('job.progress', {
        id: job.id,
        kind: job.kind,
        containerId: 'c1',
        phase: 'snapshot: done',
        progress: null,
      }),
    )
    expect(store.state.jobs[job.id]?.state).toBe('succeeded')
    const result = store.state.jobs[job.id]?.result as { apps: unknown[] } | undefined
    expect(result?.apps.length).toBe(1)
    expect(seen.at(-1)).toBe('succeeded')
  })
})

describe('loading the container list while events arrive', () => {
  it('applies the events that came during the fetch on top of the (older) list', async () => {
    const a = makeContainer('a')
    let release!: (items: ReturnType<typeof makeContainer>[]) => void
    const store = createPanelStore(() => new Promise((r) => (release = r)))
    const loading = store.loadContainers()
    const b = makeContainer('b')
    // While the list is on its way: b is created and a changes state.
    store.dispatch({ id: 1, time: 't1', type: 'container.created', subject: b.id, data: b })
    store.dispatch({
      id: 2,
      time: 't2',
      type: 'container.state',
      subject: a.id,
      data: { id: a.id, name: 'a', state: 'busy', previous: 'created', reason: null },
    })
    release([a]) // read before either event
    await loading
    expect(Object.keys(store.state.containers).sort()).toEqual([a.id, b.id].sort())
    expect(store.state.containers[a.id]?.state).toBe('busy')
  })
})

describe('the list waits for the live stream', () => {
  // A stream whose messages the test sends by hand.
  const handStream = () => {
    const subs = new Set<(m: StreamMessage) => void>()
    const stream = {
      start() {},
      stop() {},
      subscribe(fn: (m: StreamMessage) => void) {
        subs.add(fn)
        return () => subs.delete(fn)
      },
      onStatus: () => () => {},
      status: 'connecting',
    } as unknown as EventStream
    return {
      stream,
      send: (m: StreamMessage) => {
        for (const fn of subs) fn(m)
      },
    }
  }

  it('fetches once the followed stream is ready, so a change in between is never lost', async () => {
    const { stream, send } = handStream()
    let fetched = 0
    const store = createPanelStore(async () => {
      fetched++
      return [makeContainer('a')]
    })
    store.follow(stream)
    const loading = store.loadContainers()
    await new Promise((r) => setTimeout(r, 50))
    expect(fetched).toBe(0)
    send({ kind: 'ready', latestId: 7 })
    await loading
    expect(fetched).toBe(1)
    expect(Object.keys(store.state.containers)).toHaveLength(1)
  })

  it('goes ahead without a stream that never becomes ready', async () => {
    const { stream } = handStream()
    const store = createPanelStore(async () => [makeContainer('a')])
    store.follow(stream)
    const started = Date.now()
    await store.loadContainers()
    expect(Date.now() - started).toBeGreaterThanOrEqual(2900)
    expect(Object.keys(store.state.containers)).toHaveLength(1)
  })
})
