import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { OrbitEvent } from '../../lib/events.ts'
import { loadSession } from '../../lib/session.ts'
import type { Job } from '../../lib/state.ts'
import { panel } from '../../lib/store.ts'
import { fakeGateway, makeContainer } from '../../test/fake-gateway.ts'
import DashboardPage from './dashboard-page.tsx'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }))
afterEach(() => {
  cleanup()
  server.resetHandlers()
})
afterAll(() => server.close())

let id = 9000
const send = (type: string, data: Job) =>
  panel.dispatch({ id: id++, time: new Date().toISOString(), type, subject: data.id, data } as OrbitEvent)
const fail = (job: Job, code: string, message: string) =>
  send('job.failed', {
    ...job,
    state: 'failed',
    error: { code, message },
    updatedAt: new Date(Date.now() + 1000).toISOString(),
    finishedAt: new Date().toISOString(),
  })

describe('importing a .ctnr dropped on the dashboard', () => {
  it('asks to trust an unknown signer, then for the passphrase, and retries the upload each time', async () => {
    const gw = fakeGateway({ containers: [makeContainer('acme')] })
    server.use(...gw.handlers)
    await loadSession()
    render(() => <DashboardPage />)
    await screen.findByRole('heading', { name: 'acme' })
    const archive = new File([new Uint8Array(64_000)], 'books.ctnr')
    const zone = screen.getByRole('heading', { name: 'Containers' }).closest('section') as HTMLElement
    fireEvent.dragOver(zone, { dataTransfer: { types: ['Files'], files: [archive] } })
    await screen.findByText('Drop a .ctnr archive to import it')
    fireEvent.drop(zone, { dataTransfer: { types: ['Files'], files: [archive] } })
    await screen.findByRole('dialog', { name: 'Import books.ctnr' })
    await waitFor(() => expect(gw.uploads.length).toBe(1))
    expect(gw.uploads[0]).toMatchObject({ path: '/api/imports', bytes: 64_000, query: '', passphrase: null })

    const last = () => [...gw.jobs.values()].at(-1) as Job
    await waitFor(() => expect(gw.jobs.size).toBe(1))
    fail(last(), 'EUNTRUSTED', 'signed by an untrusted key 1a2b:3c4d')
    await screen.findByText('signed by an untrusted key 1a2b:3c4d')
    fireEvent.click(screen.getByRole('button', { name: 'Trust this signer and import' }))
    await waitFor(() => expect(gw.uploads.length).toBe(2))
    expect(gw.uploads[1]?.query).toBe('?trust=true')

    await waitFor(() => expect(gw.jobs.size).toBe(2))
    fail(last(), 'EBADPASS', 'the archive is encrypted: a passphrase is needed')
    fireEvent.input(await screen.findByLabelText('Passphrase'), { target: { value: 'correct horse' } })
    fireEvent.click(screen.getByRole('button', { name: 'Import' }))
    await waitFor(() => expect(gw.uploads.length).toBe(3))
    expect(gw.uploads[2]).toMatchObject({ query: '?trust=true', passphrase: 'correct horse' })

    await waitFor(() => expect(gw.jobs.size).toBe(3))
    const books = makeContainer('books')
    const job = last()
    send('job.succeeded', {
      ...job,
      state: 'succeeded',
      result: {
        container: books,
        signer: { publicKey: 'k', fingerprint: '1a2b' },
        trustedNow: true,
        runtime: null,
        totals: { entries: 1, files: 1, blobs: 1, bytes: 1 },
        stripped: 0,
      },
      updatedAt: new Date(Date.now() + 2000).toISOString(),
      finishedAt: new Date().toISOString(),
    })
    await screen.findByText(/its signer is now trusted/)
    expect(screen.getByRole('link', { name: 'books' }).getAttribute('href')).toBe(`/containers/${books.id}`)
  })

  it('refuses a dropped file that is not a .ctnr, without uploading it', async () => {
    const gw = fakeGateway({ containers: [makeContainer('acme')] })
    server.use(...gw.handlers)
    await loadSession()
    render(() => <DashboardPage />)
    await screen.findByRole('heading', { name: 'acme' })
    const zone = screen.getByRole('heading', { name: 'Containers' }).closest('section') as HTMLElement
    const notes = new File(['hi'], 'notes.txt')
    fireEvent.drop(zone, { dataTransfer: { types: ['Files'], files: [notes] } })
    await screen.findByText('notes.txt is not a .ctnr archive')
    expect(gw.uploads).toEqual([])
  })
})
