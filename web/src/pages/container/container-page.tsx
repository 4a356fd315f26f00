import { createEffect, createSignal, For, lazy, Match, onCleanup, Show, Suspense, Switch } from 'solid-js'
import { Link } from '../../components/link.tsx'
import { call, client, errorMessage } from '../../lib/api.ts'
import { events } from '../../lib/events.ts'
import { location, navigate } from '../../lib/router.ts'
import type { Container } from '../../lib/state.ts'
import { panel } from '../../lib/store.ts'
import type { PageProps } from '../../routes.ts'
import './container.css'
import { createFetch } from './fetch.ts'
import { Overview } from './overview.tsx'

// The heavier sections load when their tab is first opened.
const RunsSection = lazy(() => import('./runs.tsx').then((m) => ({ default: m.RunsSection })))
const SnapshotsSection = lazy(() => import('./snapshots.tsx').then((m) => ({ default: m.SnapshotsSection })))
const RegistrySection = lazy(() => import('./registry.tsx').then((m) => ({ default: m.RegistrySection })))
const FilesSection = lazy(() => import('./files.tsx').then((m) => ({ default: m.FilesSection })))
const ExportSection = lazy(() => import('./export.tsx').then((m) => ({ default: m.ExportSection })))

export const tabs = [
  { id: 'overview', label: 'Overview' },
  { id: 'runs', label: 'Apps & runs' },
  { id: 'snapshots', label: 'Snapshots' },
  { id: 'registry', label: 'Registry' },
  { id: 'files', label: 'Files' },
  { id: 'export', label: 'Export' },
] as const
export type TabId = (typeof tabs)[number]['id']
type Tab = (typeof tabs)[number]

/** A native container runs Linux programs: it has no Windows registry to show. */
const tabsFor = (c: Container): readonly Tab[] =>
  c.runtime.kind === 'wine' ? tabs : tabs.filter((t) => t.id !== 'registry')

const tabOf = (search: string): TabId => {
  const t = new URLSearchParams(search).get('tab')
  return tabs.some((x) => x.id === t) ? (t as TabId) : 'overview'
}

/** Fetches the container (by id or name) into the store; resolves to its id. */
async function loadContainer(idOrName: string): Promise<string> {
  const c = await call(client.GET('/api/containers/{id}', { params: { path: { id: idOrName } } }))
  panel.dispatch({ type: 'local.container', container: c })
  return c.id
}

