import { createSignal, Show } from 'solid-js'
import { Modal } from '../../components/modal.tsx'
import './admin.css'

/**
 * A secret the gateway shows exactly once (a token, an invitation link). It lives only in this
 * dialog: closing it drops the last copy the panel holds, so the warning says so plainly.
 */
export function SecretOnce(props: {
  title: string
  label: string
  secret: string
  what: string
  onClose: () => void
}) {
  const [copied, setCopied] = createSignal<string>()
  let input!: HTMLTextAreaElement
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.secret)
      setCopied('Copied.')
    } catch {
      // No clipboard (plain http, or denied): select it so the person can copy by hand.
      input.select()
      setCopied('Selected: press Ctrl+C to copy.')
    }
  }
  return (
    <Modal title={props.title} onClose={props.onClose} wide>
      <div class="secret-once">
        <p class="warning" role="alert">
          Copy {props.what} now: it is shown only this once and cannot be shown again.
        </p>
        <label>
          {props.label}
          <span class="secret">
            <textarea
              ref={input}
              readOnly
              rows={5}
              spellcheck={false}
              value={props.secret}
              onFocus={(e) => e.currentTarget.select()}
              data-secret
            />
            <button type="button" class="primary" onClick={() => void copy()}>
              Copy
            </button>
          </span>
        </label>
        <Show when={copied()}>
          <p role="status">{copied()}</p>
        </Show>
      </div>
      <div class="actions">
        <button type="button" onClick={props.onClose}>
          I have copied it
        </button>
      </div>
    </Modal>
  )
}
