import type { Schemas } from '../../lib/api.ts'

export type Scope = Schemas['ApiToken']['scopes'][number]

/** Every scope of the contract, with what it lets a token do (`satisfies`: a new scope fails tsc here). */
export const scopeInfo = {
  account: 'your own account: passkeys, tokens',
  'system:read': 'read system information',
  'containers:read': 'list and inspect containers',
  'containers:write': 'create, change and delete containers',
  'containers:run': 'run programs in containers',
  'jobs:read': 'read jobs',
  'events:read': 'follow the event stream',
  'metrics:read': 'read the metrics',
  admin: 'users, audit log, configuration',
} as const satisfies Record<Scope, string>

export const allScopes = Object.keys(scopeInfo) as Scope[]
