import { createMemo, createSignal, For, Match, Show, Switch } from 'solid-js'
import { FileDrop, UploadProgress } from '../../components/file-drop.tsx'
import { Link } from '../../components/link.tsx'
import { Modal } from '../../components/modal.tsx'
import { Progress } from '../../components/progress.tsx'
import { call, client, type components, errorMessage, upload } from '../../lib/api.ts'
import { formatBytes } from '../../lib/format.ts'
import { followJob, isFinished, jobFraction } from '../../lib/jobs.ts'
import type { Container, Job } from '../../lib/state.ts'
import { panel } from '../../lib/store.ts'
import { splitArgs } from './args.ts'

type InstallAccepted = components['schemas']['InstallAccepted']
type InstallResult = components['schemas']['InstallResult']
type AppEntry = components['schemas']['App']

type Step =
  | { kind: 'pick' }
  | { kind: 'upload'; name: string; sent: number; total: number }
  | { kind: 'job'; job: () => Job | undefined }
  | { kind: 'error'; message: string }

/** Containers an installer can go into now. */
const installable = (c: Container) =>
  ['created', 'ready', 'stopped', 'failed'].includes(c.state) && c.runtime.kind === 'wine'

/**
 * The install wizard: choose the container (unless given), pick or drop an installer, upload it
 * with progress, then follow the capture job live to the apps it found, each with a Run button.
 */
export function InstallWizard(props: { containerId?: string; onClose: () => void }) {
  const [containerId, setContainerId] = createSignal(props.containerId ?? '')
  const [file, setFile] = createSignal<File>()
  const [args, setArgs] = createSignal('')
  const [step, setStep] = createSignal<Step>({ kind: 'pick' })
  let abort: AbortController | undefined
  const choices = () =>
    Object.values(panel.state.containers)
      .filter(installable)
      .sort((a, b) => a.name.localeCompare(b.name))
  const container = () => panel.state.containers[containerId()]

  const start = async () => {
    const f = file()
    if (!f || !containerId()) return
    const query = new URLSearchParams({ filename: f.name })
    for (const a of splitArgs(args())) query.append('args', a)
    abort = new AbortController()
    setStep({ kind: 'upload', name: f.name, sent: 0, total: f.size })
    try {
      const accepted = await upload<InstallAccepted>({
        url: `/api/containers/${encodeURIComponent(containerId())}/installs?${query}`,
        body: f,
        signal: abort.signal,
        onProgress: (sent, total) => setStep({ kind: 'upload', name: f.name, sent, total: total || f.size }),
      })
      setStep({ kind: 'job', job: followJob(accepted.job) })
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') setStep({ kind: 'pick' })
      else setStep({ kind: 'error', message: errorMessage(err) })
    }
  }

  return (
    <Modal
      title={container() ? `Install into ${container()?.name}` : 'Install an application'}
      onClose={props.onClose}
      wide
    >
      <Switch>
        <Match when={step().kind === 'pick'}>
          <form
            class="form-grid"
            onSubmit={(e) => {
              e.preventDefault()
              void start()
            }}
          >
            <Show when={!props.containerId}>
              <label>
                Container
                <select
                  required
                  value={containerId()}
                  onChange={(e) => setContainerId(e.currentTarget.value)}
                >
                  <option value="">Choose a container…</option>
                  <For each={choices()}>{(c) => <option value={c.id}>{c.name}</option>}</For>
                </select>
              </label>
              <Show when={choices().length === 0}>
                <p class="muted">No container can take an install now: create one first.</p>
              </Show>
            </Show>
            <FileDrop label="Installer (.exe or .msi)" accept=".exe,.msi" onFile={setFile} />
            <Show when={file()}>
              {(f) => (
                <p>
                  Selected: <strong>{f().name}</strong> ({formatBytes(f().size)})
                </p>
              )}
            </Show>
            <label>
              Installer arguments (optional, e.g. /S for a silent install)
              <input value={args()} onInput={(e) => setArgs(e.currentTarget.value)} autocomplete="off" />
            </label>
            <div class="actions">
              <button type="button" onClick={props.onClose}>
                Cancel
              </button>
              <button type="submit" class="primary" disabled={!file() || !containerId()}>
                Upload and install
              </button>
            </div>
          </form>
        </Match>
        <Match when={step().kind === 'upload' && (step() as Extract<Step, { kind: 'upload' }>)}>
          {(s) => (
            <>
              <UploadProgress name={s().name} sent={s().sent} total={s().total} />
              <div class="actions">
                <button type="button" onClick={() => abort?.abort()}>
                  Cancel upload
                </button>
              </div>
            </>
          )}
        </Match>
        <Match when={step().kind === 'job' && (step() as Extract<Step, { kind: 'job' }>)}>
          {(s) => <InstallJob job={s().job} containerId={containerId()} onClose={props.onClose} />}
        </Match>
        <Match when={step().kind === 'error' && (step() as Extract<Step, { kind: 'error' }>)}>
          {(s) => (
            <>
              <p class="error" role="alert">
                {s().message}
              </p>
              <div class="actions">
                <button type="button" onClick={props.onClose}>
                  Close
                </button>
                <button type="button" class="primary" onClick={() => setStep({ kind: 'pick' })}>
                  Try again
                </button>
              </div>
            </>
          )}
        </Match>
      </Switch>
    </Modal>
  )
}

