import { count } from 'drizzle-orm'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'
import type { Db } from '../db/open.ts'
import { containerStates, containers } from '../db/schema.ts'
import type { EventBus } from '../events/bus.ts'
import type { OrbitEvent } from '../events/types.ts'
import { recordDisk } from '../services/containers/disk.ts'
import { type DiskSample, DiskSampler, type DiskSamplerOptions } from './disk.ts'

/** Where the gauges read by a scrape (containers by state, disk use) come from. */
export interface MetricSources {
  db: Db
  dataDir: string
  disk?: DiskSamplerOptions
  /** Sweep every container's disk use in the background (the gateway does; tests measure on demand). */
  sweep?: boolean
}

const installKind = 'container.install'

/**
 * The gateway's Prometheus metrics, on a registry of its own (not prom-client's global one) so several
 * apps in one process — tests — never collide. Job and run figures come from the event bus, so every
 * service that publishes its events is measured without knowing about metrics.
 */
export class Metrics {
  readonly registry = new Registry()
  readonly httpDuration = new Histogram({
    name: 'orbit_http_request_duration_seconds',
    help: 'HTTP request latency by route pattern, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [this.registry],
  })
  readonly jobDuration = new Histogram({
    name: 'orbit_job_duration_seconds',
    help: 'Duration of finished jobs by kind and outcome',
    labelNames: ['kind', 'state'] as const,
    buckets: [0.1, 0.5, 1, 5, 15, 30, 60, 120, 300, 900],
    registers: [this.registry],
  })
  readonly jobFailures = new Counter({
    name: 'orbit_job_failures_total',
    help: 'Failed jobs by kind and error code',
    labelNames: ['kind', 'code'] as const,
    registers: [this.registry],
  })
  readonly installDuration = new Histogram({
    name: 'orbit_install_duration_seconds',
    help: 'Duration of install jobs (snapshots, installer, capture) by outcome',
    labelNames: ['state'] as const,
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  })
  readonly installerDuration = new Histogram({
    name: 'orbit_installer_duration_seconds',
    help: 'Time the installer program itself ran, for installs that captured a manifest',
    buckets: [1, 5, 15, 30, 60, 120, 300, 600, 1800],
    registers: [this.registry],
  })
  readonly runsActive: Gauge = new Gauge({
    name: 'orbit_runs_active',
    help: 'Programs running in containers now',
    registers: [this.registry],
    collect: (): void => this.runsActive.set(this.#liveRuns.size),
  })
  readonly runExits = new Counter({
    name: 'orbit_run_exits_total',
    help: 'Ended runs by final state (exited, stopped, failed, lost) and exit code or signal',
    labelNames: ['state', 'exit'] as const,
    registers: [this.registry],
  })
  readonly containersByState: Gauge<'state'> = new Gauge({
    name: 'orbit_containers',
    help: 'Containers by lifecycle state',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: (): void => this.#collectContainers(),
  })
  readonly containerDisk: Gauge<'container' | 'name'> = new Gauge({
    name: 'orbit_container_disk_bytes',
    help: 'Disk used by each container folder (sampled in the background, see orbit_disk_sample_age_seconds)',
    labelNames: ['container', 'name'] as const,
    registers: [this.registry],
    collect: (): void => this.#collectDisk(),
  })
  readonly storeDisk: Gauge = new Gauge({
    name: 'orbit_store_disk_bytes',
    help: 'Bytes of content in the shared store (snapshots, clones, imports)',
    registers: [this.registry],
    collect: (): void => {
      const store = this.#diskSample()?.store
      if (store) this.storeDisk.set(store.bytes)
    },
  })
  readonly storeObjects: Gauge = new Gauge({
    name: 'orbit_store_objects',
    help: 'Objects in the shared store',
    registers: [this.registry],
    collect: (): void => {
      const store = this.#diskSample()?.store
      if (store) this.storeObjects.set(store.objects)
    },
  })
  readonly diskSampleAge: Gauge = new Gauge({
    name: 'orbit_disk_sample_age_seconds',
    help: 'Age of the disk figures (they are measured at most once per TTL, never during a scrape)',
    registers: [this.registry],
    collect: (): void => {
      const at = this.#diskSample()?.at
      if (at) this.diskSampleAge.set(Math.max(0, Date.now() - at) / 1000)
    },
  })
  /** Disk use, once sources are known (follow). */
  disk: DiskSampler | undefined
  /** Runs announced by run.started and not yet ended (a run that failed to start never counts). */
  readonly #liveRuns = new Set<string>()
  #db: Db | undefined
  #unsubscribe: (() => void) | undefined

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'orbit_' })
  }

  /** Follows job and run events on the bus; with sources, scrapes also read containers and disk use. */
  follow(bus: EventBus, sources?: MetricSources): void {
    this.#unsubscribe = bus.subscribe((e) => this.#onEvent(e), {
      types: ['job.succeeded', 'job.failed', 'job.canceled', 'run.started', 'run.ended', 'container.created'],
    })
    if (sources) {
      const { db } = sources
      this.#db = db
      this.disk = new DiskSampler(db, sources.dataDir, {
        onMeasured: (id, bytes, at) => recordDisk({ db, events: bus }, id, bytes, at),
        ...sources.disk,
      })
      if (sources.sweep) this.disk.start()
    }
  }

  observeRequest(route: string, method: string, status: number, seconds: number): void {
    this.httpDuration.observe({ route, method, status: String(status) }, seconds)
  }

  #onEvent(e: OrbitEvent): void {
    const d = (e.data ?? {}) as Record<string, unknown>
    // What a container holds changed (an install, restore, import, run, clone): measure it again.
    const changed = e.type === 'container.created' ? e.subject : d.containerId
    if (typeof changed === 'string' && e.type !== 'run.started') this.disk?.measureSoon(changed)
    if (e.type === 'job.succeeded' || e.type === 'job.failed' || e.type === 'job.canceled') {
      const kind = String(d.kind ?? 'unknown')
      const started = typeof d.startedAt === 'string' ? Date.parse(d.startedAt) : Number.NaN
      const finished = typeof d.finishedAt === 'string' ? Date.parse(d.finishedAt) : Number.NaN
      if (Number.isFinite(started) && Number.isFinite(finished)) {
        this.jobDuration.observe({ kind, state: e.type.slice(4) }, Math.max(0, finished - started) / 1000)
      }
      if (e.type === 'job.failed') {
        const code = String((d.error as { code?: unknown } | null)?.code ?? 'unknown')
        this.jobFailures.inc({ kind, code })
      }
      if (kind === installKind && Number.isFinite(started) && Number.isFinite(finished)) {
        this.installDuration.observe({ state: e.type.slice(4) }, Math.max(0, finished - started) / 1000)
        const ms = (d.result as { installer?: { durationMs?: unknown } } | null)?.installer?.durationMs
        if (e.type === 'job.succeeded' && typeof ms === 'number') this.installerDuration.observe(ms / 1000)
      }
    } else if (e.type === 'run.started') {
      this.#liveRuns.add(e.subject)
    } else if (e.type === 'run.ended') {
      this.#liveRuns.delete(e.subject)
      // The Run after the change (services/runs): exited/stopped carry a code or a signal.
      const exit = d.signal != null ? `signal ${d.signal}` : d.exitCode != null ? String(d.exitCode) : 'none'
      this.runExits.inc({ state: String(d.state ?? 'unknown'), exit })
    }
  }

  #collectContainers(): void {
    if (!this.#db) return
    const rows = this.#db
      .select({ state: containers.state, n: count() })
      .from(containers)
      .groupBy(containers.state)
      .all()
    // Every state is reported, 0 included, so a state that empties does not keep its last value.
    for (const state of containerStates) this.containersByState.set({ state }, 0)
    for (const r of rows) this.containersByState.set({ state: r.state }, r.n)
  }

  /** The last disk sample (a stale one starts a background refresh); undefined before the first. */
  #diskSample(): DiskSample | undefined {
    const sample = this.disk?.current()
    return sample && sample.at > 0 ? sample : undefined
  }

  #collectDisk(): void {
    const sample = this.#diskSample()
    // Containers deleted since the last sample drop out instead of lingering.
    this.containerDisk.reset()
    if (!sample) return
    for (const [id, c] of sample.containers) this.containerDisk.set({ container: id, name: c.name }, c.bytes)
  }

  close(): void {
    this.#unsubscribe?.()
    this.disk?.close()
  }
}
