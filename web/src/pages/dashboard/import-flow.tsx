import { createEffect, createSignal, type JSX, Match, Show, Switch, untrack } from 'solid-js'
import { UploadProgress } from '../../components/file-drop.tsx'
import { Link } from '../../components/link.tsx'
import { Modal } from '../../components/modal.tsx'
import { Progress } from '../../components/progress.tsx'
import { type components, errorMessage, OrbitApiError, upload } from '../../lib/api.ts'
import { followJob, isFinished, jobFraction } from '../../lib/jobs.ts'
import type { Job } from '../../lib/state.ts'

type ImportAccepted = components['schemas']['ImportAccepted']
type ImportResult = components['schemas']['ImportResult']

type Step =
  | { kind: 'upload'; sent: number; total: number }
  | { kind: 'job'; job: () => Job | undefined }
  /** The archive is signed by a key this installation does not trust: ask before trusting it. */
  | { kind: 'trust'; message: string }
  /** Encrypted: ask for the passphrase (again, when it was wrong). */
  | { kind: 'passphrase'; message: string }
  /** A container with the archive's name exists: ask for another. */
  | { kind: 'rename'; message: string }
  | { kind: 'error'; message: string }

/**
 * Imports a dropped .ctnr: upload with progress, then the import job; a refusal the person can
 * answer (unknown signer, passphrase, name taken) becomes a question and the upload is retried.
 */
export function ImportFlow(props: { file: File; onClose: () => void }) {
  const [step, setStep] = createSignal<Step>({ kind: 'upload', sent: 0, total: props.file.size })
  const opts = {
    trust: false,
    passphrase: undefined as string | undefined,
    name: undefined as string | undefined,
  }
  let abort: AbortController | undefined

  const send = async () => {
    const query = new URLSearchParams()
    if (opts.name) query.set('name', opts.name)
    if (opts.trust) query.set('trust', 'true')
    abort = new AbortController()
    setStep({ kind: 'upload', sent: 0, total: props.file.size })
    try {
      const accepted = await upload<ImportAccepted>({
        url: `/api/imports${query.toString() ? `?${query}` : ''}`,
        body: props.file,
        signal: abort.signal,
        headers: opts.passphrase ? { 'Orbit-Passphrase': opts.passphrase } : {},
        onProgress: (sent, total) => setStep({ kind: 'upload', sent, total: total || props.file.size }),
      })
      setStep({ kind: 'job', job: followJob(accepted.job) })
    } catch (err) {
      if (err instanceof DOMException && err.name === 'AbortError') return props.onClose()
      if (err instanceof OrbitApiError && err.code === 'ECONFLICT')
        return setStep({ kind: 'rename', message: errorMessage(err) })
      setStep({ kind: 'error', message: errorMessage(err) })
    }
  }
  void send()

  // A failed job that a person can answer becomes a question. (The store updates a job in
  // place, so the effect reads the fields it depends on, not just the object.)
  createEffect(() => {
    const s = step()
    const job = s.kind === 'job' ? s.job() : undefined
    if (job?.state !== 'failed') return
    const code = job.error?.code
    const message = job.error?.message ?? 'the import failed'
    untrack(() => {
      if (code === 'EUNTRUSTED') setStep({ kind: 'trust', message })
      else if (code === 'EBADPASS') setStep({ kind: 'passphrase', message })
      else if (code === 'ECONFLICT') setStep({ kind: 'rename', message })
    })
  })

  const as = <K extends Step['kind']>(k: K) => {
    const s = step()
    return s.kind === k ? (s as Extract<Step, { kind: K }>) : undefined
  }

  return (
    <Modal
      title={`Import ${props.file.name}`}
      onClose={() => {
        abort?.abort()
        props.onClose()
      }}
    >
      <Switch>
        <Match when={as('upload')}>
          {(s) => (
            <>
              <UploadProgress name={props.file.name} sent={s().sent} total={s().total} />
              <div class="actions">
                <button type="button" onClick={() => abort?.abort()}>
                  Cancel
                </button>
              </div>
            </>
          )}
        </Match>
        <Match when={as('job')}>{(s) => <ImportJob job={s().job} onClose={props.onClose} />}</Match>
        <Match when={as('trust')}>
          {(s) => (
            <Question
              submit="Trust this signer and import"
              onCancel={props.onClose}
              onAnswer={() => {
                opts.trust = true
                void send()
              }}
            >
              <p role="alert">This archive is signed by a key this installation does not trust yet.</p>
              <p class="muted">{s().message}</p>
              <p>Trust it only if you know who made the archive (compare the fingerprint with them).</p>
            </Question>
          )}
        </Match>
        <Match when={as('passphrase')}>
          {(s) => (
            <Question
              submit="Import"
              onCancel={props.onClose}
              onAnswer={(form) => {
                opts.passphrase = String(form.get('passphrase') ?? '')
                void send()
              }}
            >
              <p role="alert">
                {opts.passphrase ? 'That passphrase did not open the archive.' : 'This archive is encrypted.'}
              </p>
              <p class="muted">{s().message}</p>
              <label>
                Passphrase
                <input name="passphrase" type="password" required minLength={8} autocomplete="off" />
              </label>
            </Question>
          )}
        </Match>
        <Match when={as('rename')}>
          {(s) => (
            <Question
              submit="Import"
              onCancel={props.onClose}
              onAnswer={(form) => {
                opts.name = String(form.get('name') ?? '').trim()
                void send()
              }}
            >
              <p role="alert">{s().message}</p>
              <label>
                Import it under another name
                <input name="name" required maxLength={200} autocomplete="off" />
              </label>
            </Question>
          )}
        </Match>
        <Match when={as('error')}>
          {(s) => (
            <>
              <p class="error" role="alert">
                Could not import {props.file.name}: {s().message}
              </p>
              <div class="actions">
                <button type="button" onClick={props.onClose}>
                  Close
                </button>
              </div>
            </>
          )}
        </Match>
      </Switch>
    </Modal>
  )
}

