import type { SnapshotInfo } from '../../../../native/store-api.ts'
import type { Snapshot } from '../../../../openapi/snapshots.ts'

export const snapshotJobKind = 'container.snapshot'
export const restoreJobKind = 'container.restore'

export const toSnapshot = (s: SnapshotInfo): Snapshot => ({
  id: s.id,
  seq: s.seq,
  label: s.label,
  createdAt: s.createdAt,
  files: s.files,
  bytes: s.bytes,
  entries: s.entries,
  parent: s.parent,
})
