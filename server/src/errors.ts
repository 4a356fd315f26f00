import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ErrorCode, Problem } from '../../openapi/index.ts'

const titles: Record<ErrorCode, [number, string]> = {
  EVALIDATION: [400, 'The request is invalid'],
  EUNAUTHENTICATED: [401, 'Authentication required'],
  EFORBIDDEN: [403, 'Missing scope'],
  ECSRF: [403, 'CSRF token missing or wrong'],
  ESTEP_UP: [403, 'Confirm with your passkey first'],
  ECEREMONY: [400, 'Passkey ceremony refused'],
  ERATE_LIMITED: [429, 'Too many failed attempts'],
  EBAD_HOST: [421, 'Unknown host name'],
  EBAD_ORIGIN: [403, 'Cross-origin request refused'],
  ENOTFOUND: [404, 'Not found'],
  ECONFLICT: [409, 'Conflict'],
  EPAYLOAD_TOO_LARGE: [413, 'Request body too large'],
  EUNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported content type'],
  EINSUFFICIENT_STORAGE: [507, 'Not enough disk space'],
  ECORE: [500, 'The native core failed'],
  EINTERNAL: [500, 'Internal error'],
}

/** The one error class of the gateway: a stable code, a message for humans, optional field errors. */
export class OrbitError extends Error {
  readonly code: ErrorCode
  readonly errors: Problem['errors']
  constructor(code: ErrorCode, detail: string, errors?: Problem['errors']) {
    super(detail)
    this.name = 'OrbitError'
    this.code = code
    this.errors = errors
  }
  get status(): number {
    return titles[this.code][0]
  }
}

export function toProblem(err: OrbitError, instance?: string): Problem {
  const [status, title] = titles[err.code]
  return {
    type: `/docs/problems#${err.code}`,
    title,
    status,
    detail: err.message,
    ...(instance ? { instance } : {}),
    code: err.code,
    ...(err.errors ? { errors: err.errors } : {}),
  }
}

/** Writes an error as application/problem+json. */
export function problemResponse(c: Context, err: OrbitError): Response {
  const body = toProblem(err, new URL(c.req.url).pathname)
  return c.body(JSON.stringify(body), body.status as ContentfulStatusCode, {
    'content-type': 'application/problem+json',
    ...(mayHaveUnreadBody(c.req.raw) ? { connection: 'close' } : {}),
  })
}

/**
 * A refusal can come before the request's body was read (a 413 mid-upload, a 409 before an
 * installer is streamed in). The connection then still holds the rest of that body, so it is closed
 * after the answer: a client must not reuse it for its next request (which would fail with
 * "other side closed" when the server drops it).
 */
function mayHaveUnreadBody(req: Request): boolean {
  if (req.method === 'GET' || req.method === 'HEAD') return false
  const length = req.headers.get('content-length')
  return (length !== null && length !== '0') || req.headers.has('transfer-encoding')
}

/** The stable code of an error from the native core (or Node), if it carries one. */
export function coreCode(err: unknown): string | undefined {
  const code = err instanceof Error ? (err as Error & { code?: unknown }).code : undefined
  return typeof code === 'string' && /^E[A-Z0-9_]+$/.test(code) ? code : undefined
}

/**
 * A coded core error in the API's vocabulary: ENOTFOUND_* -> ENOTFOUND (404), ERUNNING/EEXIST ->
 * ECONFLICT (409), EINVAL -> EVALIDATION (400), ENOSPC -> EINSUFFICIENT_STORAGE (507), any other code -> ECORE (500) keeping the core's
 * code and message. Undefined for an error without a code.
 */
export function fromCoreError(err: unknown): OrbitError | undefined {
  if (err instanceof OrbitError) return err
  const code = coreCode(err)
  if (!code || !(err instanceof Error)) return undefined
  if (code.startsWith('ENOTFOUND')) return new OrbitError('ENOTFOUND', err.message)
  if (code === 'ERUNNING' || code === 'EEXIST') return new OrbitError('ECONFLICT', err.message)
  if (code === 'EINVAL') return new OrbitError('EVALIDATION', err.message)
  // The core's and Node's code for a full disk: the operator can act on it, so it is no 500.
  if (code === 'ENOSPC') return new OrbitError('EINSUFFICIENT_STORAGE', err.message)
  return new OrbitError('ECORE', `${code}: ${err.message}`)
}
