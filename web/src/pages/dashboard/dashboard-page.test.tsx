import { cleanup, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library'
import { http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadSession } from '../../lib/session.ts'
import { panel } from '../../lib/store.ts'
import { type FakeGateway, fakeGateway, makeContainer, origin, problem } from '../../test/fake-gateway.ts'
import DashboardPage from './dashboard-page.tsx'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const server = setupServer()
let gw: FakeGateway
let eventId = 1000
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }))
afterEach(() => {
  cleanup()
  // The store outlives a test: empty it so the next one sees only its own gateway's list.
  panel.dispatch({ type: 'local.containers', items: [] })
  server.resetHandlers()
})
afterAll(() => server.close())

async function mount(containers = [makeContainer('acme', { state: 'ready' }), makeContainer('zeta')]) {
  gw = fakeGateway({ containers })
  server.use(...gw.handlers)
  await loadSession()
  render(() => <DashboardPage />)
  await screen.findByRole('heading', { name: 'acme' })
}
const cardNames = () => screen.queryAllByRole('article').map((a) => a.getAttribute('data-container'))

describe('the dashboard', () => {
  it('shows one card per container and follows container events live', async () => {
    await mount()
    expect(cardNames()).toEqual(['acme', 'zeta'])
    const acme = screen.getByRole('article', { name: 'acme' })
    expect(within(acme).getByText('ready')).toBeTruthy()
    expect(within(acme).getByText('off (loopback only)')).toBeTruthy()
    const beta = makeContainer('beta', { network: 'host' })
    panel.dispatch({
      id: eventId++,
      time: new Date().toISOString(),
      type: 'container.created',
      subject: beta.id,
      data: beta,
    })
    await waitFor(() => expect(cardNames()).toEqual(['acme', 'beta', 'zeta']))
    const id = screen
      .getByRole('article', { name: 'acme' })
      .querySelector('h3')
      ?.id.replace('card-', '') as string
    panel.dispatch({
      id: eventId++,
      time: new Date().toISOString(),
      type: 'container.state',
      subject: id,
      data: { id, name: 'acme', state: 'failed', previous: 'ready', reason: 'the installer exited with 2' },
    })
    await screen.findByText('the installer exited with 2')
    expect(within(screen.getByRole('article', { name: 'acme' })).getByText('failed')).toBeTruthy()
  })

  it("shows each card's size on disk and last run from the list, and follows them live", async () => {
    const started = new Date(Date.now() - 3 * 3600_000).toISOString()
    const acme = makeContainer('acme', {
      state: 'stopped',
      disk: { bytes: 5 * 1024 * 1024, measuredAt: started },
      lastRun: {
        id: 'r1',
        state: 'exited',
        exitCode: 3,
        signal: null,
        startedAt: started,
        finishedAt: started,
      },
    })
    await mount([acme, makeContainer('zeta')])
    const card = () => screen.getByRole('article', { name: 'acme' })
    const fact = (name: string, el = card()) => el.querySelector(`[data-fact="${name}"]`)?.textContent
    expect(fact('disk')).toBe('5.0 MB')
    expect(fact('last-run')).toBe('3 h ago (exit 3)')
    const zeta = screen.getByRole('article', { name: 'zeta' })
    expect(fact('disk', zeta)).toBe('measuring…')
    expect(fact('last-run', zeta)).toBe('never')
    const now = new Date().toISOString()
    const event = (type: string, data: unknown) =>
      panel.dispatch({ id: eventId++, time: now, type, subject: acme.id, data })
    event('container.disk', { id: acme.id, disk: { bytes: 7 * 1024 * 1024, measuredAt: now } })
    const run = {
      id: 'r2',
      containerId: acme.id,
      program: 'Acme',
      target: 'C:\\acme.exe',
      args: [],
      state: 'running',
      pid: 9,
      exitCode: null,
      signal: null,
      limits: null,
      error: null,
      startedAt: now,
      finishedAt: null,
    }
    event('run.started', run)
    await waitFor(() => expect(fact('last-run')).toBe('running since just now'))
    expect(fact('disk')).toBe('7.0 MB')
    event('run.ended', { ...run, state: 'stopped', signal: 15, finishedAt: now })
    await waitFor(() => expect(fact('last-run')).toBe('just now (signal 15)'))
  })

  it('filters by text, state and runtime', async () => {
    await mount([
      makeContainer('acme', { state: 'ready' }),
      makeContainer('zeta'),
      makeContainer('tool', { runtime: { kind: 'native', id: null, wineVersion: null, hash: null } }),
    ])
    fireEvent.input(screen.getByLabelText('Search'), { target: { value: 'ac' } })
    await waitFor(() => expect(cardNames()).toEqual(['acme']))
    fireEvent.input(screen.getByLabelText('Search'), { target: { value: '' } })
    fireEvent.change(screen.getByLabelText('State'), { target: { value: 'created' } })
    await waitFor(() => expect(cardNames()).toEqual(['tool', 'zeta']))
    fireEvent.change(screen.getByLabelText('Runtime'), { target: { value: 'native' } })
    await waitFor(() => expect(cardNames()).toEqual(['tool']))
    expect(screen.getByText('1 of 3 containers')).toBeTruthy()
  })

  it('creates a container with an optimistic card that becomes the real one', async () => {
    await mount()
    server.use(
      http.post(`${origin}/api/containers`, async () => {
        await sleep(150)
        return undefined // fall through to the fake gateway's handler
      }),
    )
    fireEvent.click(screen.getByRole('button', { name: 'New container' }))
    const dialog = await screen.findByRole('dialog', { name: 'New container' })
    fireEvent.input(within(dialog).getByLabelText('Name'), { target: { value: 'beta' } })
    fireEvent.input(within(dialog).getByLabelText(/Environment/), { target: { value: 'MODE=demo' } })
    fireEvent.change(within(dialog).getByLabelText('Network'), { target: { value: 'host' } })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Create' }))
    const pending = await screen.findByRole('article', { name: 'beta' })
    expect(pending.getAttribute('aria-busy')).toBe('true')
    await waitFor(() =>
      expect(screen.getByRole('article', { name: 'beta' }).getAttribute('aria-busy')).toBeNull(),
    )
    const made = gw.containers.find((c) => c.name === 'beta')
    expect(made?.env).toEqual({ MODE: 'demo' })
    expect(made?.network).toBe('host')
    expect(gw.csrfSeen).toEqual(['csrf-123'])
  })

  it('rolls the optimistic card back and shows the problem when the gateway refuses', async () => {
    await mount()
    server.use(
      http.post(`${origin}/api/containers`, async () => {
        await sleep(100)
        return problem(409, 'ECONFLICT', 'Conflict', 'a container named acme exists')
      }),
    )
    fireEvent.click(screen.getByRole('button', { name: 'New container' }))
    const dialog = await screen.findByRole('dialog', { name: 'New container' })
    fireEvent.input(within(dialog).getByLabelText('Name'), { target: { value: 'acme' } })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Create' }))
    await waitFor(() => expect(cardNames()).toEqual(['acme', 'acme', 'zeta']))
    const alert = await screen.findByText(/Could not create acme: a container named acme exists/)
    expect(alert).toBeTruthy()
    expect(cardNames()).toEqual(['acme', 'zeta'])
  })
})
