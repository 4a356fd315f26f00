import { existsSync } from 'node:fs'
import { join } from 'node:path'
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
}

/**
 * Disk use is slow to measure (a walk per container, a read of the store's index), so a scrape
 * never waits for it: it reads the last sample, and a stale sample starts one refresh in the
 * background (single flight). The first scrape after start therefore shows no disk figures yet.
 */
export class DiskSampler {
  #sample: DiskSample = { at: 0, containers: new Map(), store: null }
  #refreshing: Promise<DiskSample> | undefined
  readonly #ttlMs: number
  readonly #maxEntries: number
  readonly #now: () => number

  constructor(
    private readonly db: Db,
    private readonly dataDir: string,
    options: DiskSamplerOptions = {},
  ) {
    this.#ttlMs = options.ttlMs ?? 60_000
    this.#maxEntries = options.maxEntriesPerContainer ?? 200_000
    this.#now = options.now ?? Date.now
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
      const u = await treeUsage(row.path, this.#maxEntries)
      if (u.entries > 0) measured.set(row.id, { name: row.name, bytes: u.bytes, truncated: u.truncated })
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
