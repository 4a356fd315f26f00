import { createEffect, createSignal, For, lazy, onMount, Show } from 'solid-js'
import { LoadError } from '../../components/load-error.tsx'
import { errorMessage } from '../../lib/api.ts'
import { hasScope } from '../../lib/session.ts'
import { panel } from '../../lib/store.ts'
import { ContainerCard, PendingCard } from './container-card.tsx'
import { createContainer, failedPending } from './create.ts'
import { CreateDialog } from './create-dialog.tsx'
import { ImportFlow } from './import-flow.tsx'

const InstallWizard = lazy(() =>
  import('../install/install-wizard.tsx').then((m) => ({ default: m.InstallWizard })),
)

/** Whether a drag carries files (not text or a link being dragged around the page). */
const hasFiles = (e: DragEvent) => [...(e.dataTransfer?.types ?? [])].includes('Files')

import { type DashboardFilter, filterContainers } from './filter.ts'

const states = ['created', 'installing', 'ready', 'running', 'stopped', 'failed', 'busy'] as const

/** `/`: every container as a card, live from the event stream, with search and filters. */
export default function DashboardPage() {
  const [filter, setFilter] = createSignal<DashboardFilter>({ text: '', state: '', runtime: '' })
  const [loadError, setLoadError] = createSignal<string>()
  const load = () => {
    setLoadError(undefined)
    panel.loadContainers().catch((err) => setLoadError(errorMessage(err)))
  }
  onMount(load)
  const shown = () => filterContainers(Object.values(panel.state.containers), filter())
  const pending = () => Object.values(panel.state.pending)
  const total = () => Object.keys(panel.state.containers).length
  const patch = (p: Partial<DashboardFilter>) => setFilter({ ...filter(), ...p })
  const [creating, setCreating] = createSignal(false)
  // The install wizard: open for a container (its id) or for any ('' lets the person choose).
  const [installing, setInstalling] = createSignal<string>()
  const [importing, setImporting] = createSignal<File>()
  const [dragging, setDragging] = createSignal(false)
  const canWrite = () => hasScope('containers:write')
  const takeArchive = (file: File | undefined) => {
    if (!file) return
    if (!file.name.toLowerCase().endsWith('.ctnr')) return notify(`${file.name} is not a .ctnr archive`)
    setImporting(file)
  }
  const [notices, setNotices] = createSignal<string[]>([])
  const notify = (msg: string) => setNotices([...notices(), msg])
  // A creation that went through a job (base runtime first) fails later: roll its card back then.
  createEffect(() => {
    for (const m of failedPending(panel)) notify(m)
  })
  return (
    <section
      class="dashboard"
      classList={{ dragging: dragging() }}
      aria-labelledby="dashboard-title"
      onDragOver={(e) => {
        if (!canWrite() || !hasFiles(e)) return
        e.preventDefault()
        setDragging(true)
      }}
      onDragLeave={(e) => {
        if (e.currentTarget === e.target || !e.relatedTarget) setDragging(false)
      }}
      onDrop={(e) => {
        if (!canWrite() || !hasFiles(e)) return
        e.preventDefault()
        setDragging(false)
        takeArchive(e.dataTransfer?.files[0])
      }}
    >
      <Show when={dragging()}>
        <div class="drop-overlay" aria-hidden="true">
          Drop a .ctnr archive to import it
        </div>
      </Show>
      <div class="page-head">
        <h1 id="dashboard-title">Containers</h1>
        <Show when={hasScope('containers:write')}>
          <div class="toolbar">
            <button type="button" class="primary" onClick={() => setCreating(true)}>
              New container
            </button>
            <button type="button" onClick={() => setInstalling('')}>
              Install an app
            </button>
            <label class="button">
              Import…
              <input
                class="visually-hidden"
                type="file"
                accept=".ctnr"
                onChange={(e) => {
                  takeArchive(e.currentTarget.files?.[0])
                  e.currentTarget.value = ''
                }}
              />
            </label>
          </div>
        </Show>
      </div>
      <div aria-live="assertive">
        <For each={notices()}>
          {(n) => (
            <div class="error" role="alert">
              {n}{' '}
              <button
                type="button"
                aria-label="Dismiss"
                onClick={() => setNotices(notices().filter((x) => x !== n))}
              >
                ×
              </button>
            </div>
          )}
        </For>
      </div>
      <Show when={installing() !== undefined}>
        <InstallWizard
          {...(installing() ? { containerId: installing() as string } : {})}
          onClose={() => setInstalling(undefined)}
        />
      </Show>
      <Show when={importing()} keyed>
        {(file) => <ImportFlow file={file} onClose={() => setImporting(undefined)} />}
      </Show>
      <Show when={creating()}>
        <CreateDialog
          onClose={() => setCreating(false)}
          onCreate={(input) => {
            setCreating(false)
            void createContainer(panel, input).then((msg) => msg && notify(msg))
          }}
        />
      </Show>
      <search class="filters" aria-label="Filter containers">
        <label>
          Search
          <input
            type="search"
            placeholder="Name, version or label"
            value={filter().text}
            onInput={(e) => patch({ text: e.currentTarget.value })}
          />
        </label>
        <label>
          State
          <select
            value={filter().state}
            onChange={(e) => patch({ state: e.currentTarget.value as DashboardFilter['state'] })}
          >
            <option value="">Any</option>
            <For each={states}>{(s) => <option value={s}>{s}</option>}</For>
          </select>
        </label>
        <label>
          Runtime
          <select
            value={filter().runtime}
            onChange={(e) => patch({ runtime: e.currentTarget.value as DashboardFilter['runtime'] })}
          >
            <option value="">Any</option>
            <option value="wine">Wine</option>
            <option value="native">Native</option>
          </select>
        </label>
      </search>
      <LoadError what="the containers" error={loadError()} onRetry={load} />
      <Show when={panel.state.containersLoaded} fallback={<p class="loading">Loading containers…</p>}>
        <p class="muted" aria-live="polite">
          {shown().length === total()
            ? `${total()} container${total() === 1 ? '' : 's'}`
            : `${shown().length} of ${total()} containers`}
        </p>
        <ul class="cards" aria-label="Containers">
          <For each={pending()}>
            {(p) => (
              <li>
                <PendingCard pending={p} />
              </li>
            )}
          </For>
          <For each={shown()}>
            {(c) => (
              <li>
                <ContainerCard container={c} onInstall={canWrite() ? () => setInstalling(c.id) : undefined} />
              </li>
            )}
          </For>
        </ul>
        <Show when={total() === 0 && pending().length === 0}>
          <p class="empty">No containers yet.</p>
        </Show>
      </Show>
    </section>
  )
}
