/** Every scope a token or session can carry; routes name the one they need in the contract. */
export const scopes = [
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

export const securityScheme = {
  type: 'http',
  scheme: 'bearer',
  description:
    'A bearer token. Each route lists the scope it requires in its security requirement; ' +
    'a token without that scope gets 403.',
} as const

/** The security requirement of a route that needs `scope`. */
export const requires = (scope: Scope) => [{ [securitySchemeName]: [scope] }]

/** The security requirement of a route that anyone may call. */
export const publicRoute = [] as Array<Record<string, string[]>>
