import type { OpenAPIHono } from '@hono/zod-openapi'
import type { MiddlewareHandler } from 'hono'
import { getMetrics } from '../../../openapi/index.ts'
import { requestAuthenticator } from '../auth/authenticate.ts'
import type { Deps } from '../deps.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { scopeGuard } from '../middleware/scope-guard.ts'
import { remoteAddress } from '../net.ts'

const loopbackAddresses = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1'])

export function metricsRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  const guard = scopeGuard(getMetrics, requestAuthenticator(deps), deps.auth.now)
  // The operator's loopback allowance is checked against the socket's peer, never a header.
  const loopbackOrScope: MiddlewareHandler<AuthEnv> = async (c, next) => {
    const peer = remoteAddress(c)
    if (deps.config.metricsAllowLoopback && peer !== undefined && loopbackAddresses.has(peer)) return next()
    return guard(c, next)
  }
  app.openapi({ ...getMetrics, middleware: [loopbackOrScope] }, async (c) =>
    c.text(await deps.metrics.registry.metrics(), 200, { 'content-type': deps.metrics.registry.contentType }),
  )
}
