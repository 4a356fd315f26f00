import { createEffect, createMemo, createSignal, For, on, onMount, Show } from 'solid-js'
import { call, client, errorMessage, type Schemas } from '../../lib/api.ts'
import { timeAgo } from '../../lib/format.ts'
import { hasScope } from '../../lib/session.ts'
import type { Container, Run } from '../../lib/state.ts'
import { panel } from '../../lib/store.ts'
import { splitArgs } from '../install/args.ts'
import { DownloadLink } from './download.tsx'
import { createFetch } from './fetch.ts'
import { joinOutput } from './output.ts'

type AppEntry = Schemas['App']

const ended = (r: Run | undefined) => r !== undefined && r.finishedAt !== null
const runEndText = (r: Run) =>
  r.exitCode !== null ? `exit code ${r.exitCode}` : r.signal !== null ? `signal ${r.signal}` : r.state

/** The container's apps with Run buttons, a "Run program" form, its runs and their live output. */
export function RunsSection(props: { container: Container }) {
  const id = () => props.container.id
  const apps = createFetch(id, (cid) =>
    call(client.GET('/api/containers/{id}/apps', { params: { path: { id: cid } } })).then((a) => a.items),
  )
  const [listError, setListError] = createSignal<string>()
  const [selected, setSelected] = createSignal<string>()
  const [startError, setStartError] = createSignal<string>()
  const canRun = () => hasScope('containers:run')
  onMount(() => {
    call(
      client.GET('/api/containers/{id}/runs', { params: { path: { id: id() }, query: { limit: 50 } } }),
    ).then(
      (page) => {
        panel.dispatch({ type: 'local.runs', items: page.items })
        if (!selected() && page.items[0]) setSelected(page.items[0].id)
      },
      (err) => setListError(errorMessage(err)),
    )
  })
  const runs = createMemo(() =>
    Object.values(panel.state.runs)
      .filter((r) => r.containerId === id())
      .sort((a, b) => b.startedAt.localeCompare(a.startedAt)),
  )
  const start = async (program: string, args: string[]) => {
    setStartError(undefined)
    try {
      const run = await call(
        client.POST('/api/containers/{id}/runs', { params: { path: { id: id() } }, body: { program, args } }),
      )
      panel.dispatch({ type: 'local.runs', items: [run] })
      setSelected(run.id)
    } catch (err) {
      setStartError(`Could not start ${program}: ${errorMessage(err)}`)
    }
  }
  return (
    <div class="runs-section">
      <section aria-labelledby="apps-title">
        <h2 id="apps-title">Apps</h2>
        <Show when={apps.error()}>
          <p class="error" role="alert">
            {errorMessage(apps.error())}
          </p>
        </Show>
        <Show when={apps.data()}>
          {(list) => (
            <Show
              when={list().length > 0}
              fallback={<p class="muted">No app found: install something first.</p>}
            >
              <ul class="apps">
                <For each={list()}>
                  {(app: AppEntry) => (
                    <li data-app={app.name}>
                      <span>
                        <strong>{app.name}</strong> <span class="muted">{app.target}</span>
                      </span>
                      <Show when={canRun()}>
                        <button
                          type="button"
                          class="primary"
                          aria-label={`Run ${app.name}`}
                          onClick={() => void start(app.name, [])}
                        >
                          Run
                        </button>
                      </Show>
                    </li>
                  )}
                </For>
              </ul>
            </Show>
          )}
        </Show>
        <Show when={canRun()}>
          <RunProgramForm container={props.container} onStart={start} />
        </Show>
        <Show when={startError()}>
          <p class="error" role="alert">
            {startError()}
          </p>
        </Show>
      </section>
      <section aria-labelledby="runs-title" class="runs">
        <h2 id="runs-title">Runs</h2>
        <Show when={listError()}>
          <p class="error" role="alert">
            {listError()}
          </p>
        </Show>
        <div class="runs-layout">
          <Show when={runs().length > 0} fallback={<p class="muted">No run yet.</p>}>
            <ul class="run-list" aria-label="Runs">
              <For each={runs()}>
                {(r) => (
                  <li>
                    <button
                      type="button"
                      aria-pressed={selected() === r.id}
                      onClick={() => setSelected(r.id)}
                      data-run={r.id}
                    >
                      <strong>{r.program}</strong>
                      <span class={`run-state run-${r.state}`}>{ended(r) ? runEndText(r) : r.state}</span>
                      <span class="muted">{timeAgo(r.startedAt)}</span>
                    </button>
                  </li>
                )}
              </For>
            </ul>
          </Show>
          <Show when={selected()} keyed>
            {(rid) => (
              <Show when={panel.state.runs[rid]}>
                <RunView runId={rid} />
              </Show>
            )}
          </Show>
        </div>
      </section>
    </div>
  )
}

