import { Show } from 'solid-js'
import { errorMessage } from '../lib/api.ts'

/**
 * What a page shows when its data did not load: the problem's message and a retry. Renders
 * nothing while `error` is unset. `error` may be a thrown error or a message already made.
 */
export function LoadError(props: { what: string; error: unknown; onRetry: () => void }) {
  const message = () => (typeof props.error === 'string' ? props.error : errorMessage(props.error))
  return (
    <Show when={props.error}>
      <div class="error" role="alert">
        Could not load {props.what}: {message()}{' '}
        <button type="button" onClick={() => props.onRetry()}>
          Try again
        </button>
      </div>
    </Show>
  )
}
