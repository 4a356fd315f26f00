import { cleanup, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library'
import { http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadSession } from '../../lib/session.ts'
import { type FakeAdmin, fakeAdmin, makePasskey } from '../../test/fake-admin.ts'
import { fakeGateway, origin, problem } from '../../test/fake-gateway.ts'
import PasskeysPage from './passkeys-page.tsx'

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const server = setupServer()
let fa: FakeAdmin
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }))
afterEach(() => {
  cleanup()
  server.resetHandlers()
})
afterAll(() => server.close())

async function mount(keys = [makePasskey('Laptop'), makePasskey('Phone')]) {
  const gw = fakeGateway()
  fa = fakeAdmin(gw, { passkeys: keys })
  server.use(...gw.handlers, ...fa.handlers)
  await loadSession()
  render(() => <PasskeysPage />)
  await screen.findByRole('table', { name: 'Your passkeys' })
}
const names = () =>
  [...document.querySelectorAll('tr[data-passkey]')].map((r) => r.getAttribute('data-passkey'))

describe('the passkeys page', () => {
  it('renames at once and rolls back with the message when refused', async () => {
    await mount()
    fireEvent.click(screen.getByRole('button', { name: 'Rename Laptop' }))
    fireEvent.input(screen.getByLabelText('New name for Laptop'), { target: { value: 'Work laptop' } })
    fireEvent.submit(screen.getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(fa.passkeys[0]?.name).toBe('Work laptop'))
    expect(names()).toEqual(['Work laptop', 'Phone'])
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Rename Work laptop' }))
    server.use(
      http.patch(`${origin}/api/passkeys/:id`, async () => {
        await sleep(100)
        return problem(404, 'ENOTFOUND', 'Not found', 'you have no such passkey')
      }),
    )
    fireEvent.click(screen.getByRole('button', { name: 'Rename Phone' }))
    fireEvent.input(screen.getByLabelText('New name for Phone'), { target: { value: 'Tablet' } })
    fireEvent.submit(screen.getByRole('button', { name: 'Save' }))
    await waitFor(() => expect(names()).toEqual(['Work laptop', 'Tablet']))
    await screen.findByText('Could not rename Phone: you have no such passkey')
    expect(names()).toEqual(['Work laptop', 'Phone'])
  })

  it('removes after a confirmation; a refusal puts the row back with the message', async () => {
    await mount([makePasskey('Laptop'), makePasskey('Phone'), makePasskey('Key')])
    fireEvent.click(screen.getByRole('button', { name: 'Remove Key' }))
    fireEvent.click(
      within(await screen.findByRole('dialog', { name: 'Remove Key?' })).getByRole('button', {
        name: 'Remove',
      }),
    )
    await waitFor(() => expect(fa.passkeys.map((p) => p.name)).toEqual(['Laptop', 'Phone']))
    expect(names()).toEqual(['Laptop', 'Phone'])
    server.use(
      http.delete(`${origin}/api/passkeys/:id`, async () => {
        await sleep(100)
        return problem(409, 'ECONFLICT', 'Conflict', 'this is your last passkey; add another first')
      }),
    )
    fireEvent.click(screen.getByRole('button', { name: 'Remove Phone' }))
    fireEvent.click(
      within(await screen.findByRole('dialog', { name: 'Remove Phone?' })).getByRole('button', {
        name: 'Remove',
      }),
    )
    await waitFor(() => expect(names()).toEqual(['Laptop']))
    await screen.findByText('Could not remove Phone: this is your last passkey; add another first')
    expect(names()).toEqual(['Laptop', 'Phone'])
  })

  it('keeps the last passkey: its Remove is disabled, with the reason shown', async () => {
    await mount([makePasskey('Laptop')])
    expect((screen.getByRole('button', { name: 'Remove Laptop' }) as HTMLButtonElement).disabled).toBe(true)
    expect(screen.getByText(/This is your only passkey/)).toBeTruthy()
  })
})
