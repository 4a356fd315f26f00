import { createSignal, Show } from 'solid-js'
import { Modal } from '../../components/modal.tsx'
import type { NewContainer } from './create.ts'
import { parseEnv } from './create.ts'

/** The "New container" form: name, runtime, network and environment. */
export function CreateDialog(props: { onCreate: (input: NewContainer) => void; onClose: () => void }) {
  const [error, setError] = createSignal<string>()
  return (
    <Modal title="New container" onClose={props.onClose}>
      <form
        class="form-grid"
        onSubmit={(e) => {
          e.preventDefault()
          const data = new FormData(e.currentTarget)
          const env = parseEnv(String(data.get('env') ?? ''))
          if ('error' in env) return setError(`Environment, ${env.error}`)
          const version = String(data.get('version') ?? '').trim()
          props.onCreate({
            name: String(data.get('name') ?? '').trim(),
            runtime: data.get('runtime') === 'native' ? 'native' : 'wine',
            network: data.get('network') === 'host' ? 'host' : 'none',
            env: env.env,
            ...(version ? { version } : {}),
          })
        }}
      >
        <label>
          Name
          <input name="name" required maxLength={200} autocomplete="off" pattern="[^/]+" />
        </label>
        <label>
          Version (optional)
          <input name="version" maxLength={100} autocomplete="off" />
        </label>
        <label>
          Runtime
          <select name="runtime">
            <option value="wine">Wine (Windows programs)</option>
            <option value="native">Native (Linux programs)</option>
          </select>
        </label>
        <label>
          Network
          <select name="network">
            <option value="none">Off — loopback only</option>
            <option value="host">Host network</option>
          </select>
        </label>
        <label>
          Environment (one NAME=value per line)
          <textarea name="env" rows={3} spellcheck={false} />
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
          <button type="submit" class="primary">
            Create
          </button>
        </div>
      </form>
    </Modal>
  )
}