/** `/containers/:id`: one container — overview and settings, runs, snapshots, registry, files, export. */
export default function ContainerPage(props: PageProps) {
  const loaded = createFetch(() => props.params.id ?? '', loadContainer)
  const id = () => loaded.data()
  const [deleted, setDeleted] = createSignal(false)
  const container = (): Container | undefined => {
    const key = id()
    return key ? panel.state.containers[key] : undefined
  }
  // A delete from anywhere (another tab, the CLI) while the page is open.
  onCleanup(
    events.subscribe((msg) => {
      if (msg.kind === 'event' && msg.event.type === 'container.deleted' && msg.event.subject === id())
        setDeleted(true)
      if (msg.kind === 'reset') loaded.refetch()
    }),
  )
  // The tab lives in the address (?tab=) so a link can open it; changing it replaces the entry
  // without telling the router, whose navigation effects (focus to the content) are for pages.
  const [chosen, setTab] = createSignal<TabId>(tabOf(location().search))
  // The chosen tab, unless this container does not have it.
  const tab = (): TabId => {
    const c = container()
    return !c || tabsFor(c).some((t) => t.id === chosen()) ? chosen() : 'overview'
  }
  const select = (t: TabId) => {
    setTab(t)
    const q = new URLSearchParams(window.location.search)
    if (t === 'overview') q.delete('tab')
    else q.set('tab', t)
    const s = q.toString()
    history.replaceState(history.state, '', `${window.location.pathname}${s ? `?${s}` : ''}`)
  }
  createEffect(() => {
    const c = container()
    if (c) document.title = `${c.name} · Orbit`
  })
  return (
    <section class="container-page" aria-labelledby="container-title">
      <p class="crumbs">
        <Link href="/">Dashboard</Link> / <span>{container()?.name ?? props.params.id}</span>
      </p>
      <Switch>
        <Match when={deleted()}>
          <h1 id="container-title">{props.params.id}</h1>
          <p role="alert">
            This container was deleted. <Link href="/">Back to the dashboard</Link>
          </p>
        </Match>
        <Match when={loaded.error() && !container()}>
          <h1 id="container-title">{props.params.id}</h1>
          <p class="error" role="alert">
            {errorMessage(loaded.error())}
          </p>
          <button type="button" onClick={() => loaded.refetch()}>
            Try again
          </button>
        </Match>
        <Match when={container()}>
          {(c) => (
            <>
              <header class="page-head">
                <h1 id="container-title">{c().name}</h1>
                <span
                  class={`state state-${c().state}`}
                  data-state={c().state}
                  title={c().stateReason ?? undefined}
                >
                  {c().state}
                </span>
              </header>
              <Show when={c().stateReason}>
                <p class="reason">{c().stateReason}</p>
              </Show>
              <Tabs list={tabsFor(c())} current={tab()} onSelect={select} />
              <div
                class="tab-panel"
                role="tabpanel"
                id={`panel-${tab()}`}
                aria-labelledby={`tab-${tab()}`}
                tabindex="-1"
              >
                <Suspense fallback={<p class="loading">Loading…</p>}>
                  <Switch>
                    <Match when={tab() === 'overview'}>
                      <Overview container={c()} onDeleted={() => navigate('/')} />
                    </Match>
                    <Match when={tab() === 'runs'}>
                      <RunsSection container={c()} />
                    </Match>
                    <Match when={tab() === 'snapshots'}>
                      <SnapshotsSection container={c()} />
                    </Match>
                    <Match when={tab() === 'registry'}>
                      <RegistrySection container={c()} />
                    </Match>
                    <Match when={tab() === 'files'}>
                      <FilesSection container={c()} />
                    </Match>
                    <Match when={tab() === 'export'}>
                      <ExportSection container={c()} />
                    </Match>
                  </Switch>
                </Suspense>
              </div>
            </>
          )}
        </Match>
        <Match when={true}>
          <p class="loading">Loading…</p>
        </Match>
      </Switch>
    </section>
  )
}

/** The section tabs (WAI-ARIA tabs: arrows, Home and End move between them). */
function Tabs(props: { list: readonly Tab[]; current: TabId; onSelect: (t: TabId) => void }) {
  let list!: HTMLDivElement
  const move = (e: KeyboardEvent) => {
    const tabs = props.list
    const i = tabs.findIndex((t) => t.id === props.current)
    const next =
      e.key === 'ArrowRight'
        ? (i + 1) % tabs.length
        : e.key === 'ArrowLeft'
          ? (i - 1 + tabs.length) % tabs.length
          : e.key === 'Home'
            ? 0
            : e.key === 'End'
              ? tabs.length - 1
              : -1
    if (next < 0) return
    e.preventDefault()
    const t = tabs[next]
    if (!t) return
    props.onSelect(t.id)
    queueMicrotask(() => list.querySelector<HTMLElement>(`#tab-${t.id}`)?.focus())
  }
  return (
    <div class="tabs" role="tablist" aria-label="Container sections" ref={list} onKeyDown={move}>
      <For each={props.list}>
        {(t) => (
          <button
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={props.current === t.id}
            aria-controls={`panel-${t.id}`}
            tabindex={props.current === t.id ? 0 : -1}
            onClick={() => props.onSelect(t.id)}
          >
            {t.label}
          </button>
        )}
      </For>
    </div>
  )
}
