import { createReadStream, existsSync } from 'node:fs'
import { Readable } from 'node:stream'
import type { Run } from '../../../../openapi/runs.ts'
import type { Deps } from '../../deps.ts'
import { findContainer } from '../containers/store.ts'
import { listRunRows, runRow, toRun } from './store.ts'

export function getRun(deps: Pick<Deps, 'db'>, id: string): Run {
  return toRun(runRow(deps.db, id))
}

export function listRuns(
  deps: Pick<Deps, 'db'>,
  idOrName: string,
  limit: number,
  cursor?: string,
): { items: Run[]; nextCursor: string | null } {
  const container = findContainer(deps.db, idOrName)
  const page = listRunRows(deps.db, container.id, limit, cursor)
  return { items: page.rows.map(toRun), nextCursor: page.nextCursor }
}

/** The run's log as a byte stream (empty when the run never got to write one). */
export function runLog(deps: Pick<Deps, 'db'>, id: string): ReadableStream<Uint8Array> {
  const row = runRow(deps.db, id)
  if (!existsSync(row.logPath)) return new Blob([]).stream()
  return Readable.toWeb(createReadStream(row.logPath)) as ReadableStream<Uint8Array>
}
