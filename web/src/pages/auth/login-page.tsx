import { createSignal, Show } from 'solid-js'
import { signIn } from './ceremony.ts'

/** Where to go after signing in: `?next=` when it is a path of this panel, else the dashboard. */
export function nextPath(search: string = window.location.search): string {
  const next = new URLSearchParams(search).get('next') ?? '/'
  // Only a local path: never `//host` or `/\host`, which browsers treat as another origin, and no
  // control characters (browsers drop tabs and newlines, so `/<tab>/host` would become `//host`).
  const local = /^\/(?![/\\])/.test(next) && ![...next].some((ch) => ch.charCodeAt(0) < 0x20 || ch === '\x7f')
  return local ? next : '/'
}

/** /login: sign in with a passkey of this site, then go to the panel. */
export function LoginPage() {
  const [error, setError] = createSignal<string>()
  const [busy, setBusy] = createSignal(false)
  const go = async () => {
    setBusy(true)
    setError(undefined)
    try {
      await signIn()
      window.location.assign(nextPath())
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
