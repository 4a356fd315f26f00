import { z } from '@hono/zod-openapi'

/** Every stable error code the API can answer with; clients branch on these, never on text. */
export const ErrorCode = z
  .enum([
    'EVALIDATION',
    'EUNAUTHENTICATED',
    'EFORBIDDEN',
    'ECSRF',
    'ESTEP_UP',
    'ECEREMONY',
    'ERATE_LIMITED',
    'EBAD_HOST',
    'EBAD_ORIGIN',
    'ENOTFOUND',
    'ECONFLICT',
    'EPAYLOAD_TOO_LARGE',
    'EUNSUPPORTED_MEDIA_TYPE',
    'EINSUFFICIENT_STORAGE',
    'ECORE',
    'EINTERNAL',
  ])
  .openapi('ErrorCode')
export type ErrorCode = z.infer<typeof ErrorCode>

/** RFC 9457 problem details, with Orbit's stable `code` and, for validation, the failing fields. */
export const Problem = z
  .object({
    type: z.string().openapi({
      description: 'A URI reference naming the problem kind',
      example: '/docs/problems#EVALIDATION',
    }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string().optional(),
    instance: z.string().optional(),
    code: ErrorCode,
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .openapi({ description: 'For EVALIDATION: one entry per invalid field' }),
  })
  .openapi('Problem')
export type Problem = z.infer<typeof Problem>

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
})

/** The error responses every route declares, so the client types and the docs show them all. */
export const errorResponses = {
  400: problem('The request is invalid; `errors` names each bad field'),
  401: problem('No valid credentials were presented'),
  403: problem(
    'The credentials lack the scope this route requires (EFORBIDDEN), the CSRF token is missing or wrong (ECSRF), or a recent passkey confirmation is needed (ESTEP_UP)',
  ),
  413: problem('The request body is too large'),
  415: problem('The request body has an unsupported content type'),
  429: problem('Too many failed sign-ins or token uses from this address; see Retry-After'),
  500: problem('An unexpected error; the gateway logged it'),
} as const

/** Declares a 404 for routes that address one resource. */
export const notFoundResponse = { 404: problem('The addressed resource does not exist') } as const
