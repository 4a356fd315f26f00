import { createSignal, Show } from 'solid-js'
import { signIn } from './ceremony.ts'

/** /login: sign in with a passkey of this site, then go to the panel. */
export function LoginPage() {
  const [error, setError] = createSignal<string>()
  const [busy, setBusy] = createSignal(false)
  const go = async () => {
    setBusy(true)
    setError(undefined)
    try {
      await signIn()
      window.location.assign('/')
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err))
      setBusy(false)
    }
  }
  return (
    <section aria-labelledby="login-title">
      <h2 id="login-title">Sign in</h2>
      <button type="button" onClick={go} disabled={busy()}>
        Sign in with a passkey
      </button>
      <Show when={error()}>
        <p role="alert">{error()}</p>
      </Show>
    </section>
  )
}
