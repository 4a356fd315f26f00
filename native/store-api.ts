// Typed entry to the core's content store, snapshots and clones (native/src/{store,snapshot,
// clone}, bound in native/src/napi/exports_store.rs). Every call returns a Promise: the work runs
// on a core thread. Long calls take `{ onProgress, signal }`: an AbortSignal (e.g. the job
// queue's) cancels them, and they reject with code ECANCELED.
// Errors are coded Errors (see `isCoreError` in index.ts): EINVAL, ENOTFOUND_CONTAINER,
// ENOTFOUND_SNAPSHOT, ERUNNING, ECANCELED, ECORRUPT (an object does not match its hash),
// ECHANGED (the layer changed while it was read), EEXIST, ELIMIT, EIO...
import { join } from 'node:path'
import type { ContainerInfo, RegistryChanges } from './core-api.ts'
import { native } from './index.ts'

/** A file time: [seconds, nanoseconds] since the epoch. */
export type Timestamp = [number, number]

/** snapshots/<id>.json of a container. */
export interface SnapshotInfo {
  /** `<seq, 3+ digits>-<label>`, e.g. `001-post-install`. */
  id: string
  seq: number
  label: string
  createdAt: string
  /** The tree manifest object in the store (BLAKE3, hex). */
  tree: string
  files: number
  bytes: number
  entries: number
  /** The snapshot the layer descended from (the previous one, or the one last restored). */
  parent: string | null
  scannedAt: Timestamp
  formatVersion: number
}

export type Phase = 'scan' | 'store' | 'sync' | 'build' | 'swap' | 'mark' | 'sweep' | 'done'

/** Where a long operation is; totals are 0 until known. */
export interface Progress {
  phase: Phase
  filesDone: number
  filesTotal: number
  bytesDone: number
  bytesTotal: number
}

export interface Created {
  snapshot: SnapshotInfo
  /** Files read because the stat cache could not vouch for them (0 for an unchanged layer). */
  filesRead: number
  bytesRead: number
  filesReused: number
  /** Objects the store did not have yet. */
  objectsWritten: number
  durationMs: number
  syncMs: number
}

export interface Restored {
  snapshot: SnapshotInfo
  files: number
  bytes: number
  durationMs: number
}

export type EntryKind = 'file' | 'dir' | 'symlink' | 'other'
export type ChangeReason = 'kind' | 'content' | 'linkTarget' | 'mode' | 'device' | 'whiteout' | 'opaque'

export interface FileInfo {
  /** Relative to the prefix, e.g. `drive_c/Program Files/Acme/acme.exe`. */
  path: string
  kind: EntryKind
  size: number
  mode: number
  hash?: string
  linkTarget?: string
}

export interface SnapshotDiff {
  from: string
  to: string
  /** The container's merged view over its runtime; directories are listed too. */
  files: {
    added: FileInfo[]
    changed: { path: string; reasons: ChangeReason[]; before: FileInfo; after: FileInfo }[]
    removed: FileInfo[]
  }
  registry: RegistryChanges
}

export interface GcReport {
  snapshots: number
  objectsKept: number
  objectsRemoved: number
  bytesRemoved: number
  layersRemoved: number
  tempRemoved: number
  brokenSnapshots: string[]
  durationMs: number
}

export interface StoreUsage {
  objects: number
  bytes: number
  recipes: number
  layers: number
}

export interface Verified {
  checked: number
  /** Objects whose content does not hash to their name (hex). */
  corrupt: string[]
}

export interface Recovery {
  /** The operation whose committed layer swap was finished ('restore' | 'clone'), if any. */
  finished: string | null
  /** Leftovers of operations that crashed before their commit point, removed. */
  removed: number
}

export interface CloneSpec {
  /** Made from the name when absent. */
  id?: string
  /** The source's name when absent. */
  name?: string
}

export interface Cloned {
  container: ContainerInfo
  /** The frozen layer (under <data>/store/layers/) source and clone now share, if any. */
  frozenLayer: string | null
  /** Frozen layers the clone stacks below its own upper dir. */
  stacked: number
  durationMs: number
}

/** Options of a long operation. */
export interface LongOptions {
  onProgress?: (p: Progress) => void
  /** Aborting it cancels the operation (ECANCELED). A restore is not canceled once it swaps. */
  signal?: AbortSignal
}

/** The raw exports of the addon (mirror of native/src/napi/exports_store.rs). */
export interface StoreBinding {
  storeCancelToken(): number
  storeCancel(token: number): boolean
  storeReleaseToken(token: number): void
  snapshotCreate(
    dataDir: string,
    id: string,
    label: string,
    onProgress?: (p: Progress) => void,
    token?: number,
  ): Promise<Created>
  snapshotList(dataDir: string, id: string): Promise<SnapshotInfo[]>
  snapshotGet(dataDir: string, id: string, snapshotId: string): Promise<SnapshotInfo>
  snapshotDiff(dataDir: string, id: string, from: string, to: string): Promise<SnapshotDiff>
  snapshotRestore(
    dataDir: string,
    id: string,
    snapshotId: string,
    onProgress?: (p: Progress) => void,
    token?: number,
  ): Promise<Restored>
  snapshotDelete(dataDir: string, id: string, snapshotId: string): Promise<null>
  storeGc(dataDir: string, onProgress?: (p: Progress) => void, token?: number): Promise<GcReport>
  storeUsage(dataDir: string): Promise<StoreUsage>
  storeVerify(dataDir: string, token?: number): Promise<Verified>
  storeRecover(dataDir: string, id: string): Promise<Recovery>
  storeRecoverAll(dataDir: string): Promise<({ id: string } & Recovery)[]>
  containerClone(dataDir: string, sourceId: string, spec?: CloneSpec, token?: number): Promise<Cloned>
  containerLowerdir(dataDir: string, id: string): Promise<string>
}

