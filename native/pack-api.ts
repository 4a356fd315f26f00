// Typed entry to signed container archives (.ctnr): export, import, inspect, signing keys and
// trust (native/src/pack, bound in native/src/napi/exports_pack.rs; format in
// native/src/pack/FORMAT.md). Every function returns a Promise; the work runs on a core thread.
// Errors are coded Errors (see `isCoreError` in index.ts): EBADARCHIVE, EBADVERSION, EBADSIG,
// EUNTRUSTED, EBADPASS, ETAMPERED, EUNSAFE_PATH, EUNSAFE_ENTRY, ETOO_LARGE, ECANCELED,
// ENOTFOUND_RUNTIME, ENOTFOUND_CONTAINER, ERUNNING, EEXIST, EINVAL, ...
import { randomUUID } from 'node:crypto'
import type { ContainerInfo } from './core-api.ts'
import { native } from './index.ts'

/** A public signing key: raw Ed25519 key (hex) and the short form people compare. */
export interface KeyInfo {
  publicKey: string
  /** 8 groups of 4 hex digits, e.g. `1a2b:3c4d:...`. */
  fingerprint: string
}

export interface PackProgress {
  phase: 'scan' | 'pack' | 'verify' | 'unpack' | 'runtime' | 'finalize' | 'done'
  filesDone: number
  filesTotal: number
  bytesDone: number
  bytesTotal: number
}

export interface PackTotals {
  entries: number
  files: number
  /** Distinct file contents (each travels once). */
  blobs: number
  /** Uncompressed content bytes. */
  bytes: number
}

export interface ExportOptions {
  /** Carry the base runtime's files too (else only its reference; the importer recreates it). */
  includeRuntime?: boolean
  /** Carry the container's snapshots too (else only the current state). */
  includeSnapshots?: boolean
  /** Encrypt manifest and content (AES-256-GCM, key from PBKDF2-HMAC-SHA256). */
  passphrase?: string
  /** PBKDF2 iterations, default 600 000, at least 100 000. */
  iterations?: number
  /** zstd level 1-19, default 3. */
  level?: number
  /** zstd worker threads, default one per CPU. */
  threads?: number
  /** Plaintext bytes per signed chunk, default 1 MiB. */
  chunkSize?: number
}

export interface ExportResult {
  path: string
  /** Size of the .ctnr in bytes. */
  bytes: number
  totals: PackTotals
  signer: KeyInfo
  encrypted: boolean
  runtimeIncluded: boolean
  snapshots: string[]
  /** Layer entries left out (links to the host, fifos, devices) and why. */
  skipped: { path: string; reason: string }[]
  durationMs: number
}

export interface ImportOptions {
  /** The new container's id; default: made from its name. EEXIST when taken. */
  id?: string
  /** A new display name; default: the exported one. */
  name?: string
  passphrase?: string
  /** Accept a signer this installation does not trust yet, and trust it from now on. */
  trust?: boolean
  /** Caps: bytes the archive may unpack to (default 256 GiB) and entries (default 2 000 000). */
  maxBytes?: number
  maxEntries?: number
}

export interface RuntimePart {
  id: string
  wineVersion: string
  hash: string
  included: boolean
}

export interface ImportResult {
  container: ContainerInfo
  signer: KeyInfo
  /** The signer was added to the trust store by this import. */
  trustedNow: boolean
  /** Where the base runtime came from: here already, the archive, or made from the installed Wine. */
  runtime: { id: string; source: 'local' | 'archive' | 'created' } | null
  totals: PackTotals
  /** Entries whose setuid/setgid/sticky/world-writable bits were removed. */
  stripped: number
  durationMs: number
}

export interface Inspection {
  signer: KeyInfo
  trusted: boolean
  encrypted: boolean
  /** Null when the manifest is encrypted and no (right) passphrase was given. */
  name: string | null
  version: string | null
  runtime: RuntimePart | null
  totals: PackTotals | null
  createdAt: string | null
}

