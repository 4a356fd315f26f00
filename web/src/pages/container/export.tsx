import { createSignal, Show } from 'solid-js'
import { call, client, errorMessage, type Schemas } from '../../lib/api.ts'
import { formatBytes } from '../../lib/format.ts'
import { followJob } from '../../lib/jobs.ts'
import { hasScope } from '../../lib/session.ts'
import type { Container, Job } from '../../lib/state.ts'
import { DownloadLink } from './download.tsx'
import { JobStatus } from './job-status.tsx'

type ExportResult = Schemas['ExportResult']

/** Packs the container into a signed .ctnr: options, the job's progress, then the download. */
export function ExportSection(props: { container: Container }) {
  const [snapshots, setSnapshots] = createSignal(false)
  const [runtime, setRuntime] = createSignal(false)
  const [encrypt, setEncrypt] = createSignal(false)
  const [passphrase, setPassphrase] = createSignal('')
  const [error, setError] = createSignal<string>()
  const [job, setJob] = createSignal<() => Job | undefined>()
  const result = () => {
    const j = job()?.()
    return j?.state === 'succeeded' ? (j.result as ExportResult) : undefined
  }
  const start = async () => {
    if (encrypt() && passphrase().length < 8) return setError('The passphrase needs at least 8 characters')
    setError(undefined)
    try {
      const { job: j } = await call(
        client.POST('/api/containers/{id}/exports', {
          params: { path: { id: props.container.id } },
          body: {
            includeSnapshots: snapshots(),
            includeRuntime: runtime(),
            ...(encrypt() ? { passphrase: passphrase() } : {}),
          },
        }),
      )
      setPassphrase('')
      setJob(() => followJob(j))
    } catch (err) {
      setError(`Could not export: ${errorMessage(err)}`)
    }
  }
  return (
    <section class="export" aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <p class="muted">
        A signed .ctnr archive another Orbit can import. The container must be stopped; it is busy while it is
        packed.
      </p>
      <Show
        when={hasScope('containers:write')}
        fallback={<p class="muted">Exporting needs the containers:write scope.</p>}
      >
        <form
          class="form-grid export-form"
          onSubmit={(e) => {
            e.preventDefault()
            void start()
          }}
        >
          <label class="check">
            <input
              type="checkbox"
              checked={snapshots()}
              onChange={(e) => setSnapshots(e.currentTarget.checked)}
            />
            Include snapshots
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={runtime()}
              onChange={(e) => setRuntime(e.currentTarget.checked)}
            />
            Include the base runtime (larger; the importer need not have or make it)
          </label>
          <label class="check">
            <input
              type="checkbox"
              checked={encrypt()}
              onChange={(e) => setEncrypt(e.currentTarget.checked)}
            />
            Encrypt with a passphrase
          </label>
          <Show when={encrypt()}>
            <label>
              Passphrase (at least 8 characters; never stored)
              <input
                type="password"
                value={passphrase()}
                onInput={(e) => setPassphrase(e.currentTarget.value)}
                minLength={8}
                autocomplete="new-password"
                required
              />
            </label>
          </Show>
          <div class="actions">
            <button type="submit" class="primary">
              Export
            </button>
          </div>
        </form>
      </Show>
      <Show when={error()}>
        <p class="error" role="alert">
          {error()}
        </p>
      </Show>
      <Show when={job()}>{(j) => <JobStatus job={j()()} label="Export" done="Export ready" />}</Show>
      <Show when={result()}>
        {(r) => (
          <p class="export-done">
            <DownloadLink href={r().download} name={`${props.container.name}.ctnr`}>
              Download {props.container.name}.ctnr
            </DownloadLink>{' '}
            <span class="muted">
              {formatBytes(r().bytes)}
              {r().encrypted ? ', encrypted' : ''}
              {r().snapshots.length > 0 ? `, ${r().snapshots.length} snapshots` : ''}
              {r().runtimeIncluded ? ', with the runtime' : ''} · signer {r().signer.fingerprint}
            </span>
          </p>
        )}
      </Show>
    </section>
  )
}
