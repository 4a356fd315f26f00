import { ServerResponse } from 'node:http'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import type { OpenAPIHono } from '@hono/zod-openapi'
import { streamEvents } from '../../../openapi/index.ts'
import type { Deps } from '../deps.ts'
import { parseFilter } from '../events/filter.ts'
import { nodeSink, sseHeaders, webSink } from '../events/sse-sink.ts'
import { pipeEvents } from '../events/stream.ts'
import type { AuthEnv } from '../middleware/scope-guard.ts'
import { guarded } from './guarded.ts'

export function eventRoutes(app: OpenAPIHono<AuthEnv>, deps: Deps): void {
  app.openapi(guarded(streamEvents, deps), (c) => {
    const query = c.req.valid('query')
    // The header is what a browser sends on its own reconnect, so it is newer than the URL's.
    const raw = c.req.valid('header')['last-event-id'] || query.lastEventId || undefined
    const options = {
      lastEventId: raw === undefined ? undefined : Number(raw),
      filter: parseFilter(query),
      heartbeatMs: deps.events.heartbeatMs,
      maxBuffered: deps.events.streamMaxBuffered,
    }
    const logEnd = (reason: string | undefined) => {
      if (reason?.startsWith('dropped'))
        deps.log.warn({ requestId: headers.get('x-request-id'), reason }, 'event stream')
    }
    // The headers the middleware prepared (security headers, request id), without finalizing.
    const headers = c.newResponse(null).headers
    const outgoing = (c.env as { outgoing?: unknown } | undefined)?.outgoing
    // Under @hono/node-server, write to the socket directly: the cheap path for many subscribers.
    // The marker response must be the platform's own class, not node-server's (which it would write).
    if (outgoing instanceof ServerResponse && !(RESPONSE_ALREADY_SENT instanceof Response)) {
      void pipeEvents(nodeSink(outgoing, headers), deps.events, options).then(logEnd)
      return RESPONSE_ALREADY_SENT as never
    }
    const { sink, body } = webSink()
    void pipeEvents(sink, deps.events, options).then(logEnd)
    for (const [k, v] of Object.entries(sseHeaders)) headers.set(k, v)
    return new Response(body, { status: 200, headers }) as never
  })
}
