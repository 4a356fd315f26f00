import { createSignal } from 'solid-js'
import { api, errorMessage, OrbitApiError, onUnauthorized, type SessionInfo, setCsrfToken } from './api.ts'
import { clearToken } from './token.ts'

/**
 * Who is signed in. `expired` is distinct from `signed-out`: the panel was working and the
 * credentials stopped (idle session ended, token revoked), so the person is told why.
 */
export type AuthState =
  | { status: 'loading' }
  | { status: 'signed-in'; session: SessionInfo }
  | { status: 'signed-out' }
  | { status: 'expired' }
  | { status: 'unreachable'; message: string }

const [auth, setAuth] = createSignal<AuthState>({ status: 'loading' })

export { auth }

onUnauthorized(() => {
  const now = auth().status
  setCsrfToken(undefined)
  setAuth(now === 'signed-in' || now === 'expired' ? { status: 'expired' } : { status: 'signed-out' })
})

/** Asks the gateway who we are (cookie or token) and keeps the CSRF token for unsafe calls. */
export async function loadSession(): Promise<void> {
  try {
    const session = await api.session()
    setCsrfToken(session.csrfToken)
    setAuth({ status: 'signed-in', session })
  } catch (err) {
    if (err instanceof OrbitApiError && err.status === 401) return // the 401 hook has set the state
    setAuth({ status: 'unreachable', message: errorMessage(err) })
  }
}

/** Ends a passkey session (DELETE /api/auth/session); a token is simply forgotten by this tab. */
export async function signOut(): Promise<void> {
  const now = auth()
  if (now.status === 'signed-in' && now.session.via === 'session') {
    try {
      await api.signOut()
    } catch {
      // Signed out either way: the cookie is useless without the row, and we forget the CSRF token.
    }
  }
  clearToken()
  setCsrfToken(undefined)
  setAuth({ status: 'signed-out' })
}

export const session = (): SessionInfo | undefined => {
  const a = auth()
  return a.status === 'signed-in' ? a.session : undefined
}

/** Whether the signed-in principal holds a scope (pages hide what it cannot do). */
export const hasScope = (scope: SessionInfo['scopes'][number]): boolean =>
  session()?.scopes.includes(scope) ?? false
