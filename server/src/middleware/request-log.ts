import { randomUUID } from 'node:crypto'
import type { MiddlewareHandler } from 'hono'
import { matchedRoutes } from 'hono/route'
import type { Logger } from '../log.ts'
import type { AuthEnv } from './scope-guard.ts'
import { withHeaders } from './security-headers.ts'

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
  // The line is built here from fields that never hold a secret (no query string, no headers), so
  // it skips the redaction pass, which was more than half the cost of logging a request.
  const lines = log.child({}, { redact: [] })
  return async function requestLogMiddleware(c, next) {
    const incoming = c.req.header('x-request-id')
    const requestId = incoming && /^[\w-]{8,64}$/.test(incoming) ? incoming : randomUUID()
    c.set('requestId', requestId)
    const started = performance.now()
    try {
      // Set before the handler runs, so the response is built with it (see withHeaders).
      await withHeaders(c, next, [['x-request-id', requestId]])
    } finally {
      const ms = performance.now() - started
      // The pattern of the handler that answered (not the raw path): bounded label cardinality.
      const route = matchedRoutes(c)[c.req.routeIndex]?.path ?? 'unmatched'
      const status = c.res.status
      observe?.(route, c.req.method, status, ms / 1000)
      if (lines.isLevelEnabled('info')) {
        lines.info(
          {
            requestId,
            method: c.req.method,
            route,
            path: c.req.path,
            status,
            ms: Math.round(ms * 10) / 10,
            principal: c.get('principal')?.subject,
          },
          'request',
        )
      }
    }
  }
}
