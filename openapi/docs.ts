import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses } from './errors.ts'
import { publicRoute } from './security.ts'

// The contract is public (it is committed with the source), so its two renderings are too.

export const getOpenApiDocument = createRoute({
  operationId: 'getOpenApiDocument',
  tags: ['system'],
  method: 'get',
  path: '/api/openapi.json',
  summary: 'This API as an OpenAPI 3.1 document',
  security: publicRoute,
  responses: {
    200: {
      description: 'The OpenAPI document',
      content: { 'application/json': { schema: z.record(z.string(), z.unknown()) } },
    },
    500: errorResponses[500],
  },
})

export const getApiDocs = createRoute({
  operationId: 'getApiDocs',
  tags: ['system'],
  method: 'get',
  path: '/api/docs',
  summary: 'Human-readable API documentation, rendered from the OpenAPI document',
  security: publicRoute,
  responses: {
    200: { description: 'An HTML page', content: { 'text/html': { schema: z.string() } } },
    500: errorResponses[500],
  },
})
