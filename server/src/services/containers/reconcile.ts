// The folder is the truth, the row its index. At start, before the job queue runs: folders the
// database does not know are adopted (copied in, or made by a job the last gateway did not
// finish recording); rows whose folder is gone are removed (container.deleted, reason given);
// the rest are refreshed from container.yml (it may have been edited by hand). States that
// only a live process can hold are settled: nothing runs or is busy after a restart.
import { isDeepStrictEqual } from 'node:util'
import type { Container } from '../../../../openapi/containers.ts'
import { adopt } from './adopt.ts'
import type { ContainerDeps } from './deps.ts'
import { installJobKind } from './kinds.ts'
import { mirrorOf, restingState, toContainer } from './model.ts'
import { settle } from './state.ts'
import { allRows, deleteRow, updateRow } from './store.ts'

export interface Reconciled {
  adopted: string[]
  removed: string[]
  refreshed: string[]
  settled: string[]
}

export async function reconcileContainers(deps: ContainerDeps): Promise<Reconciled> {
  const out: Reconciled = { adopted: [], removed: [], refreshed: [], settled: [] }
  const onDisk = await deps.core.listContainers(deps.config.dataDir)
  const rows = new Map(allRows(deps.db).map((r) => [r.id, r]))
  for (const info of onDisk) {
    const row = rows.get(info.id)
    rows.delete(info.id)
    if (!row) {
      adopt(deps, info, undefined, 'found on disk at start')
      out.adopted.push(info.id)
      continue
    }
    const mirror = mirrorOf(info)
    const changed = Object.entries(mirror).some(
      ([k, v]) => !isDeepStrictEqual(v, (row as unknown as Record<string, unknown>)[k]),
    )
    if (changed) {
      const after = updateRow(deps.db, info.id, { ...mirror, updatedAt: Date.now() })
      if (after) deps.events.publish<Container>('container.updated', after.id, toContainer(after))
      out.refreshed.push(info.id)
    }
  }
  for (const row of rows.values()) {
    deleteRow(deps.db, row.id)
    deps.events.publish('container.deleted', row.id, {
      id: row.id,
      name: row.name,
      reason: `its folder ${row.path} is gone`,
    })
    out.removed.push(row.id)
  }
  for (const row of allRows(deps.db)) {
    if (settleAfterRestart(deps, row)) out.settled.push(row.id)
  }
  return out
}

function settleAfterRestart(deps: ContainerDeps, row: ReturnType<typeof allRows>[number]): boolean {
  switch (row.state) {
    case 'running':
      // Every sandbox ends with the gateway that started it.
      return !!settle(deps, row.id, ['running'], 'stopped', 'the gateway stopped while it ran')
    case 'busy':
      return !!settle(
        deps,
        row.id,
        ['busy'],
        restingState(row),
        `the gateway stopped while it was busy (${row.stateReason ?? 'unknown work'})`,
      )
    case 'installing': {
      // A running install job fails with EINTERRUPTED when the queue starts, and its outcome
      // settles the container (installs/outcome.ts); a queued one will still run. Otherwise the
      // job is gone and nothing else will.
      const live = (['queued', 'running'] as const).some(
        (state) => deps.jobs.list({ kind: installJobKind, containerId: row.id, state }, 1).items.length > 0,
      )
      if (live) return false
      return !!settle(deps, row.id, ['installing'], 'failed', 'its install job is gone')
    }
    default:
      return false
  }
}
