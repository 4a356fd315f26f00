import { createSignal, Show } from 'solid-js'
import { currentToken, setToken } from './lib/token.ts'
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
    </form>
  )
}

export function App() {
  const [authed, setAuthed] = createSignal(currentToken() !== undefined)
  return (
    <main>
      <header>
        <h1>Orbit</h1>
        <p class="tagline">Windows applications in portable containers</p>
      </header>
      <Show when={authed()} fallback={<TokenForm onSaved={() => setAuthed(true)} />}>
        <SystemInfoPage onUnauthorized={() => setAuthed(false)} />
      </Show>
    </main>
  )
}
