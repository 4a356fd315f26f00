import { describe, expect, it } from 'vitest'
import { matchesPrefix, summarize } from './summary.ts'

const ev = (type: string, data: unknown) => ({
  id: 1,
  time: '2026-11-22T10:00:00.000Z',
  type,
  subject: 's',
  data,
})

describe('event summaries', () => {
  it('says what changed', () => {
    expect(
      summarize(
        ev('job.progress', {
          kind: 'container.install',
          phase: 'copying',
          progress: { done: 3, total: 9, unit: 'files', message: null },
        }),
      ),
    ).toBe('container.install · copying · 3/9 files')
    expect(
      summarize(
        ev('job.failed', {
          kind: 'container.export',
          state: 'failed',
          error: { code: 'ECORE', message: 'disk full' },
        }),
      ),
    ).toBe('container.export · failed · ECORE: disk full')
    expect(
      summarize(ev('container.state', { name: 'acme', previous: 'ready', state: 'running', reason: null })),
    ).toBe('acme: ready → running')
    expect(summarize(ev('run.output', { stream: 'stdout', text: 'Acme\n1.0\n' }))).toBe('stdout: Acme 1.0')
    expect(
      summarize(ev('audit', { actor: 'user:ada', action: 'token.create', target: 'token:t1', result: 'ok' })),
    ).toBe('user:ada token.create token:t1 → ok')
    expect(summarize(ev('snapshot.created', { snapshot: { id: '000-browser', files: 3 } }))).toBe(
      '000-browser · 3 files',
    )
    expect(summarize(ev('something.new', { a: 1 }))).toBe('{"a":1}')
  })

  it('filters by type prefix', () => {
    expect(matchesPrefix('job.progress', 'job.*')).toBe(true)
    expect(matchesPrefix('job.progress', 'job')).toBe(true)
    expect(matchesPrefix('container.state', 'job.')).toBe(false)
    expect(matchesPrefix('container.state', '')).toBe(true)
  })
})
