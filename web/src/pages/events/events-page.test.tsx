import { cleanup, fireEvent, render, screen, waitFor } from '@solidjs/testing-library'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { events } from '../../lib/events.ts'
import EventsPage from './events-page.tsx'

// The page listens to the panel's one stream: the real stream code, fed from a body the test writes.
let push: (text: string) => void = () => {}
vi.mock('../../lib/events.ts', async (original) => {
  const mod = await original<typeof import('../../lib/events.ts')>()
  const stream = mod.createEventStream({
    connect: async () =>
      new Response(
        new ReadableStream<Uint8Array>({
          start(c) {
            push = (text) => c.enqueue(new TextEncoder().encode(text))
          },
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      ),
  })
  return { ...mod, events: stream }
})

let id = 1
const send = (type: string, data: unknown) => {
  const e = { id: id++, time: new Date().toISOString(), type, subject: 'subj', data }
  push(`id: ${e.id}\nevent: ${type}\ndata: ${JSON.stringify(e)}\n\n`)
}
const types = () => [...document.querySelectorAll('.timeline .type')].map((t) => t.textContent)

afterEach(() => {
  cleanup()
  events.stop()
})

describe('the events page', () => {
  it('shows the stream live, filters by type prefix, and holds events while paused', async () => {
    events.start()
    render(() => <EventsPage />)
    await waitFor(() => expect(events.status).not.toBe('stopped'))
    await new Promise((r) => setTimeout(r, 20))
    send('job.created', { kind: 'container.install', state: 'queued', error: null })
    send('container.state', { name: 'acme', previous: 'created', state: 'installing', reason: null })
    await waitFor(() => expect(types()).toEqual(['container.state', 'job.created']))
    expect(screen.getByText('acme: created → installing')).toBeTruthy()
    fireEvent.input(screen.getByLabelText('Type prefix'), { target: { value: 'job.*' } })
    await waitFor(() => expect(types()).toEqual(['job.created']))
    fireEvent.input(screen.getByLabelText('Type prefix'), { target: { value: '' } })
    fireEvent.click(screen.getByRole('button', { name: 'Pause' }))
    send('job.started', { kind: 'container.install', state: 'running', error: null })
    await screen.findByRole('button', { name: 'Resume (1 new)' })
    expect(types()).toEqual(['container.state', 'job.created'])
    fireEvent.click(screen.getByRole('button', { name: 'Resume (1 new)' }))
    await waitFor(() => expect(types()).toEqual(['job.started', 'container.state', 'job.created']))
  })
})