function store(): StoreBinding {
  return native() as unknown as StoreBinding
}

/** Run `call` with a cancel token raised when `signal` aborts; the token is released after. */
async function cancellable<T>(
  signal: AbortSignal | undefined,
  call: (token: number) => Promise<T>,
): Promise<T> {
  const b = store()
  if (signal?.aborted) {
    throw Object.assign(new Error('operation canceled before it started'), { code: 'ECANCELED' })
  }
  const token = b.storeCancelToken()
  const abort = () => b.storeCancel(token)
  signal?.addEventListener('abort', abort, { once: true })
  try {
    return await call(token)
  } finally {
    signal?.removeEventListener('abort', abort)
    b.storeReleaseToken(token)
  }
}

/** Snapshot a stopped container's layer (hives included); an unchanged layer costs stat calls only. */
export function createSnapshot(
  dataDir: string,
  id: string,
  label: string,
  opts: LongOptions = {},
): Promise<Created> {
  return cancellable(opts.signal, (t) => store().snapshotCreate(dataDir, id, label, opts.onProgress, t))
}

/** Every snapshot of a container, oldest first. */
export function listSnapshots(dataDir: string, id: string): Promise<SnapshotInfo[]> {
  return store().snapshotList(dataDir, id)
}

/** One snapshot; ENOTFOUND_SNAPSHOT when absent. */
export function getSnapshot(dataDir: string, id: string, snapshotId: string): Promise<SnapshotInfo> {
  return store().snapshotGet(dataDir, id, snapshotId)
}

/** Files (merged view) and registry keys/values that differ between two snapshots. */
export function diffSnapshots(dataDir: string, id: string, from: string, to: string): Promise<SnapshotDiff> {
  return store().snapshotDiff(dataDir, id, from, to)
}

/** Roll the container back to a snapshot, atomically; ERUNNING while it runs. */
export function restoreSnapshot(
  dataDir: string,
  id: string,
  snapshotId: string,
  opts: LongOptions = {},
): Promise<Restored> {
  return cancellable(opts.signal, (t) => store().snapshotRestore(dataDir, id, snapshotId, opts.onProgress, t))
}

/** Delete a snapshot's manifest; `gc` reclaims the content nothing else needs. */
export async function deleteSnapshot(dataDir: string, id: string, snapshotId: string): Promise<void> {
  await store().snapshotDelete(dataDir, id, snapshotId)
}

/** Remove unreferenced objects and frozen layers; safe while snapshots are being taken (they wait). */
export function gcStore(dataDir: string, opts: LongOptions = {}): Promise<GcReport> {
  return cancellable(opts.signal, (t) => store().storeGc(dataDir, opts.onProgress, t))
}

/** Objects, bytes, chunked files and frozen layers in the data dir's store. */
export function storeUsage(dataDir: string): Promise<StoreUsage> {
  return store().storeUsage(dataDir)
}

/** Re-hash every object; lists those that do not match their name. */
export function verifyStore(dataDir: string, opts: { signal?: AbortSignal } = {}): Promise<Verified> {
  return cancellable(opts.signal, (t) => store().storeVerify(dataDir, t))
}

/** Finish or undo a layer swap a crash interrupted (every snapshot call does this first). */
export function recoverContainer(dataDir: string, id: string): Promise<Recovery> {
  return store().storeRecover(dataDir, id)
}

/** `recoverContainer` for every container that needs it (call at startup). */
export function recoverAll(dataDir: string): Promise<({ id: string } & Recovery)[]> {
  return store().storeRecoverAll(dataDir)
}

/** A new container sharing the source's content (constant time; writes stay apart). */
export function cloneContainer(
  dataDir: string,
  sourceId: string,
  spec: CloneSpec = {},
  opts: { signal?: AbortSignal } = {},
): Promise<Cloned> {
  return cancellable(opts.signal, (t) => store().containerClone(dataDir, sourceId, spec, t))
}

/**
 * The sandbox prefix of a container, its frozen layers included (a clone stacks them between its
 * upper dir and the runtime): `{ mode: 'overlay', lower: 'A:B:runtime', upper, work }`; a native
 * container that stacks nothing is bound as it is. Use instead of `containerPrefix`, which does not
 * know about clones.
 */
export async function layerPrefix(
  dataDir: string,
  c: ContainerInfo,
): Promise<{ mode: 'overlay'; lower: string; upper: string; work: string } | { mode: 'bind'; path: string }> {
  const upper = join(c.path, 'layer', 'upper')
  try {
    const lower = await store().containerLowerdir(dataDir, c.id)
    return { mode: 'overlay', lower, upper, work: join(c.path, 'layer', 'work') }
  } catch (e) {
    // A native container without frozen layers has no lower dir: its layer is its whole prefix.
    if (c.runtime.kind === 'native' && (e as { code?: string }).code === 'EINVAL')
      return { mode: 'bind', path: upper }
    throw e
  }
}
