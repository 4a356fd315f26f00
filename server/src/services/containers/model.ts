import type { ContainerInfo } from '../../../../native/core-api.ts'
import type { Container } from '../../../../openapi/containers.ts'
import type { containers } from '../../db/schema.ts'

export type ContainerRow = typeof containers.$inferSelect
export type ContainerStateName = ContainerRow['state']

/** The columns that mirror container.yml (and the folder), from what the core reports. */
export function mirrorOf(info: ContainerInfo) {
  return {
    name: info.name,
    version: info.version ?? null,
    runtimeKind: info.runtime.kind,
    runtimeId: info.runtime.id,
    runtimeHash: info.runtime.hash,
    wineVersion: info.runtime.wineVersion,
    env: info.env,
    network: info.network,
    display: info.display,
    limits: info.limits,
    labels: info.labels,
    path: info.path,
    installed: info.installed,
  }
}

/** The idle state a container at rest on disk is in: ready once an install was captured. */
export const restingState = (row: Pick<ContainerRow, 'installed'>): ContainerStateName =>
  row.installed ? 'ready' : 'created'

const iso = (ms: number) => new Date(ms).toISOString()

/** The API's view of a row. */
export function toContainer(row: ContainerRow): Container {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    state: row.state,
    stateReason: row.stateReason,
    runtime: {
      kind: row.runtimeKind,
      id: row.runtimeId,
      wineVersion: row.wineVersion,
      hash: row.runtimeHash,
    },
    env: row.env,
    network: row.network,
    display: row.display,
    limits: { memoryMb: row.limits.memoryMb ?? null, pids: row.limits.pids ?? null },
    labels: row.labels,
    installed: row.installed,
    disk:
      row.diskBytes === null || row.diskMeasuredAt === null
        ? null
        : { bytes: row.diskBytes, measuredAt: iso(row.diskMeasuredAt) },
    lastRun: row.lastRun
      ? {
          id: row.lastRun.id,
          state: row.lastRun.state,
          exitCode: row.lastRun.exitCode,
          signal: row.lastRun.signal,
          startedAt: iso(row.lastRun.startedAt),
          finishedAt: row.lastRun.finishedAt === null ? null : iso(row.lastRun.finishedAt),
        }
      : null,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
    stateChangedAt: iso(row.stateChangedAt),
  }
}
