import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses } from './errors.ts'
import { requires } from './security.ts'

export const getMetrics = createRoute({
  operationId: 'getMetrics',
  tags: ['system'],
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics (HTTP latency by route, jobs, runs, process)',
  description:
    'Needs the metrics:read scope, unless the operator set `metrics.allow_loopback = true`, which lets ' +
    'scrapers connecting from loopback read it without credentials.',
  security: requires('metrics:read'),
  responses: {
    200: {
      description: 'Metrics in the Prometheus text exposition format',
      content: { 'text/plain': { schema: z.string() } },
    },
    ...errorResponses,
  },
})
