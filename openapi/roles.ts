import type { Scope } from './security.ts'

/** The roles a user can have; each is a fixed set of scopes (below). */
export const roles = ['admin', 'operator', 'viewer'] as const
export type Role = (typeof roles)[number]

const viewer = [
  'account',
  'system:read',
  'containers:read',
  'jobs:read',
  'events:read',
] as const satisfies readonly Scope[]
const operator = [...viewer, 'containers:write', 'containers:run'] as const satisfies readonly Scope[]
const admin = [...operator, 'metrics:read', 'admin'] as const satisfies readonly Scope[]

/**
 * The one map from roles to scopes: the scope guard grants a session exactly these, token creation
 * caps a token's scopes by them, and the API reference prints this table.
 */
export const roleScopes: Readonly<Record<Role, readonly Scope[]>> = { viewer, operator, admin }

/** The role table as text, for the API reference. */
export const roleTable = (): string => roles.map((r) => `- ${r}: ${roleScopes[r].join(', ')}`).join('\n')
