import { cleanup, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library'
import { http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadSession } from '../../lib/session.ts'
import { type FakeAdmin, fakeAdmin, makeUser } from '../../test/fake-admin.ts'
import { fakeGateway, origin } from '../../test/fake-gateway.ts'
import UsersPage from './users-page.tsx'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const server = setupServer()
let fa: FakeAdmin
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }))
afterEach(() => {
  cleanup()
  server.resetHandlers()
})
afterAll(() => server.close())

async function mount() {
  const gw = fakeGateway()
  fa = fakeAdmin(gw, { users: [makeUser('ada', { id: 'u1', role: 'admin' }), makeUser('bob')] })
  server.use(...gw.handlers, ...fa.handlers)
  await loadSession()
  render(() => <UsersPage />)
  await screen.findByRole('table', { name: 'Users' })
}
const row = (name: string) => document.querySelector(`tr[data-user="${name}"]`) as HTMLElement
const role = (name: string) => within(row(name)).getByLabelText(`Role of ${name}`) as HTMLSelectElement

describe('the users page', () => {
  it('invites a user and shows the enrollment link once', async () => {
    await mount()
    fireEvent.click(screen.getByRole('button', { name: 'Invite a user' }))
    const dialog = await screen.findByRole('dialog', { name: 'Invite a user' })
    fireEvent.input(within(dialog).getByLabelText('Name'), { target: { value: 'cy' } })
    fireEvent.change(within(dialog).getByLabelText('Role'), { target: { value: 'operator' } })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Create the link' }))
    const shown = await screen.findByRole('dialog', { name: 'Invitation for cy' })
    expect((within(shown).getByLabelText(/Enrollment link \(operator/) as HTMLTextAreaElement).value).toBe(
      `${origin}/enroll#invite-secret-cy`,
    )
    fireEvent.click(within(shown).getByRole('button', { name: 'I have copied it' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(document.body.innerHTML).not.toContain('invite-secret-cy')
  })

  it('changes a role at once, and rolls it back with the message when refused', async () => {
    await mount()
    fireEvent.change(role('bob'), { target: { value: 'operator' } })
    await waitFor(() => expect(fa.users[1]?.role).toBe('operator'))
    expect(role('bob').value).toBe('operator')
    server.use(
      http.patch(`${origin}/api/users/:id`, async () => {
        await sleep(100)
        return undefined // the fake decides: demoting the only admin is refused
      }),
    )
    fireEvent.change(role('ada'), { target: { value: 'viewer' } })
    await waitFor(() => expect(role('ada').value).toBe('viewer'))
    await screen.findByText('Could not change the role of ada: Orbit must keep an enabled admin')
    expect(role('ada').value).toBe('admin')
    expect(fa.users[0]?.role).toBe('admin')
  })

  it('disables after a confirmation and enables again', async () => {
    await mount()
    fireEvent.click(within(row('bob')).getByRole('button', { name: 'Disable bob' }))
    fireEvent.click(
      within(await screen.findByRole('dialog', { name: 'Disable bob?' })).getByRole('button', {
        name: 'Disable',
      }),
    )
    await waitFor(() => expect(fa.users[1]?.disabled).toBe(true))
    expect(within(row('bob')).getByText('disabled')).toBeTruthy()
    fireEvent.click(within(row('bob')).getByRole('button', { name: 'Enable bob' }))
    await waitFor(() => expect(fa.users[1]?.disabled).toBe(false))
  })
})
