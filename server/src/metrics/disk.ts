import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { eq } from 'drizzle-orm'
import { storeUsage } from '../../../native/store-api.ts'
import type { Db } from '../db/open.ts'
import { containers } from '../db/schema.ts'
import { treeUsage } from './walk.ts'

export interface DiskSample {
  /** When the sample was finished (ms since the epoch); 0 before the first one. */
  at: number
  /** Per container id: bytes its folder (layer, hives, logs, manifests) takes on disk. */
  containers: Map<string, { name: string; bytes: number; truncated: boolean }>
  /** The content store (snapshots and clones' shared content); null when it could not be read. */
  store: { bytes: number; objects: number } | null
}

export interface DiskSamplerOptions {
  /** A sample older than this is refreshed on the next read. Default 60 s. */
  ttlMs?: number
  /** Entry budget of one container's walk. Default 200k. */
  maxEntriesPerContainer?: number
  now?: () => number
  /** Every container is measured again this often (a run writing files is noticed). Default 5 min. */
  sweepMs?: number
  /** A container is measured this long after a change was announced (job or run end). Default 1 s. */
  settleMs?: number
  /** Told each container's figure as it is measured (the row keeps it; services/containers/disk.ts). */
  onMeasured?: (id: string, bytes: number, at: number) => void
}

/**
 * Disk use is slow to measure (a walk per container, a read of the store's index), so a scrape
 * or a request never waits for it: it reads the last sample, and a stale sample starts one refresh
 * in the background (single flight). The first scrape after start therefore shows no disk figures
 * yet. Besides, a container is measured alone shortly after something changed what it holds
 * (`measureSoon`), and all are swept every `sweepMs` once `start` was called.
 */
export class DiskSampler {
  #sample: DiskSample = { at: 0, containers: new Map(), store: null }
  #refreshing: Promise<DiskSample> | undefined
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #now: () => number
  readonly #sweepMs: number
  readonly #settleMs: number
  readonly #onMeasured: DiskSamplerOptions['onMeasured']
  readonly #soon = new Map<string, NodeJS.Timeout>()
  #sweep: NodeJS.Timeout | undefined

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    options: DiskSamplerOptions = {},
  ) {
    this.#ttlMs = options.ttlMs ?? 60_000
    this.#maxEntries = options.maxEntriesPerContainer ?? 200_000
    this.#now = options.now ?? Date.now
    this.#sweepMs = options.sweepMs ?? 5 * 60_000
    this.#settleMs = options.settleMs ?? 1000
    this.#onMeasured = options.onMeasured
  }

  /** Sweeps every container now (in the background) and then every `sweepMs`. */
  start(): void {
    if (this.#sweep) return
    const sweep = () => void this.refresh().catch(() => {})
    this.#sweep = setInterval(sweep, this.#sweepMs).unref()
    sweep()
  }

  /** Measures container `id` `settleMs` from now (several calls meanwhile: once). */
  measureSoon(id: string): void {
    if (this.#soon.has(id)) return
    const timer = setTimeout(() => {
      this.#soon.delete(id)
      void this.measureOne(id).catch(() => {})
    }, this.#settleMs).unref()
    this.#soon.set(id, timer)
  }

  /** Measures one container now and keeps its figure in the sample. */
  async measureOne(id: string): Promise<void> {
    const row = this.db
      .select({ id: containers.id, name: containers.name, path: containers.path })
      .from(containers)
      .where(eq(containers.id, id))
      .get()
    if (!row) return
    const u = await this.#measureContainer(row.id, row.path)
    if (u) this.#sample.containers.set(row.id, { name: row.name, ...u })
  }

  /** Stops the sweep and any pending measurement. */
  close(): void {
    clearInterval(this.#sweep)
    this.#sweep = undefined
    for (const t of this.#soon.values()) clearTimeout(t)
    this.#soon.clear()
  }

  async #measureContainer(
    id: string,
    path: string,
  ): Promise<{ bytes: number; truncated: boolean } | undefined> {
    const u = await treeUsage(path, this.#maxEntries)
    if (u.entries === 0) return undefined
    this.#onMeasured?.(id, u.bytes, this.#now())
    return { bytes: u.bytes, truncated: u.truncated }
  }

  /** The last sample, starting a refresh when it is stale; never waits. */
  current(): DiskSample {
    if (this.#now() - this.#sample.at >= this.#ttlMs) void this.refresh().catch(() => {})
    return this.#sample
  }

  /** Measures now (joining a refresh under way) and keeps the result. */
  refresh(): Promise<DiskSample> {
    this.#refreshing ??= this.#measure().finally(() => {
      this.#refreshing = undefined
    })
    return this.#refreshing
  }

  async #measure(): Promise<DiskSample> {
    const rows = this.db
      .select({ id: containers.id, name: containers.name, path: containers.path })
      .from(containers)
      .all()
    const measured = new Map<string, { name: string; bytes: number; truncated: boolean }>()
    // One container at a time: the walk is I/O bound and must not crowd out requests.
    for (const row of rows) {
      const u = await this.#measureContainer(row.id, row.path)
      if (u) measured.set(row.id, { name: row.name, ...u })
    }
    let store: DiskSample['store'] = { bytes: 0, objects: 0 }
    try {
      // Opening the store creates it: a scrape must not, so no store folder means an empty store.
      if (existsSync(join(this.dataDir, 'store', 'objects', 'ff'))) {
        const s = await storeUsage(this.dataDir)
        store = { bytes: s.bytes, objects: s.objects }
      }
    } catch {
      // Being repaired or unreadable: no figure rather than a wrong one.
      store = null
    }
    this.#sample = { at: this.#now(), containers: measured, store }
    return this.#sample
  }
}
