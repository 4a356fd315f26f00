import { cleanup, render, screen, within } from '@solidjs/testing-library'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { App } from './app.tsx'
import { events } from './lib/events.ts'
import { signOut } from './lib/session.ts'
import { panel } from './lib/store.ts'
import { routes } from './routes.ts'
import { fakeGateway } from './test/fake-gateway.ts'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }))
afterEach(() => {
  cleanup()
  events.stop()
  server.resetHandlers()
})
afterAll(() => server.close())

describe('the app shell', () => {
  it('signed in: the navigation lists the pages the principal may see, and the stream goes live', async () => {
    const gw = fakeGateway()
    server.use(...gw.handlers)
    render(() => <App />)
    const nav = await screen.findByRole('navigation', { name: 'Main' })
    const links = within(nav)
      .getAllByRole('link')
      .map((a) => a.textContent)
    // In the routes' order, only those whose scope the session holds.
    const scopes = gw.session?.scopes ?? []
    const expected = routes.filter((r) => r.nav && (!r.scope || scopes.includes(r.scope))).map((r) => r.title)
    expect(links).toEqual(expected)
    expect(links[0]).toBe('Dashboard')
    const hidden = routes.filter((r) => r.nav && r.scope && !scopes.includes(r.scope))
    for (const r of hidden) expect(links).not.toContain(r.title)
    expect(within(nav).getByRole('link', { name: 'Dashboard' }).getAttribute('aria-current')).toBe('page')
    await screen.findByText('Live')
    expect(screen.getByRole('button', { name: 'ada' })).toBeTruthy()
  })

  it('a 401 while signed in flips to "session expired — sign in again"', async () => {
    const gw = fakeGateway()
    server.use(...gw.handlers)
    render(() => <App />)
    await screen.findByRole('navigation', { name: 'Main' })
    gw.session = null
    await panel.loadContainers().catch(() => {})
    await screen.findByRole('heading', { name: 'Session expired — sign in again' })
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull()
    expect(screen.getByRole('link', { name: 'Sign in with a passkey' })).toBeTruthy()
    expect(events.status).toBe('stopped')
  })

  it('signed out from the start: the sign-in screen, without the expiry message', async () => {
    const gw = fakeGateway({ session: null })
    server.use(...gw.handlers)
    await signOut() // the previous test left the module's state at "expired"
    render(() => <App />)
    await screen.findByRole('heading', { name: 'Sign in' })
    expect(screen.getByLabelText('Token')).toBeTruthy()
  })
})
