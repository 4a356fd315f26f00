import { createSignal, Show } from 'solid-js'
import { Modal } from '../../components/modal.tsx'
import { call, client, errorMessage } from '../../lib/api.ts'
import { diskText, lastRunText, networkText, runtimeText } from '../../lib/container-text.ts'
import { formatBytes } from '../../lib/format.ts'
import { hasScope } from '../../lib/session.ts'
import type { Container } from '../../lib/state.ts'
import { panel } from '../../lib/store.ts'
import { parseEnv } from '../dashboard/create.ts'
import { createFetch } from './fetch.ts'
import { mapToLines, parseLimit, updateContainer } from './settings.ts'

async function installedBytes(c: { id: string; installed: boolean }): Promise<number | null> {
  if (!c.installed) return null
  const m = await call(client.GET('/api/containers/{id}/manifest', { params: { path: { id: c.id } } }))
  return m.summary.bytesWritten
}

/** The container's facts, its settings form and its deletion. */
export function Overview(props: { container: Container; onDeleted: () => void }) {
  const c = () => props.container
  const size = createFetch(
    () => ({ id: c().id, installed: c().installed, at: c().updatedAt }),
    installedBytes,
  )
  const [deleting, setDeleting] = createSignal(false)
  const canWrite = () => hasScope('containers:write')
  return (
    <div class="overview">
      <section aria-labelledby="facts-title">
        <h2 id="facts-title">Overview</h2>
        <dl class="facts">
          <dt>Name</dt>
          <dd data-fact="name">{c().name}</dd>
          <dt>Version</dt>
          <dd data-fact="version">{c().version ?? '—'}</dd>
          <dt>Runtime</dt>
          <dd data-fact="runtime">{runtimeText(c(), true)}</dd>
          <dt>State</dt>
          <dd data-fact="state">{c().state}</dd>
          <dt>Installed size</dt>
          <dd data-fact="size">
            <Show when={c().installed} fallback="nothing installed">
              {size.error()
                ? errorMessage(size.error())
                : size.data() == null
                  ? '…'
                  : formatBytes(size.data() as number)}
            </Show>
          </dd>
          <dt>On disk</dt>
          <dd data-fact="disk">{diskText(c().disk)}</dd>
          <dt>Last run</dt>
          <dd data-fact="last-run">{lastRunText(c().lastRun)}</dd>
          <dt>Network</dt>
          <dd data-fact="network">{networkText(c().network)}</dd>
          <dt>Display</dt>
          <dd data-fact="display">{c().display === 'host' ? "the host's X display" : 'none'}</dd>
          <dt>Id</dt>
          <dd>{c().id}</dd>
        </dl>
      </section>
      <Show when={canWrite()}>
        <SettingsForm container={c()} />
        <section aria-labelledby="danger-title" class="danger-zone">
          <h2 id="danger-title">Delete</h2>
          <p class="muted">Deletes the container's folder: its files, registry, snapshots and logs.</p>
          <button type="button" class="danger" onClick={() => setDeleting(true)}>
            Delete container…
          </button>
        </section>
        <Show when={deleting()}>
          <DeleteDialog container={c()} onClose={() => setDeleting(false)} onDeleted={props.onDeleted} />
        </Show>
      </Show>
    </div>
  )
}

