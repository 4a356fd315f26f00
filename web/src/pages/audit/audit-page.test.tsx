import { cleanup, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { navigate } from '../../lib/router.ts'
import { loadSession } from '../../lib/session.ts'
import { type FakeAdmin, fakeAdmin, makeEntry } from '../../test/fake-admin.ts'
import { fakeGateway } from '../../test/fake-gateway.ts'
import AuditPage, { auditQuery } from './audit-page.tsx'

const server = setupServer()
let fa: FakeAdmin
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }))
afterEach(() => {
  cleanup()
  server.resetHandlers()
})
afterAll(() => server.close())

/** 120 entries: every third by user:bob, every tenth denied. */
const entries = () =>
  Array.from({ length: 120 }, (_, i) =>
    makeEntry(i + 1, {
      actor: i % 3 === 0 ? 'user:bob' : 'user:ada',
      result: i % 10 === 0 ? 'EFORBIDDEN' : 'ok',
      target: i % 2 === 0 ? 'acme' : 'zeta',
    }),
  )

async function mount(verify?: FakeAdmin['verify'], path = '/audit') {
  const gw = fakeGateway()
  fa = fakeAdmin(gw, { audit: entries() })
  if (verify) fa.verify = verify
  server.use(...gw.handlers, ...fa.handlers)
  await loadSession()
  navigate(path, { replace: true })
  render(() => <AuditPage />)
  await screen.findByRole('table', { name: 'Audit entries' })
}
const ids = () =>
  [...document.querySelectorAll('tr[data-entry]')].map((r) => Number(r.getAttribute('data-entry')))

describe('the audit page', () => {
  it('pages newest first, and back', async () => {
    await mount()
    expect(ids()[0]).toBe(120)
    expect(ids()).toHaveLength(50)
    expect(await screen.findByText('Chain verified: all 120 entries are intact.')).toBeTruthy()
    fireEvent.click(screen.getByRole('button', { name: 'Older' }))
    await waitFor(() => expect(ids()[0]).toBe(70))
    fireEvent.click(screen.getByRole('button', { name: 'Older' }))
    await waitFor(() => expect(ids()).toHaveLength(20))
    expect((screen.getByRole('button', { name: 'Older' }) as HTMLButtonElement).disabled).toBe(true)
    fireEvent.click(screen.getByRole('button', { name: 'Newer' }))
    await waitFor(() => expect(ids()[0]).toBe(70))
  })

  it('filters by actor, container, result and time range', async () => {
    await mount()
    const form = screen.getByRole('form', { name: 'Filter the audit log' })
    fireEvent.input(within(form).getByLabelText('Actor'), { target: { value: 'user:bob' } })
    fireEvent.input(within(form).getByLabelText('Container'), { target: { value: 'acme' } })
    fireEvent.input(within(form).getByLabelText('Result'), { target: { value: 'EFORBIDDEN' } })
    fireEvent.submit(form)
    await waitFor(() => expect(ids()).toEqual([91, 61, 31, 1]))
    const q = fa.auditQueries.at(-1) as URLSearchParams
    expect(q.get('actor')).toBe('user:bob')
    expect(q.get('target')).toBe('acme')
    expect(q.get('result')).toBe('EFORBIDDEN')
    expect(window.location.search).toBe('?actor=user%3Abob&target=acme&result=EFORBIDDEN')
    expect(
      within(document.querySelector('tr[data-entry="91"]') as HTMLElement).getByText('EFORBIDDEN'),
    ).toBeTruthy()
    ;(form as HTMLFormElement).reset()
    await waitFor(() => expect(ids()[0]).toBe(120))
    // The entries' times are 10:00:01Z + id seconds; a range picks ids 5..9.
    const local = (s: number) => {
      const d = new Date(Date.UTC(2026, 10, 22, 10, 0, s))
      const pad = (n: number) => String(n).padStart(2, '0')
      return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`
    }
    fireEvent.input(within(form).getByLabelText('From'), { target: { value: local(5) } })
    fireEvent.input(within(form).getByLabelText('To'), { target: { value: local(9) } })
    fireEvent.submit(form)
    await waitFor(() => expect(ids()).toEqual([9, 8, 7, 6, 5]))
  })

  it('takes its text filters from the address, so a container page can link to its trail', async () => {
    await mount(undefined, '/audit?target=zeta&actor=user%3Abob')
    await waitFor(() => expect(ids()[0]).toBe(118))
    expect(ids().every((id) => (id - 1) % 3 === 0 && (id - 1) % 2 === 1)).toBe(true)
    expect((screen.getByLabelText('Container') as HTMLInputElement).value).toBe('zeta')
    expect(fa.auditQueries[0]?.get('target')).toBe('zeta')
  })

  it('says so when the chain does not verify', async () => {
    await mount({ ok: false, entries: 42, brokenAt: 17, reason: 'hash mismatch' })
    expect(await screen.findByText('Chain broken at entry 17: hash mismatch (42 checked).')).toBeTruthy()
  })

  it('leaves blank filters out of the query', () => {
    expect(
      auditQuery({ actor: ' ', action: 'x', target: '', result: '', since: '', until: '' }, undefined),
    ).toEqual({
      action: 'x',
      limit: 50,
    })
  })
})
