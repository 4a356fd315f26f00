import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Logger } from '../log.ts'
import type { AuthEnv } from './scope-guard.ts'

export type RequestEnv = AuthEnv & { Variables: { requestId: string } }

/**
 * Gives every request an id (echoed as X-Request-Id, reused from a well-formed incoming one) and logs
 * one line when it ends: method, route pattern, status, duration and who asked. The query string and
 * headers are left out, so tokens never reach the log.
 */
export function requestLog(
  log: Logger,
  observe?: (route: string, method: string, status: number, seconds: number) => void,
): MiddlewareHandler<RequestEnv> {
  return async function requestLogMiddleware(c, next) {
    const incoming = c.req.header('x-request-id')
    const requestId = incoming && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID()
    c.set('requestId', requestId)
    const started = process.hrtime.bigint()
    try {
      await next()
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9
      // The pattern of the handler that answered (not the raw path): bounded label cardinality.
      const route = matchedRoutes(c)[c.req.routeIndex]?.path ?? 'unmatched'
      c.header('x-request-id', requestId)
      observe?.(route, c.req.method, c.res.status, seconds)
      log.info(
        {
          requestId,
          method: c.req.method,
          route,
          path: new URL(c.req.url).pathname,
          status: c.res.status,
          ms: Math.round(seconds * 1e4) / 10,
          principal: c.get('principal')?.subject,
        },
        'request',
      )
    }
  }
}
