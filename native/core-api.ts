// Typed entry to the core's base runtimes, container folders and captured installs
// (native/src/{runtime,container,capture}, bound in native/src/napi/exports_core.rs).
// Every function returns a Promise: the work runs on a core thread, never on the JS thread.
// Errors are coded Errors (see `isCoreError` in index.ts): EINVAL, ENOTFOUND_CONTAINER,
// ENOTFOUND_RUNTIME, EEXIST, ERUNNING, EBADCONFIG, ENOWINE, EWINEBOOT, EBADRUNTIME, ...
import { join } from 'node:path'
import { native } from './index.ts'
import type { RunDisplay } from './sandbox.ts'

// ---- base runtimes ----

/** runtime.json of a base runtime (a Wine prefix shared read-only by containers). */
export interface RuntimeInfo {
  /** e.g. `wine-8.0-1a2b3c4d5e6f`: Wine version + start of the content hash. */
  id: string
  /** First line of `wine --version` it was made with. */
  wineVersion: string
  /** BLAKE3 (hex) over the prefix's tree manifest (paths, kinds, modes, sizes, file hashes). */
  hash: string
  createdAt: string
  formatVersion: number
  files: number
  bytes: number
}

export interface RuntimeEvent {
  phase: 'wineboot' | 'scan' | 'finalize'
  message: string
}

export interface VerifyReport {
  id: string
  ok: boolean
  expected: string
  actual: string
  /** Prefix-relative paths that differ from the recorded tree (at most 100). */
  changed: string[]
}

// ---- containers ----

export type RuntimeKind = 'wine' | 'native'
export type NetworkPolicy = 'none' | 'host'
/** Whether runs see an X11 display: `host` is the gateway's own display (it resolves it per run). */
export type DisplayMode = 'none' | 'host'

export interface RuntimeRef {
  kind: RuntimeKind
  id: string | null
  wineVersion: string | null
  hash: string | null
}

export interface ContainerLimits {
  memoryMb?: number
  pids?: number
}

/** container.yml. */
export interface ContainerConfig {
  id: string
  name: string
  version?: string
  runtime: RuntimeRef
  env: Record<string, string>
  network: NetworkPolicy
  /** `none` for a container.yml written before displays existed. */
  display: DisplayMode
  limits: ContainerLimits
  labels: Record<string, string>
  createdAt: string
  formatVersion: number
}

export interface ContainerInfo extends ContainerConfig {
  /** The container's folder on this machine. */
  path: string
  /** A sandbox of this container is alive in this process. */
  running: boolean
  /** manifest.json exists. */
  installed: boolean
}

export interface CreateContainerSpec {
  /** 1-64 of [A-Za-z0-9._-], starting with a letter or digit; made from the name when absent. */
  id?: string
  name: string
  version?: string
  /** Default: Wine, on the runtime of the installed Wine version (see ensureRuntime). */
  runtime?: { kind?: RuntimeKind; id?: string }
  env?: Record<string, string>
  network?: NetworkPolicy
  /** Default (create): `none`. */
  display?: DisplayMode
  limits?: ContainerLimits
  labels?: Record<string, string>
}

/** Fields to change; `version: null` clears it, env/labels replace the whole map. */
export interface ContainerPatch {
  name?: string
  version?: string | null
  env?: Record<string, string>
  network?: NetworkPolicy
  /** Default (create): `none`. */
  display?: DisplayMode
  limits?: ContainerLimits
  labels?: Record<string, string>
}

// ---- registry ----

export type RegType = 'sz' | 'expand_sz' | 'multi_sz' | 'dword' | 'qword' | 'binary' | 'none' | 'hex'

/** A registry value (see native/src/registry/model.rs for the data forms). */
export interface RegValue {
  /** "" is the key's default value. */
  name: string
  type: RegType
  /** string (sz, expand_sz; hex for binary/none/hex), string[] (multi_sz), number (dword, qword). */
  data: string | number | string[]
  raw_type?: number
}

export interface KeyInfo {
  path: string
  subkeys: string[]
  values: RegValue[]
  /** Unix seconds. */
  modified: number | null
}

export interface ValueAt {
  key: string
  value: RegValue
}

export interface ValueChange {
  key: string
  old: RegValue
  new: RegValue
}

export interface RegistryChanges {
  keysAdded: string[]
  keysRemoved: string[]
  valuesAdded: ValueAt[]
  valuesChanged: ValueChange[]
  valuesRemoved: ValueAt[]
}

export interface RegImportResult {
  keysCreated: number
  keysDeleted: number
  valuesSet: number
  valuesDeleted: number
}

// ---- captured installs ----

export interface FileChange {
  /** `C:\...`, null outside drive C. */
  path: string | null
  /** Relative to the prefix, e.g. `drive_c/Program Files/Acme/acme.exe`. */
  prefixPath: string
  change: 'added' | 'changed' | 'removed'
  kind: 'file' | 'symlink' | 'other'
  size: number
  blake3: string | null
  mode: number
  linkTarget?: string
}

