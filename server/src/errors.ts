import type { Context } from 'hono'
import type { ContentfulStatusCode } from 'hono/utils/http-status'
import type { ErrorCode, Problem } from '../../openapi/index.ts'

const titles: Record<ErrorCode, [number, string]> = {
  EVALIDATION: [400, 'The request is invalid'],
  EUNAUTHENTICATED: [401, 'Authentication required'],
  EFORBIDDEN: [403, 'Missing scope'],
  EBAD_HOST: [421, 'Unknown host name'],
  EBAD_ORIGIN: [403, 'Cross-origin request refused'],
  ENOTFOUND: [404, 'Not found'],
  ECONFLICT: [409, 'Conflict'],
  EPAYLOAD_TOO_LARGE: [413, 'Request body too large'],
  EUNSUPPORTED_MEDIA_TYPE: [415, 'Unsupported content type'],
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
  })
}
