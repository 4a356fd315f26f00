import { roleTable } from './roles.ts'

/** Every scope a token or session can carry; routes name the one they need in the contract. */
export const scopes = [
  // Your own account: session, passkeys, API tokens. Every role has it; a token may leave it out.
  'account',
  'system:read',
  'containers:read',
  'containers:write',
  'containers:run',
  'jobs:read',
  'events:read',
  'metrics:read',
  'admin',
] as const
export type Scope = (typeof scopes)[number]

export const securitySchemeName = 'bearerAuth'
export const sessionSchemeName = 'sessionCookie'

export const securityScheme = {
  type: 'http',
  scheme: 'bearer',
  bearerFormat: 'JWT',
  description:
    'An API token (`POST /api/tokens`, an EdDSA-signed JWT of type orbit+jwt) or the bootstrap admin ' +
    'token (ORBIT_ADMIN_TOKEN). Each route lists the scope it requires in its security requirement; ' +
    'credentials without that scope get 403. A token carries the scopes chosen when it was made, never ' +
    `more than its user's role holds. Roles and their scopes:\n${roleTable()}`,
} as const

export const sessionScheme = {
  type: 'apiKey',
  in: 'cookie',
  name: 'orbit_session',
  description:
    'The session a passkey sign-in gives (named __Host-orbit_session over TLS); it carries the scopes of ' +
    "the user's role. Unsafe methods (POST, PUT, PATCH, DELETE) also need the session's CSRF token in " +
    'an X-CSRF-Token header. Admin routes called from a remote address need a passkey confirmation ' +
    '(POST /api/auth/step-up) made within the last 5 minutes.',
} as const

/** The security requirement of a route that needs `scope`: a bearer token or a session holding it. */
export const requires = (scope: Scope): Array<Record<string, string[]>> => [
  { [securitySchemeName]: [scope] },
  { [sessionSchemeName]: [scope] },
]

/** The security requirement of a route that anyone may call. */
export const publicRoute = [] as Array<Record<string, string[]>>
