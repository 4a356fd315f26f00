import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses } from './errors.ts'
import { publicRoute, requires } from './security.ts'

export const Health = z.object({ status: z.literal('ok') }).openapi('Health')

export const SystemInfo = z
  .object({
    version: z.string().openapi({ description: "Orbit's version", example: '0.1.0' }),
    installationId: z.string().openapi({ description: 'Stable id of this installation (its data dir)' }),
    core: z
      .object({
        coreVersion: z.string(),
        kernel: z.string(),
        arch: z.string(),
        isRoot: z.boolean(),
        wine: z.object({
          available: z.boolean(),
          version: z.string().nullable(),
          path: z.string().nullable(),
        }),
        namespaces: z.object({
          user: z.boolean(),
          mount: z.boolean(),
          pid: z.boolean(),
          net: z.boolean(),
          ipc: z.boolean(),
          uts: z.boolean(),
        }),
        overlay: z.boolean(),
        cgroup: z.object({
          mode: z.enum(['v1', 'v2', 'hybrid', 'none']),
          controllers: z.array(z.string()),
        }),
      })
      .openapi({ description: 'Runtime facts reported by the native core' }),
  })
  .openapi('SystemInfo')
export type SystemInfo = z.infer<typeof SystemInfo>

export const healthz = createRoute({
  operationId: 'getHealth',
  tags: ['system'],
  method: 'get',
  path: '/healthz',
  summary: 'Liveness check',
  security: publicRoute,
  responses: {
    200: { description: 'The gateway is up', content: { 'application/json': { schema: Health } } },
    500: errorResponses[500],
  },
})

export const getSystemInfo = createRoute({
  operationId: 'getSystemInfo',
  tags: ['system'],
  method: 'get',
  path: '/api/system/info',
  summary: "Orbit's version and what this machine offers (Wine, namespaces, overlay, cgroups)",
  security: requires('system:read'),
  responses: {
    200: { description: 'System facts', content: { 'application/json': { schema: SystemInfo } } },
    ...errorResponses,
  },
})
