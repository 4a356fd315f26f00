import type { Run } from '../../../../openapi/runs.ts'
import type { Deps } from '../../deps.ts'
import { liveRows, toRun, updateRun } from './store.ts'

/**
 * Runs a previous gateway left starting or running are over: their sandbox ended with that
 * gateway (by design, nothing of a run outlives it). Marks them lost and says why.
 */
export function markLostRuns(deps: Pick<Deps, 'db' | 'events'>): string[] {
  const lost: string[] = []
  for (const row of liveRows(deps.db)) {
    const after = updateRun(deps.db, row.id, {
      state: 'lost',
      error: 'the gateway stopped while this run was alive; its sandbox ended with the gateway',
      finishedAt: Date.now(),
    })
    if (after) {
      deps.events.publish<Run>('run.ended', after.id, toRun(after))
      lost.push(after.id)
    }
  }
  return lost
}
