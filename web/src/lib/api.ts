import {
  type components,
  createOrbitClient,
  OrbitApiError,
  type OrbitClient,
  type Problem,
  type SystemInfo,
  unwrap,
} from '../../../sdk-gen/client.ts'
import { currentToken } from './token.ts'

export type { components, OrbitClient, Problem, SystemInfo }
export { OrbitApiError, unwrap }

export type Schemas = components['schemas']
export type SessionInfo = Schemas['SessionInfo']

/** Methods that change state; a session must prove them with its CSRF token. */
const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

export interface PanelClientOptions {
  baseUrl?: string
  fetch?: typeof fetch
  /** A bearer token (the gateway's printed link); absent with a passkey session (the cookie). */
  token?: () => string | undefined
  /** The session's CSRF token, from GET /api/auth/session. */
  csrf: () => string | undefined
  /** Called on any 401: the credentials are gone (session expired, token revoked). */
  onUnauthorized: (response: Response) => void
}

/**
 * Builds a client of the contract: the cookie goes along (same origin), unsafe methods carry the
 * session's X-CSRF-Token, and a 401 anywhere tells the app at once instead of each page guessing.
 */
export function createPanelClient(options: PanelClientOptions): OrbitClient {
  const base = options.fetch ?? ((input: Request) => fetch(input))
  const client = createOrbitClient({
    baseUrl: options.baseUrl ?? '',
    token: () => options.token?.(),
    // A Request made by openapi-fetch already has credentials 'same-origin'; say so anyway.
    fetch: ((input: Request) => base(new Request(input, { credentials: 'same-origin' }))) as typeof fetch,
  })
  client.use({
    onRequest({ request }) {
      const csrf = options.csrf()
      if (csrf && unsafe.has(request.method)) request.headers.set('X-CSRF-Token', csrf)
      return request
    },
    onResponse({ request, response }) {
      if (response.status === 401 && !isCeremony(request.url)) options.onUnauthorized(response)
      return response
    },
  })
  return client
}

/** A passkey ceremony's 401 means "that passkey or link did not work", not "signed out". */
const isCeremony = (url: string): boolean => {
  const path = new URL(url, 'http://x').pathname
  return path.startsWith('/api/auth/') && path !== '/api/auth/session'
}

// The panel's one client and what it needs to know about the session.
let csrfToken: string | undefined
const unauthorizedListeners = new Set<() => void>()

export const setCsrfToken = (token: string | null | undefined): void => {
  csrfToken = token ?? undefined
}
export const getCsrfToken = (): string | undefined => csrfToken

/** Subscribes to "the credentials stopped working"; returns the unsubscribe. */
export function onUnauthorized(listener: () => void): () => void {
  unauthorizedListeners.add(listener)
  return () => unauthorizedListeners.delete(listener)
}
const notifyUnauthorized = () => {
  for (const l of [...unauthorizedListeners]) l()
}

export const client: OrbitClient = createPanelClient({
  // Same origin; spelled out so the client also works where relative URLs do not (unit tests).
  baseUrl: typeof location === 'undefined' ? '' : location.origin,
  token: () => currentToken(),
  csrf: () => csrfToken,
  onUnauthorized: notifyUnauthorized,
})

/** The error's text for a person: the problem's detail, its title, or the transport's message. */
export function errorMessage(err: unknown): string {
  if (err instanceof OrbitApiError) {
    const fields = err.problem?.errors?.map((e) => `${e.path}: ${e.message}`).join('; ')
    return fields ? `${err.message} (${fields})` : err.message
  }
  if (err instanceof Error) return err.message
  return String(err)
}

/** Awaits an openapi-fetch call and unwraps it; a network failure becomes OrbitApiError ENETWORK. */
export async function call<T>(
  request: Promise<{ data?: T; error?: unknown; response: Response }>,
): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response }
  try {
    result = await request
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err
    throw new OrbitApiError(0, undefined, `the gateway cannot be reached (${errorMessage(err)})`)
  }
  return unwrap(result)
}

export interface UploadOptions {
  /** The path with its query, e.g. `/api/containers/abc/installs?filename=setup.exe`. */
  url: string
  body: Blob
  contentType?: string
  headers?: Record<string, string>
  /** Bytes sent so far and the total, as the browser reports them. */
  onProgress?: (sent: number, total: number) => void
  signal?: AbortSignal
}

/**
 * A POST of a large body with upload progress (fetch cannot report it): XMLHttpRequest with the
 * same credentials, CSRF header and 401 handling as the client. Resolves to the JSON answer.
 */
export function upload<T>(options: UploadOptions): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest()
    xhr.open('POST', options.url)
    xhr.withCredentials = true
    const token = currentToken()
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`)
    if (csrfToken) xhr.setRequestHeader('X-CSRF-Token', csrfToken)
    xhr.setRequestHeader('Content-Type', options.contentType ?? 'application/octet-stream')
    for (const [k, v] of Object.entries(options.headers ?? {})) xhr.setRequestHeader(k, v)
    xhr.upload.onprogress = (e) => options.onProgress?.(e.loaded, e.lengthComputable ? e.total : 0)
    xhr.onerror = () => reject(new OrbitApiError(0, undefined, 'the upload was cut off'))
    xhr.onabort = () => reject(new DOMException('The upload was canceled', 'AbortError'))
    xhr.onload = () => {
      let body: unknown
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : undefined
      } catch {
        body = undefined
      }
      if (xhr.status >= 200 && xhr.status < 300) return resolve(body as T)
      if (xhr.status === 401) notifyUnauthorized()
      const problem = isProblem(body) ? body : undefined
      reject(new OrbitApiError(xhr.status, problem, `HTTP ${xhr.status}`))
    }
    options.signal?.addEventListener('abort', () => xhr.abort(), { once: true })
    xhr.send(options.body)
  })
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'code' in value && 'status' in value
}

export const api = {
  systemInfo: (): Promise<SystemInfo> => call(client.GET('/api/system/info')),
  session: (): Promise<SessionInfo> => call(client.GET('/api/auth/session')),
  signOut: async (): Promise<void> => {
    await call(client.DELETE('/api/auth/session'))
  },
}
