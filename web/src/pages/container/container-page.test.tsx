import { cleanup, configure, fireEvent, render, screen, waitFor, within } from '@solidjs/testing-library'
import { http } from 'msw'
import { setupServer } from 'msw/node'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { location, navigate } from '../../lib/router.ts'
import { loadSession } from '../../lib/session.ts'
import type { Run } from '../../lib/state.ts'
import { panel } from '../../lib/store.ts'
import {
  addKey,
  type FakeContainer,
  fakeContainer,
  makeRun,
  makeSnapshot,
  runnerSession,
} from '../../test/fake-container.ts'
import { fakeGateway, makeContainer, origin, problem } from '../../test/fake-gateway.ts'
import ContainerPage from './container-page.tsx'

// The sections load lazily (a dynamic import each): on a busy machine that takes more than 1 s.
configure({ asyncUtilTimeout: 5000 })

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const server = setupServer()
let fc: FakeContainer
let eventId = 5000
beforeAll(() => server.listen({ onUnhandledRequest: 'bypass' }))
afterEach(() => {
  cleanup()
  panel.dispatch({ type: 'local.containers', items: [] })
  server.resetHandlers()
})
afterAll(() => server.close())

/** Opens /containers/acme on a tab, against a fake gateway holding one container. */
async function open(
  tab = '',
  extra: Parameters<typeof makeContainer>[1] = {},
  setup?: (fc: FakeContainer) => void,
) {
  const acme = makeContainer('acme', { state: 'ready', installed: false, ...extra })
  const gw = fakeGateway({ containers: [acme], session: runnerSession })
  fc = fakeContainer(acme)
  setup?.(fc)
  server.use(...fc.handlers, ...gw.handlers)
  await loadSession()
  navigate(`/containers/acme${tab ? `?tab=${tab}` : ''}`)
  render(() => <ContainerPage params={{ id: 'acme' }} />)
  await screen.findByRole('heading', { level: 1, name: 'acme' })
  return acme
}

const event = (type: string, subject: string, data: unknown) =>
  panel.dispatch({ id: eventId++, time: new Date().toISOString(), type, subject, data } as never)

