import { createSignal, Show } from 'solid-js'
import { setToken } from './lib/token.ts'
import { EnrollPage } from './pages/auth/enroll-page.tsx'
import { LoginPage } from './pages/auth/login-page.tsx'
import { SystemInfoPage } from './pages/system-info.tsx'

function TokenForm(props: { onSaved: () => void }) {
  let input!: HTMLInputElement
  return (
    <form
      class="token-form"
      onSubmit={(e) => {
        e.preventDefault()
        if (input.value.trim()) setToken(input.value.trim())
        props.onSaved()
      }}
    >
      <p>Open the link the gateway printed, or paste its token:</p>
      <label>
        Token <input ref={input} type="password" autocomplete="off" required />
      </label>
      <button type="submit">Sign in</button>
      <p>
        Or <a href="/login">sign in with a passkey</a>.
      </p>
    </form>
  )
}

/** The page for a path: the passkey pages, else the panel. */
function Page() {
  // A token from the link, or the session cookie a passkey sign-in left: the API says which works.
  const [authed, setAuthed] = createSignal(true)
  const path = window.location.pathname
  if (path === '/setup' || path === '/enroll') return <EnrollPage firstAdmin={path === '/setup'} />
  if (path === '/login') return <LoginPage />
  return (
    <Show when={authed()} fallback={<TokenForm onSaved={() => setAuthed(true)} />}>
      <SystemInfoPage onUnauthorized={() => setAuthed(false)} />
    </Show>
  )
}

export function App() {
  return (
    <main>
      <header>
        <h1>Orbit</h1>
        <p class="tagline">Windows applications in portable containers</p>
      </header>
      <Page />
    </main>
  )
}
