import { createSignal, For, type JSX, onCleanup, Show } from 'solid-js'
import type { StreamStatus } from '../lib/events.ts'
import { location } from '../lib/router.ts'
import { hasScope, session, signOut } from '../lib/session.ts'
import type { PanelRoute } from '../routes.ts'
import { Link } from './link.tsx'

const streamLabel: Record<StreamStatus, string> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stopped: 'Offline',
}

/** The frame of every signed-in page: navigation, the live-updates light, the user menu. */
export function Shell(props: { routes: PanelRoute[]; stream: StreamStatus; children: JSX.Element }) {
  const [menuOpen, setMenuOpen] = createSignal(false)
  const [userOpen, setUserOpen] = createSignal(false)
  const items = () => props.routes.filter((r) => r.nav && (!r.scope || hasScope(r.scope)))
  // Escape closes the menus, wherever the focus is.
  const onKey = (e: KeyboardEvent) => {
    if (e.key !== 'Escape') return
    setUserOpen(false)
    setMenuOpen(false)
  }
  document.addEventListener('keydown', onKey)
  onCleanup(() => document.removeEventListener('keydown', onKey))
  const current = (path: string) =>
    path === '/' ? location().pathname === '/' : location().pathname.startsWith(path)
  return (
    <div class="shell">
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <header class="topbar">
        <Link href="/" class="brand">
          Orbit
        </Link>
        <button
          type="button"
          class="menu-toggle"
          aria-expanded={menuOpen()}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen())}
        >
          Menu
        </button>
        <nav id="main-nav" aria-label="Main" classList={{ open: menuOpen() }}>
          <ul>
            <For each={items()}>
              {(r) => (
                <li>
                  <Link
                    href={r.path}
                    aria-current={current(r.path) ? 'page' : undefined}
                    onClick={() => setMenuOpen(false)}
                  >
                    {r.title}
                  </Link>
                </li>
              )}
            </For>
          </ul>
        </nav>
        <span class={`stream stream-${props.stream}`} role="status" title="Live updates">
          {streamLabel[props.stream]}
        </span>
        <div class="user-menu">
          <button
            type="button"
            aria-haspopup="true"
            aria-expanded={userOpen()}
            aria-controls="user-menu-panel"
            onClick={() => setUserOpen(!userOpen())}
          >
            {session()?.user?.name ?? (session()?.via === 'admin-token' ? 'Admin token' : 'Token')}
          </button>
          <Show when={userOpen()}>
            <div id="user-menu-panel" class="user-menu-panel">
              <p>
                <Show when={session()?.user} fallback={<>Signed in with {session()?.via}</>}>
                  {(u) => (
                    <>
                      {u().name} · {u().role}
                    </>
                  )}
                </Show>
              </p>
              <button type="button" onClick={() => void signOut()}>
                Sign out
              </button>
            </div>
          </Show>
        </div>
      </header>
      <main id="content" tabindex="-1">
        {props.children}
      </main>
    </div>
  )
}
