import { createMemo, createSignal, For, onMount, Show } from 'solid-js'
import { Link } from '../../components/link.tsx'
import { call, client, errorMessage } from '../../lib/api.ts'
import { timeAgo } from '../../lib/format.ts'
import { isFinished, jobFraction } from '../../lib/jobs.ts'
import { location } from '../../lib/router.ts'
import { hasScope } from '../../lib/session.ts'
import type { Job } from '../../lib/state.ts'
import { panel } from '../../lib/store.ts'
import '../admin/admin.css'
import { LoadError } from '../../components/load-error.tsx'
import { createNotices } from '../admin/notices.tsx'

const states = ['queued', 'running', 'succeeded', 'failed', 'canceled'] as const
type JobState = (typeof states)[number]

/** The job's progress in words: "3 of 10 files", "1.2 of 4 MB"-like, or its phase alone. */
function progressText(job: Job): string {
  const p = job.progress
  const parts: string[] = []
  if (job.phase) parts.push(job.phase)
  if (p) {
    const unit = p.unit ? ` ${p.unit}` : ''
    parts.push(p.total === null ? `${p.done}${unit}` : `${p.done} of ${p.total}${unit}`)
    if (p.message) parts.push(p.message)
  }
  return parts.join(' · ')
}

/** A running job's bar: a value once the total is known, else indeterminate (a NaN value throws). */
function JobBar(props: { job: Job }) {
  const label = () => `Progress of the ${props.job.kind} job`
  return (
    <Show when={jobFraction(props.job)} fallback={<progress class="bar" aria-label={label()} />} keyed>
      {(f) => <progress class="bar" aria-label={label()} max={1} value={f} />}
    </Show>
  )
}

/**
 * `/jobs`: the job list, newest first. Fetched pages go into the panel's store and the event
 * stream keeps them live (progress, state), so a job started elsewhere shows up here too.
 */
