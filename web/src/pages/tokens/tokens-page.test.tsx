import { cleanup, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library'
import { http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadSession } from '../../lib/session.ts'
import { type FakeAdmin, fakeAdmin, makeToken } from '../../test/fake-admin.ts'
import { type FakeGateway, fakeGateway, origin, problem } from '../../test/fake-gateway.ts'
import TokensPage from './tokens-page.tsx'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const server = setupServer()
let gw: FakeGateway
let fa: FakeAdmin
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }))
afterEach(() => {
  cleanup()
  server.resetHandlers()
})
afterAll(() => server.close())

async function mount(tokens = [makeToken('laptop')]) {
  gw = fakeGateway()
  fa = fakeAdmin(gw, { tokens })
  server.use(...gw.handlers, ...fa.handlers)
  await loadSession()
  render(() => <TokensPage />)
  await screen.findByRole('table', { name: 'API tokens' })
}
const row = (name: string) => document.querySelector(`tr[data-token="${name}"]`) as HTMLElement

describe('the tokens page', () => {
  it('creates a token with the chosen scopes and shows its secret once', async () => {
    await mount()
    fireEvent.click(screen.getByRole('button', { name: 'New token' }))
    const dialog = await screen.findByRole('dialog', { name: 'New API token' })
    fireEvent.input(within(dialog).getByLabelText('Name'), { target: { value: 'ci' } })
    // Scopes the session does not hold cannot be granted.
    expect((within(dialog).getByRole('checkbox', { name: /^admin/ }) as HTMLInputElement).disabled).toBe(true)
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /^containers:read/ }))
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /^events:read/ }))
    fireEvent.change(within(dialog).getByLabelText('Expires after'), { target: { value: '7d' } })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Create token' }))
    const shown = await screen.findByRole('dialog', { name: 'Token ci created' })
    const made = fa.tokens[0]
    expect(made?.scopes).toEqual(['containers:read', 'events:read'])
    const secret = within(shown).getByLabelText('Your new token') as HTMLInputElement
    expect(secret.value).toBe(`orbit_secret_${made?.id}`)
    expect(within(shown).getByText(/shown only this once/)).toBeTruthy()
    // (The fake refuses a POST without the session CSRF token.) Listed, and once the dialog is closed the secret is nowhere on the page.
    expect(row('ci')).toBeTruthy()
    fireEvent.click(within(shown).getByRole('button', { name: 'I have copied it' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(document.body.innerHTML).not.toContain('orbit_secret_')
  })

  it('shows the problem when the gateway refuses to create', async () => {
    await mount()
    server.use(
      http.post(`${origin}/api/tokens`, () =>
        problem(403, 'EFORBIDDEN', 'Forbidden', 'you cannot grant scopes you do not hold: admin'),
      ),
    )
    fireEvent.click(screen.getByRole('button', { name: 'New token' }))
    const dialog = await screen.findByRole('dialog', { name: 'New API token' })
    fireEvent.input(within(dialog).getByLabelText('Name'), { target: { value: 'x' } })
    fireEvent.click(within(dialog).getByRole('checkbox', { name: /^account/ }))
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Create token' }))
    await screen.findByText(/Could not create the token x: you cannot grant scopes you do not hold: admin/)
    expect(screen.queryByLabelText('Your new token')).toBeNull()
  })

  it('revokes after a confirmation, at once, and rolls back with the message on a refusal', async () => {
    await mount([makeToken('laptop'), makeToken('ci')])
    server.use(
      http.delete(`${origin}/api/tokens/:id`, async () => {
        await sleep(100)
        return problem(404, 'ENOTFOUND', 'Not found', 'no such token')
      }),
    )
    fireEvent.click(within(row('ci')).getByRole('button', { name: 'Revoke ci' }))
    const confirm = await screen.findByRole('dialog', { name: 'Revoke ci?' })
    fireEvent.click(within(confirm).getByRole('button', { name: 'Revoke' }))
    // Optimistic: revoked at once.
    await waitFor(() => expect(within(row('ci')).getByText('revoked')).toBeTruthy())
    await screen.findByText('Could not revoke ci: no such token')
    expect(within(row('ci')).getByText('active')).toBeTruthy()
    expect(within(row('ci')).getByRole('button', { name: 'Revoke ci' })).toBeTruthy()
  })

  it('revokes for real when the gateway agrees', async () => {
    await mount([makeToken('laptop')])
    fireEvent.click(within(row('laptop')).getByRole('button', { name: 'Revoke laptop' }))
    fireEvent.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Revoke' }))
    await waitFor(() => expect(fa.tokens[0]?.revokedAt).not.toBeNull())
    expect(within(row('laptop')).getByText('revoked')).toBeTruthy()
    expect(screen.queryByRole('alert')).toBeNull()
  })
})
