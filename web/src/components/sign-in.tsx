import { Show } from 'solid-js'
import { loadSession } from '../lib/session.ts'
import { setToken } from '../lib/token.ts'

/**
 * The way in: a passkey (the usual way) or the token of the link the gateway printed. After an
 * expiry it says so first, so nobody wonders why the panel went away.
 */
export function SignIn(props: { expired?: boolean }) {
  let input!: HTMLInputElement
  const next = () => encodeURIComponent(window.location.pathname + window.location.search)
  return (
    <section class="sign-in" aria-labelledby="sign-in-title">
      <Show when={props.expired} fallback={<h2 id="sign-in-title">Sign in</h2>}>
        <h2 id="sign-in-title">Session expired — sign in again</h2>
        <p role="alert">
          Your session ended (it was idle too long, or it was revoked). Sign in again to carry on where you
          were.
        </p>
      </Show>
      <p>
        <a class="button primary" href={`/login?next=${next()}`}>
          Sign in with a passkey
        </a>
      </p>
      <form
        class="token-form"
        onSubmit={(e) => {
          e.preventDefault()
          const token = input.value.trim()
          if (token) setToken(token)
          void loadSession()
        }}
      >
        <p>Or open the link the gateway printed, or paste its token:</p>
        <label>
          Token <input ref={input} type="password" autocomplete="off" required />
        </label>
        <button type="submit">Sign in</button>
      </form>
    </section>
  )
}
