import { createRoute, z } from '@hono/zod-openapi'
import { Ceremony, WebAuthnCredential } from './auth.ts'
import { errorResponses, notFoundResponse, Problem } from './errors.ts'
import { requires } from './security.ts'

// Your own passkeys. Adding one is a ceremony like sign-in: options, then the authenticator's answer.

const instant = z.string().openapi({ format: 'date-time' })

export const Passkey = z
  .object({
    id: z.string().openapi({ description: 'The credential id (base64url)' }),
    name: z.string(),
    createdAt: instant,
    lastUsedAt: instant.nullable(),
    deviceType: z.string().openapi({ description: 'singleDevice or multiDevice (synced)' }),
    backedUp: z.boolean(),
    transports: z.array(z.string()),
  })
  .openapi('Passkey')

const PasskeyParams = z.object({
  id: z
    .string()
    .min(1)
    .max(2048)
    .openapi({ param: { name: 'id', in: 'path' } }),
})
const name = z.string().trim().min(1).max(100)
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } })
const noUser = {
  409: {
    description: 'These credentials have no user (the bootstrap admin token), or it is your last passkey',
    content: { 'application/problem+json': { schema: Problem } },
  },
}

export const listPasskeys = createRoute({
  operationId: 'listPasskeys',
  tags: ['passkeys'],
  method: 'get',
  path: '/api/passkeys',
  summary: 'Your passkeys',
  security: requires('account'),
  responses: {
    200: { description: 'Your passkeys', ...json(z.object({ items: z.array(Passkey) })) },
    ...noUser,
    ...errorResponses,
  },
})

export const addPasskeyOptions = createRoute({
  operationId: 'addPasskeyOptions',
  tags: ['passkeys'],
  method: 'post',
  path: '/api/passkeys/options',
  summary: 'Start registering another passkey for yourself',
  security: requires('account'),
  responses: {
    200: { description: 'Registration options', ...json(Ceremony) },
    ...noUser,
    ...errorResponses,
  },
})

export const addPasskey = createRoute({
  operationId: 'addPasskey',
  tags: ['passkeys'],
  method: 'post',
  path: '/api/passkeys',
  summary: 'Finish registering another passkey',
  security: requires('account'),
  request: {
    body: {
      required: true,
      ...json(z.object({ ceremonyId: z.string().min(1).max(100), credential: WebAuthnCredential, name })),
    },
  },
  responses: { 201: { description: 'The new passkey', ...json(Passkey) }, ...noUser, ...errorResponses },
})

export const renamePasskey = createRoute({
  operationId: 'renamePasskey',
  tags: ['passkeys'],
  method: 'patch',
  path: '/api/passkeys/{id}',
  summary: 'Rename one of your passkeys',
  security: requires('account'),
  request: { params: PasskeyParams, body: { required: true, ...json(z.object({ name })) } },
  responses: {
    200: { description: 'The renamed passkey', ...json(Passkey) },
    ...noUser,
    ...errorResponses,
    ...notFoundResponse,
  },
})

export const removePasskey = createRoute({
  operationId: 'removePasskey',
  tags: ['passkeys'],
  method: 'delete',
  path: '/api/passkeys/{id}',
  summary: 'Remove one of your passkeys (not the last one)',
  security: requires('account'),
  request: { params: PasskeyParams },
  responses: { 204: { description: 'Removed' }, ...noUser, ...errorResponses, ...notFoundResponse },
})