/** Env, network, display, limits and labels; saved with one PATCH, shown at once, rolled back on refusal. */
function SettingsForm(props: { container: Container }) {
  const c = () => props.container
  const [env, setEnv] = createSignal(mapToLines(c().env))
  const [labels, setLabels] = createSignal(mapToLines(c().labels))
  const [network, setNetwork] = createSignal(c().network)
  const [display, setDisplay] = createSignal(c().display)
  const [memory, setMemory] = createSignal(c().limits.memoryMb?.toString() ?? '')
  const [pids, setPids] = createSignal(c().limits.pids?.toString() ?? '')
  const [status, setStatus] = createSignal<{ error?: string; saved?: boolean; busy?: boolean }>({})
  // After a rollback (or a change from elsewhere) the form shows the container as it is.
  const reset = () => {
    setEnv(mapToLines(c().env))
    setLabels(mapToLines(c().labels))
    setNetwork(c().network)
    setDisplay(c().display)
    setMemory(c().limits.memoryMb?.toString() ?? '')
    setPids(c().limits.pids?.toString() ?? '')
  }
  const save = async () => {
    const e = parseEnv(env())
    const l = parseEnv(labels())
    const m = parseLimit(memory(), 'Memory')
    const p = parseLimit(pids(), 'Processes')
    for (const [what, r] of [
      ['Environment', e],
      ['Labels', l],
    ] as const)
      if ('error' in r) return setStatus({ error: `${what}: ${r.error}` })
    if ('error' in m) return setStatus({ error: m.error })
    if ('error' in p) return setStatus({ error: p.error })
    if ('error' in e || 'error' in l) return
    setStatus({ busy: true })
    const error = await updateContainer(panel, c().id, {
      env: e.env,
      labels: l.env,
      network: network(),
      display: display(),
      limits: { memoryMb: m.value, pids: p.value },
    })
    if (error) {
      reset()
      setStatus({ error: `Not saved: ${error}` })
    } else setStatus({ saved: true })
  }
  return (
    <section aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <form
        class="settings form-grid"
        onSubmit={(ev) => {
          ev.preventDefault()
          void save()
        }}
      >
        <label>
          Environment (NAME=value per line)
          <textarea
            rows="4"
            value={env()}
            onInput={(ev) => setEnv(ev.currentTarget.value)}
            spellcheck={false}
          />
        </label>
        <label>
          Network
          <select
            value={network()}
            onChange={(ev) => setNetwork(ev.currentTarget.value as Container['network'])}
          >
            <option value="none">Off (loopback only)</option>
            <option value="host">Host network</option>
          </select>
        </label>
        <label>
          Display (where GUI programs show their windows)
          <select
            value={display()}
            onChange={(ev) => setDisplay(ev.currentTarget.value as Container['display'])}
          >
            <option value="none">None (no windows)</option>
            <option value="host">The host's X display</option>
          </select>
        </label>
        <div class="limits">
          <label>
            Memory limit (MB)
            <input
              inputmode="numeric"
              placeholder="no limit"
              value={memory()}
              onInput={(ev) => setMemory(ev.currentTarget.value)}
            />
          </label>
          <label>
            Process limit
            <input
              inputmode="numeric"
              placeholder="no limit"
              value={pids()}
              onInput={(ev) => setPids(ev.currentTarget.value)}
            />
          </label>
        </div>
        <label>
          Labels (key=value per line)
          <textarea
            rows="3"
            value={labels()}
            onInput={(ev) => setLabels(ev.currentTarget.value)}
            spellcheck={false}
          />
        </label>
        <div class="actions">
          <Show when={status().saved}>
            <span class="ok" role="status">
              Saved
            </span>
          </Show>
          <button type="button" onClick={reset}>
            Reset
          </button>
          <button type="submit" class="primary" disabled={status().busy}>
            Save settings
          </button>
        </div>
        <Show when={status().error}>
          <p class="error" role="alert">
            {status().error}
          </p>
        </Show>
      </form>
    </section>
  )
}

/** Deleting needs the container's name typed in: it cannot be undone. */
function DeleteDialog(props: { container: Container; onClose: () => void; onDeleted: () => void }) {
  const [typed, setTyped] = createSignal('')
  const [error, setError] = createSignal<string>()
  const [busy, setBusy] = createSignal(false)
  const remove = async () => {
    setBusy(true)
    setError(undefined)
    try {
      await call(client.DELETE('/api/containers/{id}', { params: { path: { id: props.container.id } } }))
      props.onDeleted()
    } catch (err) {
      setError(errorMessage(err))
      setBusy(false)
    }
  }
  return (
    <Modal title={`Delete ${props.container.name}?`} onClose={props.onClose}>
      <form
        class="form-grid"
        onSubmit={(e) => {
          e.preventDefault()
          if (typed() === props.container.name) void remove()
        }}
      >
        <p>
          This deletes its files, registry, snapshots and logs. It cannot be undone. Type{' '}
          <strong>{props.container.name}</strong> to confirm.
        </p>
        <label>
          Container name
          <input value={typed()} onInput={(e) => setTyped(e.currentTarget.value)} autocomplete="off" />
        </label>
        <Show when={error()}>
          <p class="error" role="alert">
            {error()}
          </p>
        </Show>
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button
            type="submit"
            class="primary danger-fill"
            disabled={typed() !== props.container.name || busy()}
          >
            Delete
          </button>
        </div>
      </form>
    </Modal>
  )
}
