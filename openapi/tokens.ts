import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses, notFoundResponse } from './errors.ts'
import { requires, scopes } from './security.ts'

// API tokens for the CLI and other tools: EdDSA-signed JWTs with the scopes you choose (never more
// than your role holds) and an expiry. The token is shown once; revocation takes effect at once.

const instant = z.string().openapi({ format: 'date-time' })

const apiTokenFields = {
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.enum(scopes)),
  userId: z
    .string()
    .nullable()
    .openapi({ description: 'The user it acts for; null if made with the admin token' }),
  createdBy: z.string(),
  createdAt: instant,
  expiresAt: instant,
  lastUsedAt: instant.nullable().openapi({ description: 'Updated at most once a minute' }),
  revokedAt: instant.nullable(),
}

export const ApiToken = z.object(apiTokenFields).openapi('ApiToken')

// Spelled out rather than ApiToken.extend(): the generator renders an extended schema differently
// on its second pass, and the served document must equal the emitted one.
export const CreatedApiToken = z
  .object({
    ...apiTokenFields,
    token: z.string().openapi({ description: 'The bearer token. Shown only in this answer; store it now' }),
  })
  .openapi('CreatedApiToken')

export const CreateApiToken = z
  .object({
    name: z.string().trim().min(1).max(100),
    scopes: z.array(z.enum(scopes)).min(1).max(scopes.length),
    expiresIn: z
      .string()
      .regex(/^\d{1,4}[mhd]$/, 'minutes, hours or days, e.g. 90m, 12h, 30d')
      .default('30d')
      .openapi({ description: 'Lifetime, at most 365d', example: '30d' }),
  })
  .openapi('CreateApiToken')

const TokenParams = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' } }),
})
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } })

export const createToken = createRoute({
  operationId: 'createToken',
  tags: ['tokens'],
  method: 'post',
  path: '/api/tokens',
  summary: 'Make an API token with chosen scopes and an expiry',
  description:
    'You can grant only scopes you hold. A token with the admin scope made from a remote session needs ' +
    'a passkey confirmation within the last 5 minutes.',
  security: requires('account'),
  request: { body: { required: true, ...json(CreateApiToken) } },
  responses: { 201: { description: 'The token, shown once', ...json(CreatedApiToken) }, ...errorResponses },
})

export const listTokens = createRoute({
  operationId: 'listTokens',
  tags: ['tokens'],
  method: 'get',
  path: '/api/tokens',
  summary: "Your API tokens (admins: everyone's with all=true); never the secrets",
  security: requires('account'),
  request: {
    query: z.object({
      all: z
        .enum(['true', 'false'])
        .default('false')
        .openapi({ description: "Every user's tokens; needs the admin scope" }),
    }),
  },
  responses: {
    200: { description: 'Tokens, newest first', ...json(z.object({ items: z.array(ApiToken) })) },
    ...errorResponses,
  },
})

export const revokeToken = createRoute({
  operationId: 'revokeToken',
  tags: ['tokens'],
  method: 'delete',
  path: '/api/tokens/{id}',
  summary: 'Revoke a token (yours; admins: any): it stops working at once',
  security: requires('account'),
  request: { params: TokenParams },
  responses: { 204: { description: 'Revoked' }, ...errorResponses, ...notFoundResponse },
})