export default function JobsPage() {
  const notices = createNotices()
  // The filters live in the address too (?state=&kind=&containerId=), so a page can link here.
  const query = new URLSearchParams(location().search)
  const initialState = query.get('state') ?? ''
  const [state, setState] = createSignal<JobState | ''>(
    (states as readonly string[]).includes(initialState) ? (initialState as JobState) : '',
  )
  const [kind, setKind] = createSignal(query.get('kind') ?? '')
  const [containerId, setContainerId] = createSignal(query.get('containerId') ?? '')
  const remember = () => {
    const q = new URLSearchParams()
    if (state()) q.set('state', state())
    if (kind().trim()) q.set('kind', kind().trim())
    if (containerId()) q.set('containerId', containerId())
    const search = q.toString() ? `?${q}` : ''
    // Straight to history, not through navigate(): the router's signal would remount the page (the
    // shell keys the page on each location), losing focus and state on every filter change.
    if (window.location.search !== search) history.replaceState(null, '', `/jobs${search}`)
  }
  const [cursor, setCursor] = createSignal<string | null>(null)
  const [loading, setLoading] = createSignal(false)
  const [loadError, setLoadError] = createSignal<string>()
  const [canceling, setCanceling] = createSignal<Record<string, boolean>>({})
  const canCancel = () => hasScope('containers:write')

  const load = async (more = false) => {
    if (!more) remember()
    setLoading(true)
    setLoadError(undefined)
    try {
      const page = await call(
        client.GET('/api/jobs', {
          params: {
            query: {
              limit: 50,
              ...(state() ? { state: state() as JobState } : {}),
              ...(kind().trim() ? { kind: kind().trim() } : {}),
              ...(containerId() ? { containerId: containerId() } : {}),
              ...(more && cursor() ? { cursor: cursor() as string } : {}),
            },
          },
        }),
      )
      panel.dispatch({ type: 'local.jobs', items: page.items })
      setCursor(page.nextCursor)
    } catch (err) {
      setLoadError(errorMessage(err))
    } finally {
      setLoading(false)
    }
  }
  onMount(() => {
    void load()
    if (!panel.state.containersLoaded && hasScope('containers:read'))
      void panel.loadContainers().catch(() => {})
  })

  // The store's jobs (fetched and streamed), filtered here too so live arrivals obey the filters.
  const shown = createMemo(() => {
    const k = kind().trim()
    return Object.values(panel.state.jobs)
      .filter(
        (j) =>
          (!state() || j.state === state()) &&
          (!k || j.kind === k) &&
          (!containerId() || j.containerId === containerId()),
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt))
  })
  const kinds = createMemo(() => [...new Set(Object.values(panel.state.jobs).map((j) => j.kind))].sort())

  const cancel = async (job: Job) => {
    setCanceling({ ...canceling(), [job.id]: true })
    try {
      const answer = await call(client.POST('/api/jobs/{id}/cancel', { params: { path: { id: job.id } } }))
      panel.dispatch({ type: 'local.job', job: answer })
    } catch (err) {
      notices.add(`Could not cancel the ${job.kind} job: ${errorMessage(err)}`)
    } finally {
      const { [job.id]: _, ...rest } = canceling()
      setCanceling(rest)
    }
  }

  const containerName = (id: string) => panel.state.containers[id]?.name ?? id.slice(0, 8)

  return (
    <section aria-labelledby="jobs-title">
      <div class="page-head">
        <h1 id="jobs-title">Jobs</h1>
      </div>
      <notices.View />
      <search class="filters" aria-label="Filter jobs">
        <label>
          State
          <select
            value={state()}
            onChange={(e) => {
              setState(e.currentTarget.value as JobState | '')
              void load()
            }}
          >
            <option value="">Any</option>
            <For each={states}>{(s) => <option value={s}>{s}</option>}</For>
          </select>
        </label>
        <label>
          Kind
          <input
            type="search"
            list="job-kinds"
            placeholder="e.g. container.install"
            value={kind()}
            onChange={(e) => {
              setKind(e.currentTarget.value)
              void load()
            }}
          />
          <datalist id="job-kinds">
            <For each={kinds()}>{(k) => <option value={k} />}</For>
          </datalist>
        </label>
        <Show when={containerId()}>
          <p class="chip-filter">
            Container {containerName(containerId())}{' '}
            <button
              type="button"
              aria-label="Show every container's jobs"
              onClick={() => {
                setContainerId('')
                void load()
              }}
            >
              ×
            </button>
          </p>
        </Show>
      </search>
      <LoadError what="the jobs" error={loadError()} onRetry={() => void load()} />
      <p class="muted" aria-live="polite">
        {loading() && shown().length === 0
          ? 'Loading jobs…'
          : `${shown().length} job${shown().length === 1 ? '' : 's'}`}
      </p>
      <Show when={shown().length > 0}>
        <div class="table-wrap">
          <table class="data stack" aria-label="Jobs">
            <thead>
              <tr>
                <th scope="col">Kind</th>
                <th scope="col">Container</th>
                <th scope="col">State</th>
                <th scope="col">Progress</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span class="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              <For each={shown()}>
                {(job) => (
                  <tr data-job={job.id}>
                    <td data-label="Kind" class="mono">
                      {job.kind}
                    </td>
                    <td data-label="Container">
                      <Show when={job.containerId} fallback={<span class="muted">—</span>}>
                        {(id) => (
                          <Link href={`/containers/${encodeURIComponent(id())}`}>{containerName(id())}</Link>
                        )}
                      </Show>
                    </td>
                    <td data-label="State">
                      <span class={`job-state job-state-${job.state}`}>{job.state}</span>
                      <Show when={job.error}>
                        {(e) => <div class="reason">{`${e().code}: ${e().message}`}</div>}
                      </Show>
                    </td>
                    <td data-label="Progress">
                      <Show when={!isFinished(job)} fallback={<span class="muted">{job.phase ?? ''}</span>}>
                        <Show when={job.state === 'running'}>
                          <JobBar job={job} />{' '}
                        </Show>
                        <span data-progress>{progressText(job)}</span>
                      </Show>
                    </td>
                    <td data-label="Created" title={new Date(job.createdAt).toLocaleString()}>
                      {timeAgo(job.createdAt)}
                    </td>
                    <td class="actions-cell">
                      <Show when={canCancel() && !isFinished(job)}>
                        <button
                          type="button"
                          class="danger"
                          disabled={canceling()[job.id]}
                          aria-label={`Cancel the ${job.kind} job`}
                          onClick={() => void cancel(job)}
                        >
                          {canceling()[job.id] ? 'Canceling…' : 'Cancel'}
                        </button>
                      </Show>
                    </td>
                  </tr>
                )}
              </For>
            </tbody>
          </table>
        </div>
      </Show>
      <Show when={!loading() && shown().length === 0 && !loadError()}>
        <p class="empty">No jobs match.</p>
      </Show>
      <Show when={cursor()}>
        <div class="pager">
          <button type="button" disabled={loading()} onClick={() => void load(true)}>
            Load older jobs
          </button>
        </div>
      </Show>
    </section>
  )
}
