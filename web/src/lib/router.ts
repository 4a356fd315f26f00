import { createSignal } from 'solid-js'

export interface Match<R> {
  route: R
  params: Record<string, string>
}

/**
 * The route for a path, with its `:params` decoded; the first matching pattern wins.
 * Patterns are paths whose segments may be `:name` (`/containers/:id`).
 */
export function matchRoute<R extends { path: string }>(
  routes: readonly R[],
  pathname: string,
): Match<R> | undefined {
  const parts = split(pathname)
  for (const route of routes) {
    const pattern = split(route.path)
    if (pattern.length !== parts.length) continue
    const params: Record<string, string> = {}
    let ok = true
    for (let i = 0; i < pattern.length && ok; i++) {
      const p = pattern[i] as string
      const v = parts[i] as string
      if (p.startsWith(':')) {
        try {
          params[p.slice(1)] = decodeURIComponent(v)
        } catch {
          ok = false
        }
      } else ok = p === v
    }
    if (ok) return { route, params }
  }
  return undefined
}

const split = (path: string) => path.split('/').filter((s) => s !== '')

const here = () => ({ pathname: window.location.pathname, search: window.location.search })
const [location, setLocation] = createSignal(here())

/** The current path and query; a signal, so views follow navigation. */
export { location }

window.addEventListener('popstate', () => setLocation(here()))

/** Goes to a path of the panel without reloading (history API). */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  setLocation(here())
  window.scrollTo?.(0, 0)
}

/**
 * A click handler for in-panel links: plain left clicks navigate in place; modified clicks
 * (new tab, download) are left to the browser.
 */
export function linkClick(e: MouseEvent): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
  const a = (e.currentTarget ?? e.target) as HTMLAnchorElement
  if (!a.href || a.target || a.origin !== window.location.origin) return
  e.preventDefault()
  navigate(a.pathname + a.search + a.hash)
}
