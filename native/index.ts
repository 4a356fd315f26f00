// Typed entry to Orbit's Rust core (native/orbit_core.node, built by `npm run setup`).
// The addon is loaded on first use, so importing this module never fails by itself.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'

/** Path of the compiled addon, beside this file. */
export const addonPath: string = fileURLToPath(new URL('./orbit_core.node', import.meta.url))

/** An Error thrown or rejected by the core: `code` is stable (ENOENT, EINVAL, EPANIC, ...). */
export type CoreError = Error & { code: string }

/** True when `e` is an error carrying a stable core `code`. */
export function isCoreError(e: unknown): e is CoreError {
  return e instanceof Error && typeof (e as { code?: unknown }).code === 'string'
}

/** A JS callback the core calls from its worker threads (events arrive on the JS thread). */
export type Listener<E> = (event: E) => void

/** Shape of an async core function: JSON-like arguments, optional listener, Promise result. */
export type AsyncCoreFn<A extends unknown[], R, E = never> = (
  ...args: [...A, onEvent?: Listener<E>]
) => Promise<R>

export type CgroupMode = 'v1' | 'v2' | 'hybrid' | 'none'

export interface SystemInfo {
  coreVersion: string
  kernel: string
  arch: string
  wine: { available: boolean; version: string | null; path: string | null }
  /** Namespaces this process can create (as root directly, otherwise inside a user namespace). */
  namespaces: { user: boolean; mount: boolean; pid: boolean; net: boolean; ipc: boolean; uts: boolean }
  /** overlayfs is available and a real test mount succeeded. */
  overlay: boolean
  /** `mode` says where the controllers live ("hybrid": some on v1, some on v2). */
  cgroup: { mode: CgroupMode; controllers: string[] }
  isRoot: boolean
}

export interface FileHash {
  /** BLAKE3, lowercase hex. */
  hash: string
  size: number
}

export interface HashProgress {
  done: number
  total: number
}

/** The raw addon exports (mirror of native/src/napi/exports.rs). */
export interface NativeBinding {
  version(): string
  systemInfo(): SystemInfo
  hashFileSync(path: string): FileHash
  hashFile: AsyncCoreFn<[path: string], FileHash, HashProgress>
  /** Internal: panics inside Rust so tests can prove the panic guard (throws code EPANIC). */
  _panicForTest(): never
}

let binding: NativeBinding | undefined

/** The loaded addon; throws a coded error (ENOBINDING) with the fix when it is not built. */
export function native(): NativeBinding {
  if (binding) return binding
  if (!existsSync(addonPath)) {
    const error = new Error(`Orbit core not built: ${addonPath} is missing; run npm run setup`)
    throw Object.assign(error, { code: 'ENOBINDING' })
  }
  binding = createRequire(import.meta.url)(addonPath) as NativeBinding
  return binding
}

/** The core's version (Cargo package version). */
export function version(): string {
  return native().version()
}

/** Real facts about this machine: Wine, namespaces, overlayfs, cgroups, root. */
export function systemInfo(): SystemInfo {
  return native().systemInfo()
}

/** BLAKE3 of a file, on the calling thread (use for small files only). */
export function hashFileSync(path: string): FileHash {
  return native().hashFileSync(path)
}

/** BLAKE3 of a file on a worker thread, reporting bytes read through `onProgress`. */
export function hashFile(path: string, onProgress?: Listener<HashProgress>): Promise<FileHash> {
  return native().hashFile(path, onProgress)
}
