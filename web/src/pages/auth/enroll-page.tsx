import { createSignal, Show } from 'solid-js'
import { enroll, takeLinkSecret } from './ceremony.ts'

/**
 * /setup#SECRET (the first admin, from the link the gateway printed) and /enroll#SECRET (an
 * invitation): register a passkey for this device, then go to the panel signed in.
 */
export function EnrollPage(props: { firstAdmin: boolean }) {
  const secret = takeLinkSecret()
  const [error, setError] = createSignal<string>()
  const [busy, setBusy] = createSignal(false)
  let name!: HTMLInputElement
  const submit = async (e: Event) => {
    e.preventDefault()
    if (!secret) return
    setBusy(true)
    setError(undefined)
    try {
      await enroll(secret, props.firstAdmin ? name.value.trim() || undefined : undefined)
      window.location.assign('/')
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="enroll-title">
      <h2 id="enroll-title">{props.firstAdmin ? 'Set up the first admin' : 'Join Orbit'}</h2>
      <Show
        when={secret}
        fallback={<p role="alert">This link is incomplete: open the whole link you were given.</p>}
      >
        <form class="token-form" onSubmit={submit}>
          <p>Create a passkey on this device. You will sign in with it from now on.</p>
          <Show when={props.firstAdmin}>
            <label>
              Your name <input ref={name} value="admin" autocomplete="username" required />
            </label>
          </Show>
          <button type="submit" disabled={busy()}>
            Create a passkey
          </button>
        </form>
      </Show>
      <Show when={error()}>
        <p role="alert">{error()}</p>
      </Show>
    </section>
  )
}
