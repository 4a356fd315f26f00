import { createEffect, createSignal, For, on, onCleanup, Show } from 'solid-js'
import { Confirm } from '../../components/confirm.tsx'
import { call, client, errorMessage, type Schemas } from '../../lib/api.ts'
import { events } from '../../lib/events.ts'
import { formatBytes, timeAgo } from '../../lib/format.ts'
import { followJob, isFinished } from '../../lib/jobs.ts'
import { hasScope } from '../../lib/session.ts'
import type { Container, Job } from '../../lib/state.ts'
import { DiffView } from './diff-view.tsx'
import { createFetch } from './fetch.ts'
import { JobStatus } from './job-status.tsx'

type Snapshot = Schemas['Snapshot']

const labelPattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,47}$/

/** The container's snapshots as a timeline: take one, compare two, restore or delete one. */
export function SnapshotsSection(props: { container: Container }) {
  const id = () => props.container.id
  const snapshots = createFetch(id, (cid) =>
    call(client.GET('/api/containers/{id}/snapshots', { params: { path: { id: cid } } })).then(
      (l) => l.items,
    ),
  )
  // snapshot.created/restored/deleted from anyone (this page, the CLI, an install) refresh the list.
  onCleanup(
    events.subscribe((msg) => {
      if (msg.kind === 'event' && msg.event.type.startsWith('snapshot.') && msg.event.subject === id())
        snapshots.refetch()
    }),
  )
  const [label, setLabel] = createSignal('')
  const [error, setError] = createSignal<string>()
  const [job, setJob] = createSignal<{ label: string; job: () => Job | undefined; done: string }>()
  const [restoring, setRestoring] = createSignal<Snapshot>()
  const [removing, setRemoving] = createSignal<Snapshot>()
  const [from, setFrom] = createSignal('')
  const [to, setTo] = createSignal('')
  const [diffOf, setDiffOf] = createSignal<{ from: string; to: string }>()
  const canWrite = () => hasScope('containers:write')
  // A job of ours that ended: the list may have changed even if its event was missed.
  createEffect(
    on(
      () => isFinished(job()?.job()),
      (done) => done && snapshots.refetch(),
      { defer: true },
    ),
  )
  // Default comparison: the two newest snapshots.
  createEffect(() => {
    const items = snapshots.data() ?? []
    if (items.length >= 2 && !to()) {
      setFrom(items[items.length - 2]?.id ?? '')
      setTo(items[items.length - 1]?.id ?? '')
    }
  })
  const take = async () => {
    const l = label().trim() || 'manual'
    if (!labelPattern.test(l))
      return setError('A label is 1-48 letters, digits, ".", "_" or "-", starting with a letter or digit')
    setError(undefined)
    try {
      const { job: j } = await call(
        client.POST('/api/containers/{id}/snapshots', { params: { path: { id: id() } }, body: { label: l } }),
      )
      setJob({ label: `Snapshot ${l}`, job: followJob(j), done: `Snapshot ${l} taken` })
      setLabel('')
    } catch (err) {
      setError(`Could not take a snapshot: ${errorMessage(err)}`)
    }
  }
  const restore = async (s: Snapshot) => {
    setRestoring(undefined)
    setError(undefined)
    try {
      const { job: j } = await call(
        client.POST('/api/containers/{id}/snapshots/{snapshot}/restore', {
          params: { path: { id: id(), snapshot: s.id } },
        }),
      )
      setJob({ label: `Restore of ${s.id}`, job: followJob(j), done: `Restored ${s.id}` })
    } catch (err) {
      setError(`Could not restore ${s.id}: ${errorMessage(err)}`)
    }
  }
  const remove = async (s: Snapshot) => {
    setRemoving(undefined)
    setError(undefined)
    try {
      await call(
        client.DELETE('/api/containers/{id}/snapshots/{snapshot}', {
          params: { path: { id: id(), snapshot: s.id } },
        }),
      )
      snapshots.refetch()
    } catch (err) {
      setError(`Could not delete ${s.id}: ${errorMessage(err)}`)
    }
  }
  return (
    <div class="snapshots">
      <section aria-labelledby="snap-title">
        <h2 id="snap-title">Snapshots</h2>
        <Show when={canWrite()}>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault()
              void take()
            }}
          >
            <label>
              Label
              <input
                value={label()}
                onInput={(e) => setLabel(e.currentTarget.value)}
                placeholder="manual"
                maxLength={48}
                autocomplete="off"
              />
            </label>
            <button type="submit" class="primary" disabled={job() !== undefined && !isFinished(job()?.job())}>
              Take snapshot
            </button>
          </form>
          <p class="muted">The container must be stopped; it is busy while the snapshot is taken.</p>
        </Show>
        <Show when={job()}>{(j) => <JobStatus job={j().job()} label={j().label} done={j().done} />}</Show>
        <Show when={error()}>
          <p class="error" role="alert">
            {error()}
          </p>
        </Show>
        <Show when={snapshots.error()}>
          <p class="error" role="alert">
            {errorMessage(snapshots.error())}
          </p>
        </Show>
        <Show when={snapshots.data()}>
          {(items) => (
            <Show when={items().length > 0} fallback={<p class="muted">No snapshot yet.</p>}>
              <ol class="timeline" aria-label="Snapshot timeline">
                <For each={[...items()].reverse()}>
                  {(s) => (
                    <li data-snapshot={s.id}>
                      <div>
                        <strong>{s.label}</strong> <code class="muted">{s.id}</code>
                        <div class="muted meta">
                          <time dateTime={s.createdAt} title={s.createdAt}>
                            {timeAgo(s.createdAt)}
                          </time>{' '}
                          · {s.files} files · {formatBytes(s.bytes)}
                          <Show when={s.parent}> · after {s.parent}</Show>
                        </div>
                      </div>
                      <div class="row-actions">
                        <Show when={s.parent}>
                          <button
                            type="button"
                            aria-label={`Changes in ${s.id}`}
                            onClick={() => {
                              setFrom(s.parent as string)
                              setTo(s.id)
                              setDiffOf({ from: s.parent as string, to: s.id })
                            }}
                          >
                            Changes
                          </button>
                        </Show>
                        <Show when={canWrite()}>
                          <button
                            type="button"
                            aria-label={`Restore ${s.id}`}
                            onClick={() => setRestoring(s)}
                          >
                            Restore…
                          </button>
                          <button
                            type="button"
                            class="danger"
                            aria-label={`Delete ${s.id}`}
                            onClick={() => setRemoving(s)}
                          >
                            Delete…
                          </button>
                        </Show>
                      </div>
                    </li>
                  )}
                </For>
              </ol>
            </Show>
          )}
        </Show>
      </section>
      <Show when={(snapshots.data()?.length ?? 0) >= 2}>
        <section aria-labelledby="diff-title">
          <h2 id="diff-title">Compare</h2>
          <form
            class="inline-form"
            onSubmit={(e) => {
              e.preventDefault()
              if (from() && to()) setDiffOf({ from: from(), to: to() })
            }}
          >
            <label>
              From
              <select value={from()} onChange={(e) => setFrom(e.currentTarget.value)}>
                <For each={snapshots.data()}>
                  {(s) => (
                    <option value={s.id} selected={s.id === from()}>
                      {s.id}
                    </option>
                  )}
                </For>
              </select>
            </label>
            <label>
              To
              <select value={to()} onChange={(e) => setTo(e.currentTarget.value)}>
                <For each={snapshots.data()}>
                  {(s) => (
                    <option value={s.id} selected={s.id === to()}>
                      {s.id}
                    </option>
                  )}
                </For>
              </select>
            </label>
            <button type="submit">Compare</button>
          </form>
        </section>
      </Show>
      <Show when={diffOf()} keyed>
        {(d) => <SnapshotDiff containerId={id()} from={d.from} to={d.to} />}
      </Show>
      <Show when={restoring()}>
        {(s) => (
          <Confirm
            title={`Restore ${s().id}?`}
            action="Restore"
            onConfirm={() => void restore(s())}
            onClose={() => setRestoring(undefined)}
          >
            <p>
              The container's files and registry go back to how they were at <strong>{s().id}</strong> (
              {timeAgo(s().createdAt)}). Changes made since are lost unless a snapshot holds them. The
              container must be stopped.
            </p>
          </Confirm>
        )}
      </Show>
      <Show when={removing()}>
        {(s) => (
          <Confirm
            title={`Delete ${s().id}?`}
            action="Delete"
            danger
            onConfirm={() => void remove(s())}
            onClose={() => setRemoving(undefined)}
          >
            <p>The snapshot is deleted; content other snapshots share is kept.</p>
          </Confirm>
        )}
      </Show>
    </div>
  )
}

function SnapshotDiff(props: { containerId: string; from: string; to: string }) {
  const diff = createFetch(
    () => ({ ...props }),
    (p) =>
      call(
        client.GET('/api/containers/{id}/snapshots/{snapshot}/diff', {
          params: { path: { id: p.containerId, snapshot: p.to }, query: { from: p.from } },
        }),
      ),
  )
  return (
    <section aria-labelledby="diff-view-title" class="diff">
      <h2 id="diff-view-title">
        Changes from {props.from} to {props.to}
      </h2>
      <Show when={diff.error()}>
        <p class="error" role="alert">
          {errorMessage(diff.error())}
        </p>
      </Show>
      <Show
        when={diff.data()}
        fallback={
          <Show when={!diff.error()}>
            <p class="loading">Loading…</p>
          </Show>
        }
      >
        {(d) => <DiffView diff={d()} />}
      </Show>
    </section>
  )
}