/** The raw exports of the addon (mirror of native/src/napi/exports_pack.rs). */
export interface PackBinding {
  packExport(
    dataDir: string,
    id: string,
    dest: string,
    options: ExportOptions,
    onProgress?: ((p: PackProgress) => void) | null,
    cancelToken?: string | null,
  ): Promise<ExportResult>
  packImport(
    dataDir: string,
    archive: string,
    options: ImportOptions,
    onProgress?: ((p: PackProgress) => void) | null,
    cancelToken?: string | null,
  ): Promise<ImportResult>
  packInspect(dataDir: string, archive: string, passphrase?: string | null): Promise<Inspection>
  packCancel(token: string): boolean
  packKeyInfo(dataDir: string): Promise<KeyInfo>
  packTrustedKeys(dataDir: string): Promise<KeyInfo[]>
  packTrustKey(dataDir: string, publicKey: string): Promise<KeyInfo>
  packUntrustKey(dataDir: string, publicKey: string): Promise<boolean>
  packCleanup(dataDir: string): Promise<number>
}

function pack(): PackBinding {
  return native() as unknown as PackBinding
}

/** What every long operation takes besides its options. */
export interface RunControl {
  onProgress?: (p: PackProgress) => void
  /** Aborting cancels the operation: it rejects with code ECANCELED and leaves nothing behind. */
  signal?: AbortSignal
}

async function cancellable<T>(control: RunControl, start: (token: string) => Promise<T>): Promise<T> {
  const token = randomUUID()
  const { signal } = control
  if (signal?.aborted) {
    throw Object.assign(new Error('the operation was canceled before it started'), { code: 'ECANCELED' })
  }
  const onAbort = () => pack().packCancel(token)
  signal?.addEventListener('abort', onAbort, { once: true })
  try {
    return await start(token)
  } finally {
    signal?.removeEventListener('abort', onAbort)
  }
}

/** Export container `id` to `dest` as a signed .ctnr (written beside and renamed into place). */
export async function exportContainer(
  dataDir: string,
  id: string,
  dest: string,
  options: ExportOptions = {},
  control: RunControl = {},
): Promise<ExportResult> {
  return cancellable(control, (token) =>
    pack().packExport(dataDir, id, dest, options, control.onProgress ?? null, token),
  )
}

/**
 * Import a .ctnr as a new container: the signature is checked before anything is decrypted or
 * decompressed, every file's hash while it is unpacked into `<dataDir>/tmp`, then the container
 * moves into place in one rename. A missing runtime comes from the archive or is made from the
 * installed Wine when its version matches (ENOTFOUND_RUNTIME otherwise).
 */
export async function importContainer(
  dataDir: string,
  archive: string,
  options: ImportOptions = {},
  control: RunControl = {},
): Promise<ImportResult> {
  return cancellable(control, (token) =>
    pack().packImport(dataDir, archive, options, control.onProgress ?? null, token),
  )
}

/** Who signed an archive, whether this installation trusts them, and (if readable) what it holds. */
export async function inspectArchive(
  dataDir: string,
  archive: string,
  passphrase?: string,
): Promise<Inspection> {
  return pack().packInspect(dataDir, archive, passphrase ?? null)
}

/** This installation's signing key (made on first use). */
export async function signingKey(dataDir: string): Promise<KeyInfo> {
  return pack().packKeyInfo(dataDir)
}

/** Keys whose archives import without asking (besides the installation's own). */
export async function trustedKeys(dataDir: string): Promise<KeyInfo[]> {
  return pack().packTrustedKeys(dataDir)
}

export async function trustKey(dataDir: string, publicKey: string): Promise<KeyInfo> {
  return pack().packTrustKey(dataDir, publicKey)
}

/** False when the key was not trusted. */
export async function untrustKey(dataDir: string, publicKey: string): Promise<boolean> {
  return pack().packUntrustKey(dataDir, publicKey)
}

/** Remove work folders of imports that died (call at startup); returns how many. */
export async function cleanupImports(dataDir: string): Promise<number> {
  return pack().packCleanup(dataDir)
}
