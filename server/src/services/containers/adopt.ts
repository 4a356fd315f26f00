import type { ContainerInfo } from '../../../../native/core-api.ts'
import type { Container } from '../../../../openapi/containers.ts'
import type { Deps } from '../../deps.ts'
import { type ContainerRow, type ContainerStateName, mirrorOf, restingState, toContainer } from './model.ts'
import { insertRow } from './store.ts'

/** Indexes a container folder the core made or found: inserts its row, publishes container.created. */
export function adopt(
  deps: Pick<Deps, 'db' | 'events'>,
  info: ContainerInfo,
  state?: ContainerStateName,
  reason: string | null = null,
): ContainerRow {
  const now = Date.now()
  const mirror = mirrorOf(info)
  const row = insertRow(deps.db, {
    id: info.id,
    ...mirror,
    state: state ?? restingState(mirror),
    stateReason: reason,
    createdAt: Date.parse(info.createdAt) || now,
    updatedAt: now,
    stateChangedAt: now,
  })
  deps.events.publish<Container>('container.created', row.id, toContainer(row))
  return row
}