function RunProgramForm(props: {
  container: Container
  onStart: (program: string, args: string[]) => Promise<void>
}) {
  const [program, setProgram] = createSignal('')
  const [args, setArgs] = createSignal('')
  const [busy, setBusy] = createSignal(false)
  const wine = () => props.container.runtime.kind === 'wine'
  return (
    <form
      class="run-program"
      aria-label="Run program"
      onSubmit={(e) => {
        e.preventDefault()
        if (!program().trim()) return
        setBusy(true)
        void props.onStart(program().trim(), splitArgs(args())).finally(() => setBusy(false))
      }}
    >
      <h3>Run program</h3>
      <label>
        {wine() ? 'Program (Windows path)' : 'Program (path or name)'}
        <input
          value={program()}
          onInput={(e) => setProgram(e.currentTarget.value)}
          placeholder={wine() ? 'C:\\Program Files\\Acme\\acme.exe' : '/usr/bin/env'}
          autocomplete="off"
          spellcheck={false}
          required
        />
      </label>
      <label>
        Arguments
        <input
          value={args()}
          onInput={(e) => setArgs(e.currentTarget.value)}
          autocomplete="off"
          spellcheck={false}
        />
      </label>
      <button type="submit" disabled={busy() || !program().trim()}>
        Run
      </button>
    </form>
  )
}

/** One run: state, exit code, Stop, its output (log so far + live) and the full log. */
function RunView(props: { runId: string }) {
  const run = () => panel.state.runs[props.runId] as Run
  const [log, setLog] = createSignal<string>()
  const [logError, setLogError] = createSignal<string>()
  const [stopError, setStopError] = createSignal<string>()
  const [stopping, setStopping] = createSignal(false)
  // The log so far (what the stream sent before this page listened); the stream adds the rest.
  const fetchLog = () =>
    call(client.GET('/api/runs/{id}/log', { params: { path: { id: props.runId } }, parseAs: 'text' })).then(
      (text) => setLog(text as string),
      (err) => setLogError(errorMessage(err)),
    )
  onMount(() => void fetchLog())
  // A run that ends while watched: fetch the log once more, so nothing the stream dropped is lost.
  createEffect(
    on(
      () => ended(run()),
      (done) => {
        if (done && panel.state.output[props.runId]?.truncated) void fetchLog()
      },
      { defer: true },
    ),
  )
  const text = () => joinOutput(log(), panel.state.output[props.runId])
  let pane!: HTMLPreElement
  let stick = true
  createEffect(
    on(text, () => {
      if (stick) pane.scrollTop = pane.scrollHeight
    }),
  )
  const stop = async () => {
    setStopping(true)
    setStopError(undefined)
    try {
      const r = await call(
        client.POST('/api/runs/{id}/stop', {
          params: { path: { id: props.runId }, query: { graceMs: 3000 } },
        }),
      )
      panel.dispatch({ type: 'local.runs', items: [r] })
    } catch (err) {
      setStopError(errorMessage(err))
    } finally {
      setStopping(false)
    }
  }
  return (
    <article class="run-view" aria-labelledby="run-title" data-run-state={run().state}>
      <header>
        <h3 id="run-title">
          {run().program} <span class="muted">{run().args.join(' ')}</span>
        </h3>
        <span class="run-status" role="status">
          {ended(run()) ? `Ended: ${runEndText(run())}` : `${run().state} (pid ${run().pid ?? '—'})`}
        </span>
        <Show when={!ended(run()) && hasScope('containers:run')}>
          <button type="button" class="danger" disabled={stopping()} onClick={() => void stop()}>
            Stop
          </button>
        </Show>
        <DownloadLink
          href={`/api/runs/${encodeURIComponent(props.runId)}/log`}
          name={`run-${props.runId}.log`}
        >
          Full log
        </DownloadLink>
      </header>
      <Show when={run().error}>
        <p class="error">{run().error}</p>
      </Show>
      <Show when={stopError()}>
        <p class="error" role="alert">
          {stopError()}
        </p>
      </Show>
      <Show when={logError()}>
        <p class="error" role="alert">
          {logError()}
        </p>
      </Show>
      <pre
        class="terminal"
        ref={pane}
        role="log"
        aria-label="Output"
        aria-live="polite"
        tabindex="0"
        onScroll={() => {
          stick = pane.scrollTop + pane.clientHeight >= pane.scrollHeight - 8
        }}
      >
        {text() || (ended(run()) ? '(no output)' : '')}
      </pre>
    </article>
  )
}
