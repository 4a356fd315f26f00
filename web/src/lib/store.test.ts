import { createEffect, createRoot } from 'solid-js'
import { describe, expect, it } from 'vitest'
import { makeJob } from '../test/fake-gateway.ts'
import type { OrbitEvent } from './events.ts'
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
