const key = 'orbit.token'

/**
 * The bearer token the panel uses. The gateway prints a link with `#token=...`; we take it from the
 * fragment (never sent to servers), keep it for this tab's session and scrub it from the address bar.
 */
export function takeTokenFromLocation(
  loc: Location = window.location,
  store: Storage = sessionStorage,
): void {
  const params = new URLSearchParams(loc.hash.replace(/^#/, ''))
  const token = params.get('token')
  if (!token) return
  store.setItem(key, token)
  history.replaceState(null, '', loc.pathname + loc.search)
}

export const currentToken = (store: Storage = sessionStorage): string | undefined =>
  store.getItem(key) ?? undefined
export const setToken = (token: string, store: Storage = sessionStorage): void => store.setItem(key, token)
export const clearToken = (store: Storage = sessionStorage): void => store.removeItem(key)