export interface EntryPoint {
  name: string
  /** `C:\...` of the program. */
  target: string
  arguments: string | null
  workingDir: string | null
  description: string | null
  icon: string | null
  /** `C:\...` of the Start Menu shortcut, for `source: 'shortcut'`. */
  shortcut: string | null
  source: 'shortcut' | 'executable'
}

/** manifest.json of a captured install. */
export interface Manifest {
  formatVersion: number
  containerId: string
  runtime: { id: string; hash: string }
  capturedAt: string
  installer: {
    name: string
    kind: 'exe' | 'msi'
    size: number
    blake3: string
    args: string[]
    exitCode: number | null
    signal: number | null
    durationMs: number
  }
  files: FileChange[]
  directories: { added: string[]; removed: string[] }
  registry: RegistryChanges
  entryPoints: EntryPoint[]
  /** What every capture leaves out (Wine's own churn), so readers know it was not recorded. */
  excluded: { paths: string[]; registryKeys: string[]; registryValues: string }
  summary: {
    filesAdded: number
    filesChanged: number
    filesRemoved: number
    bytesWritten: number
    keysAdded: number
    keysRemoved: number
    valuesAdded: number
    valuesChanged: number
    valuesRemoved: number
    entryPoints: number
  }
}

export type InstallEvent =
  | { phase: 'prepare'; message: string }
  | { phase: 'install'; stream: 'stdout' | 'stderr'; line: string }
  | { phase: 'scan'; filesSeen: number; entriesSeen: number }
  | { phase: 'registry'; message: string }
  | { phase: 'done'; message: string }

/** How an installer runs beyond the container's own policy. Mirrors `capture::InstallOptions`. */
export interface InstallOptions {
  /**
   * The X11 display the installer's windows show on, so a GUI-only installer's wizard can be
   * clicked through; resolved by the caller from the container's display mode, as for runs.
   * Absent or null: no display.
   */
  display?: RunDisplay | null
}

/** The raw exports of the addon (mirror of native/src/napi/exports_core.rs). */
export interface CoreBinding {
  ensureRuntime(dataDir: string, onProgress?: (e: RuntimeEvent) => void): Promise<RuntimeInfo>
  createRuntime(dataDir: string, onProgress?: (e: RuntimeEvent) => void): Promise<RuntimeInfo>
  listRuntimes(dataDir: string): Promise<RuntimeInfo[]>
  getRuntime(dataDir: string, id: string): Promise<RuntimeInfo>
  verifyRuntime(dataDir: string, id: string, onProgress?: (e: RuntimeEvent) => void): Promise<VerifyReport>
  createContainer(dataDir: string, spec: CreateContainerSpec): Promise<ContainerInfo>
  getContainer(dataDir: string, id: string): Promise<ContainerInfo>
  listContainers(dataDir: string): Promise<ContainerInfo[]>
  updateContainer(dataDir: string, id: string, patch: ContainerPatch): Promise<ContainerInfo>
  deleteContainer(dataDir: string, id: string): Promise<null>
  install(
    dataDir: string,
    containerId: string,
    installerPath: string,
    args?: string[],
    onProgress?: (e: InstallEvent) => void,
    options?: InstallOptions,
  ): Promise<Manifest>
  containerRegistryQuery(dataDir: string, id: string, key: string): Promise<KeyInfo>
  containerRegistryGetValue(dataDir: string, id: string, key: string, name: string): Promise<RegValue>
  containerRegistrySetValue(dataDir: string, id: string, key: string, value: RegValue): Promise<null>
  containerRegistryDelete(dataDir: string, id: string, key: string, valueName?: string): Promise<null>
  containerRegistryExport(dataDir: string, id: string, key: string): Promise<string>
  containerRegistryImport(dataDir: string, id: string, reg: string | Uint8Array): Promise<RegImportResult>
  containerRegistryDiff(dataDir: string, id: string): Promise<RegistryChanges>
}

function core(): CoreBinding {
  return native() as unknown as CoreBinding
}

/** The runtime of the installed Wine; made now (wineboot in the sandbox, 15-60 s) if there is none. Concurrent calls share one creation. */
export async function ensureRuntime(
  dataDir: string,
  onProgress?: (e: RuntimeEvent) => void,
): Promise<RuntimeInfo> {
  return core().ensureRuntime(dataDir, onProgress)
}

/** A new runtime of the installed Wine, even if one exists. */
export async function createRuntime(
  dataDir: string,
  onProgress?: (e: RuntimeEvent) => void,
): Promise<RuntimeInfo> {
  return core().createRuntime(dataDir, onProgress)
}

/** Every runtime in the data dir, oldest first. */
export async function listRuntimes(dataDir: string): Promise<RuntimeInfo[]> {
  return core().listRuntimes(dataDir)
}

