import { Show } from 'solid-js'
import { Link } from '../../components/link.tsx'
import { diskText, lastRunText, networkText, runtimeText } from '../../lib/container-text.ts'
import type { Container, PendingContainer } from '../../lib/state.ts'
import { panel } from '../../lib/store.ts'

/** One container on the dashboard; every field follows the live state. */
export function ContainerCard(props: { container: Container; onInstall?: (() => void) | undefined }) {
  const c = () => props.container
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
        <dt>On disk</dt>
        <dd data-fact="disk">{diskText(c().disk)}</dd>
        <dt>Last run</dt>
        <dd data-fact="last-run">{lastRunText(c().lastRun)}</dd>
        <dt>Network</dt>
        <dd>{networkText(c().network)}</dd>
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
