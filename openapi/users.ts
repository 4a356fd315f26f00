import { createRoute, z } from '@hono/zod-openapi'
import { UserName, UserRole } from './auth.ts'
import { errorResponses, notFoundResponse, Problem } from './errors.ts'
import { requires } from './security.ts'

// Users are created by enrolling: an admin invites (a one-time link for a name and a role), the
// invited person registers a passkey with it.

const instant = z.string().openapi({ format: 'date-time' })

export const User = z
  .object({
    id: z.string(),
    name: z.string(),
    role: UserRole,
    createdAt: instant,
    disabled: z.boolean(),
    passkeys: z.number().int().openapi({ description: 'How many passkeys the user has' }),
  })
  .openapi('User')

export const Invitation = z
  .object({
    id: z.string(),
    name: z.string(),
    role: UserRole,
    url: z.string().openapi({ description: 'The one-time enrollment link; give it to the person only' }),
    token: z.string().openapi({ description: 'The secret part of the link (after #)' }),
    expiresAt: instant,
  })
  .openapi('Invitation')

const UserParams = z.object({
  id: z
    .string()
    .min(1)
    .max(100)
    .openapi({ param: { name: 'id', in: 'path' } }),
})
const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } })
const conflict = (description: string) => ({
  409: { description, content: { 'application/problem+json': { schema: Problem } } },
})

export const listUsers = createRoute({
  operationId: 'listUsers',
  tags: ['users'],
  method: 'get',
  path: '/api/users',
  summary: 'Every user, with role and state',
  security: requires('admin'),
  responses: {
    200: { description: 'Users', ...json(z.object({ items: z.array(User) })) },
    ...errorResponses,
  },
})

export const inviteUser = createRoute({
  operationId: 'inviteUser',
  tags: ['users'],
  method: 'post',
  path: '/api/users/invites',
  summary: 'Invite a user: a one-time link to register a passkey, for a name and a role',
  security: requires('admin'),
  request: {
    body: {
      required: true,
      ...json(
        z.object({
          name: UserName,
          role: UserRole,
          expiresIn: z
            .string()
            .regex(/^\d{1,4}[mhd]$/, 'minutes, hours or days, e.g. 90m, 24h, 7d')
            .default('24h')
            .openapi({ description: 'How long the link works, at most 7d', example: '24h' }),
        }),
      ),
    },
  },
  responses: {
    201: { description: 'The invitation; its link is shown once', ...json(Invitation) },
    ...conflict('A user of that name exists'),
    ...errorResponses,
  },
})

export const updateUser = createRoute({
  operationId: 'updateUser',
  tags: ['users'],
  method: 'patch',
  path: '/api/users/{id}',
  summary: "Change a user's role or disable them (their sessions end; tokens and passkeys stop working)",
  security: requires('admin'),
  request: {
    params: UserParams,
    body: {
      required: true,
      ...json(z.object({ role: UserRole.optional(), disabled: z.boolean().optional() })),
    },
  },
  responses: {
    200: { description: 'The user', ...json(User) },
    ...conflict('The change would leave no enabled admin'),
    ...errorResponses,
    ...notFoundResponse,
  },
})
