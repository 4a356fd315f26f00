import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { OrbitEvent } from '../../lib/events.ts'
import { loadSession } from '../../lib/session.ts'
import type { Job } from '../../lib/state.ts'
import { panel } from '../../lib/store.ts'
import { fakeGateway, makeContainer, origin, problem } from '../../test/fake-gateway.ts'
import { splitArgs } from './args.ts'
import { InstallWizard } from './install-wizard.tsx'

const server = setupServer()
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }))
afterEach(() => {
  cleanup()
  server.resetHandlers()
})
afterAll(() => server.close())

let id = 5000
const send = (type: string, subject: string, data: unknown) =>
  panel.dispatch({ id: id++, time: new Date().toISOString(), type, subject, data } as OrbitEvent)

async function open() {
  const acme = makeContainer('acme', { state: 'created' })
  const gw = fakeGateway({ containers: [acme] })
  server.use(...gw.handlers)
  await loadSession()
  await panel.loadContainers()
  render(() => <InstallWizard containerId={acme.id} onClose={() => {}} />)
  const installer = new File([new Uint8Array(300_000)], 'acme-setup.exe', {
    type: 'application/x-msdownload',
  })
  fireEvent.change(screen.getByLabelText('Installer (.exe or .msi)'), { target: { files: [installer] } })
  return { gw, acme, installer }
}

describe('the install wizard', () => {
  it('uploads the installer, follows the capture job live and runs an app it found', async () => {
    const { gw, acme } = await open()
    fireEvent.input(screen.getByLabelText(/Installer arguments/), {
      target: { value: '/S /D="C:\\Acme Apps"' },
    })
    fireEvent.click(screen.getByRole('button', { name: 'Upload and install' }))
    await waitFor(() => expect(gw.uploads.length).toBe(1))
    const up = gw.uploads[0]
    expect(up?.path).toBe(`/api/containers/${acme.id}/installs`)
    expect(up?.bytes).toBe(300_000)
    const q = new URLSearchParams(up?.query)
    expect(q.get('filename')).toBe('acme-setup.exe')
    expect(q.getAll('args')).toEqual(['/S', '/D=C:\\Acme Apps'])
    expect(gw.csrfSeen).toEqual(['csrf-123'])

    const job = [...gw.jobs.values()][0] as Job
    await screen.findByText('Waiting for its turn…')
    send('job.started', job.id, {
      ...job,
      state: 'running',
      phase: 'prepare',
      startedAt: new Date().toISOString(),
    })
    send('install.progress', acme.id, {
      jobId: job.id,
      containerId: acme.id,
      phase: 'install',
      stream: 'stdout',
      line: 'Extracting acme.dll',
    })
    send('job.progress', job.id, {
      id: job.id,
      kind: job.kind,
      containerId: acme.id,
      phase: 'scan',
      progress: { done: 42, total: null, unit: 'files', message: '42 files scanned' },
    })
    await screen.findByText(/42 files scanned/)
    expect(screen.getByText('Extracting acme.dll')).toBeTruthy()

    const result = {
      containerId: acme.id,
      installer: {
        name: 'acme-setup.exe',
        kind: 'exe',
        size: 300_000,
        blake3: 'ab',
        args: ['/S'],
        exitCode: 0,
        signal: null,
        durationMs: 900,
      },
      summary: {
        filesAdded: 12,
        filesChanged: 1,
        filesRemoved: 0,
        bytesWritten: 2048,
        keysAdded: 7,
        keysRemoved: 0,
        valuesAdded: 9,
        valuesChanged: 0,
        valuesRemoved: 0,
        entryPoints: 1,
      },
      apps: [
        {
          name: 'Acme',
          target: 'C:\\Program Files\\Acme\\acme.exe',
          arguments: null,
          workingDir: null,
          description: null,
          icon: null,
          shortcut: null,
          source: 'shortcut',
        },
      ],
      snapshots: { before: '000-base', after: '001-post-install' },
    }
    send('job.succeeded', job.id, {
      ...job,
      state: 'succeeded',
      phase: 'done',
      result,
      finishedAt: new Date().toISOString(),
    })
    await screen.findByText(/12 files added, 1 changed, 7 registry keys and 9 values added/)
    fireEvent.click(screen.getByRole('button', { name: 'Run Acme' }))
    await screen.findByText(/Started/)
    expect(gw.runs).toEqual([{ containerId: acme.id, program: 'Acme' }])
  })

  it('a failed capture job says why', async () => {
    const { gw } = await open()
    fireEvent.click(screen.getByRole('button', { name: 'Upload and install' }))
    await waitFor(() => expect(gw.jobs.size).toBe(1))
    const job = [...gw.jobs.values()][0] as Job
    send('job.failed', job.id, {
      ...job,
      state: 'failed',
      error: { code: 'ECORE', message: 'the installer exited with code 2' },
      finishedAt: new Date().toISOString(),
    })
    await screen.findByText('The install failed: the installer exited with code 2')
  })

  it('a refused upload shows the problem and lets the person try again', async () => {
    const { acme } = await open()
    server.use(
      (await import('msw')).http.post(`${origin}/api/containers/:id/installs`, () =>
        problem(409, 'ECONFLICT', 'Conflict', `container acme (${acme.id}) is running, not created or ready`),
      ),
    )
    fireEvent.click(screen.getByRole('button', { name: 'Upload and install' }))
    await screen.findByText(/is running, not created or ready/)
    fireEvent.click(screen.getByRole('button', { name: 'Try again' }))
    expect(screen.getByRole('button', { name: 'Upload and install' })).toBeTruthy()
  })
})

describe('splitArgs', () => {
  it('splits on spaces and keeps quoted spaces', () => {
    expect(splitArgs('  /S  /D="C:\\Program Files\\A" ""  x')).toEqual([
      '/S',
      '/D=C:\\Program Files\\A',
      '',
      'x',
    ])
    expect(splitArgs('')).toEqual([])
  })
})
