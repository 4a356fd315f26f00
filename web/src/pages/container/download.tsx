import { createSignal, type JSX, Show } from 'solid-js'
import { errorMessage, OrbitApiError, type Problem } from '../../lib/api.ts'
import { currentToken } from '../../lib/token.ts'

/**
 * Fetches a download with the panel's credentials and hands it to the browser. A plain link
 * carries only the cookie; a panel opened with the gateway's token link has no cookie, so the
 * bytes are fetched with the bearer token and saved from a blob URL.
 */
export async function saveDownload(url: string, fallbackName: string): Promise<void> {
  const headers: Record<string, string> = {}
  const token = currentToken()
  if (token) headers.Authorization = `Bearer ${token}`
  let response: Response
  try {
    response = await fetch(url, { headers, credentials: 'same-origin' })
  } catch (err) {
    throw new OrbitApiError(0, undefined, `the gateway cannot be reached (${errorMessage(err)})`)
  }
  if (!response.ok) {
    let problem: Problem | undefined
    try {
      problem = (await response.json()) as Problem
    } catch {
      problem = undefined
    }
    throw new OrbitApiError(response.status, problem, `HTTP ${response.status}`)
  }
  const name = fileNameOf(response.headers.get('content-disposition')) ?? fallbackName
  const blob = await response.blob()
  const href = URL.createObjectURL(blob)
  const a = document.createElement('a')
  a.href = href
  a.download = name
  document.body.append(a)
  a.click()
  a.remove()
  setTimeout(() => URL.revokeObjectURL(href), 60_000)
}

/** The file name of a Content-Disposition header (RFC 6266: filename* wins over filename). */
export function fileNameOf(header: string | null): string | undefined {
  if (!header) return undefined
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(header)?.[1]
  if (star) {
    try {
      return decodeURIComponent(star.trim())
    } catch {
      // fall through to the plain name
    }
  }
  return /filename\s*=\s*"?([^";]+)"?/i.exec(header)?.[1]?.trim()
}

/**
 * A link to a download of the gateway: a real link (new tab, copy address), but a plain click
 * fetches with the panel's credentials and shows the problem's message if it fails.
 */
export function DownloadLink(props: {
  href: string
  name: string
  children: JSX.Element
  label?: string
  class?: string
}) {
  const [error, setError] = createSignal<string>()
  const [busy, setBusy] = createSignal(false)
  return (
    <span class="download">
      <a
        href={props.href}
        class={props.class}
        download={props.name}
        aria-label={props.label}
        aria-busy={busy() ? 'true' : undefined}
        onClick={(e) => {
          if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
          e.preventDefault()
          setError(undefined)
          setBusy(true)
          saveDownload(props.href, props.name)
            .catch((err) => setError(errorMessage(err)))
            .finally(() => setBusy(false))
        }}
      >
        {props.children}
      </a>
      <Show when={error()}>
        <span class="error" role="alert">
          {error()}
        </span>
      </Show>
    </span>
  )
}
