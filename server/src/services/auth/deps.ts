import type { Deps } from '../../deps.ts'

/** What the auth service verbs use. */
export type AuthDeps = Pick<Deps, 'auth' | 'audit'>
