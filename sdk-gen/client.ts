import createClient, { type Client, type Middleware } from 'openapi-fetch'
import type { components, paths } from './schema.d.ts'

export type { components, paths }
export type Problem = components['schemas']['Problem']
export type SystemInfo = components['schemas']['SystemInfo']
export type OrbitClient = Client<paths>

export interface ClientOptions {
  /** The gateway's origin, e.g. http://127.0.0.1:7780. Empty for same-origin use in the browser. */
  baseUrl?: string
  /** A bearer token; a function is asked before every request, so a token can change at runtime. */
  token?: string | (() => string | undefined)
  fetch?: typeof fetch
}

/** A typed Orbit API client; every path, parameter and body is checked against the contract. */
export function createOrbitClient(options: ClientOptions = {}): OrbitClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl ?? '',
    ...(options.fetch ? { fetch: options.fetch } : {}),
  })
  const auth: Middleware = {
    onRequest({ request }) {
      const token = typeof options.token === 'function' ? options.token() : options.token
      if (token) request.headers.set('Authorization', `Bearer ${token}`)
      return request
    },
  }
  client.use(auth)
  return client
}

/** An API failure carrying the server's problem details, so callers can branch on `code`. */
export class OrbitApiError extends Error {
  readonly code: string
  readonly status: number
  readonly problem: Problem | undefined
  constructor(status: number, problem: Problem | undefined, fallback: string) {
    super(problem?.detail ?? problem?.title ?? fallback)
    this.name = 'OrbitApiError'
    this.status = status
    this.code = problem?.code ?? (status === 0 ? 'ENETWORK' : 'EHTTP')
    this.problem = problem
  }
}

/** Returns `data` of an openapi-fetch result, or throws OrbitApiError with the problem details. */
export function unwrap<T>(result: { data?: T; error?: unknown; response: Response }): T {
  if (result.error !== undefined || !result.response.ok) {
    const problem = isProblem(result.error) ? result.error : undefined
    throw new OrbitApiError(result.response.status, problem, `HTTP ${result.response.status}`)
  }
  return result.data as T
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && 'code' in value && 'status' in value
}
