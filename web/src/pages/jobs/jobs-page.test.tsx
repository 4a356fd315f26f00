import { cleanup, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library'
import { http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { navigate } from '../../lib/router.ts'
import { loadSession } from '../../lib/session.ts'
import { panel } from '../../lib/store.ts'
import { type FakeAdmin, fakeAdmin } from '../../test/fake-admin.ts'
import { type FakeGateway, fakeGateway, makeJob, origin, problem } from '../../test/fake-gateway.ts'
import JobsPage from './jobs-page.tsx'

const server = setupServer()
let gw: FakeGateway
let fa: FakeAdmin
let eventId = 5000
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }))
afterEach(() => {
  cleanup()
  server.resetHandlers()
})
afterAll(() => server.close())

const row = (id: string) => document.querySelector(`tr[data-job="${id}"]`) as HTMLElement
const ago = (s: number) => new Date(Date.now() - s * 1000).toISOString()

async function mount(
  path: string,
  jobs = [makeJob({ kind: 'container.install', state: 'running', createdAt: ago(5), startedAt: ago(4) })],
) {
  gw = fakeGateway({ containers: [] })
  for (const j of jobs) gw.jobs.set(j.id, j)
  fa = fakeAdmin(gw)
  server.use(...gw.handlers, ...fa.handlers)
  await loadSession()
  navigate(path, { replace: true })
  render(() => <JobsPage />)
  await screen.findByRole('table', { name: 'Jobs' })
  // The store outlives a test (earlier tests' jobs stay listed): wait for this test's own.
  await waitFor(() => expect(jobs.every((j) => row(j.id))).toBe(true))
}
const event = (type: string, subject: string, data: unknown) =>
  panel.dispatch({ id: eventId++, time: new Date().toISOString(), type, subject, data })

describe('the jobs page', () => {
  it('follows progress and state from the event stream, and shows jobs that start later', async () => {
    const job = makeJob({
      kind: 'container.install',
      state: 'running',
      createdAt: ago(60),
      startedAt: ago(59),
    })
    await mount('/jobs', [job])
    event('job.progress', job.id, {
      id: job.id,
      kind: job.kind,
      containerId: null,
      phase: 'copying files',
      progress: { done: 3, total: 10, unit: 'files', message: null },
    })
    await waitFor(() => expect(within(row(job.id)).getByText('copying files · 3 of 10 files')).toBeTruthy())
    const bar = within(row(job.id)).getByRole('progressbar') as HTMLProgressElement
    expect(bar.value).toBeCloseTo(0.3)
    event('job.succeeded', job.id, {
      ...job,
      state: 'succeeded',
      finishedAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    })
    await waitFor(() => expect(within(row(job.id)).getByText('succeeded')).toBeTruthy())
    expect(within(row(job.id)).queryByRole('button', { name: /Cancel/ })).toBeNull()
    const fresh = makeJob({ kind: 'container.snapshot', state: 'queued' })
    event('job.created', fresh.id, fresh)
    await waitFor(() => expect(row(fresh.id)).toBeTruthy())
  })

  it('filters by state and kind (asking the gateway, and live arrivals obey the filters)', async () => {
    const a = makeJob({ kind: 'container.install', state: 'failed', createdAt: ago(30) })
    const b = makeJob({ kind: 'container.export', state: 'succeeded', createdAt: ago(20) })
    await mount('/jobs', [a, b])
    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'failed' } })
    await waitFor(() => expect(fa.jobQueries.at(-1)?.get('state')).toBe('failed'))
    await waitFor(() => expect(row(b.id)).toBeNull())
    expect(row(a.id)).toBeTruthy()
    fireEvent.change(screen.getByLabelText('State'), { target: { value: '' } })
    fireEvent.change(screen.getByLabelText('Kind'), { target: { value: 'container.export' } })
    await waitFor(() => expect(fa.jobQueries.at(-1)?.get('kind')).toBe('container.export'))
    await waitFor(() => expect(row(a.id)).toBeNull())
    expect(row(b.id)).toBeTruthy()
    expect(window.location.search).toBe('?kind=container.export')
  })

  it('takes its filters from the address, so a container page can link to its jobs', async () => {
    const mine = makeJob({
      kind: 'container.install',
      state: 'failed',
      containerId: 'c-acme',
      createdAt: ago(9),
    })
    const other = makeJob({
      kind: 'container.install',
      state: 'failed',
      containerId: 'c-zeta',
      createdAt: ago(8),
    })
    gw = fakeGateway({ containers: [] })
    for (const j of [mine, other]) gw.jobs.set(j.id, j)
    fa = fakeAdmin(gw)
    server.use(...gw.handlers, ...fa.handlers)
    await loadSession()
    navigate('/jobs?containerId=c-acme&state=failed', { replace: true })
    render(() => <JobsPage />)
    await waitFor(() => expect(row(mine.id)).toBeTruthy())
    expect(row(other.id)).toBeNull()
    expect(fa.jobQueries.at(-1)?.get('containerId')).toBe('c-acme')
    expect((screen.getByLabelText('State') as HTMLSelectElement).value).toBe('failed')
    fireEvent.click(screen.getByRole('button', { name: "Show every container's jobs" }))
    await waitFor(() => expect(row(other.id)).toBeTruthy())
    expect(window.location.search).toBe('?state=failed')
  })

  it('cancels a job, and shows the problem when the gateway refuses', async () => {
    const job = makeJob({ kind: 'container.install', state: 'queued', createdAt: ago(1) })
    await mount('/jobs', [job])
    server.use(
      http.post(`${origin}/api/jobs/:id/cancel`, () =>
        problem(409, 'ECONFLICT', 'Conflict', 'the job already finished'),
      ),
    )
    fireEvent.click(within(row(job.id)).getByRole('button', { name: 'Cancel the container.install job' }))
    await screen.findByText('Could not cancel the container.install job: the job already finished')
    server.use(
      http.post(`${origin}/api/jobs/:id/cancel`, () =>
        Response.json({
          ...job,
          state: 'canceled',
          finishedAt: new Date().toISOString(),
          updatedAt: new Date(Date.now() + 1000).toISOString(),
        }),
      ),
    )
    fireEvent.click(within(row(job.id)).getByRole('button', { name: 'Cancel the container.install job' }))
    await waitFor(() => expect(within(row(job.id)).getByText('canceled')).toBeTruthy())
  })
})
