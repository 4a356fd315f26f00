import { createEffect, createSignal, lazy, Match, on, onCleanup, Show, Suspense, Switch } from 'solid-js'
import { Dynamic } from 'solid-js/web'
import { Shell } from './components/shell.tsx'
import { SignIn } from './components/sign-in.tsx'
import { events, type StreamStatus } from './lib/events.ts'
import { location, matchRoute } from './lib/router.ts'
import { auth, loadSession } from './lib/session.ts'
import { panel } from './lib/store.ts'
import { routes } from './routes.ts'

// The passkey pages pull in the WebAuthn helper; load them only there.
const EnrollPage = lazy(() => import('./pages/auth/enroll-page.tsx').then((m) => ({ default: m.EnrollPage })))
const LoginPage = lazy(() => import('./pages/auth/login-page.tsx').then((m) => ({ default: m.LoginPage })))

function NotFound() {
  return (
    <section>
      <h1>Not found</h1>
      <p>
        Nothing lives at <code>{location().pathname}</code>. <a href="/">Back to the dashboard</a>.
      </p>
    </section>
  )
}

const unreachableMessage = () => {
  const a = auth()
  return a.status === 'unreachable' ? a.message : ''
}

/** The signed-in panel: the page for the path inside the shell, fed by the one event stream. */
function Panel() {
  const [stream, setStream] = createSignal<StreamStatus>(events.status)
  onCleanup(events.onStatus(setStream))
  onCleanup(panel.follow(events))
  void loadSession()
  createEffect(
    on(
      () => auth().status,
      (status) => (status === 'signed-in' ? events.start() : events.stop()),
    ),
  )
  const match = () => matchRoute(routes, location().pathname)
  createEffect(() => {
    const m = match()
    document.title = m ? `${m.route.title} · Orbit` : 'Orbit'
  })
  // After a navigation, the focus goes to the new page's content (where a screen reader starts).
  createEffect(
    on(
      () => location().pathname,
      () => document.getElementById('content')?.focus({ preventScroll: true }),
      { defer: true },
    ),
  )
  return (
    <Switch>
      <Match when={auth().status === 'loading'}>
        <p class="loading">Loading…</p>
      </Match>
      <Match when={auth().status === 'signed-out'}>
        <SignIn />
      </Match>
      <Match when={auth().status === 'expired'}>
        <SignIn expired />
      </Match>
      <Match when={auth().status === 'unreachable'}>
        <section class="sign-in">
          <h2>The gateway cannot be reached</h2>
          <p role="alert">{unreachableMessage()}</p>
          <button type="button" onClick={() => void loadSession()}>
            Try again
          </button>
        </section>
      </Match>
      <Match when={auth().status === 'signed-in'}>
        <Shell routes={routes} stream={stream()}>
          <Suspense fallback={<p class="loading">Loading…</p>}>
            <Show when={match()} fallback={<NotFound />} keyed>
              {(m) => <Dynamic component={m.route.component} params={m.params} />}
            </Show>
          </Suspense>
        </Shell>
      </Match>
    </Switch>
  )
}

export function App() {
  const path = () => location().pathname
  return (
    <Switch fallback={<Panel />}>
      <Match when={path() === '/setup' || path() === '/enroll'}>
        <main class="auth-page">
          <h1>Orbit</h1>
          <Suspense>
            <EnrollPage firstAdmin={path() === '/setup'} />
          </Suspense>
        </main>
      </Match>
      <Match when={path() === '/login'}>
        <main class="auth-page">
          <h1>Orbit</h1>
          <Suspense>
            <LoginPage />
          </Suspense>
        </main>
      </Match>
    </Switch>
  )
}