/** A refusal the person can answer: what went wrong, the fields to answer it, then retry. */
function Question(props: {
  submit: string
  onAnswer: (form: FormData) => void
  onCancel: () => void
  children: JSX.Element
}) {
  return (
    <form
      class="form-grid"
      onSubmit={(e) => {
        e.preventDefault()
        props.onAnswer(new FormData(e.currentTarget))
      }}
    >
      {props.children}
      <div class="actions">
        <button type="button" onClick={() => props.onCancel()}>
          Cancel
        </button>
        <button type="submit" class="primary">
          {props.submit}
        </button>
      </div>
    </form>
  )
}

function ImportJob(props: { job: () => Job | undefined; onClose: () => void }) {
  const job = () => props.job()
  const result = () => (job()?.state === 'succeeded' ? (job()?.result as ImportResult) : undefined)
  return (
    <div aria-live="polite">
      <Show when={!isFinished(job())}>
        <p>
          <strong>{job()?.progress?.message ?? job()?.phase ?? 'Waiting for its turn…'}</strong>
        </p>
        <Progress label="Import progress" fraction={jobFraction(job())} />
      </Show>
      <Show when={job()?.state === 'failed' || job()?.state === 'canceled'}>
        <p class="error" role="alert">
          The import failed: {job()?.error?.message ?? job()?.state}
        </p>
      </Show>
      <Show when={result()}>
        {(r) => (
          <p class="ok" role="status">
            Imported{' '}
            <Link href={`/containers/${encodeURIComponent(r().container.id)}`}>{r().container.name}</Link>
            {r().trustedNow ? ' — its signer is now trusted' : ''}.
          </p>
        )}
      </Show>
      <div class="actions">
        <button type="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </div>
  )
}