describe('the container page: overview and settings', () => {
  it('shows the facts and follows the container state live', async () => {
    const acme = await open()
    const fact = (name: string) => document.querySelector(`[data-fact="${name}"]`)?.textContent
    expect(fact('runtime')).toBe('Wine 8.0')
    expect(fact('network')).toBe('off (loopback only)')
    event('container.state', acme.id, {
      id: acme.id,
      name: 'acme',
      state: 'running',
      previous: 'ready',
      reason: null,
    })
    await waitFor(() => expect(fact('state')).toBe('running'))
  })

  it('tabs: arrows move between them and the address keeps the choice; a native container has no registry', async () => {
    await open()
    const tabs = () => screen.getAllByRole('tab').map((t) => t.textContent)
    expect(tabs()).toEqual(['Overview', 'Apps & runs', 'Snapshots', 'Registry', 'Files', 'Export'])
    const overview = screen.getByRole('tab', { name: 'Overview' })
    expect(overview.getAttribute('aria-selected')).toBe('true')
    fireEvent.keyDown(overview, { key: 'ArrowLeft' })
    await waitFor(() =>
      expect(screen.getByRole('tab', { name: 'Export' }).getAttribute('aria-selected')).toBe('true'),
    )
    expect(window.location.search).toBe('?tab=export')
    await screen.findByRole('button', { name: 'Export' })
    cleanup()
    await open('registry', { runtime: { kind: 'native', id: null, wineVersion: null, hash: null } })
    expect(tabs()).toEqual(['Overview', 'Apps & runs', 'Snapshots', 'Files', 'Export'])
    expect(screen.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected')).toBe('true')
    expect(document.querySelector('[data-fact="runtime"]')?.textContent).toBe('Native (Linux programs)')
  })

  it('saves env, network, display, limits and labels with one PATCH', async () => {
    await open()
    fireEvent.input(screen.getByLabelText(/Environment/), { target: { value: 'MODE=demo\nLEVEL=3' } })
    fireEvent.change(screen.getByLabelText('Network'), { target: { value: 'host' } })
    fireEvent.change(screen.getByLabelText(/^Display/), { target: { value: 'host' } })
    fireEvent.input(screen.getByLabelText('Memory limit (MB)'), { target: { value: '512' } })
    fireEvent.input(screen.getByLabelText(/Labels/), { target: { value: 'team=finance' } })
    fireEvent.submit(screen.getByRole('button', { name: 'Save settings' }))
    await screen.findByText('Saved')
    expect(fc.patches).toEqual([
      {
        env: { MODE: 'demo', LEVEL: '3' },
        labels: { team: 'finance' },
        network: 'host',
        display: 'host',
        limits: { memoryMb: 512, pids: null },
      },
    ])
    expect(document.querySelector('[data-fact="network"]')?.textContent).toBe('host network')
    expect(document.querySelector('[data-fact="display"]')?.textContent).toBe("the host's X display")
  })

  it('shows a change at once and rolls it back with the problem’s message when refused', async () => {
    await open()
    server.use(
      http.patch(`${origin}/api/containers/:id`, async () => {
        await sleep(150)
        return problem(409, 'ECONFLICT', 'Conflict', 'acme is running: stop it first')
      }),
    )
    fireEvent.change(screen.getByLabelText('Network'), { target: { value: 'host' } })
    fireEvent.submit(screen.getByRole('button', { name: 'Save settings' }))
    // Optimistic: the fact changes before the gateway answers ...
    await waitFor(() =>
      expect(document.querySelector('[data-fact="network"]')?.textContent).toBe('host network'),
    )
    // ... and goes back when it refuses, with its reason.
    await screen.findByText('Not saved: acme is running: stop it first')
    expect(document.querySelector('[data-fact="network"]')?.textContent).toBe('off (loopback only)')
    expect((screen.getByLabelText('Network') as HTMLSelectElement).value).toBe('none')
  })

  it('a limit that is not a number is refused before anything is sent', async () => {
    await open()
    fireEvent.input(screen.getByLabelText('Process limit'), { target: { value: 'lots' } })
    fireEvent.submit(screen.getByRole('button', { name: 'Save settings' }))
    await screen.findByText(/Processes: a whole number/)
    expect(fc.patches).toEqual([])
  })

  it('deletes only once the name is typed, then goes back to the dashboard', async () => {
    await open()
    fireEvent.click(screen.getByRole('button', { name: 'Delete container…' }))
    const dialog = await screen.findByRole('dialog', { name: 'Delete acme?' })
    const confirm = within(dialog).getByRole('button', { name: 'Delete' }) as HTMLButtonElement
    expect(confirm.disabled).toBe(true)
    fireEvent.input(within(dialog).getByLabelText('Container name'), { target: { value: 'acm' } })
    expect(confirm.disabled).toBe(true)
    fireEvent.input(within(dialog).getByLabelText('Container name'), { target: { value: 'acme' } })
    expect(confirm.disabled).toBe(false)
    fireEvent.click(confirm)
    await waitFor(() => expect(location().pathname).toBe('/'))
    expect(fc.deleted).toBe(true)
  })
})

describe('the container page: runs', () => {
  it('runs an app and shows its output live from run.output events, then its exit code', async () => {
    const acme = await open('runs')
    fireEvent.click(await screen.findByRole('button', { name: 'Run Acme' }))
    await waitFor(() => expect(fc.started).toEqual([{ program: 'Acme', args: [] }]))
    const run = fc.runs[0] as Run
    const pane = await screen.findByRole('log', { name: 'Output' })
    event('run.output', run.id, {
      runId: run.id,
      containerId: acme.id,
      stream: 'stdout',
      text: 'Acme 1.0.0\n',
      offset: 0,
    })
    await waitFor(() => expect(pane.textContent).toBe('Acme 1.0.0\n'))
    event('run.output', run.id, {
      runId: run.id,
      containerId: acme.id,
      stream: 'stderr',
      text: 'warn: demo\n',
      offset: 11,
    })
    await waitFor(() => expect(pane.textContent).toBe('Acme 1.0.0\nwarn: demo\n'))
    // A replayed chunk (a resumed stream) is not shown twice.
    event('run.output', run.id, {
      runId: run.id,
      containerId: acme.id,
      stream: 'stdout',
      text: 'Acme 1.0.0\n',
      offset: 0,
    })
    await sleep(20)
    expect(pane.textContent).toBe('Acme 1.0.0\nwarn: demo\n')
    expect(screen.getByRole('button', { name: 'Stop' })).toBeTruthy()
    event('run.ended', run.id, { ...run, state: 'exited', exitCode: 3, finishedAt: new Date().toISOString() })
    await screen.findByText('Ended: exit code 3')
    expect(screen.queryByRole('button', { name: 'Stop' })).toBeNull()
    expect(screen.getByRole('link', { name: 'Full log' }).getAttribute('href')).toBe(
      `/api/runs/${run.id}/log`,
    )
  })

  it('joins the log fetched for an earlier run with what the stream adds, without repeating', async () => {
    let run!: Run
    const acme = await open('runs', {}, (f) => {
      run = makeRun(f.container.id, { startedAt: new Date(Date.now() - 60_000).toISOString() })
      f.runs.push(run)
      f.logs.set(run.id, 'line 1\nline 2\n')
    })
    const pane = await screen.findByRole('log', { name: 'Output' })
    await waitFor(() => expect(pane.textContent).toBe('line 1\nline 2\n'))
    event('run.output', run.id, {
      runId: run.id,
      containerId: acme.id,
      stream: 'stdout',
      text: 'line 2\nline 3\n',
      offset: 7,
    })
    await waitFor(() => expect(pane.textContent).toBe('line 1\nline 2\nline 3\n'))
  })

  it('runs a program by its Windows path with arguments; a refusal shows the problem', async () => {
    await open('runs')
    const form = await screen.findByRole('form', { name: 'Run program' })
    fireEvent.input(within(form).getByLabelText('Program (Windows path)'), {
      target: { value: 'C:\\Program Files\\Acme\\acme.exe' },
    })
    fireEvent.input(within(form).getByLabelText('Arguments'), { target: { value: '--greet "Ada L"' } })
    fireEvent.submit(within(form).getByRole('button', { name: 'Run' }))
    await waitFor(() =>
      expect(fc.started).toEqual([
        { program: 'C:\\Program Files\\Acme\\acme.exe', args: ['--greet', 'Ada L'] },
      ]),
    )
    server.use(
      http.post(`${origin}/api/containers/:id/runs`, () =>
        problem(409, 'ECONFLICT', 'Conflict', 'acme is busy: a snapshot holds it'),
      ),
    )
    fireEvent.submit(within(form).getByRole('button', { name: 'Run' }))
    await screen.findByText(
      /Could not start C:\\Program Files\\Acme\\acme.exe: acme is busy: a snapshot holds it/,
    )
  })
})

describe('the container page: snapshots', () => {
  it('lists the timeline and renders the diff between a snapshot and its parent', async () => {
    await open('snapshots', {}, (f) => {
      f.snapshots = [makeSnapshot(0, 'base', null), makeSnapshot(1, 'post-install', '000-base')]
      f.diff = SnapshotDiff()
    })
    const timeline = await screen.findByRole('list', { name: 'Snapshot timeline' })
    expect([...timeline.querySelectorAll('li')].map((li) => li.getAttribute('data-snapshot'))).toEqual([
      '001-post-install',
      '000-base',
    ])
    fireEvent.click(screen.getByRole('button', { name: 'Changes in 001-post-install' }))
    const added = await screen.findByRole('list', { name: 'Files added' })
    expect(added.textContent).toContain('C:\\Program Files\\Acme\\acme.exe')
    expect(fc.diffsAsked).toEqual([{ to: '001-post-install', from: '000-base' }])
    expect(screen.getByRole('list', { name: 'Files changed' }).textContent).toContain('C:\\windows\\win.ini')
    expect(screen.getByRole('list', { name: 'Files changed' }).textContent).toContain('size')
    expect(screen.getByRole('list', { name: 'Keys added' }).textContent).toContain('HKLM\\Software\\Acme')
    expect(screen.getByRole('list', { name: 'Values changed' }).textContent).toContain(
      'Version = 1.0.0 (sz) → Version = 2.0.0 (sz)',
    )
    expect(screen.queryByRole('list', { name: 'Files removed' })).toBeNull()
  })

  it('takes a snapshot with a label and follows its job to the end', async () => {
    await open('snapshots', {}, (f) => {
      f.snapshots = [makeSnapshot(0, 'base', null)]
    })
    fireEvent.input(await screen.findByLabelText('Label'), { target: { value: 'bad label' } })
    fireEvent.submit(screen.getByRole('button', { name: 'Take snapshot' }))
    await screen.findByText(/A label is 1-48 letters/)
    fireEvent.input(screen.getByLabelText('Label'), { target: { value: 'before-update' } })
    fireEvent.submit(screen.getByRole('button', { name: 'Take snapshot' }))
    await waitFor(() => expect(fc.jobs.length).toBe(1))
    const job = fc.jobs[0] as (typeof fc.jobs)[number]
    expect(job.params).toEqual({ label: 'before-update' })
    await screen.findByText(/Snapshot before-update: waiting for its turn/)
    const now = new Date().toISOString()
    event('job.started', job.id, {
      ...job,
      state: 'running',
      phase: 'hashing files',
      startedAt: now,
      updatedAt: now,
    })
    await screen.findByText(/Snapshot before-update: hashing files/)
    fc.snapshots = [...fc.snapshots, makeSnapshot(1, 'before-update', '000-base')]
    const later = new Date(Date.now() + 1000).toISOString()
    event('job.succeeded', job.id, { ...job, state: 'succeeded', finishedAt: later, updatedAt: later })
    await screen.findByText('Snapshot before-update taken')
    await waitFor(() =>
      expect(document.querySelector('li[data-snapshot="001-before-update"]')).not.toBeNull(),
    )
  })

  it('a refused restore says why', async () => {
    await open('snapshots', {}, (f) => {
      f.snapshots = [makeSnapshot(0, 'base', null)]
    })
    server.use(
      http.post(`${origin}/api/containers/:id/snapshots/:snap/restore`, () =>
        problem(409, 'ECONFLICT', 'Conflict', 'acme is running: stop it first'),
      ),
    )
    fireEvent.click(await screen.findByRole('button', { name: 'Restore 000-base' }))
    const dialog = await screen.findByRole('dialog', { name: 'Restore 000-base?' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Restore' }))
    await screen.findByText('Could not restore 000-base: acme is running: stop it first')
  })
})

describe('the container page: registry', () => {
  const setup = (f: FakeContainer) => {
    addKey(f, 'HKLM')
    addKey(f, 'HKCU')
    addKey(f, 'HKLM\\Software\\Acme', [
      { name: 'Version', type: 'sz', data: '1.0.0' },
      { name: 'Seats', type: 'dword', data: 5 },
    ])
    addKey(f, 'HKLM\\Software\\Wine')
  }

  it('opens keys lazily down to HKLM\\Software\\Acme and shows its values', async () => {
    await open('registry', {}, setup)
    // HKLM is selected and open at first; HKCU waits to be opened.
    const hklm = await screen.findByRole('button', { name: 'Collapse HKEY_LOCAL_MACHINE' })
    expect(hklm.getAttribute('aria-expanded')).toBe('true')
    expect(screen.getByRole('button', { name: 'Expand HKEY_CURRENT_USER' })).toBeTruthy()
    fireEvent.click(await screen.findByRole('button', { name: 'Software' }))
    fireEvent.click(await screen.findByRole('button', { name: 'Acme' }))
    const table = await screen.findByRole('table', { name: 'Values of HKLM\\Software\\Acme' })
    const row = within(table).getByRole('row', { name: /Version/ })
    expect(row.textContent).toContain('REG_SZ')
    expect(row.textContent).toContain('1.0.0')
    expect(within(table).getByRole('row', { name: /Seats/ }).textContent).toContain('0x00000005 (5)')
    expect(
      screen.getByRole('link', { name: 'Export HKLM\\Software\\Acme as .reg' }).getAttribute('href'),
    ).toBe(`/api/containers/${fc.container.id}/registry/export?key=HKLM%5CSoftware%5CAcme`)
  })

  it('edits a value (typed data) and deletes one; a refusal shows the problem', async () => {
    await open('registry', {}, setup)
    fireEvent.input(screen.getByLabelText('Key path'), {
      target: { value: 'HKEY_LOCAL_MACHINE\\Software\\Acme' },
    })
    fireEvent.submit(screen.getByRole('button', { name: 'Go' }))
    await screen.findByRole('table', { name: 'Values of HKLM\\Software\\Acme' })
    fireEvent.click(screen.getByRole('button', { name: 'Edit Seats' }))
    let dialog = await screen.findByRole('dialog', { name: 'Edit Seats' })
    fireEvent.input(within(dialog).getByLabelText(/Data/), { target: { value: 'many' } })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Save' }))
    await within(dialog).findByText(/a DWORD is a number/)
    fireEvent.input(within(dialog).getByLabelText(/Data/), { target: { value: '0x10' } })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Save' }))
    await screen.findByText('Saved Seats')
    expect(fc.valueSets).toEqual([{ key: 'HKLM\\Software\\Acme', name: 'Seats', type: 'dword', data: 16 }])
    await waitFor(() => expect(screen.getByRole('row', { name: /Seats/ }).textContent).toContain('(16)'))

    fireEvent.click(screen.getByRole('button', { name: 'New value…' }))
    dialog = await screen.findByRole('dialog', { name: 'New value' })
    fireEvent.input(within(dialog).getByLabelText(/Value name/), { target: { value: 'Paths' } })
    fireEvent.change(within(dialog).getByLabelText('Type'), { target: { value: 'multi_sz' } })
    fireEvent.input(within(dialog).getByLabelText(/Data/), { target: { value: 'C:\\a\nC:\\b' } })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Save' }))
    await screen.findByText('Saved Paths')
    expect(fc.valueSets[1]).toEqual({
      key: 'HKLM\\Software\\Acme',
      name: 'Paths',
      type: 'multi_sz',
      data: ['C:\\a', 'C:\\b'],
    })

    fireEvent.click(screen.getByRole('button', { name: 'Delete Version' }))
    dialog = await screen.findByRole('dialog', { name: 'Delete Version?' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }))
    await screen.findByText('Deleted Version')
    expect(fc.valueDeletes).toEqual([{ key: 'HKLM\\Software\\Acme', name: 'Version' }])
    await waitFor(() => expect(screen.queryByRole('row', { name: /Version/ })).toBeNull())

    fc.container = { ...fc.container, state: 'running' }
    fireEvent.click(screen.getByRole('button', { name: 'Delete Seats' }))
    dialog = await screen.findByRole('dialog', { name: 'Delete Seats?' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }))
    await screen.findByText('Could not delete Seats: acme is running: stop it first')
  })

  it('edits a value of another type by its number, keeping its raw data as hex', async () => {
    await open('registry', {}, (f) => {
      setup(f)
      addKey(f, 'HKLM\\Software\\Acme\\Hw', [{ name: 'Res', type: 'hex', data: '0a0b', raw_type: 8 }])
    })
    fireEvent.input(screen.getByLabelText('Key path'), { target: { value: 'HKLM\\Software\\Acme\\Hw' } })
    fireEvent.submit(screen.getByRole('button', { name: 'Go' }))
    const table = await screen.findByRole('table', { name: 'Values of HKLM\\Software\\Acme\\Hw' })
    expect(within(table).getByRole('row', { name: /Res/ }).textContent).toContain('type 0x8')
    fireEvent.click(screen.getByRole('button', { name: 'Edit Res' }))
    const dialog = await screen.findByRole('dialog', { name: 'Edit Res' })
    const number = within(dialog).getByLabelText(/Type number/) as HTMLInputElement
    expect(number.value).toBe('0x8')
    expect((within(dialog).getByLabelText(/Data/) as HTMLTextAreaElement).value).toBe('0a0b')
    fireEvent.input(number, { target: { value: 'eight' } })
    fireEvent.input(within(dialog).getByLabelText(/Data/), { target: { value: '0a 0b ff' } })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Save' }))
    await within(dialog).findByText(/a type number from 0/)
    fireEvent.input(number, { target: { value: '0x20000000' } })
    fireEvent.submit(within(dialog).getByRole('button', { name: 'Save' }))
    await screen.findByText('Saved Res')
    expect(fc.valueSets).toEqual([
      { key: 'HKLM\\Software\\Acme\\Hw', name: 'Res', type: 'hex', data: '0a0bff', raw_type: 0x20000000 },
    ])
  })

  it('deletes a key after a confirmation, moves to its parent and drops it from the tree', async () => {
    await open('registry', {}, setup)
    fireEvent.click(await screen.findByRole('button', { name: 'Software' }))
    fireEvent.click(await screen.findByRole('button', { name: 'Acme' }))
    await screen.findByRole('table', { name: 'Values of HKLM\\Software\\Acme' })
    fireEvent.click(screen.getByRole('button', { name: 'Delete key HKLM\\Software\\Acme' }))
    let dialog = await screen.findByRole('dialog', { name: 'Delete key Acme?' })
    expect(dialog.textContent).toContain('0 subkeys, 2 values here')
    fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    await waitFor(() => expect(screen.queryByRole('dialog')).toBeNull())
    expect(fc.keyDeletes).toEqual([])
    fireEvent.click(screen.getByRole('button', { name: 'Delete key HKLM\\Software\\Acme' }))
    dialog = await screen.findByRole('dialog', { name: 'Delete key Acme?' })
    fireEvent.click(within(dialog).getByRole('button', { name: 'Delete key' }))
    await screen.findByText('Deleted HKLM\\Software\\Acme')
    expect(fc.keyDeletes).toEqual(['HKLM\\Software\\Acme'])
    const tree = screen.getByRole('navigation', { name: 'Registry keys' })
    await waitFor(() => expect(within(tree).queryByRole('button', { name: 'Acme' })).toBeNull())
    expect(within(tree).getByRole('button', { name: 'Wine' })).toBeTruthy()
    expect(within(tree).getByRole('button', { name: 'Software' }).getAttribute('aria-current')).toBe('true')
    // A root has no delete button.
    fireEvent.click(screen.getByRole('button', { name: 'HKEY_LOCAL_MACHINE' }))
    await waitFor(() => expect(screen.queryByRole('button', { name: /^Delete key/ })).toBeNull())
  })
})

describe('the container page: registry import', () => {
  it('applies a picked .reg file and says what it changed; a bad file shows the problem', async () => {
    await open('registry', {}, (f) => {
      addKey(f, 'HKLM')
      addKey(f, 'HKCU')
    })
    const input = (await screen.findByLabelText('Import .reg…')) as HTMLInputElement
    const reg =
      'Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\Software\\Acme]\r\n"Version"="1.0.0"\r\n'
    fireEvent.change(input, { target: { files: [new File([reg], 'acme.reg')] } })
    await screen.findByText('Imported acme.reg: 1 keys created, 2 values set, 0 keys and 0 values deleted')
    expect(fc.imports).toEqual([reg])
    fireEvent.change(input, { target: { files: [new File(['hello'], 'notes.reg')] } })
    await screen.findByText('Could not import notes.reg: line 1: not a .reg file')
  })
})

describe('the container page: files', () => {
  it('navigates folders with breadcrumbs and links files for download', async () => {
    await open('files', {}, (f) => {
      const entry = (name: string, kind: 'file' | 'dir', size = 0) => ({
        name,
        kind,
        size,
        mtime: '2026-11-22T10:00:00.000Z',
        origin: 'container' as const,
      })
      f.files.set('c:\\', { path: 'C:\\', entries: [entry('Program Files', 'dir'), entry('windows', 'dir')] })
      f.files.set('c:\\program files', { path: 'C:\\Program Files', entries: [entry('Acme', 'dir')] })
      f.files.set('c:\\program files\\acme', {
        path: 'C:\\Program Files\\Acme',
        entries: [entry('acme.exe', 'file', 2048)],
      })
    })
    fireEvent.click(await screen.findByRole('button', { name: /Program Files/ }))
    fireEvent.click(await screen.findByRole('button', { name: /Acme/ }))
    const link = await screen.findByRole('link', { name: 'Download acme.exe' })
    expect(link.getAttribute('href')).toBe(
      `/api/containers/${fc.container.id}/files/download?path=${encodeURIComponent('C:\\Program Files\\Acme\\acme.exe')}`,
    )
    expect(screen.getByRole('row', { name: /acme.exe/ }).textContent).toContain('2.0 KB')
    const crumbs = screen.getByRole('navigation', { name: 'Folder path' })
    fireEvent.click(within(crumbs).getByRole('button', { name: 'C:' }))
    await screen.findByRole('button', { name: /windows/ })
  })

  it('a folder that cannot be read shows the problem', async () => {
    await open('files', {}, (f) => {
      f.files.set('c:\\', { path: 'C:\\', entries: [] })
    })
    server.use(
      http.get(`${origin}/api/containers/:id/files`, () =>
        problem(403, 'EFORBIDDEN', 'Forbidden', 'the link leads out of the C: drive'),
      ),
    )
    fireEvent.input(screen.getByLabelText('Folder'), { target: { value: 'C:\\evil' } })
    fireEvent.submit(screen.getByRole('button', { name: 'Open' }))
    await screen.findByText('the link leads out of the C: drive')
  })
})

function SnapshotDiff() {
  const file = (path: string, size: number) => ({
    path,
    kind: 'file' as const,
    size,
    mode: 0o644,
    hash: 'ab',
  })
  return {
    from: '000-base',
    to: '001-post-install',
    files: {
      added: [file('drive_c/Program Files/Acme/acme.exe', 2048)],
      changed: [
        {
          path: 'drive_c/windows/win.ini',
          reasons: ['size', 'content'],
          before: file('drive_c/windows/win.ini', 10),
          after: file('drive_c/windows/win.ini', 20),
        },
      ],
      removed: [],
    },
    registry: {
      keysAdded: ['HKLM\\Software\\Acme'],
      keysRemoved: [],
      valuesAdded: [],
      valuesChanged: [
        {
          key: 'HKLM\\Software\\Acme',
          old: { name: 'Version', type: 'sz', data: '1.0.0' },
          new: { name: 'Version', type: 'sz', data: '2.0.0' },
        },
      ],
      valuesRemoved: [],
    },
  }
}
