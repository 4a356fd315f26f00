import type { Deps } from '../../deps.ts'

/** What the container services need (the gateway builds them before the app and the queue start). */
export type ContainerDeps = Pick<Deps, 'db' | 'events' | 'jobs' | 'core' | 'config'>