const phases = ['prepare', 'install', 'scan', 'snapshot'] as const
const phaseLabel: Record<string, string> = {
  prepare: 'Preparing',
  install: 'Running the installer',
  scan: 'Finding the files and registry keys it wrote',
  snapshot: 'Taking a snapshot',
  rollback: 'Rolling back',
}

/** The capture job, live: phase, counters, the installer's output; then the apps found. */
function InstallJob(props: { job: () => Job | undefined; containerId: string; onClose: () => void }) {
  const job = () => props.job()
  const feed = () => {
    const j = job()
    return j ? panel.state.installs[j.id] : undefined
  }
  const result = createMemo(() =>
    job()?.state === 'succeeded' ? (job()?.result as InstallResult) : undefined,
  )
  return (
    <div class="install-job" aria-live="polite">
      <Show when={!isFinished(job())}>
        <ol class="phases">
          <For each={phases}>
            {(p) => (
              <li
                classList={{ current: job()?.phase === p }}
                aria-current={job()?.phase === p ? 'step' : undefined}
              >
                {phaseLabel[p]}
              </li>
            )}
          </For>
        </ol>
        <p>
          <strong>
            {phaseLabel[job()?.phase ?? ''] ??
              (job()?.state === 'queued' ? 'Waiting for its turn…' : job()?.phase)}
          </strong>
          <Show when={job()?.progress?.unit === 'files'}> — {job()?.progress?.done} files scanned</Show>
          <Show when={job()?.progress?.unit === 'lines' && job()?.progress?.done}>
            {' '}
            — {job()?.progress?.done} output lines
          </Show>
        </p>
        <Progress label="Install progress" fraction={jobFraction(job())} />
      </Show>
      <Show when={(feed()?.lines.length ?? 0) > 0}>
        <details open={!isFinished(job())}>
          <summary>Installer output</summary>
          <pre class="output">{feed()?.lines.join('\n')}</pre>
        </details>
      </Show>
      <Show when={job()?.state === 'failed' || job()?.state === 'canceled'}>
        <p class="error" role="alert">
          The install {job()?.state === 'canceled' ? 'was canceled' : 'failed'}:{' '}
          {job()?.error?.message ?? 'no reason given'}
        </p>
      </Show>
      <Show when={result()}>{(r) => <InstallDone result={r()} containerId={props.containerId} />}</Show>
      <div class="actions">
        <button type="button" onClick={props.onClose}>
          {isFinished(job()) ? 'Close' : 'Close (the install goes on)'}
        </button>
      </div>
    </div>
  )
}

function InstallDone(props: { result: InstallResult; containerId: string }) {
  const s = () => props.result.summary
  return (
    <section aria-label="Installed">
      <p class="ok">
        Installed: {s().filesAdded} files added, {s().filesChanged} changed, {s().keysAdded} registry keys and{' '}
        {s().valuesAdded} values added ({formatBytes(s().bytesWritten)}).
      </p>
      <h3>Apps found</h3>
      <Show
        when={props.result.apps.length > 0}
        fallback={<p class="muted">The installer made no shortcut or program.</p>}
      >
        <ul class="apps">
          <For each={props.result.apps}>{(app) => <AppRow app={app} containerId={props.containerId} />}</For>
        </ul>
      </Show>
    </section>
  )
}

function AppRow(props: { app: AppEntry; containerId: string }) {
  const [state, setState] = createSignal<{ busy?: boolean; error?: string; started?: boolean }>({})
  const run = async () => {
    setState({ busy: true })
    try {
      await call(
        client.POST('/api/containers/{id}/runs', {
          params: { path: { id: props.containerId } },
          body: { program: props.app.name, args: [] },
        }),
      )
      setState({ started: true })
    } catch (err) {
      setState({ error: errorMessage(err) })
    }
  }
  return (
    <li>
      <span>
        <strong>{props.app.name}</strong> <span class="muted">{props.app.target}</span>
      </span>
      <button
        type="button"
        class="primary"
        disabled={state().busy}
        onClick={() => void run()}
        aria-label={`Run ${props.app.name}`}
      >
        Run
      </button>
      <Show when={state().started}>
        <span role="status">
          Started — <Link href={`/containers/${encodeURIComponent(props.containerId)}`}>see it run</Link>
        </span>
      </Show>
      <Show when={state().error}>
        <span class="error" role="alert">
          {state().error}
        </span>
      </Show>
    </li>
  )
}
