// The container state machine. Every change goes through `transition` (compare-and-set in
// SQLite, so two requests can never both take a container) and publishes container.state.
//
//   created ──install──▶ installing ──ok──▶ ready ──run──▶ running ──last run ends──▶ stopped
//      │                     └──error/cut short──▶ failed ──install──▶ installing
//      └─run─▶ running          ready/stopped/created/failed ──snapshot, restore, export──▶ busy ──▶ back
import { and, eq, inArray } from 'drizzle-orm'
import { containers } from '../../db/schema.ts'
import type { Deps } from '../../deps.ts'
import { OrbitError } from '../../errors.ts'
import type { ContainerRow, ContainerStateName } from './model.ts'
import { rowById } from './store.ts'

export type ContainerAction = 'install' | 'run' | 'delete' | 'busy'

/** The states each action may start from. */
export const allowedFrom: Record<ContainerAction, readonly ContainerStateName[]> = {
  install: ['created', 'ready', 'stopped', 'failed'],
  // A running container takes more runs (they share its sandbox); see runs/supervisor.ts.
  run: ['created', 'ready', 'stopped', 'running'],
  delete: ['created', 'ready', 'stopped', 'failed'],
  busy: ['created', 'ready', 'stopped', 'failed'],
}

const verbs: Record<ContainerAction, string> = {
  install: 'install into it',
  run: 'run it',
  delete: 'delete it',
  busy: 'change it',
}

/** Why `action` is refused in the row's state, as a message for a 409. */
export function refusal(row: ContainerRow, action: ContainerAction): string {
  const who = `container ${row.name} (${row.id})`
  const why = row.stateReason ? ` (${row.stateReason})` : ''
  switch (row.state) {
    case 'running':
      return `${who} is running; stop its runs before you ${verbs[action]}`
    case 'installing':
      return `${who} is installing; wait for the install job to end before you ${verbs[action]}`
    case 'busy':
      return `${who} is busy${why}; try again when it is done`
    case 'failed':
      return `${who} failed${why}; install again or delete it`
    default:
      return `${who} is ${row.state}; cannot ${verbs[action]} now`
  }
}

/** Throws ECONFLICT unless `action` may start from the row's state. */
export function assertCan(row: ContainerRow, action: ContainerAction): void {
  if (!allowedFrom[action].includes(row.state)) throw new OrbitError('ECONFLICT', refusal(row, action))
}

export interface StateChange {
  id: string
  name: string
  state: ContainerStateName
  previous: ContainerStateName
  reason: string | null
}

/**
 * Moves container `id` to `to` if it is in one of `from` (an action's states, or a list); else
 * ENOTFOUND / ECONFLICT. Returns the row after the change.
 */
export function transition(
  deps: Pick<Deps, 'db' | 'events'>,
  id: string,
  from: ContainerAction | readonly ContainerStateName[],
  to: ContainerStateName,
  reason: string | null = null,
): ContainerRow {
  const states = typeof from === 'string' ? allowedFrom[from] : from
  const before = rowById(deps.db, id)
  if (!before) throw new OrbitError('ENOTFOUND', `no container with id ${JSON.stringify(id)}`)
  const now = Date.now()
  const after = deps.db
    .update(containers)
    .set({ state: to, stateReason: reason, stateChangedAt: now, updatedAt: now })
    .where(and(eq(containers.id, id), inArray(containers.state, [...states])))
    .returning()
    .get()
  if (!after) {
    if (typeof from === 'string') throw new OrbitError('ECONFLICT', refusal(before, from))
    throw new OrbitError(
      'ECONFLICT',
      `container ${before.name} (${id}) is ${before.state}, not ${states.join(' or ')}`,
    )
  }
  if (before.state !== to || before.stateReason !== reason) {
    deps.events.publish<StateChange>('container.state', id, {
      id,
      name: after.name,
      state: to,
      previous: before.state,
      reason,
    })
  }
  return after
}

/** Like `transition`, but answers undefined instead of throwing (for settling after the fact). */
export function settle(
  deps: Pick<Deps, 'db' | 'events'>,
  id: string,
  from: readonly ContainerStateName[],
  to: ContainerStateName,
  reason: string | null = null,
): ContainerRow | undefined {
  try {
    return transition(deps, id, from, to, reason)
  } catch (err) {
    if (err instanceof OrbitError && (err.code === 'ENOTFOUND' || err.code === 'ECONFLICT')) return undefined
    throw err
  }
}
