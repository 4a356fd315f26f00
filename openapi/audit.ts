import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses } from './errors.ts'
import { requires } from './security.ts'

export const AuditEntry = z
  .object({
    id: z.number().int(),
    at: z.string().openapi({ format: 'date-time' }),
    actor: z.string().openapi({ description: 'A user, a token id, admin-token or system' }),
    ip: z.string().nullable().openapi({ description: 'The peer address of the request, when there was one' }),
    action: z.string().openapi({ example: 'container.create' }),
    target: z.string().nullable().openapi({ description: 'The container (or other resource) acted on' }),
    result: z.string().openapi({ description: '"ok" or the stable error code of the failure' }),
    details: z.record(z.string(), z.unknown()),
    hash: z.string().openapi({ description: "SHA-256 over this entry and the previous entry's hash" }),
  })
  .openapi('AuditEntry')

export const AuditPage = z
  .object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() })
  .openapi('AuditPage')

export const AuditVerification = z
  .object({
    ok: z.boolean(),
    entries: z.number().int().openapi({ description: 'Entries checked' }),
    brokenAt: z.number().int().optional().openapi({ description: 'The first entry that does not verify' }),
    reason: z.string().optional(),
  })
  .openapi('AuditVerification')

const text = z.string().min(1).max(200)
const epochMs = (what: string) =>
  z.iso
    .datetime({ offset: true })
    .optional()
    .openapi({ description: `Only entries ${what} this time` })

export const listAudit = createRoute({
  operationId: 'listAudit',
  tags: ['audit'],
  method: 'get',
  path: '/api/audit',
  summary: 'The audit log, newest first, with filters',
  security: requires('admin'),
  request: {
    query: z.object({
      actor: text.optional(),
      action: text.optional(),
      target: text.optional(),
      result: text.optional(),
      since: epochMs('at or after'),
      until: epochMs('at or before'),
      limit: z.coerce.number().int().min(1).max(500).default(100).openapi({ type: 'integer' }),
      cursor: z
        .string()
        .regex(/^\d{1,15}$/, 'a cursor from a previous page')
        .optional(),
    }),
  },
  responses: {
    200: { description: 'A page of entries', content: { 'application/json': { schema: AuditPage } } },
    ...errorResponses,
  },
})

export const verifyAudit = createRoute({
  operationId: 'verifyAudit',
  tags: ['audit'],
  method: 'get',
  path: '/api/audit/verify',
  summary: 'Walk the hash chain of the whole audit log and report the first entry that does not verify',
  security: requires('admin'),
  responses: {
    200: {
      description: 'The verification result',
      content: { 'application/json': { schema: AuditVerification } },
    },
    ...errorResponses,
  },
})
