import { createResource, Show } from 'solid-js'
import { Link } from '../../components/link.tsx'
import { call, client } from '../../lib/api.ts'
import { formatBytes, timeAgo } from '../../lib/format.ts'
import type { Container, PendingContainer, Run } from '../../lib/state.ts'
import { panel } from '../../lib/store.ts'

// What a card fetches once per container and session: its installed size and its newest run
// (runs then stay current through run.* events).
const sizes = new Map<string, Promise<number | null>>()
const runsAsked = new Set<string>()

function installedSize(c: Container): Promise<number | null> {
  const key = `${c.id}@${c.updatedAt}`
  let p = sizes.get(key)
  if (!p) {
    p = c.installed
      ? call(client.GET('/api/containers/{id}/manifest', { params: { path: { id: c.id } } })).then(
          (m) => m.summary.bytesWritten,
          () => null,
        )
      : Promise.resolve(null)
    sizes.set(key, p)
  }
  return p
}

function askLastRun(id: string) {
  if (runsAsked.has(id)) return
  runsAsked.add(id)
  call(client.GET('/api/containers/{id}/runs', { params: { path: { id }, query: { limit: 1 } } })).then(
    (page) => panel.dispatch({ type: 'local.runs', items: page.items }),
    () => runsAsked.delete(id),
  )
}

const runtimeText = (c: Container) =>
  c.runtime.kind === 'wine'
    ? `Wine${c.runtime.wineVersion ? ` ${c.runtime.wineVersion.replace(/^wine-/, '')}` : ''}`
    : 'Native'

function lastRunText(run: Run | undefined): string {
  if (!run) return 'never'
  if (run.state === 'running' || run.finishedAt === null) return `running since ${timeAgo(run.startedAt)}`
  const how = run.exitCode !== null ? `exit ${run.exitCode}` : run.state
  return `${timeAgo(run.finishedAt)} (${how})`
}

/** One container on the dashboard; every field follows the live state. */
export function ContainerCard(props: { container: Container; onInstall?: (() => void) | undefined }) {
  const c = () => props.container
  const [size] = createResource(() => ({ ...c() }), installedSize)
  askLastRun(props.container.id)
  return (
    <article class="card" data-container={c().name} aria-labelledby={`card-${c().id}`}>
      <header>
        <h3 id={`card-${c().id}`}>
          <Link href={`/containers/${encodeURIComponent(c().id)}`}>{c().name}</Link>
        </h3>
        <span class={`state state-${c().state}`} data-state={c().state} title={c().stateReason ?? undefined}>
          {c().state}
        </span>
      </header>
      <dl class="card-facts">
        <dt>Version</dt>
        <dd>{c().version ?? '—'}</dd>
        <dt>Runtime</dt>
        <dd>{runtimeText(c())}</dd>
        <dt>Installed size</dt>
        <dd>
          <Show when={c().installed} fallback="nothing installed">
            {size() == null ? '…' : formatBytes(size() as number)}
          </Show>
        </dd>
        <dt>Last run</dt>
        <dd>{lastRunText(panel.state.lastRun[c().id])}</dd>
        <dt>Network</dt>
        <dd>{c().network === 'none' ? 'off (loopback only)' : 'host network'}</dd>
      </dl>
      <Show when={c().state === 'failed' && c().stateReason}>
        <p class="reason">{c().stateReason}</p>
      </Show>
      <Show
        when={
          props.onInstall &&
          c().runtime.kind === 'wine' &&
          ['created', 'ready', 'stopped', 'failed'].includes(c().state)
        }
      >
        <footer class="card-actions">
          <button type="button" onClick={() => props.onInstall?.()} aria-label={`Install into ${c().name}`}>
            Install…
          </button>
        </footer>
      </Show>
    </article>
  )
}

/** A container the gateway is still making: shown at once, with the job's progress if any. */
export function PendingCard(props: { pending: PendingContainer }) {
  const job = () => (props.pending.jobId ? panel.state.jobs[props.pending.jobId] : undefined)
  return (
    <article
      class="card pending"
      data-container={props.pending.name}
      aria-busy="true"
      aria-labelledby={`card-${props.pending.key}`}
    >
      <header>
        <h3 id={`card-${props.pending.key}`}>{props.pending.name}</h3>
        <span class="state state-creating" data-state="creating">
          creating
        </span>
      </header>
      <p class="muted">
        {job()?.phase ??
          job()?.progress?.message ??
          (props.pending.jobId ? 'Preparing the base runtime…' : 'Creating…')}
      </p>
    </article>
  )
}