/** One runtime; ENOTFOUND_RUNTIME if there is none with this id. */
export async function getRuntime(dataDir: string, id: string): Promise<RuntimeInfo> {
  return core().getRuntime(dataDir, id)
}

/** Rehash every file of a runtime and compare with its recorded content hash. */
export async function verifyRuntime(
  dataDir: string,
  id: string,
  onProgress?: (e: RuntimeEvent) => void,
): Promise<VerifyReport> {
  return core().verifyRuntime(dataDir, id, onProgress)
}

/** Create a container folder (kilobytes: the layer starts empty over the shared runtime). */
export async function createContainer(dataDir: string, spec: CreateContainerSpec): Promise<ContainerInfo> {
  return core().createContainer(dataDir, spec)
}

/** One container; ENOTFOUND_CONTAINER if there is none with this id. */
export async function getContainer(dataDir: string, id: string): Promise<ContainerInfo> {
  return core().getContainer(dataDir, id)
}

/** Every container, oldest first. */
export async function listContainers(dataDir: string): Promise<ContainerInfo[]> {
  return core().listContainers(dataDir)
}

/** Change container.yml fields (validated as a whole before anything is written). */
export async function updateContainer(
  dataDir: string,
  id: string,
  patch: ContainerPatch,
): Promise<ContainerInfo> {
  return core().updateContainer(dataDir, id, patch)
}

/** Delete a container and its folder; ERUNNING while it runs or an install/registry edit holds it. */
export async function deleteContainer(dataDir: string, id: string): Promise<void> {
  await core().deleteContainer(dataDir, id)
}

/**
 * Run an installer (.exe, or .msi through `msiexec /i <file> /qn`) in the container's sandbox and
 * capture what it changed into manifest.json. Resolves with the manifest whatever the installer's
 * exit code (see `manifest.installer.exitCode`). `options.display` shows its windows on that display.
 */
export async function install(
  dataDir: string,
  containerId: string,
  installerPath: string,
  args: string[] = [],
  onProgress?: (e: InstallEvent) => void,
  options: InstallOptions = {},
): Promise<Manifest> {
  return core().install(dataDir, containerId, installerPath, args, onProgress, options)
}

/** A key of the container's merged registry (its own hives over the runtime's). */
export async function containerRegistryQuery(dataDir: string, id: string, key: string): Promise<KeyInfo> {
  return core().containerRegistryQuery(dataDir, id, key)
}

/** One value ("" = default value); ENOTFOUND_KEY / ENOTFOUND_VALUE when absent. */
export async function containerRegistryGetValue(
  dataDir: string,
  id: string,
  key: string,
  name: string,
): Promise<RegValue> {
  return core().containerRegistryGetValue(dataDir, id, key, name)
}

/** Set a value (creating the key) in the container's layer; ERUNNING while it runs. */
export async function containerRegistrySetValue(
  dataDir: string,
  id: string,
  key: string,
  value: RegValue,
): Promise<void> {
  await core().containerRegistrySetValue(dataDir, id, key, value)
}

/** Delete one value, or without `valueName` the key and its subkeys; ERUNNING while it runs. */
export async function containerRegistryDelete(
  dataDir: string,
  id: string,
  key: string,
  valueName?: string,
): Promise<void> {
  await core().containerRegistryDelete(dataDir, id, key, valueName)
}

/** A key and its subkeys as .reg text ("Windows Registry Editor Version 5.00"). */
export async function containerRegistryExport(dataDir: string, id: string, key: string): Promise<string> {
  return core().containerRegistryExport(dataDir, id, key)
}

/** Apply a .reg file (text, or bytes in UTF-16/UTF-8); a bad file changes nothing (EBADREG). */
export async function containerRegistryImport(
  dataDir: string,
  id: string,
  reg: string | Uint8Array,
): Promise<RegImportResult> {
  return core().containerRegistryImport(dataDir, id, reg)
}

/** What the container changed in the registry relative to its base runtime. */
export async function containerRegistryDiff(dataDir: string, id: string): Promise<RegistryChanges> {
  return core().containerRegistryDiff(dataDir, id)
}

/**
 * The sandbox prefix of a Wine container (its layer over its runtime), for `startRun` in
 * native/sandbox.ts: `{ kind: 'wine', program, prefix: containerPrefix(dataDir, c), instance: c.id }`.
 */
export function containerPrefix(
  dataDir: string,
  c: ContainerInfo,
): { mode: 'overlay'; lower: string; upper: string; work: string } {
  if (c.runtime.kind !== 'wine' || !c.runtime.id) {
    throw Object.assign(new Error(`container ${c.id} has no base runtime`), { code: 'EINVAL' })
  }
  return {
    mode: 'overlay',
    lower: join(dataDir, 'runtimes', c.runtime.id, 'prefix'),
    upper: join(c.path, 'layer', 'upper'),
    work: join(c.path, 'layer', 'work'),
  }
}
