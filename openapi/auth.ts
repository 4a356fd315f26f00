import { createRoute, z } from '@hono/zod-openapi'
import { errorResponses, Problem } from './errors.ts'
import { roles } from './roles.ts'
import { publicRoute, requires, scopes } from './security.ts'

// Passkey ceremonies (WebAuthn) and the session they give. The ceremony endpoints are public: they
// are how one gets credentials. Each ceremony is two calls: options (a challenge kept server-side,
// named by ceremonyId) and verify (the authenticator's answer); a challenge is used once and expires.

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: Problem } },
})

export const UserRole = z.enum(roles).openapi('Role')

export const UserName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(/^[\p{L}\p{N}._@ -]+$/u, 'letters, digits, spaces and . _ @ -')

export const UserSummary = z
  .object({ id: z.string(), name: z.string(), role: UserRole })
  .openapi('UserSummary')

export const SessionInfo = z
  .object({
    subject: z
      .string()
      .openapi({ description: 'Who the audit log names: user:<name>, token:<id> or admin-token' }),
    via: z.enum(['session', 'token', 'admin-token']),
    user: UserSummary.nullable(),
    scopes: z.array(z.enum(scopes)),
    csrfToken: z
      .string()
      .nullable()
      .openapi({ description: 'For a session: send it as X-CSRF-Token on POST, PUT, PATCH and DELETE' }),
    expiresAt: z
      .string()
      .nullable()
      .openapi({ format: 'date-time', description: 'When an idle session ends' }),
    stepUpAt: z
      .string()
      .nullable()
      .openapi({ format: 'date-time', description: 'When a passkey last confirmed this session' }),
  })
  .openapi('SessionInfo')

/** A WebAuthn options object for navigator.credentials.create()/get() (PublicKeyCredential*OptionsJSON). */
const WebAuthnOptions = z.record(z.string(), z.unknown()).openapi('WebAuthnOptions')

export const Ceremony = z
  .object({
    ceremonyId: z
      .string()
      .openapi({ description: 'Send it back with the answer; it works once, for 5 minutes' }),
    options: WebAuthnOptions,
  })
  .openapi('Ceremony')

/** A PublicKeyCredential serialised as JSON (RegistrationResponseJSON / AuthenticationResponseJSON). */
export const WebAuthnCredential = z
  .object({
    id: z.string().min(1).max(2048),
    rawId: z.string().min(1).max(2048),
    type: z.literal('public-key'),
    response: z.record(z.string(), z.unknown()),
    clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
    authenticatorAttachment: z.string().max(50).optional(),
  })
  .openapi('WebAuthnCredential')

const ceremonyId = z.string().min(1).max(100)
const passkeyName = z.string().trim().min(1).max(100)

const json = <T extends z.ZodType>(schema: T) => ({ content: { 'application/json': { schema } } })
const ceremonyAnswer = (description: string) => ({ description, ...json(Ceremony) })
const refused = {
  400: problem('The request is invalid, or the passkey ceremony was refused (ECEREMONY)'),
  429: errorResponses[429],
  500: errorResponses[500],
}

export const enrollOptions = createRoute({
  operationId: 'enrollOptions',
  tags: ['auth'],
  method: 'post',
  path: '/api/auth/enroll/options',
  summary: 'Start registering a first passkey with a setup or invitation link',
  description:
    'The token is the part after # of the link the gateway printed on first run (role admin) or an ' +
    'admin made with POST /api/users/invites. The setup link lets you choose the user name.',
  security: publicRoute,
  request: {
    body: {
      required: true,
      ...json(
        z.object({
          token: z.string().min(16).max(200),
          userName: UserName.optional(),
        }),
      ),
    },
  },
  responses: {
    200: {
      description: 'The registration options and who is being enrolled',
      ...json(
        z.object({
          ceremonyId: z.string(),
          options: WebAuthnOptions,
          user: z.object({ name: z.string(), role: UserRole }),
        }),
      ),
    },
    401: problem('The link is unknown, used or expired'),
    409: problem('The user name is taken'),
    ...refused,
  },
})

export const enrollVerify = createRoute({
  operationId: 'enrollVerify',
  tags: ['auth'],
  method: 'post',
  path: '/api/auth/enroll/verify',
  summary: 'Finish the registration: creates the user and the passkey, uses up the link, signs in',
  security: publicRoute,
  request: {
    body: {
      required: true,
      ...json(z.object({ ceremonyId, credential: WebAuthnCredential, passkeyName: passkeyName.optional() })),
    },
  },
  responses: {
    201: { description: 'Signed in; the session cookie is set', ...json(SessionInfo) },
    401: problem('The link was used meanwhile or expired'),
    409: problem('The user name was taken meanwhile'),
    ...refused,
  },
})

export const loginOptions = createRoute({
  operationId: 'loginOptions',
  tags: ['auth'],
  method: 'post',
  path: '/api/auth/login/options',
  summary: 'Start a passkey sign-in (any of your discoverable passkeys)',
  security: publicRoute,
  responses: { 200: ceremonyAnswer('The authentication options'), ...refused },
})

export const loginVerify = createRoute({
  operationId: 'loginVerify',
  tags: ['auth'],
  method: 'post',
  path: '/api/auth/login/verify',
  summary: 'Finish a passkey sign-in; sets the session cookie',
  security: publicRoute,
  request: { body: { required: true, ...json(z.object({ ceremonyId, credential: WebAuthnCredential })) } },
  responses: {
    200: { description: 'Signed in; the session cookie is set', ...json(SessionInfo) },
    401: problem('The passkey is unknown, its user disabled, or the assertion did not verify'),
    ...refused,
  },
})

export const getSession = createRoute({
  operationId: 'getSession',
  tags: ['auth'],
  method: 'get',
  path: '/api/auth/session',
  summary: 'Who you are: your user, scopes and, for a session, its CSRF token',
  security: requires('account'),
  responses: { 200: { description: 'The current principal', ...json(SessionInfo) }, ...errorResponses },
})

export const endSession = createRoute({
  operationId: 'endSession',
  tags: ['auth'],
  method: 'delete',
  path: '/api/auth/session',
  summary: 'Sign out: ends this session and clears its cookie',
  security: requires('account'),
  responses: {
    204: { description: 'Signed out' },
    409: problem('The request was not made with a session'),
    ...errorResponses,
  },
})

export const stepUpOptions = createRoute({
  operationId: 'stepUpOptions',
  tags: ['auth'],
  method: 'post',
  path: '/api/auth/step-up/options',
  summary: 'Start a passkey confirmation of this session (needed for remote admin work)',
  security: requires('account'),
  responses: {
    200: ceremonyAnswer('Authentication options limited to your passkeys'),
    409: problem('The request was not made with a session'),
    ...errorResponses,
  },
})

export const stepUpVerify = createRoute({
  operationId: 'stepUpVerify',
  tags: ['auth'],
  method: 'post',
  path: '/api/auth/step-up/verify',
  summary: 'Finish the confirmation; admin routes accept this session from afar for 5 minutes',
  security: requires('account'),
  request: { body: { required: true, ...json(z.object({ ceremonyId, credential: WebAuthnCredential })) } },
  responses: {
    200: { description: 'Confirmed', ...json(SessionInfo) },
    409: problem('The request was not made with a session'),
    ...errorResponses,
  },
})
