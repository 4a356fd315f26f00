import type { OpenAPIHono } from '@hono/zod-openapi'
import { streamSSE } from 'hono/streaming'
import { streamEvents } from '../../../openapi/index.ts'
import type { Deps } from '../deps.ts'
import { parseFilter } from '../events/filter.ts'
import { pipeEvents } from '../events/stream.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { guarded } from './guarded.ts'

export function eventRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(streamEvents, deps), (c) => {
    const query = c.req.valid('query')
    // The header is what a browser sends on its own reconnect, so it is newer than the URL's.
    const raw = c.req.valid('header')['last-event-id'] || query.lastEventId || undefined
    const lastEventId = raw === undefined ? undefined : Number(raw)
    return streamSSE(c, async (stream) => {
      c.req.raw.signal.addEventListener('abort', () => stream.abort(), { once: true })
      await pipeEvents(stream, deps.events, {
        lastEventId,
        filter: parseFilter(query),
        heartbeatMs: deps.events.heartbeatMs,
      })
    })
  })
}
