import { createSignal, For, Show } from 'solid-js'
import { Modal } from '../../components/modal.tsx'
import { hasScope } from '../../lib/session.ts'
import { allScopes, type Scope, scopeInfo } from '../admin/scopes.ts'

export interface NewToken {
  name: string
  scopes: Scope[]
  expiresIn: string
}

const lifetimes: Array<[string, string]> = [
  ['1h', '1 hour'],
  ['1d', '1 day'],
  ['7d', '7 days'],
  ['30d', '30 days'],
  ['90d', '90 days'],
  ['365d', '1 year'],
]

/** The "New token" form: a name, scopes (only those you hold can be granted) and a lifetime. */
export function CreateTokenDialog(props: {
  busy: boolean
  onCreate: (t: NewToken) => void
  onClose: () => void
}) {
  const [error, setError] = createSignal<string>()
  return (
    <Modal title="New API token" onClose={props.onClose} wide>
      <form
        class="form-grid"
        onSubmit={(e) => {
          e.preventDefault()
          const data = new FormData(e.currentTarget)
          const scopes = data.getAll('scope').map(String) as Scope[]
          if (scopes.length === 0) return setError('Choose at least one scope.')
          setError(undefined)
          props.onCreate({
            name: String(data.get('name') ?? '').trim(),
            scopes,
            expiresIn: String(data.get('expiresIn') ?? '30d'),
          })
        }}
      >
        <label>
          Name
          <input name="name" required maxLength={100} autocomplete="off" placeholder="e.g. ci-deploy" />
        </label>
        <fieldset class="scopes">
          <legend>Scopes</legend>
          <For each={allScopes}>
            {(s) => (
              <label
                title={hasScope(s) ? scopeInfo[s] : 'You do not hold this scope, so you cannot grant it'}
              >
                <input type="checkbox" name="scope" value={s} disabled={!hasScope(s)} />
                <span>
                  {s} <span class="muted">— {scopeInfo[s]}</span>
                </span>
              </label>
            )}
          </For>
        </fieldset>
        <label>
          Expires after
          <select name="expiresIn" value="30d">
            <For each={lifetimes}>{([v, label]) => <option value={v}>{label}</option>}</For>
          </select>
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
          <button type="submit" class="primary" disabled={props.busy}>
            {props.busy ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </form>
    </Modal>
  )
}
