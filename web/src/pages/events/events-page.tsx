import { createMemo, createSignal, For, onCleanup, Show } from 'solid-js'
import { events, type OrbitEvent } from '../../lib/events.ts'
import '../admin/admin.css'
import { matchesPrefix, summarize } from './summary.ts'

/** How many events the timeline keeps; older ones fall off the end. */
export const KEEP = 500

/**
 * `/events`: the panel's event stream as a live timeline, newest first. It listens to the one
 * stream the panel already has (from when the page opened). Paused, new events wait aside and
 * join the timeline on resume, so nothing is lost while reading.
 */
export default function EventsPage() {
  const [list, setList] = createSignal<OrbitEvent[]>([])
  const [held, setHeld] = createSignal<OrbitEvent[]>([])
  const [paused, setPaused] = createSignal(false)
  const [prefix, setPrefix] = createSignal('')
  const [resets, setResets] = createSignal(0)

  onCleanup(
    events.subscribe((msg) => {
      if (msg.kind === 'reset') setResets(resets() + 1)
      if (msg.kind !== 'event') return
      if (paused()) setHeld([msg.event, ...held()].slice(0, KEEP))
      else setList([msg.event, ...list()].slice(0, KEEP))
    }),
  )
  const resume = () => {
    setList([...held(), ...list()].slice(0, KEEP))
    setHeld([])
    setPaused(false)
  }
  const shown = createMemo(() => list().filter((e) => matchesPrefix(e.type, prefix())))

  return (
    <section aria-labelledby="events-title">
      <div class="page-head">
        <h1 id="events-title">Events</h1>
        <div class="toolbar">
          <Show
            when={paused()}
            fallback={
              <button type="button" onClick={() => setPaused(true)}>
                Pause
              </button>
            }
          >
            <button type="button" class="primary" onClick={resume}>
              Resume{held().length ? ` (${held().length} new)` : ''}
            </button>
          </Show>
          <button type="button" onClick={() => setList([])} disabled={list().length === 0}>
            Clear
          </button>
        </div>
      </div>
      <search class="filters" aria-label="Filter events">
        <label>
          Type prefix
          <input
            type="search"
            list="event-types"
            placeholder="e.g. job. or container.state"
            value={prefix()}
            onInput={(e) => setPrefix(e.currentTarget.value)}
          />
          <datalist id="event-types">
            <option value="job." />
            <option value="container." />
            <option value="run." />
            <option value="install." />
          </datalist>
        </label>
      </search>
      <p class="muted" aria-live="polite">
        {paused() ? `Paused — ${held().length} new event${held().length === 1 ? '' : 's'} waiting. ` : ''}
        {`${shown().length} event${shown().length === 1 ? '' : 's'} since this page opened`}
        {resets()
          ? ` (the stream missed events ${resets()} time${resets() === 1 ? '' : 's'}; lists were refetched)`
          : ''}
      </p>
      <Show
        when={shown().length > 0}
        fallback={<p class="empty">Waiting for events… act on a container or job to see some.</p>}
      >
        <ol class="timeline" aria-label="Event timeline">
          <For each={shown()}>
            {(e) => (
              <li data-event={e.id}>
                <time datetime={e.time} title={new Date(e.time).toLocaleString()}>
                  {new Date(e.time).toLocaleTimeString()}
                </time>
                <span class="type">{e.type}</span>
                <span class="summary">{summarize(e)}</span>
                <span class="subject mono">{e.subject}</span>
              </li>
            )}
          </For>
        </ol>
      </Show>
    </section>
  )
}
