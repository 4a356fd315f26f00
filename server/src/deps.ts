import type {
  ContainerInfo,
  ContainerPatch,
  CreateContainerSpec,
  InstallEvent,
  InstallOptions,
  KeyInfo,
  Manifest,
  RegImportResult,
  RegValue,
  RuntimeEvent,
  RuntimeInfo,
} from '../../native/core-api.ts'
import type { Listing, OpenedFile } from '../../native/files-api.ts'
import type { FileHash } from '../../native/index.ts'
import type {
  ExportOptions,
  ExportResult,
  ImportOptions,
  ImportResult,
  Inspection,
  RunControl,
} from '../../native/pack-api.ts'
import type { OutputStream, RunSpec, SandboxRun } from '../../native/sandbox.ts'
import type {
  Cloned,
  CloneSpec,
  LongOptions,
  Restored,
  SnapshotDiff,
  SnapshotInfo,
  Created as SnapshotTaken,
} from '../../native/store-api.ts'
import type { SystemInfo } from '../../openapi/index.ts'
import type { AuditLog } from './audit/log.ts'
import type { Auth } from './auth/index.ts'
import type { Config, LoadedConfig } from './config.ts'
import type { Db } from './db/open.ts'
import type { EventBus } from './events/bus.ts'
import type { JobQueue } from './jobs/queue.ts'
import type { Logger } from './log.ts'
import type { Metrics } from './metrics/registry.ts'
import type { TokenVerifier } from './middleware/scope-guard.ts'
import type { RunSupervisor } from './services/runs/supervisor.ts'

/** What the gateway needs from the native core; the real one is native/index.ts. */
export interface Core {
  systemInfo(): SystemInfo['core']
  /** The base runtime of the installed Wine, made now (15-60 s) when there is none. */
  ensureRuntime(dataDir: string, onProgress?: (e: RuntimeEvent) => void): Promise<RuntimeInfo>
  createContainer(dataDir: string, spec: CreateContainerSpec): Promise<ContainerInfo>
  getContainer(dataDir: string, id: string): Promise<ContainerInfo>
  listContainers(dataDir: string): Promise<ContainerInfo[]>
  updateContainer(dataDir: string, id: string, patch: ContainerPatch): Promise<ContainerInfo>
  deleteContainer(dataDir: string, id: string): Promise<void>
  install(
    dataDir: string,
    id: string,
    installerPath: string,
    args: string[],
    onProgress: (e: InstallEvent) => void,
    options?: InstallOptions,
  ): Promise<Manifest>
  hashFile(path: string): Promise<FileHash>
  startRun(spec: RunSpec, onOutput: (stream: OutputStream, chunk: Buffer) => void): Promise<SandboxRun>
  /** Ends everything running in a container's sandbox; false when nothing was. */
  stopInstance(containerId: string, graceMs: number): Promise<boolean>
  /** A sandbox of this container is alive (a run, or leftovers such as a lingering wineserver). */
  instanceAlive(containerId: string): boolean
  /** What a run of the container sees at its prefix: its layer over a clone's frozen layers and its runtime. */
  layerPrefix(dataDir: string, id: string): Promise<NonNullable<RunSpec['prefix']>>
  createSnapshot(dataDir: string, id: string, label: string, opts?: LongOptions): Promise<SnapshotTaken>
  listSnapshots(dataDir: string, id: string): Promise<SnapshotInfo[]>
  getSnapshot(dataDir: string, id: string, snapshotId: string): Promise<SnapshotInfo>
  diffSnapshots(dataDir: string, id: string, from: string, to: string): Promise<SnapshotDiff>
  restoreSnapshot(dataDir: string, id: string, snapshotId: string, opts?: LongOptions): Promise<Restored>
  deleteSnapshot(dataDir: string, id: string, snapshotId: string): Promise<void>
  cloneContainer(dataDir: string, sourceId: string, spec: CloneSpec): Promise<Cloned>
  /** Finishes or undoes layer swaps (restore, clone) a crash interrupted; at start. */
  recoverLayers(dataDir: string): Promise<unknown>
  exportContainer(
    dataDir: string,
    id: string,
    dest: string,
    options: ExportOptions,
    control: RunControl,
  ): Promise<ExportResult>
  importContainer(
    dataDir: string,
    archive: string,
    options: ImportOptions,
    control: RunControl,
  ): Promise<ImportResult>
  inspectArchive(dataDir: string, archive: string, passphrase?: string): Promise<Inspection>
  /** Removes work folders of imports that died; at start. */
  cleanupImports(dataDir: string): Promise<number>
  registryQuery(dataDir: string, id: string, key: string): Promise<KeyInfo>
  registryGetValue(dataDir: string, id: string, key: string, name: string): Promise<RegValue>
  /** Registry writes: the container must be at rest (ERUNNING otherwise). */
  registrySetValue(dataDir: string, id: string, key: string, value: RegValue): Promise<void>
  registryDelete(dataDir: string, id: string, key: string, valueName?: string): Promise<void>
  registryExport(dataDir: string, id: string, key: string): Promise<string>
  registryImport(dataDir: string, id: string, reg: string | Uint8Array): Promise<RegImportResult>
  /** A folder of the container's C: drive (merged view; EOUTSIDE for a link out of it). */
  listFiles(dataDir: string, id: string, path: string): Promise<Listing>
  /** One file of the C: drive, opened for reading (the caller closes it). */
  openFile(dataDir: string, id: string, path: string): Promise<OpenedFile>
}

/** Everything createApp depends on, injected so tests build the real app on a temp data dir. */
export interface Deps {
  db: Db
  core: Core
  config: Config
  version: string
  installationId: string
  /** Bearer tokens: the bootstrap admin token (when set) and API tokens. */
  verifyToken: TokenVerifier
  /** Users, passkeys, sessions, API tokens, ceremonies, the failure brake. */
  auth: Auth
  /** Every state change, stored and streamed (GET /api/events). */
  events: EventBus
  /** Long work as durable jobs; services register their kinds before it starts. */
  jobs: JobQueue
  /** The runs alive in this gateway (services/runs). */
  runs: RunSupervisor
  /** The append-only, hash-chained record of every mutation. */
  audit: AuditLog
  /** Prometheus metrics; follows the bus and times every request. */
  metrics: Metrics
  /** Structured JSON logs. */
  log: Logger
  /** Re-reads the configuration from its sources (files, environment, the start flags). */
  readConfig: () => LoadedConfig
  /** The built SPA (web/dist); when absent, `/` answers with a hint to build it. */
  staticDir?: string
}
