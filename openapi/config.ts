import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses } from './errors.ts'
import { requires } from './security.ts'

export const ConfigSource = z.enum(['default', 'local', 'env', 'flag']).openapi('ConfigSource')

export const EffectiveConfig = z
  .object({
    settings: z.array(
      z.object({
        key: z.string().openapi({ example: 'server.port' }),
        env: z.string().openapi({ example: 'ORBIT_PORT' }),
        value: z.unknown().openapi({ description: 'The effective value; secrets are shown as "[redacted]"' }),
        source: ConfigSource,
        reloadable: z
          .boolean()
          .openapi({ description: 'Applied by POST /api/system/reload without a restart' }),
        pending: z
          .boolean()
          .openapi({ description: 'The sources now say otherwise: a reload (or a restart) would change it' }),
      }),
    ),
    files: z.array(z.string()).openapi({ description: 'The configuration files that were read, in order' }),
  })
  .openapi('EffectiveConfig')

export const getSystemConfig = createRoute({
  operationId: 'getSystemConfig',
  tags: ['system'],
  method: 'get',
  path: '/api/system/config',
  summary: 'The effective configuration and where each value came from',
  security: requires('admin'),
  responses: {
    200: { description: 'Effective settings', content: { 'application/json': { schema: EffectiveConfig } } },
    ...errorResponses,
  },
})

export const reloadSystemConfig = createRoute({
  operationId: 'reloadSystemConfig',
  tags: ['system'],
  method: 'post',
  path: '/api/system/reload',
  summary: 'Re-read the configuration and apply the reloadable (security) settings without a restart',
  security: requires('admin'),
  responses: {
    200: {
      description: 'The configuration now in effect',
      content: { 'application/json': { schema: EffectiveConfig } },
    },
    ...errorResponses,
  },
})
